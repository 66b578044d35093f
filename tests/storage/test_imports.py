"""Pending CSV imports on SQLite and PostgreSQL: accept stores exactly one new version and marks the import,
in one transaction; a second accept, an accept after cancel or expiry, and another tenant's id store nothing;
a failing accept leaves the previous version and the pending row as they were."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from storage import Storage
from storage.models import utcnow
from tests.storage.helpers import baseline, count_rows


async def _pending(store: Storage, candidate=None, channel: str = "C1"):
    ws = await store.workspaces.ensure("slack", "T1")
    await store.baselines.save(ws.id, channel, baseline(deals=2), created_by="U0")
    pending = await store.imports.create(
        ws.id,
        channel,
        created_by="U1",
        source_name="pipeline.csv",
        candidate=candidate or baseline(deals=5, target=2_500_000),
        preview={"counts": {"read": 5}},
    )
    return ws, pending


async def test_accept_stores_one_new_version_and_marks_the_import(store: Storage) -> None:
    ws, pending = await _pending(store)
    assert pending.status == "pending" and pending.expires_at - pending.created_at == timedelta(hours=24)
    decision = await store.imports.accept(ws.id, pending.id, actor="U2")
    assert decision.outcome == "accepted" and decision.done
    assert decision.baseline.version == 2 and decision.baseline.created_by == "U2"
    latest = await store.baselines.latest(ws.id, "C1")
    assert latest.version == 2 and latest.data["target"] == 2_500_000 and len(latest.data["pipeline"]) == 5
    stored = await store.imports.get(ws.id, pending.id)
    assert stored.status == "accepted" and stored.baseline_id == latest.id and stored.decided_by == "U2"

    again = await store.imports.accept(ws.id, pending.id, actor="U3")
    assert again.outcome == "already_accepted" and again.baseline is None
    assert await count_rows(store, "baselines") == 2


async def test_two_concurrent_accepts_store_one_version(store: Storage) -> None:
    ws, pending = await _pending(store)
    outcomes = await asyncio.gather(*(store.imports.accept(ws.id, pending.id, actor=f"U{i}") for i in range(4)))
    assert sorted(d.outcome for d in outcomes) == ["accepted"] + ["already_accepted"] * 3
    assert await count_rows(store, "baselines") == 2


async def test_cancel_then_accept_stores_nothing(store: Storage) -> None:
    ws, pending = await _pending(store)
    cancelled = await store.imports.cancel(ws.id, pending.id, actor="U1")
    assert cancelled.outcome == "cancelled" and cancelled.pending.status == "cancelled"
    assert (await store.imports.accept(ws.id, pending.id, actor="U1")).outcome == "already_cancelled"
    assert (await store.imports.cancel(ws.id, pending.id, actor="U1")).outcome == "already_cancelled"
    assert (await store.baselines.latest(ws.id, "C1")).version == 1


async def test_an_expired_import_cannot_be_accepted(store: Storage) -> None:
    ws, pending = await _pending(store)
    later = utcnow() + timedelta(hours=25)
    decision = await store.imports.accept(ws.id, pending.id, actor="U1", now=later)
    assert decision.outcome == "expired" and decision.pending.expired(later)
    assert (await store.baselines.latest(ws.id, "C1")).version == 1


async def test_another_workspace_cannot_see_or_accept_it(store: Storage) -> None:
    _, pending = await _pending(store)
    other = await store.workspaces.ensure("slack", "T2")
    assert await store.imports.get(other.id, pending.id) is None
    assert (await store.imports.accept(other.id, pending.id, actor="U9")).outcome == "not_found"
    assert await count_rows(store, "baselines") == 1


async def test_a_failing_accept_leaves_the_previous_version_and_the_import_pending(store: Storage) -> None:
    # a deal without a close date breaks the deal insert (NOT NULL) halfway through the transaction
    broken = baseline(deals=3)
    broken["pipeline"][2]["close_date"] = None
    ws, pending = await _pending(store, candidate=broken)
    with pytest.raises(Exception):  # noqa: B017 (the driver's IntegrityError differs between SQLite and PostgreSQL)
        await store.imports.accept(ws.id, pending.id, actor="U1")
    assert (await store.baselines.latest(ws.id, "C1")).version == 1
    assert await count_rows(store, "baseline_deals") == 2
    assert (await store.imports.get(ws.id, pending.id)).status == "pending"


async def _with_fit(store: Storage):
    ws = await store.workspaces.ensure("slack", "T1")
    pending = await store.imports.create(
        ws.id,
        "C1",
        created_by="U1",
        source_name="pipeline.csv",
        candidate=baseline(deals=2, target=2_000_000),
        preview={"p_hit": 0.1},
        fit={"rev": 0, "window_weeks": 52, "choices": {}, "history": [["won", "2026-10-01", None, 5000.0, "Dana"]]},
    )
    return ws, pending


async def test_rechoose_replaces_candidate_and_preview_and_accept_stores_the_new_candidate(store: Storage) -> None:
    ws, pending = await _with_fit(store)
    assert pending.fit == {"rev": 0, "window_weeks": 52, "choices": {}}
    fit = {"rev": 1, "window_weeks": 26, "choices": {"win_rate": "keep"}}
    changed = await store.imports.rechoose(
        ws.id,
        pending.id,
        rev=0,
        candidate=baseline(deals=2, target=3_000_000),
        preview={"p_hit": 0.4},
        fit=fit,
        actor="U2",
    )
    assert changed.outcome == "updated" and changed.pending.fit == fit and changed.pending.preview == {"p_hit": 0.4}
    # the history rows are written once, in their own column, and a re-choice leaves them as they were
    assert await store.imports.history(ws.id, pending.id) == [["won", "2026-10-01", None, 5000.0, "Dana"]]
    assert await store.imports.history(ws.id + 1, pending.id) is None
    assert (await store.imports.get(ws.id, pending.id)).candidate["target"] == 3_000_000
    # a card still showing revision 0 cannot store; the newest one can, and stores the re-chosen candidate
    assert (await store.imports.accept(ws.id, pending.id, actor="U3", rev=0)).outcome == "stale"
    assert await count_rows(store, "baselines") == 0
    accepted = await store.imports.accept(ws.id, pending.id, actor="U3", rev=1)
    assert accepted.outcome == "accepted" and accepted.baseline.data["target"] == 3_000_000


async def test_rechoose_from_an_older_revision_or_after_a_decision_changes_nothing(store: Storage) -> None:
    ws, pending = await _with_fit(store)
    args = {"candidate": baseline(deals=1), "preview": {}, "fit": {"rev": 1}, "actor": "U2"}
    assert (await store.imports.rechoose(ws.id, pending.id, rev=0, **args)).outcome == "updated"
    assert (await store.imports.rechoose(ws.id, pending.id, rev=0, **args)).outcome == "stale"  # lost the race
    other = await store.workspaces.ensure("slack", "T2")
    assert (await store.imports.rechoose(other.id, pending.id, rev=1, **args)).outcome == "not_found"
    await store.imports.cancel(ws.id, pending.id, actor="U1")
    assert (await store.imports.rechoose(ws.id, pending.id, rev=1, **args)).outcome == "already_cancelled"
    assert (await store.imports.get(ws.id, pending.id)).preview == {}


async def test_latest_pending_is_the_channels_newest_undecided_unexpired_import(store: Storage) -> None:
    ws, first = await _with_fit(store)
    _, second = await _with_fit(store)
    assert (await store.imports.latest_pending(ws.id, "C1")).id == second.id
    assert await store.imports.latest_pending(ws.id, "C2") is None
    other = await store.workspaces.ensure("slack", "T2")
    assert await store.imports.latest_pending(other.id, "C1") is None
    await store.imports.cancel(ws.id, second.id, actor="U1")
    assert (await store.imports.latest_pending(ws.id, "C1")).id == first.id
    assert await store.imports.latest_pending(ws.id, "C1", now=utcnow() + timedelta(hours=25)) is None
