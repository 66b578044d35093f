"""The parser's newer readings answered through the Assistant: "Did you mean" cards whose buttons ask a question,
back-solved reps / win rate / deal size (checked against engine.required_value), and a leaving rep's deals at
risk; plus `set reps` reporting the chance of the baseline it saved."""

from __future__ import annotations

import re

import pytest

from bot.core.baselines.feature import sample_baseline
from bot.core.baselines.freshness import engine_data
from bot.core.cards import MAX_BUTTON_LABEL, Facts
from bot.core.events import ActionInvoked, Place
from bot.core.formatting import SLACK_MRKDWN, pct, render
from bot.core.scenarios.cards import at_risk_text
from bot.core.scenarios.solve_cards import ASK_ACTIONS, clarify_card, required_value_card, shown_value
from engine import required_value
from engine.baseline import parse_baseline
from engine.changes import apply_changes, change_from_dict
from engine.forecast import forecast
from tests.core.harness import chat, migrated_copy


@pytest.fixture
async def c(tmp_path, tmp_path_factory):
    async with chat(migrated_copy(tmp_path, tmp_path_factory.getbasetemp())) as conversation:
        await conversation.load_sample()
        yield conversation


def _base():
    return parse_baseline(engine_data(sample_baseline()))


def _facts(card) -> dict[str, str]:
    return {f.label: f.value for b in card.blocks if isinstance(b, Facts) for f in b.facts}


def _tap(c, sent, n: int, user: str = "U2") -> ActionInvoked:
    button = sent.card.buttons[n]
    place = Place("slack", "T1", "C1", sent.thread_id)  # Slack: the card's thread (container.thread_ts)
    return ActionInvoked(c.actor(user), place, button.action_id, button.value, message_id=sent.message_id)


async def test_a_vague_question_gets_did_you_mean_buttons_and_nothing_is_computed(c):
    await c.say("what if things get worse", via="mention")
    (sent,) = c.outbox.sends
    card = sent.card
    assert card.kind == "clarify" and sent.thread_id == "m1"
    assert "Did you mean" in card.fallback_text() and "things get worse" in card.fallback_text()
    assert "P(reach target)" not in card.fallback_text()  # nothing computed
    questions = [b.value["question"] for b in card.buttons]
    assert 1 <= len(questions) <= 3 and [b.action_id for b in card.buttons] == list(ASK_ACTIONS[: len(questions)])
    assert all(q in card.fallback_text() for q in questions)  # listed too: the fallback carries them
    ws = await c.workspace_id()
    assert await c.storage.scenarios.list(ws, "C1") == []


async def test_tapping_a_suggestion_answers_it_as_if_typed_in_the_same_thread(c):
    await c.say("what if things get worse", via="mention")
    clarify = c.outbox.sends[0]
    question = clarify.card.buttons[1].value["question"]
    await c.send(_tap(c, clarify, 1, user="U9"))
    answer = c.outbox.sends[-1]
    assert answer.card.kind == "scenario" and answer.card.title == question
    assert answer.thread_id == "m1"  # where the "Did you mean" card is
    ws = await c.workspace_id()
    (scenario,) = await c.storage.scenarios.list(ws, "C1")
    assert scenario.question == question and scenario.asked_by == "U9"

    await c.say(question)  # typed: the same numbers
    typed = c.outbox.sends[-1].card
    assert _facts(typed)["P(reach target)"] == _facts(answer.card)["P(reach target)"]


async def test_a_clarify_card_at_top_level_answers_at_top_level(c):
    await c.say("what if 3 reps")  # a slash command
    clarify = c.outbox.sends[0]
    assert clarify.card.kind == "clarify" and clarify.thread_id is None
    hire = next(n for n, b in enumerate(clarify.card.buttons) if "hire" in b.value["question"])
    await c.send(_tap(c, clarify, hire))
    answer = c.outbox.sends[-1]
    assert answer.thread_id is None and "reps 10 → 13" in answer.card.fallback_text()


def test_clarify_buttons_clip_long_questions_and_keep_the_whole_question():
    long = "what if win rate drops by 2 points and deal size shrinks by 10% and we lose the biggest deal as well"
    card = clarify_card("Did you mean one of these? (x)", [long, "what if we hire 3 reps"])
    first = card.buttons[0]
    assert len(first.label) <= MAX_BUTTON_LABEL and first.label.endswith("…")
    assert first.value == {"question": long}
    assert len({b.action_id for b in card.buttons}) == 2  # Slack refuses two buttons with one action_id
    assert clarify_card("p", [long], buttons=False).buttons == ()


def test_the_clarify_prompt_is_a_persons_text_on_slack():
    card = clarify_card("Did you mean one of these? (“<!channel> *now*” is vague)", ["what if we hire 3 reps"])
    slack = render(card.blocks[0].text, SLACK_MRKDWN)
    assert "<!channel>" not in slack and "&lt;!channel&gt;" in slack


async def test_how_many_reps_matches_the_engines_back_solver(c):
    await c.say("how many reps do we need to hit 80%?")
    card = c.outbox.sends[0].card
    need = required_value(_base(), "reps", 0.8)
    assert need.reachable and need.value > 10
    text = card.fallback_text()
    assert f"you need *{need.value} reps*, {need.value - 10} more" in text
    assert f"today's 10 reps give a {pct(need.p_hit_at_current)} chance" in text
    facts = _facts(card)
    assert facts["For an 80% chance"] == f"{need.value} reps"
    assert facts[f"P(reach target) with {need.value} reps"] == pct(need.p_hit_at_value)
    assert f"{need.value - 10} new reps ramp up over 8 weeks from Nov 23" in text


async def test_a_win_rate_with_a_confidence_and_a_condition_is_solved_on_the_scenario(c):
    await c.say("what win rate do we need to be 90% sure if we lose the Soylent platform deal")
    card = c.outbox.sends[0].card
    base = _base()
    lost = apply_changes(base, [change_from_dict({"driver": "deal", "deal": "OPP-1004", "from": 0.6, "to": 0.0})])
    need = required_value(lost, "win_rate", 0.9)
    assert need.reachable
    text = card.fallback_text()
    assert "Understood: if Soylent platform deal" in text
    assert f"a win rate of *{shown_value('win_rate', need.value)}* on new opportunities" in text
    assert float(shown_value("win_rate", need.value).rstrip("%")) / 100 >= need.value  # shown rounded up
    facts = _facts(card)
    assert facts["P(reach target) with the change"] == f"{pct(need.p_hit_at_current)} (without it: " + (
        f"{pct(forecast(base).p_hit)})"
    )


async def test_deal_size_needed_with_added_reps_counts_their_ramp(c):
    await c.say("what deal size do we need with 2 more reps")
    card = c.outbox.sends[0].card
    hired = apply_changes(_base(), [change_from_dict({"driver": "reps", "from": 10, "to": 12})])
    need = required_value(hired, "deal_size", 0.8)
    assert f"an average deal size of *{shown_value('deal_size', need.value)}* on new deals" in card.fallback_text()


async def test_an_unreachable_requirement_says_why_and_the_bound_searched(c):
    await c.say("how many reps do we need to be 99.9% sure")
    card = c.outbox.sends[0].card
    need = required_value(_base(), "reps", 0.999)
    assert not need.reachable
    text = card.fallback_text()
    assert "No number of reps reaches the $3.25M target with a 99.9% chance" in text
    assert need.reason in text
    facts = _facts(card)
    assert facts["For a 99.9% chance"] == "not reachable"
    assert facts["Searched up to"] == f"{need.bound:g} reps"


def test_a_requirement_already_met_says_so():
    data = engine_data(sample_baseline())
    target = data["booked"] + 1  # booked deals alone get there
    need = required_value(parse_baseline(dict(data, target=target)), "win_rate", 0.5)
    card = required_value_card(requirement=need, target=target)
    assert need.value == 0 and "no new business is needed for a 50% chance" in card.fallback_text()
    assert _facts(card)["For a 50% chance"] == "none needed"


async def test_a_leaving_rep_lists_their_open_deals_as_at_risk(c):
    await c.say("what if Luis leaves")
    card = c.outbox.sends[0].card
    text = card.fallback_text()
    assert "reps 10 → 9" in text
    assert "Luis's open deals stay in the forecast at their probabilities" in text
    assert "reassign them or ask “what if we lose Soylent platform deal”" in text  # his biggest deal
    assert "- Soylent platform deal: $245k at 60%, closes Dec 27" in text
    luis = [d for d in sample_baseline()["pipeline"] if d.get("owner") == "Luis"]
    listed = re.findall(r"^- (.+?): \$", text, flags=re.M)
    assert set(listed) <= {d["name"] for d in luis} and len(listed) >= 5


def test_at_risk_deal_names_are_a_persons_text():
    deal = {"id": "X", "name": "<!here> *Big* deal", "amount": 50_000, "probability": 0.5, "close_date": "2026-12-01"}
    deals = [deal]
    text = at_risk_text(["Eve_<@U1>"], deals)
    slack = render(text, SLACK_MRKDWN)
    assert "<!here>" not in slack and "<@U1>" not in slack and "&lt;!here&gt;" in slack
    assert slack.startswith("*At risk*")  # the bot's own bold survives


async def test_set_reps_reports_the_chance_of_the_baseline_it_saved(c):
    await c.say("set reps 12")
    reply = c.outbox.sends[-1].message
    saved = parse_baseline(dict(engine_data(sample_baseline()), reps=12))  # 12 reps, all fully productive
    assert f"P(reach target) is now {pct(forecast(saved).p_hit)}" in reply
    assert f"(was {pct(forecast(_base()).p_hit)})" in reply


async def test_the_required_rate_with_a_leaving_rep_lists_their_deals_too(c):
    await c.say("how many opportunities do we need if Luis leaves")
    text = c.outbox.sends[0].card.fallback_text()
    assert "per rep per week" in text and "Luis's open deals stay in the forecast" in text
