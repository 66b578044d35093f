"""Expert invitations: one per (card, invitee) and at most the card's limit, even when invited at the same instant
from two processes; status moves, the one reminder, estimates, and every read scoped by workspace."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage import Storage, make_engine
from tests.storage.helpers import count_rows

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


async def _card(store: Storage, external_id: str = "T1") -> tuple[int, int]:
    ws = (await store.workspaces.ensure("slack", external_id)).id
    sent = await store.messages.record(
        ws, platform="slack", channel_id="C1", message_id="1700000000.000100", kind="scenario", payload={}
    )
    return ws, sent.id


def _invite(store: Storage, ws: int, card: int, invitee: str, *, max_per_card: int = 50, parent=None):
    return store.experts.invite(
        ws,
        sent_message_id=card,
        channel_id="C1",
        inviter_id="U_DANA",
        inviter_name="Dana",
        invitee_id=invitee,
        invitee_name=invitee,
        parent_id=parent,
        depth=1 if parent is None else 2,
        question="Is 9 possible?",
        driver="new_opps_per_rep_week",
        expires_at=NOW + timedelta(days=7),
        max_per_card=max_per_card,
    )


async def test_concurrent_invitations_leave_one_per_person_and_respect_the_card_limit(database_url: str) -> None:
    stores = [Storage(make_engine(database_url, pool_size=10, max_overflow=0)) for _ in range(2)]
    try:
        ws, card = await _card(stores[0])
        same = await asyncio.gather(*[_invite(stores[i % 2], ws, card, "U_SAM") for i in range(12)])
        assert sum(not isinstance(r, str) for r in same) == 1 and {r for r in same if isinstance(r, str)} == {
            "duplicate"
        }
        many = await asyncio.gather(*[_invite(stores[i % 2], ws, card, f"U{i}", max_per_card=5) for i in range(12)])
        assert sum(not isinstance(r, str) for r in many) == 4  # U_SAM holds the fifth place
        assert {r for r in many if isinstance(r, str)} == {"card_full"}
        assert await count_rows(stores[0], "expert_invitations") == 5
    finally:
        for s in stores:
            await s.dispose()


async def test_status_reminder_estimates_and_workspace_scope(store: Storage) -> None:
    ws, card = await _card(store)
    other, _ = await _card(store, "T_OTHER")
    sam = await _invite(store, ws, card, "U_SAM")
    assert not isinstance(sam, str)
    lee = await _invite(store, ws, card, "U_LEE", parent=sam.id)
    assert not isinstance(lee, str) and lee.parent_id == sam.id and lee.depth == 2
    assert await _invite(store, other, card, "U_KIM") == "no_card"  # another workspace's card
    await store.experts.set_dm(ws, sam.id, channel_id="D1", message_id="1.1")
    assert (await store.experts.find_by_dm(ws, "D1", "1.1")).id == sam.id
    for foreign in (store.experts.get(other, sam.id), store.experts.find_by_dm(other, "D1", "1.1")):
        assert await foreign is None
    assert await store.experts.for_card(other, card) == []
    assert await store.experts.mark_reminded(ws, sam.id, now=NOW) is True
    assert await store.experts.mark_reminded(ws, sam.id, now=NOW) is False  # at most one reminder
    assert await store.experts.set_status(ws, lee.id, "declined", now=NOW, actor="U_LEE") is True
    assert await store.experts.mark_reminded(ws, lee.id, now=NOW) is False  # declined: no reminder
    assert await store.experts.set_status(ws, lee.id, "expired", now=NOW, actor="bot") is False
    assert (
        await store.experts.save_estimate(other, sam.id, text="8", driver="x", changes=[], p_hit=0.4, message_id=None)
        is False
    )
    changes = [{"driver": "new_opps_per_rep_week", "from": 7.0, "to": 8.0}]
    for text in ("9", "8"):  # a second estimate replaces the first
        assert await store.experts.save_estimate(
            ws, sam.id, text=text, driver="new_opps_per_rep_week", changes=changes, p_hit=0.41, message_id="2.2"
        )
    [estimate] = await store.experts.estimates_for_card(ws, card)
    assert (estimate.text, estimate.invitation.invitee_id, estimate.p_hit) == ("8", "U_SAM", 0.41)
    assert await store.experts.estimates_for_card(other, card) == []
    assert await store.experts.set_status(ws, sam.id, "answered", now=NOW, actor="U_SAM") is True
    assert [i.status for i in await store.experts.for_card(ws, card)] == ["answered", "declined"]
