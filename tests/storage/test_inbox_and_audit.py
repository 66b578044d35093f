"""The inbox (exactly one claim per delivery id, even concurrently) and the audit log."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from storage import Storage, make_engine
from storage.models import InboxRow, utcnow
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
