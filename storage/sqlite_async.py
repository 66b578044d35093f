"""SQLite for the async engine: SQLAlchemy's aiosqlite adapter with one trip to the database thread a statement.

aiosqlite runs each sqlite3 call on a thread of its own, and every call is a round trip: queue the call, wake the
thread, wake the event loop through its self-pipe. SQLAlchemy's adapter makes four of them for a statement that
returns rows (open a cursor, execute, fetch, close) and three for one that does not. One round trip costs about
0.1 ms of CPU, where SQLite itself answers our statements in a few microseconds, so on the server's busy loop
the trips were most of what a database write cost (measured: benchmarks/server_bench.py, README). Here a
statement opens, runs, fetches and closes its cursor in one call on the thread.

A transaction's BEGIN is sent with its first statement, and a commit or rollback outside a transaction (the pool
rolls back every connection handed back, committed or not) makes no trip. Everything else (connecting, the
commits and rollbacks that matter, server-side cursors, errors) is SQLAlchemy's own adapter. It leans on two
internals, SQLAlchemy's adapter classes and aiosqlite's `_execute`, so the test suite runs on it everywhere SQLite
runs (tests/storage/test_sqlite_async.py checks the pieces it uses).

`run_transaction` goes one step further for the write on every acknowledgement's path (the inbox): a whole
transaction, BEGIN IMMEDIATE to COMMIT, in one trip on a pooled connection, with no SQLAlchemy statement
machinery around it. For a batch of 8 deliveries and their jobs that machinery cost 1.2 ms of CPU, where the
statements themselves cost 0.2 (benchmarks/server_bench.py, README).
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

__all__ = ["one_trip_dbapi", "run_transaction"]

T = TypeVar("T")


def _run(
    conn: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
) -> tuple[Any, list[Any], int, Any]:
    """On aiosqlite's thread: the transaction's BEGIN if it is still to be sent, then the whole statement, cursor
    opened and closed here."""
    if begin is not None:
        conn.execute(begin).close()
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement runs in one call on aiosqlite's thread; its rows are already here after it."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection):
        # no driver cursor is opened here (SQLAlchemy's opens one per statement, a round trip of its own)
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: Any = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:  # fetchmany sizes come from SQLAlchemy's own buffer
        pass

    def _go(self, operation: Any, parameters: Any, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        adapted: _OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        begin, adapted.pending_begin = adapted.pending_begin, None
        try:
            call = connection._execute(_run, connection._conn, begin, operation, parameters, many)  # type: ignore[no-untyped-call]
            result = await_(call)
        except Exception as error:
            adapted._handle_exception(error)
        except BaseException:
            # cancelled while the call may still run on the thread: only a rollback queued behind it knows
            adapted.interrupted = True
            raise
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._go(operation, parameters, False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._go(operation, seq_of_parameters, True)

    async def _async_soft_close(self) -> None:
        return None  # the driver cursor is closed already

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        return None


class _OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's adapted connection with one-trip cursors, and a BEGIN that travels with the transaction's first
    statement (`begin`): a transaction of one statement is then two trips (statement, COMMIT), where it was eight."""

    __slots__ = ("pending_begin", "interrupted")
    _cursor_cls = _OneTripCursor  # type: ignore[assignment]  # a subclass of the adapter's own

    def __init__(self, dbapi: Any, connection: Any):
        super().__init__(dbapi, connection)
        self.pending_begin: str | None = None
        self.interrupted = False

    def cursor(self, server_side: bool = False) -> Any:
        if server_side and self.pending_begin is not None:
            # SQLAlchemy's streaming cursor runs its statement its own way: the BEGIN goes first, on a trip of its own
            begin, self.pending_begin = self.pending_begin, None
            connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
            try:
                await_(connection.execute(begin))
            except Exception as error:
                self._handle_exception(error)
        return super().cursor(server_side)

    def begin(self, statement: str) -> None:
        """Start a transaction with `statement` (BEGIN IMMEDIATE, say), sent just before the next statement. Nothing
        happens on the database in between, so a write lock taken then is taken as early as it would have been."""
        self.pending_begin = statement

    def _in_transaction(self) -> bool:
        try:
            return bool(self._connection._conn.in_transaction)
        except ValueError:  # closed: let SQLAlchemy's adapter raise its own error
            return True

    # sqlite3 itself does nothing for a commit or rollback outside a transaction; skipping the call skips its round
    # trip, and the pool's rollback of every connection handed back after a commit is one of those
    def rollback(self) -> None:
        self.pending_begin = None  # a transaction that ran no statement has nothing to undo
        # after an interrupted call, whether a transaction is open is known only once that call is done: the
        # rollback is then queued behind it, as SQLAlchemy's adapter always does
        if self.interrupted or self._in_transaction():
            self.interrupted = False
            super().rollback()

    def commit(self) -> None:
        self.pending_begin = None
        if self._in_transaction():
            super().commit()


class _OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        return _OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module to give `create_async_engine(..., module=...)` for a sqlite+aiosqlite URL."""
    return _OneTripDbapi(aiosqlite, sqlite3)


class _Abandoned(Exception):
    """The caller of a transaction gave up on it: it is rolled back, not committed behind the caller's back."""


class _Token:
    __slots__ = ("abandoned",)

    def __init__(self) -> None:
        self.abandoned = False


def _transaction(conn: sqlite3.Connection, token: _Token, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    """On aiosqlite's thread: BEGIN IMMEDIATE (waiting for another process's lock as the busy timeout allows),
    `fn`, COMMIT; a failure, or a caller that gave up meanwhile, rolls everything back."""
    conn.execute("BEGIN IMMEDIATE").close()
    try:
        if token.abandoned:
            raise _Abandoned
        result = fn(conn, *args)
        if token.abandoned:
            raise _Abandoned
        conn.execute("COMMIT").close()
        return result
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK").close()
        raise


async def run_transaction(engine: AsyncEngine, fn: Callable[..., T], *args: Any) -> T:
    """`fn(connection, *args)` on the sqlite3 connection of one of `engine`'s pooled connections, inside a
    transaction of its own (BEGIN IMMEDIATE ... COMMIT), in one trip to that connection's thread. `fn` runs on
    that thread: it gets plain sqlite3 (no SQLAlchemy types, hooks or NUL stripping; the caller prepares its
    values). Errors arrive as SQLAlchemy's, as from any other statement. Cancelled, the transaction is rolled
    back, and the connection goes back to the pool only once its thread is done with it (the cancellation then
    waits for that: it has no caller)."""
    raw = await engine.raw_connection()
    try:
        connection: aiosqlite.Connection = raw.driver_connection  # type: ignore[assignment]
        token = _Token()
        try:
            call = connection._execute(_transaction, connection._conn, token, fn, args)  # type: ignore[no-untyped-call]
            return await call  # type: ignore[no-any-return]
        except sqlite3.Error as error:  # as SQLAlchemy's own (OperationalError, IntegrityError...), like every write
            raise DBAPIError.instance(None, None, error, sqlite3.Error) from error
        except asyncio.CancelledError:
            token.abandoned = True
            # the call may still be running (waiting for another process's write lock, up to the busy timeout):
            # a no-op queued behind it on the same thread finishes after it does
            await asyncio.shield(connection._execute(_noop))  # type: ignore[no-untyped-call]
            raise
    finally:
        raw.close()


def _noop() -> None:
    return None
