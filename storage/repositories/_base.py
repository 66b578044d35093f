"""What every repository shares: the sessions (read and write), the dialect's INSERT, time helpers.

Each repository method is one transaction. Writes run on the write sessions, which on SQLite take the
write lock at BEGIN (BEGIN IMMEDIATE), so read-then-write steps never fail halfway with "database is
locked"; on PostgreSQL, races are settled by unique keys and INSERT ... ON CONFLICT, and where a number
is handed out (baseline versions) by a transaction advisory lock (`Database.serialize`).

Text from people and platforms can hold NUL bytes (a question, a reply, a delivery id), which PostgreSQL
refuses in text columns ("invalid byte sequence ... 0x00"). `without_nul` strips them from every statement's
parameters, once for all repositories (a hook on the engine), so SQLite and PostgreSQL store the same text.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar, overload

from sqlalchemy import CursorResult, Result, Table, bindparam, event, exists, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPICursor, ExecutionContext
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from storage.db import make_sessionmaker, read_engine, write_engine
from storage.models import AuditRow, SentMessageRow, utcnow
from storage.sqlite_async import run_transaction

__all__ = [
    "Database",
    "NotFound",
    "PlainInsert",
    "as_utc",
    "add_audit",
    "owns_message",
    "require_owned",
    "rowcount",
    "without_nul",
]


T = TypeVar("T")


class NotFound(LookupError):
    """An id given to a write (a baseline, a scenario) is not in the caller's workspace."""


class Database:
    """The engine's sessions and its dialect, shared by the repositories of one Storage."""

    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        if not event.contains(engine.sync_engine, "before_cursor_execute", _strip_nul_parameters):
            event.listen(engine.sync_engine, "before_cursor_execute", _strip_nul_parameters, retval=True)
        self.dialect = engine.dialect.name
        self._read = make_sessionmaker(read_engine(engine))
        self._write_engine = write_engine(engine)
        self._write = make_sessionmaker(self._write_engine)
        # SQLite has one write lock, and a connection that finds it taken polls for it with sleeps of up to 100 ms
        # (its busy handler): with a dozen writers in one process (acknowledgements, the worker's jobs), writes wait
        # in those sleeps, not for each other. Taking turns here instead hands the lock over the moment it is free,
        # in arrival order. Other processes (the CLI) still meet SQLite's own lock and busy timeout.
        self._turns: asyncio.Lock | None = asyncio.Lock() if self.dialect == "sqlite" else None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only session (storage.db.read_engine: on SQLite, no BEGIN; never write through it)."""
        async with self._read() as session:
            yield session

    async def any(self, query: Any) -> bool:
        """Whether `query` finds a row: a read, so a poll that finds nothing takes no write lock."""
        async with self.read() as session:
            return (await session.scalar(query.limit(1))) is not None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        async with self._turn(), self._write.begin() as session:
            yield session

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if self._turns is None:
            yield
            return
        async with self._turns:
            yield

    @asynccontextmanager
    async def write_connection(self) -> AsyncIterator[AsyncConnection]:
        """Like write(), on a bare connection: for one hot statement the ORM session would only slow down."""
        async with self._turn(), self._write_engine.begin() as conn:
            yield conn

    async def transaction(self, fn: Callable[..., T], *args: Any) -> T:
        """SQLite only: `fn(sqlite3_connection, *args)` in a write transaction of its own, in one trip to the database
        thread, taking its turn like write() (storage.sqlite_async.run_transaction). For the one write on every
        acknowledgement's path, where SQLAlchemy's statement machinery cost more than the statements."""
        if self.dialect != "sqlite":
            raise RuntimeError("Database.transaction runs plain sqlite3: it is for SQLite only")
        async with self._turn():
            return await run_transaction(self.engine, fn, *args)

    async def serialize(self, session: AsyncSession, workspace_id: int, name: str) -> None:
        """Make concurrent write transactions on (workspace_id, name) take turns until commit. SQLite's
        write transactions already do (BEGIN IMMEDIATE); PostgreSQL takes a transaction advisory lock
        on the key pair (workspace_id, hashtext(name))."""
        if self.dialect == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:workspace_id, hashtext(:name))"),
                {"workspace_id": workspace_id, "name": name},
            )

    def insert(self, model: Any) -> Any:
        """The dialect's INSERT (with on_conflict_do_nothing / on_conflict_do_update) for a model's table."""
        table: Table = model.__table__
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


class PlainInsert:
    """An INSERT ... ON CONFLICT DO NOTHING of some of a model's columns, for plain sqlite3 (Database.transaction):
    its SQL, and its rows with each value converted as SQLAlchemy converts it for that column (times, JSON,
    booleans) and NUL characters stripped as the engine's hook strips them, so the rows read back the same."""

    __slots__ = ("sql", "_columns", "_processors")

    def __init__(self, db: Database, model: Any, columns: tuple[str, ...], conflict: tuple[str, ...]):
        table: Table = model.__table__
        dialect = db.engine.dialect
        for column in table.columns:
            # a column left out gets the database's default; one with only a Python-side default would differ
            if column.name not in columns and column.default is not None and column.server_default is None:
                raise ValueError(f"{table.name}.{column.name} has a Python-side default: give it a value")
        quote = dialect.identifier_preparer.quote
        names, marks = ", ".join(quote(c) for c in columns), ", ".join("?" for _ in columns)
        on = ", ".join(quote(c) for c in conflict)
        self.sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks}) ON CONFLICT ({on}) DO NOTHING"
        self._columns = columns
        self._processors = tuple(table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns)

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        row = []
        for name, process in zip(self._columns, self._processors, strict=True):
            value = values[name] if process is None else process(values[name])
            # the engine hook's own step, on the converted values as there (only text can hold a NUL)
            row.append(without_nul(value) if isinstance(value, str) else value)
        return tuple(row)


def without_nul(value: Any) -> Any:
    """`value` with NUL characters removed from every string in it (dicts, lists and tuples are walked)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {key: without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(without_nul(item) for item in value)
    return value


def _strip_nul_parameters(
    conn: object,
    cursor: DBAPICursor,
    statement: str,
    parameters: Any,
    context: ExecutionContext | None,
    executemany: bool,
) -> tuple[str, Any]:
    # JSON values arrive here already serialised (a NUL is then the six characters \u0000, which both databases
    # accept in JSON), so only plain text parameters ever carry the byte.
    return statement, without_nul(parameters)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
@overload
def as_utc(value: datetime | None) -> datetime | None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def add_audit(
    session: AsyncSession,
    workspace_id: int,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object = None,
    detail: dict[str, Any] | None = None,
) -> AuditRow:
    """Append an audit entry in the caller's transaction."""
    row = AuditRow(
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=dict(detail or {}),
        at=utcnow(),
    )
    session.add(row)
    return row


def rowcount(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE touched. `AsyncSession.execute` is typed as returning a `Result`;
    for those statements it is a `CursorResult`, which alone carries the count."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"expected the CursorResult of an INSERT, UPDATE or DELETE, got {type(result).__name__}")
    return int(result.rowcount or 0)


# Statements on the path of every answer are built once, with their values as bound parameters: building one
# (its clauses, its cache key) cost more CPU than SQLite took to run it (benchmarks/server_bench.py, README).
_OWNED: dict[Any, Any] = {}


async def owns(session: AsyncSession | AsyncConnection, model: Any, workspace_id: int, row_id: int) -> bool:
    """Whether the `model` row `row_id` belongs to `workspace_id` (a row of another workspace is "not found")."""
    query = _OWNED.get(model)
    if query is None:
        where = (model.id == bindparam("owned_id"), model.workspace_id == bindparam("owned_workspace"))
        query = _OWNED[model] = select(exists().where(*where))
    return bool(await session.scalar(query, {"owned_id": row_id, "owned_workspace": workspace_id}))


async def require_owned(
    session: AsyncSession | AsyncConnection, model: Any, workspace_id: int, row_id: int | None, what: str
) -> None:
    """Raise NotFound ("<what> <id> is not in workspace <id>") unless the `model` row `row_id` is in `workspace_id`;
    a None `row_id` (nothing referred to) passes."""
    if row_id is not None and not await owns(session, model, workspace_id, row_id):
        raise NotFound(f"{what} {row_id} is not in workspace {workspace_id}")


async def owns_message(session: AsyncSession, workspace_id: int, sent_message_id: int) -> bool:
    return await owns(session, SentMessageRow, workspace_id, sent_message_id)
