"""Questions through the Assistant: scenario cards with the engine's numbers, stored for likes; the other intents."""

from __future__ import annotations

import pytest

from bot.core.baselines.feature import sample_baseline
from bot.core.cards import Chart
from bot.core.events import ActionInvoked, Place
from bot.core.scenarios.cards import DRIVERS_ACTION
from engine.baseline import parse_baseline
from engine.changes import apply_changes, change_from_dict
from engine.forecast import forecast
from tests.core.harness import chat, migrated_copy


@pytest.fixture
async def c(tmp_path, tmp_path_factory):
    async with chat(migrated_copy(tmp_path, tmp_path_factory.getbasetemp())) as conversation:
        await conversation.load_sample()
        yield conversation


def pct(p: float) -> str:
    from bot.core.formatting import pct as fmt

    return fmt(p)


async def test_a_what_if_gives_one_scenario_card_with_the_engines_probability(c):
    await c.say("what if win rate drops to 20%", via="mention")
    (sent,) = c.outbox.sends
    card = sent.card
    assert card.kind == "scenario"
    assert sent.thread_id == "m1"  # an @mention is answered in the mention's thread
    base = parse_baseline(sample_baseline())
    scen = apply_changes(base, [change_from_dict({"driver": "win_rate", "from": 0.25, "to": 0.2})])
    before, after = forecast(base).p_hit, forecast(scen).p_hit
    assert f"P(reach target): {pct(before)} → {pct(after)}" in card.fallback_text()
    assert "win rate 25% → 20%" in card.fallback_text()  # how the question was understood

    ws = await c.workspace_id()
    recorded = await c.storage.messages.find(ws, "C1", sent.message_id)
    assert recorded.kind == "scenario" and recorded.thread_id == "m1"
    scenario = await c.storage.scenarios.get(ws, recorded.scenario_id)
    assert scenario.intent == "whatif" and scenario.asked_by == "U1"
    assert scenario.changes == [{"driver": "win_rate", "from": 0.25, "to": 0.2}]
    assert scenario.summary["scenario"]["p_hit"] == pytest.approx(after, abs=1e-12)
    assert recorded.payload["title"] == card.title


async def test_the_chart_is_attached_when_charts_are_on(tmp_path, tmp_path_factory):
    async with chat(migrated_copy(tmp_path, tmp_path_factory.getbasetemp()), charts=True) as c:
        await c.load_sample()
        await c.say("do we reach the target?")  # a slash command: answered at top level
        (sent,) = c.outbox.sends
        chart = sent.card.chart
        assert isinstance(chart, Chart) and chart.png[:4] == b"\x89PNG"
        assert sent.thread_id is None


async def test_an_unreadable_question_gets_three_examples(c):
    await c.say("banana smoothie recipe please")
    (sent,) = c.outbox.sends
    assert sent.card.kind == "error"
    assert sent.text.count("“") >= 3
    assert c.outbox.updates == []


async def test_an_impossible_change_names_the_problem(c):
    await c.say("what if win rate goes to 140%")
    text = c.outbox.sends[0].text
    assert "win_rate" in text or "win rate" in text
    assert "100%" in text
    ws = await c.workspace_id()
    assert await c.storage.scenarios.list(ws, "C1") == []  # nothing stored for a question not answered


async def test_a_channel_without_a_baseline_gets_the_first_run_card(c):
    await c.say("what if win rate drops to 20%", place=Place("slack", "T1", "C-EMPTY"))
    (sent,) = c.outbox.sends
    assert "baseline sample" in sent.text


async def test_drivers_button_answers_in_the_cards_thread_for_that_scenario(c):
    await c.say("what if we add 2 reps")
    card_sent = c.outbox.sends[0]
    button = next(b for b in card_sent.card.buttons if b.action_id == DRIVERS_ACTION)
    event = ActionInvoked(c.actor("U2"), c.place, DRIVERS_ACTION, dict(button.value), message_id=card_sent.message_id)
    await c.send(event)
    drivers = c.outbox.sends[-1]
    assert drivers.card.kind == "drivers" and drivers.thread_id == card_sent.message_id
    base = parse_baseline(sample_baseline())
    scen = apply_changes(base, [change_from_dict({"driver": "reps", "from": 10, "to": 12})])
    assert f"*{pct(forecast(scen).p_hit)}*" in drivers.card.blocks[0].text  # the scenario's drivers, not today's


async def test_help_and_required_rate(c):
    await c.say("help")
    assert c.outbox.sends[-1].card.kind == "help"
    await c.say("how many opportunities per rep do we need?")
    text = c.outbox.sends[-1].text
    rates = forecast(parse_baseline(sample_baseline())).required_rate
    assert f"{rates['p80']:.1f}" in text
