"""SQLite's one-trip driver (storage.sqlite_async): every result a statement gives SQLAlchemy, its errors, its
transactions, and the one trip to aiosqlite's thread that is its reason to exist."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import make_engine
from storage.db import write_engine
from storage.repositories._base import Database
from storage.sqlite_async import one_trip_dbapi, run_transaction

METADATA = MetaData()
ITEMS = Table(
    "items",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), unique=True, nullable=False),
    Column("qty", Integer, nullable=False),
)


@pytest.fixture
async def engine(tmp_path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'one-trip.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """The calls made on aiosqlite's thread, by name."""
    made: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return made


def test_sqlite_urls_get_the_one_trip_driver(engine: AsyncEngine) -> None:
    assert type(engine.dialect.dbapi) is type(one_trip_dbapi())


async def test_rows_returning_rowcount_and_lastrowid_reach_sqlalchemy(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        first = await conn.execute(insert(ITEMS).values(name="Globex", qty=3))
        assert first.inserted_primary_key == (1,)  # from the cursor's lastrowid
        returned = await conn.execute(insert(ITEMS).values(name="Initech", qty=5).returning(ITEMS.c.id, ITEMS.c.name))
        assert returned.all() == [(2, "Initech")]
        many = [{"name": f"Deal {n}", "qty": n} for n in range(10)]
        await conn.execute(insert(ITEMS), many)  # executemany
        changed = await conn.execute(update(ITEMS).where(ITEMS.c.qty < 5).values(qty=0))
        assert changed.rowcount == 6  # Globex and Deal 0..4
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(ITEMS))).scalar_one() == 12
        rows = (await conn.execute(select(ITEMS.c.name, ITEMS.c.qty).order_by(ITEMS.c.id).limit(3))).all()
        assert rows == [("Globex", 0), ("Initech", 5), ("Deal 0", 0)]
        partial = await conn.execute(select(ITEMS.c.name).order_by(ITEMS.c.id))
        assert partial.fetchmany(2) == [("Globex",), ("Initech",)]  # the rest stay buffered
        assert len(partial.fetchall()) == 10
        empty = await conn.execute(select(ITEMS).where(ITEMS.c.qty > 100))
        assert empty.first() is None


async def test_errors_arrive_as_sqlalchemys_and_roll_back_the_whole_transaction(engine: AsyncEngine) -> None:
    with pytest.raises(IntegrityError, match="UNIQUE"):
        async with engine.begin() as conn:
            await conn.execute(insert(ITEMS).values(name="Globex", qty=1))
            await conn.execute(insert(ITEMS).values(name="Globex", qty=2))
    with pytest.raises(OperationalError, match="no such table"):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT * FROM not_a_table"))
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(ITEMS))).scalar_one() == 0


async def test_a_statement_is_one_trip_and_a_committed_connection_is_not_rolled_back_again(
    engine: AsyncEngine, trips: list[str]
) -> None:
    writes = write_engine(engine)
    async with writes.begin() as conn:  # warm: the pool's first connection is opened outside what is counted
        await conn.execute(insert(ITEMS).values(name="warm", qty=0))
    trips.clear()
    async with writes.begin() as conn:
        await conn.execute(insert(ITEMS).values(name="Globex", qty=3).returning(ITEMS.c.id))
    # BEGIN IMMEDIATE with the INSERT and its rows, then COMMIT; SQLAlchemy's own adapter made 8 (cursor, execute,
    # fetch and close for a statement, 3 for BEGIN, and the pool's rollback of a connection already committed)
    assert trips == ["_run", "commit"]
    trips.clear()
    async with writes.begin():  # a transaction that ran nothing costs nothing
        pass
    assert trips == []


async def test_a_write_transaction_holds_the_write_lock_from_its_first_statement(engine: AsyncEngine) -> None:
    other = sqlite3.connect(engine.url.database, timeout=0.05, isolation_level=None)  # another process, say
    try:
        async with write_engine(engine).connect() as conn:
            await conn.begin()
            other.execute("BEGIN IMMEDIATE").close()  # nothing is sent at BEGIN: the lock is still free
            other.execute("ROLLBACK").close()
            await conn.execute(select(ITEMS.c.id))  # a read, but BEGIN IMMEDIATE went with it
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            await conn.commit()
        other.execute("BEGIN IMMEDIATE").close()
        other.execute("ROLLBACK").close()
    finally:
        other.close()


async def test_a_streamed_read_runs_inside_its_transaction(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(ITEMS), [{"name": f"Deal {n}", "qty": n} for n in range(5)])
    async with write_engine(engine).connect() as conn:
        await conn.begin()
        streamed = await conn.stream(select(ITEMS.c.name).order_by(ITEMS.c.id))  # SQLAlchemy's own cursor
        assert [name async for (name,) in streamed] == [f"Deal {n}" for n in range(5)]
        assert conn.sync_connection is not None
        assert conn.sync_connection.connection.driver_connection._conn.in_transaction  # BEGIN went first
        await conn.commit()


async def test_a_transaction_left_open_is_rolled_back_before_the_connection_is_reused(engine: AsyncEngine) -> None:
    # a task cancelled mid-transaction hands its connection back open: the next user must not inherit it
    started = asyncio.Event()

    async def abandoned() -> None:
        async with write_engine(engine).begin() as conn:
            await conn.execute(insert(ITEMS).values(name="half-written", qty=1))
            started.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(abandoned())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with write_engine(engine).begin() as conn:  # BEGIN IMMEDIATE would fail inside an open transaction
        await conn.execute(insert(ITEMS).values(name="next", qty=2))
    async with engine.connect() as conn:
        assert (await conn.execute(select(ITEMS.c.name))).scalars().all() == ["next"]


async def test_a_statement_cancelled_while_it_waits_for_the_lock_leaves_no_transaction_behind(tmp_path) -> None:
    # the acknowledgement's time runs out while its write waits for a lock another process holds: the write is
    # cancelled, but the call already queued on aiosqlite's thread still runs once the lock is free. Its rollback
    # must come after it on that thread, or the connection goes back to the pool inside a transaction that holds
    # the write lock.
    path = tmp_path / "cancelled.db"
    engine = make_engine(f"sqlite:///{path}", pool_size=1, max_overflow=0)  # the same connection every time
    try:
        async with engine.begin() as conn:
            await conn.run_sync(METADATA.create_all)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")

        async def write() -> None:
            async with write_engine(engine).begin() as conn:
                await conn.execute(insert(ITEMS).values(name="abandoned", qty=1))

        task = asyncio.create_task(write())
        await asyncio.sleep(0.3)  # the INSERT (with its BEGIN IMMEDIATE) waits in SQLite's busy handler
        task.cancel()
        await asyncio.sleep(0)
        other.execute("ROLLBACK")  # the lock is free: the abandoned INSERT now runs on aiosqlite's thread
        other.close()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with write_engine(engine).begin() as conn:  # the same connection: no transaction may be open on it
            await conn.execute(insert(ITEMS).values(name="next", qty=2))
        async with engine.connect() as conn:
            assert (await conn.execute(select(ITEMS.c.name))).scalars().all() == ["next"]
        probe = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        probe.execute("BEGIN IMMEDIATE").close()  # and nobody holds the write lock
        probe.execute("ROLLBACK").close()
        probe.close()
    finally:
        await engine.dispose()


def _insert_items(conn: sqlite3.Connection, names: list[str]) -> int:
    for name in names:
        conn.execute("INSERT INTO items (name, qty) VALUES (?, 1)", (name,)).close()
    return len(names)


async def test_a_plain_transaction_is_one_trip_commits_and_rolls_back_on_error(engine: AsyncEngine, trips) -> None:
    assert await run_transaction(engine, _insert_items, ["a", "b"]) == 2
    assert trips == ["_transaction"]  # BEGIN IMMEDIATE, the statements and COMMIT: one call on the thread
    with pytest.raises(IntegrityError) as raised:  # SQLAlchemy's, as from any other write
        await run_transaction(engine, _insert_items, ["c", "a"])  # "a" again: the whole transaction goes
    assert isinstance(raised.value.orig, sqlite3.IntegrityError)
    async with engine.connect() as conn:
        assert (await conn.execute(select(ITEMS.c.name).order_by(ITEMS.c.name))).scalars().all() == ["a", "b"]
    async with write_engine(engine).begin() as conn:  # the pooled connection is left as SQLAlchemy expects it
        await conn.execute(insert(ITEMS).values(name="d", qty=1))


async def test_a_plain_transaction_abandoned_while_it_waits_for_the_lock_is_rolled_back(tmp_path) -> None:
    # the inbox's batch is cancelled when every acknowledgement waiting for it has run out of time: the deliveries
    # were answered "busy" and must not be recorded once the other process lets go of the lock
    path = tmp_path / "abandoned.db"
    engine = make_engine(f"sqlite:///{path}", pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(METADATA.create_all)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        task = asyncio.create_task(run_transaction(engine, _insert_items, ["abandoned"]))
        await asyncio.sleep(0.3)  # BEGIN IMMEDIATE waits in SQLite's busy handler
        task.cancel()
        await asyncio.sleep(0.1)
        assert not task.done()  # the connection is not handed back while its thread still uses it
        other.execute("ROLLBACK")
        other.close()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await run_transaction(engine, _insert_items, ["next"]) == 1  # the same connection, usable
        async with engine.connect() as conn:
            assert (await conn.execute(select(ITEMS.c.name))).scalars().all() == ["next"]
    finally:
        await engine.dispose()


async def test_a_read_session_sends_no_begin_and_no_rollback(engine: AsyncEngine, trips) -> None:
    # a read runs as statements of their own (what each PostgreSQL statement sees at READ COMMITTED): its
    # transaction's ROLLBACK was a second trip for every read on an answer's path
    async with engine.begin() as conn:
        await conn.execute(insert(ITEMS).values(name="a", qty=1))
    trips.clear()
    async with Database(engine).read() as session:
        assert await session.scalar(select(func.count()).select_from(ITEMS)) == 1
        raw = await (await session.connection()).get_raw_connection()
        assert raw.driver_connection._conn.in_transaction is False  # type: ignore[union-attr]
    assert trips == ["_run"]


async def test_a_burst_wider_than_sqlalchemys_default_pool_reuses_its_connections(tmp_path) -> None:
    # SQLAlchemy's default pool keeps 5 and opens up to 10 more, closing each again when it is handed back: every
    # burst of a worker's 16 jobs opened (a thread, a file, a schema read) and closed connections anew
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    opened = []
    event.listen(engine.sync_engine, "connect", lambda *_: opened.append(1))
    try:

        async def hold() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                await asyncio.sleep(0.05)  # all 16 at once

        for _ in range(3):
            await asyncio.gather(*(hold() for _ in range(16)))
        assert len(opened) == 16
    finally:
        await engine.dispose()
