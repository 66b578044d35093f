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
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

__all__ = ["one_trip_dbapi"]


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
