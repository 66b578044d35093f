"""The workshop repository on SQLite and PostgreSQL: one draft sent once, one set of answers per person (editable
until the survey closes), reminders counted at most up to the limit and never after an answer, every call scoped
by workspace."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from storage import NotFound

NOW = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
PLAN = {
    "title": "Q1 plan",
    "timezone": "Europe/Berlin",
    "start_at": NOW - timedelta(hours=3),
    "end_at": NOW - timedelta(hours=1),
}


async def _workshop(store, external="T1"):
    ws = await store.workspaces.ensure("slack", external)
    w = await store.workshops.save_draft(
        ws.id, platform="slack", channel_id="C1", organiser_id="U1", plan=PLAN,
        agenda=[{"title": "Review", "minutes": 30, "visual_aid": "", "activity": ""}],
        questions=[{"kind": "rating", "text": "Useful?", "options": [], "driver": None}],
        participants=["U2", "U3"], form={}, now=NOW,
    )  # fmt: skip
    return ws.id, w


async def test_a_draft_is_sent_once_even_when_two_presses_race(store):
    ws, w = await _workshop(store)
    results = await asyncio.gather(*(store.workshops.mark_sent(ws, w, now=NOW) for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    assert (await store.workshops.get(ws, w)).status == "sent"


async def test_one_answer_row_per_person_editable_until_close_then_refused(store):
    ws, w = await _workshop(store)
    await store.workshops.mark_sent(ws, w, now=NOW)
    assert await store.workshops.survey_sent(ws, w, now=NOW, closes_at=NOW + timedelta(days=3))
    assert not await store.workshops.survey_sent(ws, w, now=NOW, closes_at=NOW + timedelta(days=9))
    assert await store.workshops.save_answer(ws, w, "U2", {"0": 3}, now=NOW) == "new"
    assert await store.workshops.save_answer(ws, w, "U2", {"0": 5}, now=NOW) == "updated"
    assert await store.workshops.save_answer(ws, w, "U9", {"0": 5}, now=NOW) == "not_invited"
    [answer] = await store.workshops.answers(ws, w)
    assert (answer.user_id, answer.answers) == ("U2", {"0": 5})
    assert await store.workshops.save_answer(ws, w, "U3", {"0": 1}, now=NOW + timedelta(days=3)) == "closed"
    assert await store.workshops.close(ws, w, now=NOW) and not await store.workshops.close(ws, w, now=NOW)
    assert await store.workshops.save_answer(ws, w, "U2", {"0": 1}, now=NOW) == "closed"


async def test_reminders_are_counted_up_to_the_limit_and_never_after_an_answer(store):
    ws, w = await _workshop(store)
    await store.workshops.mark_sent(ws, w, now=NOW)
    counted = await asyncio.gather(*(store.workshops.count_reminder(ws, w, "U3", limit=1) for _ in range(3)))
    assert sorted(counted) == [False, False, True]
    assert await store.workshops.count_reminder(ws, w, "U3", limit=2)
    assert not await store.workshops.count_reminder(ws, w, "U3", limit=2)
    await store.workshops.save_answer(ws, w, "U2", {"0": 4}, now=NOW)
    assert not await store.workshops.count_reminder(ws, w, "U2", limit=1)


async def test_another_workspace_sees_and_changes_nothing(store):
    ws, w = await _workshop(store)
    other, _ = await _workshop(store, "T2")
    assert await store.workshops.get(other, w) is None
    assert not await store.workshops.mark_sent(other, w, now=NOW)
    assert not await store.workshops.reply(other, w, "U2", attending=True, timezone=None, now=NOW)
    with pytest.raises(NotFound):
        await store.workshops.save_answer(other, w, "U2", {}, now=NOW)


async def test_many_jobs_are_queued_in_one_call_and_an_existing_key_is_left_as_it_is(store):
    from storage import NewJob

    first = NewJob("workshop.close", "workshop:1:close", {"w": 1}, run_at=NOW)
    assert await store.jobs.enqueue_many([first], now=NOW) == 1
    again = NewJob("workshop.close", "workshop:1:close", {"w": 2}, run_at=NOW + timedelta(days=1))
    reminder = NewJob("workshop.survey_reminder", "workshop:1:survey-reminder:U2:1", {"w": 1}, run_at=NOW)
    assert await store.jobs.enqueue_many([again, reminder], now=NOW) == 1
    kept = await store.jobs.get("workshop:1:close")
    assert (kept.payload, kept.run_at) == ({"w": 1}, NOW)
