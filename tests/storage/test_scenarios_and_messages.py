"""Scenarios and sent messages (cards): create, find, list, update the stored card."""

from __future__ import annotations

import pytest

from storage import NotFound, Storage
from tests.storage.helpers import baseline

CHANGES = [{"driver": "win_rate", "from": 0.25, "to": 0.2}, {"driver": "deal", "from": 0.4, "to": 0, "deal": "OPP-1"}]
SUMMARY = {"baseline": {"p_hit": 0.41, "p50": 2_100_000}, "scenario": {"p_hit": 0.22, "p50": 1_950_000}}


async def _scenario(store: Storage, ws: int, channel: str = "C1", question: str = "what if win rate drops to 20%"):
    base = await store.baselines.save(ws, channel, baseline(), created_by="U1")
    return await store.scenarios.create(
        ws,
        channel,
        question=question,
        intent="what_if",
        changes=CHANGES,
        baseline_id=base.id,
        summary=SUMMARY,
        asked_by="U1",
    )


async def test_create_get_and_list_scenarios(store: Storage) -> None:
    ws = (await store.workspaces.ensure("slack", "T1")).id
    first = await _scenario(store, ws, question="q1")
    second = await _scenario(store, ws, question="q2")
    assert (first.question, first.intent, first.changes, first.summary) == ("q1", "what_if", CHANGES, SUMMARY)
    assert await store.scenarios.get(ws, first.id) == first
    assert [s.question for s in await store.scenarios.list(ws, "C1")] == ["q2", "q1"]
    assert [s.id for s in await store.scenarios.list(ws, "C1", limit=1)] == [second.id]
    assert await store.scenarios.list(ws, "C-other") == []
    assert await store.scenarios.get(ws, 999) is None


async def test_a_scenario_may_have_no_baseline(store: Storage) -> None:
    ws = (await store.workspaces.ensure("console", "local")).id
    created = await store.scenarios.create(
        ws, "C1", question="q", intent="status", changes=[], baseline_id=None, summary={}, asked_by="me"
    )
    assert created.baseline_id is None and created.changes == []


async def test_a_scenario_on_a_missing_baseline_is_refused(store: Storage) -> None:
    ws = (await store.workspaces.ensure("slack", "T1")).id
    with pytest.raises(NotFound):
        await store.scenarios.create(
            ws, "C1", question="q", intent="what_if", changes=[], baseline_id=404, summary={}, asked_by="U1"
        )


async def test_record_find_get_and_update_a_card(store: Storage) -> None:
    ws = (await store.workspaces.ensure("slack", "T1")).id
    scenario = await _scenario(store, ws)
    card = {"title": "Win rate 25% -> 20%", "facts": [["Chance", "22%"]], "footer": ""}
    sent = await store.messages.record(
        ws,
        platform="slack",
        channel_id="C1",
        message_id="1700000000.000100",
        kind="scenario",
        payload=card,
        scenario_id=scenario.id,
        thread_id=None,
    )
    assert (sent.kind, sent.scenario_id, sent.payload, sent.platform) == ("scenario", scenario.id, card, "slack")
    assert await store.messages.find(ws, "C1", "1700000000.000100") == sent
    assert await store.messages.get(ws, sent.id) == sent
    assert await store.messages.find(ws, "C2", "1700000000.000100") is None
    updated = await store.messages.update_payload(ws, sent.id, {**card, "footer": "2 likes"})
    assert updated.payload["footer"] == "2 likes" and updated.updated_at >= sent.updated_at
    assert (await store.messages.get(ws, sent.id)).payload["footer"] == "2 likes"
    assert await store.messages.update_payload(ws, 999, card) is None


async def test_recording_the_same_message_again_updates_it(store: Storage) -> None:
    ws = (await store.workspaces.ensure("teams", "tenant-1")).id
    first = await store.messages.record(
        ws, platform="teams", channel_id="19:c", message_id="1:a", kind="drivers", payload={"v": 1}
    )
    again = await store.messages.record(
        ws, platform="teams", channel_id="19:c", message_id="1:a", kind="drivers", payload={"v": 2}, thread_id="1:t"
    )
    assert again.id == first.id and again.payload == {"v": 2} and again.thread_id == "1:t"


async def test_a_card_for_a_missing_scenario_is_refused(store: Storage) -> None:
    ws = (await store.workspaces.ensure("slack", "T1")).id
    with pytest.raises(NotFound):
        await store.messages.record(
            ws, platform="slack", channel_id="C1", message_id="1.1", kind="scenario", payload={}, scenario_id=404
        )
    assert await store.messages.find(ws, "C1", "1.1") is None
