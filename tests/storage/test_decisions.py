"""Decisions and roles in storage: scoped by workspace, created once per key, done once, adopted once (the new
baseline version and the decision's note of it together), roles per workspace or channel."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from storage import NotFound, Storage
from tests.storage.helpers import baseline


async def _card(store: Storage, external_id: str = "T1") -> tuple[int, int]:
    ws = (await store.workspaces.ensure("slack", external_id)).id
    sent = await store.messages.record(
        ws, platform="slack", channel_id="C1", message_id="1.1", kind="scenario", payload={}
    )
    return ws, sent.id


def _fields(card: int, key: str | None = "form:1") -> dict:
    return {
        "key": key,
        "sent_message_id": card,
        "scenario_id": None,
        "decided_by": "U1",
        "kind": "adopt",
        "text": "we hire",
        "owner_id": "U2",
        "due_date": date(2026, 12, 15),
    }


async def test_a_decision_is_created_once_per_key_and_only_on_a_card_of_its_workspace(store: Storage) -> None:
    ws, card = await _card(store)
    other, _ = await _card(store, "T2")
    first, new = await store.decisions.create(ws, "C1", **_fields(card))
    again, new_again = await store.decisions.create(ws, "C1", **_fields(card))
    assert new and not new_again and again.id == first.id
    with pytest.raises(NotFound):
        await store.decisions.create(other, "C1", **_fields(card, "form:2"))
    assert await store.decisions.get(other, first.id) is None
    assert [d.id for d in await store.decisions.list(ws, "C1")] == [first.id]
    assert (await store.decisions.mark_done(other, first.id, by="U2"))[0] is None
    done, changed = await store.decisions.mark_done(ws, first.id, by="U2")
    assert changed and done.status == "done" and done.done_by == "U2" and done.done_at is not None
    assert (await store.decisions.mark_done(ws, first.id, by="U2"))[1] is False


async def test_adopting_stores_one_version_even_when_confirmed_twice_at_once(store: Storage) -> None:
    ws, card = await _card(store)
    await store.baselines.save(ws, "C1", baseline(), created_by="t")
    decision, _ = await store.decisions.create(ws, "C1", **_fields(card))
    data = {**baseline(), "win_rate": 0.2}
    results = await asyncio.gather(
        *(store.decisions.adopt(ws, decision.id, data, created_by="U1", note="adopted") for _ in range(3))
    )
    assert sorted(saved.version for _, saved in results if saved is not None) == [2]
    assert (await store.baselines.latest(ws, "C1")).version == 2
    assert (await store.decisions.get(ws, decision.id)).baseline_version == 2


async def test_roles_hold_in_every_channel_or_one(store: Storage) -> None:
    ws, _ = await _card(store)
    other, _ = await _card(store, "T2")
    assert await store.roles.set(ws, "U1", "manager", set_by="admin") is True
    assert await store.roles.set(ws, "U1", "manager", set_by="admin") is False
    assert await store.roles.set(ws, "U2", "manager", set_by="admin", channel_id="C1") is True
    assert await store.roles.has(ws, "U1", "manager", "C9") and await store.roles.has(ws, "U2", "manager", "C1")
    assert not await store.roles.has(ws, "U2", "manager", "C9") and not await store.roles.has(
        other, "U1", "manager", "C1"
    )
    assert [r.user_id for r in await store.roles.holders(ws, "manager", "C1")] == ["U1", "U2"]
    assert await store.roles.remove(ws, "U1", set_by="admin") == 1
    assert not await store.roles.has(ws, "U1", "manager", "C1")
