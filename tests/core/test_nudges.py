"""Nudges on a fixed clock: setting, showing and stopping a schedule, and what the worker posts at each due time.

A real migrated SQLite database, the real Assistant and Worker, and a recording platform sender: the worker's
`run_once(now)` runs everything due at `now`, so a week passes in one call.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.core.assistant import Assistant
from bot.core.baselines.feature import sample_baseline
from bot.core.baselines.freshness import engine_data, roll_forward
from bot.core.cards import Card, Facts
from bot.core.events import MessageReceived, Place
from bot.core.formatting import pct
from bot.core.jobs import next_run
from bot.core.nudges.job import handlers
from bot.core.ports import Sent
from bot.core.testing import RecordingOutbox
from bot.worker import Worker
from engine.baseline import parse_baseline
from engine.forecast import forecast
from storage import Storage
from tests.core.harness import migrated_copy

PLACE = Place("slack", "T1", "C1")
SUN = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # a Sunday; the next Monday 09:00 Berlin is 08:00 UTC
MON = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


class RecordingSender:
    """A PlatformSender that records what it posts (and answers users.info-style time zone look-ups)."""

    platform = "slack"
    can_reconcile = False
    charts_by_url = False

    def __init__(self, tz: str | None = None) -> None:
        self.posts: list[tuple[Place, Any]] = []
        self.tz = tz
        self.lookups = 0

    async def post(self, place, message, *, thread_id, key, chart_url) -> Sent:
        self.posts.append((place, message))
        return Sent(f"ts{len(self.posts)}", place)

    async def upload_chart(self, place, chart, *, thread_id) -> None:
        return None

    async def update(self, place, message_id, card, *, chart_url) -> None:
        return None

    async def notify(self, place, text, *, user_id) -> None:
        self.posts.append((place, text))

    async def user_timezone(self, workspace_external_id: str, user_id: str) -> str | None:
        self.lookups += 1
        return self.tz

    def cards(self) -> list[Card]:
        return [m for _, m in self.posts if isinstance(m, Card)]


class ChatOutbox(RecordingOutbox):
    """The command's replies, with the sender a durable outbox would have (for the time zone look-up)."""

    def __init__(self, sender: RecordingSender | None) -> None:
        super().__init__()
        self.sender = sender


class Env:
    def __init__(self, storage: Storage, assistant: Assistant, sender: RecordingSender) -> None:
        self.storage, self.assistant, self.sender = storage, assistant, sender
        self.worker = Worker(storage, assistant, {"slack": sender}, handlers=handlers())
        self.outbox = ChatOutbox(sender)
        self.n = 0

    async def say(self, text: str, at: datetime = SUN, user: str = "U1") -> str:
        self.n += 1
        self.assistant.clock = lambda: at
        self.outbox.clear()
        event = MessageReceived(self.worker_actor(user), PLACE, text, via="command", message_id=f"m{self.n}")
        await self.assistant.handle(event, self.outbox)
        return "\n".join(r.text for r in self.outbox.sends)

    @staticmethod
    def worker_actor(user: str):
        from bot.core.events import Actor

        return Actor("slack", user, user)

    async def run(self, at: datetime) -> list[Card]:
        before = len(self.sender.cards())
        await self.worker.run_once(at)
        return self.sender.cards()[before:]

    async def save(self, data: dict[str, Any]) -> Any:
        ws = await self.storage.workspaces.ensure("slack", "T1")
        return await self.storage.baselines.save(ws.id, "C1", data, created_by="test")

    async def schedule(self):
        return await self.storage.schedules.get("nudge:slack:T1:C1")


@pytest.fixture
async def env(tmp_path, tmp_path_factory):
    url = migrated_copy(tmp_path, tmp_path_factory.getbasetemp())
    storage = Storage.from_url(url)
    assistant = Assistant(storage, charts=False)
    sender = RecordingSender(tz="America/New_York")
    yield Env(storage, assistant, sender)
    await assistant.close()
    await storage.dispose()


def p_fact(card: Card) -> str:
    for block in card.blocks:
        if isinstance(block, Facts):
            for fact in block.facts:
                if fact.label == "P(reach target)":
                    return fact.value
    raise AssertionError("no P(reach target) fact")


def engine_p(data: dict[str, Any], day: date) -> float:
    rolled = roll_forward(data, day).data if day > date.fromisoformat(data["as_of"]) else data
    return forecast(parse_baseline(engine_data(rolled)), weekly=False, sensitivity=False).p_hit


async def test_set_names_the_next_run_in_local_time_and_show_repeats_it(env):
    reply = await env.say("nudge every Monday 09:00 Europe/Berlin")
    assert "next: Mon Nov 23, 09:00 Europe/Berlin" in reply and "every Monday at 09:00" in reply
    schedule = await env.schedule()
    assert schedule.cron == "0 9 * * 1" and schedule.timezone == "Europe/Berlin" and schedule.next_run_at == MON
    shown = await env.say("nudge")
    assert "every Monday at 09:00" in shown and "next: Mon Nov 23, 09:00 Europe/Berlin" in shown


async def test_without_a_time_zone_the_persons_slack_time_zone_is_used_and_said(env):
    reply = await env.say("nudge every weekday at 8:30")
    assert "America/New_York (your time zone)" in reply and "next: Mon Nov 23, 08:30 America/New_York" in reply
    assert (await env.schedule()).timezone == "America/New_York"
    env.outbox.sender = None  # a platform that does not tell the time zone (Teams here, the console)
    reply = await env.say("nudge every Friday 16:00")
    assert "UTC (I do not know your time zone" in reply and "It replaces every weekday at 08:30" in reply


async def test_a_teams_persons_local_time_zone_is_used_and_said(env):
    from bot.core.events import Actor

    env.outbox.sender = None  # Teams is not asked: its activities carry the person's localTimezone
    env.worker_actor = lambda user: Actor("teams", user, user, "Europe/Berlin")  # type: ignore[method-assign]
    reply = await env.say("nudge every Monday 9:00")
    assert "Europe/Berlin (your time zone)" in reply and "next: Mon Nov 23, 09:00 Europe/Berlin" in reply
    assert (await env.schedule()).timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    "bad, said",
    [("every Funday", "funday"), ("every Monday 25:00", "25:00"), ("every Monday 09:00 Mars/Olympus", "Mars/Olympus")],
)
async def test_bad_input_gets_a_clear_answer_and_changes_nothing(env, bad, said):
    await env.say("nudge every Monday 09:00 Europe/Berlin")
    before = await env.schedule()
    reply = await env.say(f"nudge {bad}")
    assert said in reply and "every Monday 09:00 Europe/Berlin" in reply and "Nothing was changed" in reply
    assert await env.schedule() == before


async def test_the_nudge_uses_the_baseline_at_send_time_and_equals_the_engine(env):
    await env.save(sample_baseline())
    await env.say("nudge every Monday 09:00 Europe/Berlin")
    newer = copy.deepcopy(sample_baseline())
    newer["win_rate"] = 0.18  # saved after the schedule was set: the nudge must use it
    await env.save(newer)
    [card] = await env.run(MON)
    assert p_fact(card) == pct(engine_p(newer, date(2026, 11, 23)))
    assert p_fact(card) != pct(engine_p(sample_baseline(), date(2026, 11, 23)))
    assert "First check of this period" in card.fallback_text()
    assert [b.label for b in card.buttons][:3] == ["Like", "Comment", "Drivers"] and "Ask a what-if" in [
        b.label for b in card.buttons
    ]
    ws = await env.storage.workspaces.ensure("slack", "T1")
    [recorded] = await env.storage.forecasts.list(ws.id, "C1")
    assert recorded.kind == "nudge" and recorded.key == f"nudge:slack:T1:C1:{MON.isoformat()}"
    assert recorded.baseline_version == 2 and pct(recorded.p_hit) == p_fact(card)
    sent = await env.storage.messages.find(ws.id, "C1", "ts1")
    assert sent is not None and sent.scenario_id is not None  # likes and comments count on it


async def test_the_same_due_time_posts_once_and_a_week_later_says_what_changed(env):
    await env.save(sample_baseline())
    await env.say("nudge every Monday 09:00 Europe/Berlin")
    [first] = await env.run(MON)
    assert await env.run(MON) == [] and await env.run(MON + timedelta(minutes=5)) == []
    [second] = await env.run(MON + WEEK)
    text = second.fallback_text()
    before, after = engine_p(sample_baseline(), date(2026, 11, 23)), engine_p(sample_baseline(), date(2026, 11, 30))
    assert f"{pct(before)} → {pct(after)}" in text and "since Monday" in text
    assert "one week less to create new business" in text


async def test_a_new_baseline_version_is_named_with_its_changed_drivers(env):
    await env.save(sample_baseline())
    await env.say("nudge every Monday 09:00 Europe/Berlin")
    await env.run(MON)
    changed = copy.deepcopy(sample_baseline())
    changed["win_rate"] = 0.2
    await env.save(changed)
    [card] = await env.run(MON + WEEK)
    text = card.fallback_text()
    assert "baseline v1 → v2" in text and "win rate 25% → 20%" in text


async def test_catch_up_after_a_week_down_posts_one_nudge(env):
    await env.save(sample_baseline())
    await env.say("nudge every day at 09:00 Europe/Berlin")
    cards = await env.run(MON + WEEK + timedelta(hours=3))  # down since Sunday: 8 missed slots
    assert len(cards) == 1
    assert await env.run(MON + WEEK + timedelta(hours=4)) == []
    assert (await env.schedule()).next_run_at == MON + WEEK + timedelta(days=1)


async def test_nudge_off_stops_it(env):
    await env.save(sample_baseline())
    await env.say("nudge every Monday 09:00 Europe/Berlin")
    assert "Nudges stopped" in await env.say("nudge off")
    assert await env.run(MON) == [] and await env.schedule() is None
    assert "no nudge to stop" in await env.say("nudge off")


async def test_nudge_off_after_the_due_time_was_queued_posts_nothing(env):
    await env.save(sample_baseline())
    await env.say("nudge every Monday 09:00 Europe/Berlin")
    await env.storage.schedules.fire_due(now=MON, next_run=next_run)
    await env.say("nudge off", at=MON)
    assert await env.run(MON) == []


def _reached(data: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["booked"] = out["target"] + 1  # already reached: the chance is 100% whatever the week
    return out


async def test_quiet_skips_a_nudge_when_nothing_moved_and_posts_when_it_crossed_50(env):
    await env.save(_reached(sample_baseline()))
    await env.say("nudge every Monday 09:00 Europe/Berlin quiet")
    [first] = await env.run(MON)
    assert p_fact(first) == "100%"
    assert await env.run(MON + WEEK) == []  # 100% → 100%: nothing to say
    harder = copy.deepcopy(sample_baseline())
    harder["booked"], harder["target"] = 0, 10_000_000  # now far out of reach
    await env.save(harder)
    [moved] = await env.run(MON + 2 * WEEK)
    assert "100% →" in moved.fallback_text()


async def test_quiet_can_be_switched_on_and_off_for_the_schedule(env):
    await env.say("nudge every Monday 09:00 Europe/Berlin")
    await env.say("nudge quiet")
    assert (await env.schedule()).payload["quiet"] is True
    await env.say("nudge quiet off")
    assert (await env.schedule()).payload["quiet"] is False


async def test_without_a_baseline_one_card_says_how_then_nothing_until_one_arrives(env):
    await env.say("nudge every Monday 09:00 Europe/Berlin")
    [card] = await env.run(MON)
    assert "no baseline" in card.title.lower() and "baseline sample" in card.fallback_text()
    assert await env.run(MON + WEEK) == []
    await env.save(sample_baseline())
    [nudge] = await env.run(MON + 2 * WEEK)
    assert nudge.title.startswith("Target check")


async def test_an_ended_period_gets_one_result_card_and_the_outcome_is_recorded(env):
    ended = copy.deepcopy(sample_baseline())
    ended.update(as_of="2026-12-31", period_end="2026-12-31", booked=2_100_000, target=2_000_000, pipeline=[])
    await env.save(ended)
    await env.say("nudge every Monday 09:00 Europe/Berlin", at=datetime(2027, 1, 2, tzinfo=UTC))
    [card] = await env.run(datetime(2027, 1, 4, 8, tzinfo=UTC))
    assert card.title.startswith("Period result") and "Target reached" in card.fallback_text()
    assert await env.run(datetime(2027, 1, 11, 8, tzinfo=UTC)) == []  # paused until a new period's baseline
    ws = await env.storage.workspaces.ensure("slack", "T1")
    [outcome] = await env.storage.forecasts.outcomes(ws.id, "C1")
    assert outcome.hit and outcome.period_end == date(2026, 12, 31)
    new_period = copy.deepcopy(sample_baseline())
    new_period.update(as_of="2027-01-11", period_end="2027-03-31")
    for deal in new_period["pipeline"]:
        deal["close_date"] = "2027-02-15"
    await env.save(new_period)
    [resumed] = await env.run(datetime(2027, 1, 18, 8, tzinfo=UTC))
    assert resumed.title.startswith("Target check") and "First check of this period" in resumed.fallback_text()


async def test_every_other_friday_posts_every_second_week(env):
    await env.save(sample_baseline())
    reply = await env.say("nudge every other Friday 16:00 Europe/Berlin")
    assert "every other Friday at 16:00" in reply and "next: Fri Nov 27, 16:00 Europe/Berlin" in reply
    fridays = [datetime(2026, 11, 27, 15, tzinfo=UTC) + i * WEEK for i in range(4)]
    posted = [len(await env.run(friday)) for friday in fridays]
    assert posted == [1, 0, 1, 0]


async def test_a_berlin_0900_nudge_stays_at_0900_local_across_the_switch_to_winter_time(env):
    await env.save(sample_baseline())
    await env.say("nudge every Monday 09:00 Europe/Berlin", at=datetime(2026, 10, 18, tzinfo=UTC))
    schedule = await env.schedule()
    assert schedule.next_run_at == datetime(2026, 10, 19, 7, tzinfo=UTC)  # 09:00 CEST = 07:00 UTC
    await env.worker.storage.schedules.put(  # the baseline's period: start the checks in October
        schedule.key, kind=schedule.kind, cron=schedule.cron, timezone=schedule.timezone,
        payload=schedule.payload, next_run_at=schedule.next_run_at, workspace_id=schedule.workspace_id,
    )  # fmt: skip
    assert await env.run(datetime(2026, 10, 19, 6, 59, tzinfo=UTC)) == []
    assert len(await env.run(datetime(2026, 10, 19, 7, tzinfo=UTC))) == 1
    # clocks go back on Sun Oct 25: the next 09:00 Berlin is 08:00 UTC
    assert (await env.schedule()).next_run_at == datetime(2026, 10, 26, 8, tzinfo=UTC)
    assert await env.run(datetime(2026, 10, 26, 7, tzinfo=UTC)) == []
    assert len(await env.run(datetime(2026, 10, 26, 8, tzinfo=UTC))) == 1


async def test_ask_a_what_if_opens_a_form_and_answers_in_the_nudges_thread(env):
    from bot.core.events import ActionInvoked, FormSubmitted
    from bot.core.nudges.cards import WHATIF_ACTION

    await env.save(sample_baseline())
    await env.say("nudge every Monday 09:00 Europe/Berlin")
    [card] = await env.run(MON)
    [button] = [b for b in card.buttons if b.action_id == WHATIF_ACTION]
    actor = env.worker_actor("U2")
    env.outbox.clear()
    await env.assistant.handle(ActionInvoked(actor, PLACE, WHATIF_ACTION, button.value, message_id="ts1"), env.outbox)
    [form] = env.outbox.forms
    opened = form.message
    submitted = FormSubmitted(actor, PLACE, opened.form_id, {"question": "what if we add 2 reps"}, opened.metadata)
    await env.assistant.handle(submitted, env.outbox)
    answer = env.outbox.sends[-1]
    assert answer.thread_id == "ts1" and "P(reach target)" in answer.card.fallback_text()
