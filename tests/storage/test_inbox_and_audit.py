"""The inbox (exactly one claim per delivery id, even concurrently) and the audit log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update

from storage import Storage, make_engine
from storage.models import InboxRow, JobRow, utcnow
from storage.repositories._base import Database, PlainInsert
from storage.repositories.jobs import NewJob
from tests.storage.helpers import count_rows


async def test_a_delivery_is_claimed_once(store: Storage) -> None:
    assert await store.inbox.claim("slack", "Ev01", "T1") is True
    assert await store.inbox.claim("slack", "Ev01", "T1") is False
    assert await store.inbox.claim("teams", "Ev01") is True  # ids are per platform


async def test_S8_twenty_concurrent_claims_of_one_id_from_two_engines_have_one_winner(database_url: str) -> None:
    stores = [Storage(make_engine(database_url, pool_size=10, max_overflow=0)) for _ in range(2)]
    try:
        results = await asyncio.gather(*[stores[i % 2].inbox.claim("slack", "Ev-race", "T1") for i in range(20)])
        assert results.count(True) == 1 and results.count(False) == 19
        assert await count_rows(stores[0], "inbox") == 1
    finally:
        for s in stores:
            await s.dispose()


async def test_purge_forgets_old_deliveries_only(store: Storage) -> None:
    await store.inbox.claim("slack", "old")
    await store.inbox.claim("slack", "new")
    async with store.engine.begin() as connection:
        await connection.execute(
            update(InboxRow).where(InboxRow.delivery_id == "old").values(received_at=utcnow() - timedelta(days=3))
        )
    assert await store.inbox.purge_older_than(2) == 1
    assert await store.inbox.claim("slack", "new") is False
    assert await store.inbox.claim("slack", "old") is True


async def test_audit_record_and_list_newest_first(store: Storage) -> None:
    ws = (await store.workspaces.ensure("slack", "T1")).id
    first = await store.audit.record(ws, actor="U1", action="decision.recorded", object_type="scenario", object_id=7)
    second = await store.audit.record(
        ws, actor="U2", action="expert.invited", object_type="user", object_id="U9", detail={"by": "U2"}
    )
    assert (first.object_id, first.detail) == ("7", {})
    assert await store.audit.list(ws) == [second, first]
    assert await store.audit.list(ws, limit=1) == [second]


async def test_a_burst_of_mixed_claims_gives_one_winner_per_id(store) -> None:
    # On SQLite these are committed together (group commit); the answer per caller must not change.
    ids = [f"Ev{i % 10}" for i in range(40)]
    results = await asyncio.gather(*(store.inbox.claim("slack", d, "T1") for d in ids))
    winners = [d for d, won in zip(ids, results, strict=True) if won]
    assert sorted(winners) == sorted({*ids})
    assert not any(await asyncio.gather(*(store.inbox.claim("slack", d) for d in set(ids))))
    assert await store.inbox.claim("teams", "Ev1") is True  # another platform's id space


async def test_a_job_queued_with_its_delivery_is_stored_as_the_job_repository_stores_it(store) -> None:
    """On SQLite the inbox writes its batch in plain sqlite3 (one trip); what it stores (times with their
    microseconds, JSON, NUL characters stripped, the database's defaults) must be what SQLAlchemy stores."""
    now = datetime(2026, 11, 30, 3, 4, 5, 678901, tzinfo=UTC)
    payload = {"event": {"text": "what if\x00 win rate drops to 20%", "n": 1.5, "list": [1, None]}, "é": "ünï"}
    job = NewJob("slack.command", "slack:cmd:T\x00one", payload, run_at=now + timedelta(seconds=3), max_attempts=5)
    assert await store.inbox.accept("slack", "cmd:T\x00one", "T\x00TEAM", job, now=now) is True
    same = NewJob("slack.command", "by-sqlalchemy", payload, run_at=now + timedelta(seconds=3), max_attempts=5)
    assert await store.jobs.enqueue(same, now=now) is True
    columns = [c.name for c in JobRow.__table__.columns if c.name not in ("id", "key")]
    async with store.engine.connect() as connection:
        rows = {
            row.key: row._mapping
            for row in await connection.execute(text(f"SELECT key, {', '.join(columns)} FROM jobs"))  # noqa: S608
        }
        inbox = (await connection.execute(text("SELECT delivery_id, workspace_external_id FROM inbox"))).one()
    assert set(rows) == {"slack:cmd:Tone", "by-sqlalchemy"}  # the key without its NUL, as the hook stores it
    assert {c: rows["slack:cmd:Tone"][c] for c in columns} == {c: rows["by-sqlalchemy"][c] for c in columns}
    assert tuple(inbox) == ("cmd:Tone", "TTEAM")
    queued = await store.jobs.get("slack:cmd:Tone")
    assert queued is not None and queued.payload["event"]["text"] == "what if\x00 win rate drops to 20%"
    assert (queued.run_at, queued.attempts, queued.max_attempts) == (now + timedelta(seconds=3), 0, 5)


def test_a_plain_insert_refuses_to_leave_out_a_column_with_a_python_side_default(store) -> None:
    db = Database(store.engine)
    with pytest.raises(ValueError, match=r"jobs\.created_at has a Python-side default"):
        PlainInsert(db, JobRow, ("kind", "key", "payload", "status", "run_at"), ("key",))
    assert (
        "ON CONFLICT (platform, delivery_id) DO NOTHING"
        in PlainInsert(db, InboxRow, ("platform", "delivery_id", "received_at"), ("platform", "delivery_id")).sql
    )
