"""Baselines: versions, deals in order, history; a 10,000-deal save is fast and all-or-nothing."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy.exc import IntegrityError

from storage import Storage, make_engine
from tests.storage.helpers import baseline, count_rows


async def test_save_then_latest_round_trips_the_design_json(store: Storage) -> None:
    ws = await store.workspaces.ensure("slack", "T1")
    data = baseline(deals=3)
    data["pipeline"][1].pop("stage")
    saved = await store.baselines.save(ws.id, "C1", data, created_by="U1", note="first")
    assert (saved.version, saved.deal_count, saved.created_by, saved.note) == (1, 3, "U1", "first")
    assert saved.data == data
    latest = await store.baselines.latest(ws.id, "C1")
    assert latest == saved
    assert [d["id"] for d in latest.data["pipeline"]] == ["OPP-0", "OPP-1", "OPP-2"]
    assert "stage" not in latest.data["pipeline"][1]


async def test_versions_count_up_per_channel(store: Storage) -> None:
    ws = await store.workspaces.ensure("slack", "T1")
    v1 = await store.baselines.save(ws.id, "C1", baseline(target=1), created_by="U1")
    v2 = await store.baselines.save(ws.id, "C1", baseline(target=2), created_by="U2")
    other = await store.baselines.save(ws.id, "C2", baseline(), created_by="U1")
    assert (v1.version, v2.version, other.version) == (1, 2, 1)
    latest = await store.baselines.latest(ws.id, "C1")
    assert latest.id == v2.id and latest.data["target"] == 2
    assert (await store.baselines.get(ws.id, v1.id)).data["target"] == 1


async def test_history_is_newest_first_without_deals(store: Storage) -> None:
    ws = await store.workspaces.ensure("slack", "T1")
    for target in (1, 2, 3):
        await store.baselines.save(ws.id, "C1", baseline(deals=2, target=target), created_by="U1")
    history = await store.baselines.history(ws.id, "C1")
    assert [v.version for v in history] == [3, 2, 1]
    assert all(not v.has_pipeline and v.deal_count == 2 for v in history)
    assert history[0].data["target"] == 3
    assert [v.version for v in await store.baselines.history(ws.id, "C1", limit=2)] == [3, 2]


async def test_missing_baselines_are_none(store: Storage) -> None:
    ws = await store.workspaces.ensure("slack", "T1")
    assert await store.baselines.latest(ws.id, "C1") is None
    assert await store.baselines.get(ws.id, 999) is None
    assert await store.baselines.history(ws.id, "C1") == []


async def test_a_baseline_without_pipeline_key_is_kept_as_empty_pipeline(store: Storage) -> None:
    ws = await store.workspaces.ensure("slack", "T1")
    data = baseline()
    del data["pipeline"]
    saved = await store.baselines.save(ws.id, "C1", data, created_by="U1")
    assert saved.data == {**data, "pipeline": []}
    assert (await store.baselines.latest(ws.id, "C1")).data["pipeline"] == []


async def test_saving_is_audited(store: Storage) -> None:
    ws = await store.workspaces.ensure("slack", "T1")
    saved = await store.baselines.save(ws.id, "C1", baseline(deals=2), created_by="U7", note="Q4 plan")
    [entry] = await store.audit.list(ws.id)
    assert (entry.actor, entry.action, entry.object_id) == ("U7", "baseline.saved", str(saved.id))
    assert entry.detail == {"channel_id": "C1", "version": 1, "deals": 2, "note": "Q4 plan"}


async def test_ten_thousand_deals_save_fast_and_read_back_in_order(store: Storage) -> None:
    ws = await store.workspaces.ensure("slack", "T1")
    data = baseline(deals=10_000)
    started = time.perf_counter()
    saved = await store.baselines.save(ws.id, "C1", data, created_by="U1")
    elapsed = time.perf_counter() - started
    assert saved.deal_count == 10_000
    limit = 1.0 if store.dialect == "sqlite" else 3.0
    assert elapsed < limit, f"saving 10,000 deals took {elapsed:.2f}s on {store.dialect}"
    latest = await store.baselines.latest(ws.id, "C1")
    assert latest.data == data
    assert await count_rows(store, "baseline_deals") == 10_000


async def test_D4_a_failure_at_deal_9999_of_10000_saves_nothing(store: Storage) -> None:
    ws = await store.workspaces.ensure("slack", "T1")
    data = baseline(deals=10_000)
    data["pipeline"][9_998]["amount"] = None  # row 9,999: NOT NULL violation in the database
    with pytest.raises(IntegrityError):
        await store.baselines.save(ws.id, "C1", data, created_by="U1")
    assert await store.baselines.latest(ws.id, "C1") is None
    assert await count_rows(store, "baselines") == 0
    assert await count_rows(store, "baseline_deals") == 0
    assert await count_rows(store, "audit_log") == 0
    data["pipeline"][9_998]["amount"] = 5
    saved = await store.baselines.save(ws.id, "C1", data, created_by="U1")
    assert saved.version == 1
    assert await count_rows(store, "baseline_deals") == 10_000


async def test_concurrent_saves_get_distinct_versions(database_url: str) -> None:
    stores = [Storage(make_engine(database_url)) for _ in range(2)]
    try:
        ws = await stores[0].workspaces.ensure("slack", "T1")
        saved = await asyncio.gather(
            *[stores[i % 2].baselines.save(ws.id, "C1", baseline(target=i), created_by="U1") for i in range(6)]
        )
        assert sorted(v.version for v in saved) == [1, 2, 3, 4, 5, 6]
        assert (await stores[0].baselines.latest(ws.id, "C1")).version == 6
    finally:
        for s in stores:
            await s.dispose()


async def test_a_deleted_workspaces_baseline_id_given_again_reads_its_own_deals(store: Storage) -> None:
    """A version's deals are remembered by the version; SQLite may hand a deleted row's id to the next row, and that
    row's deals must be its own."""
    old = await store.workspaces.ensure("slack", "T_GONE")
    first = await store.baselines.save(old.id, "C1", baseline(deals=2), created_by="U1")
    assert [d["id"] for d in (await store.baselines.latest(old.id, "C1")).data["pipeline"]] == ["OPP-0", "OPP-1"]
    await store.workspace_data.delete(old)
    new = await store.workspaces.ensure("slack", "T_NEW")
    data = baseline(deals=1)
    data["pipeline"][0]["id"] = "NEW-0"
    second = await store.baselines.save(new.id, "C1", data, created_by="U2")
    latest = await store.baselines.latest(new.id, "C1")
    assert [d["id"] for d in latest.data["pipeline"]] == ["NEW-0"], (first.id, second.id)


async def test_changing_a_read_baseline_does_not_change_the_next_read(store: Storage) -> None:
    ws = await store.workspaces.ensure("slack", "T1")
    await store.baselines.save(ws.id, "C1", baseline(deals=2), created_by="U1")
    read = await store.baselines.latest(ws.id, "C1")
    read.data["pipeline"][0]["amount"] = 1
    read.data["pipeline"].pop()
    again = await store.baselines.latest(ws.id, "C1")
    assert len(again.data["pipeline"]) == 2 and again.data["pipeline"][0]["amount"] != 1


async def test_remembered_deals_stay_within_their_bound_and_every_read_is_right(
    store: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Imports can hold 10,000 deals: what is remembered across versions is bounded by deals, not by versions."""
    from storage.repositories import baselines as module

    monkeypatch.setattr(module, "_DEALS_CACHE_DEALS", 5)
    ws = await store.workspaces.ensure("slack", "T1")
    sizes = {"C1": 2, "C2": 3, "C3": 4, "C4": 6}  # C4 alone is over the bound: read, never kept
    for channel, n in sizes.items():
        await store.baselines.save(ws.id, channel, baseline(deals=n), created_by="U1")
    for _ in range(2):
        for channel, n in sizes.items():
            latest = await store.baselines.latest(ws.id, channel)
            assert [d["id"] for d in latest.data["pipeline"]] == [f"OPP-{i}" for i in range(n)]
            kept = store.baselines._deals
            assert sum(len(deals) for deals in kept.values()) == store.baselines._deals_kept <= 5
