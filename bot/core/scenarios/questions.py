"""Questions: a free-text question in, a scenario card (or the answer its intent asks for) out.

Owns reading a question against the channel's latest baseline (language.parse) and answering each intent:
forecast and what-if (scenario card with the fan chart, stored as a scenario and a sent message so likes and
comments can find it; a rep who leaves lists their open deals as at risk), required rate, required value
(reps, win rate or deal size back-solved by engine.required_value), drivers (also the card's Drivers button),
baseline, set, help, "Did you mean …?" (clarify: a card whose buttons ask a suggested question as if it had
been typed, `on_ask_button`), and the not-understood answer with three examples. A channel without a baseline
gets the first-run card.
Every answer states the baseline's period as of today (`_period`): a baseline older than today says its age
and offers to roll forward (bot.core.baselines.feature).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from bot.core.baselines import feature as baseline_feature
from bot.core.baselines.freshness import Period, engine_data, period_of
from bot.core.cards import card_to_dict
from bot.core.events import ActionInvoked, MessageReceived
from bot.core.language import EXAMPLES, Parsed, parse
from bot.core.nudges.published import record_published
from bot.core.router import Router
from bot.core.scenarios.cards import (
    DRIVERS_ACTION,
    at_risk_block,
    drivers_card,
    first_run_card,
    not_understood_card,
    required_rate_card,
    scenario_card,
)
from bot.core.scenarios.compute import Answer, Needed, compute_answer, compute_requirement, confidence_of
from bot.core.scenarios.help import send_help
from bot.core.scenarios.solve_cards import ASK_ACTIONS, clarify_card, required_value_card
from bot.core.turn import Turn
from engine.baseline import parse_baseline

if TYPE_CHECKING:
    from bot.core.ports import Sent
    from engine.forecast import Forecast
    from storage import BaselineVersion

__all__ = ["register", "on_question", "on_ask_button"]

SUMMARY_KEYS = ("p_hit", "expected", "p10", "p50", "p90", "weeks_left", "target", "required_rate")


def _summary(forecast: Forecast | None) -> dict[str, Any] | None:
    """The numbers worth keeping with a scenario (not the weekly path or the sensitivity table), as stored JSON."""
    if forecast is None:
        return None
    summary: dict[str, Any] = {k: getattr(forecast, k) for k in SUMMARY_KEYS}
    summary["required_rate"] = dict(forecast.required_rate)
    return summary


def _suggestions(parsed: Parsed | None) -> list[str]:
    suggestions = list(parsed.suggestions) if parsed is not None else []
    for example in EXAMPLES:  # always three, even when the parser had fewer close matches
        if len(suggestions) >= 3:
            break
        if example not in suggestions:
            suggestions.append(example)
    return suggestions[:3]


def _at_risk(parsed: Parsed, data: dict[str, Any]) -> str | None:
    """The at-risk block of a rep who leaves ("what if Luis leaves"), from the deals of the baseline asked on."""
    if not parsed.at_risk_deals:
        return None
    changes = [c.to_dict() for c in parsed.changes]
    return at_risk_block(parsed.at_risk_owners, parsed.at_risk_deals, data, changes)


def _today(turn: Turn) -> date:
    return turn.services.today or date.today()


def _period(turn: Turn, stored: BaselineVersion) -> Period | None:
    return period_of(stored.data, _today(turn), stored.id)


async def _not_understood(turn: Turn, problem: str, parsed: Parsed | None) -> None:
    await turn.reply(not_understood_card(problem, _suggestions(parsed)), thread_id=turn.answer_thread())


async def on_question(turn: Turn) -> None:
    text = turn.text.strip()
    if not text:
        await send_help(turn)
        return
    stored = await baseline_feature.latest(turn)
    if stored is None:
        await turn.reply(first_run_card(), thread_id=turn.answer_thread())
        return
    parsed = parse(text, parse_baseline(engine_data(stored.data)), today=turn.services.today)
    intent = parsed.intent
    if intent == "help":
        await send_help(turn)
    elif intent == "baseline":
        await baseline_feature.show(turn, stored)
    elif intent == "set":
        await baseline_feature.set_driver(turn, stored)
    elif intent in ("forecast", "whatif"):
        await _scenario(turn, stored, parsed)
    elif intent == "required_rate":
        await _required_rate(turn, stored, parsed)
    elif intent == "required_value" and parsed.solve_for:
        await _required_value(turn, stored, parsed, parsed.solve_for)
    elif intent == "clarify" and parsed.suggestions:
        problem = parsed.problem or "Did you mean one of these?"
        await turn.reply(clarify_card(problem, list(parsed.suggestions)), thread_id=turn.answer_thread())
    elif intent == "drivers":
        changes = [c.to_dict() for c in parsed.changes]
        await _drivers(turn, stored, changes, turn.answer_thread(), question=text if changes else None)
    else:
        await _not_understood(turn, parsed.problem or f"I could not read “{text}” as a question.", parsed)


async def _scenario(turn: Turn, stored: BaselineVersion, parsed: Parsed) -> None:
    changes = [c.to_dict() for c in parsed.changes]
    question = turn.text
    answer: Answer = await turn.run(
        compute_answer, engine_data(stored.data), changes, turn.services.charts, False, (0.5, 0.8), question
    )
    if answer.problems or answer.baseline is None:
        await _not_understood(turn, "That change is not possible: " + "; ".join(answer.problems), parsed)
        return
    event = turn.event
    workspace_id, channel_id = turn.workspace_id, turn.place.channel_id
    intent = "whatif" if changes else "forecast"
    # stored before the card is built so the card's buttons can name the scenario (Drivers needs it)
    scenario = await turn.storage.scenarios.create(
        workspace_id,
        channel_id,
        question=question,
        intent=intent,
        changes=changes,
        baseline_id=stored.id,
        summary={"baseline": _summary(answer.baseline), "scenario": _summary(answer.scenario)},
        asked_by=event.actor.user_id,
    )
    card = scenario_card(
        question=question,
        interpretation=list(parsed.interpretation),
        baseline=answer.baseline,
        scenario=answer.scenario,
        chart_png=answer.chart,
        scenario_id=scenario.id,
        currency=answer.baseline.currency or "USD",
        period=_period(turn, stored),
        changes=changes,
        at_risk=_at_risk(parsed, stored.data),
    )
    thread_id = turn.answer_thread()

    async def record(sent: Sent) -> None:
        # as soon as the card is in the channel, before its chart: likes and comments find it from then on
        await turn.storage.messages.record(
            workspace_id,
            platform=turn.place.platform,
            channel_id=channel_id,
            message_id=sent.message_id,
            kind="scenario",
            payload=card_to_dict(sent.card or card),  # as posted: with its chart's token
            scenario_id=scenario.id,
            thread_id=thread_id,
        )

    sent = await turn.reply(card, thread_id=thread_id, on_posted=record)
    if sent is None:
        return
    # the track record keeps every published P(reach target) of the channel's baseline (bot.core.nudges)
    published_key = f"message:{turn.place.platform}:{channel_id}:{sent.message_id}"
    await record_published(turn, stored, answer.baseline, intent, published_key)


async def _required_rate(turn: Turn, stored: BaselineVersion, parsed: Parsed) -> None:
    confidence = confidence_of(parsed)
    confidences = tuple(sorted({0.5, round(confidence, 4)}))
    changes = [c.to_dict() for c in parsed.changes]
    answer = await turn.run(compute_answer, engine_data(stored.data), changes, False, False, confidences)
    if answer.problems or answer.baseline is None:
        await _not_understood(turn, "That change is not possible: " + "; ".join(answer.problems), parsed)
        return
    forecast = answer.scenario or answer.baseline
    card = required_rate_card(
        forecast=forecast,
        confidence=confidence,
        question=turn.text,
        period=_period(turn, stored),
        at_risk=_at_risk(parsed, stored.data),
    )
    await turn.reply(card, thread_id=turn.answer_thread())


async def _required_value(turn: Turn, stored: BaselineVersion, parsed: Parsed, driver: str) -> None:
    """ "How many reps do we need (to be 80% sure) (if we lose Globex)?": engine.required_value of `driver` on the
    scenario."""
    changes = [c.to_dict() for c in parsed.changes]
    needed: Needed = await turn.run(
        compute_requirement, engine_data(stored.data), changes, driver, confidence_of(parsed)
    )
    if needed.problems or needed.requirement is None:
        await _not_understood(turn, "That change is not possible: " + "; ".join(needed.problems), parsed)
        return
    card = required_value_card(
        requirement=needed.requirement,
        question=turn.text,
        currency=needed.currency,
        target=needed.target,
        weeks_left=needed.weeks_left,
        baseline_p_hit=needed.baseline_p_hit,
        ramp=needed.ramp,
        interpretation=list(parsed.interpretation),
        changes=changes,
        at_risk=_at_risk(parsed, stored.data),
        period=_period(turn, stored),
    )
    await turn.reply(card, thread_id=turn.answer_thread())


async def _drivers(
    turn: Turn,
    stored: BaselineVersion,
    changes: list[dict[str, Any]],
    thread_id: str | None,
    question: str | None = None,
) -> None:
    answer = await turn.run(compute_answer, engine_data(stored.data), changes, False, True)
    if answer.problems or answer.baseline is None:
        await turn.reply(not_understood_card("; ".join(answer.problems), list(EXAMPLES)[:3]), thread_id=thread_id)
        return
    # a scenario's table is about the scenario; "today" is the baseline's chance, said beside it
    card = drivers_card(
        forecast=answer.scenario or answer.baseline,
        baseline=answer.baseline if answer.scenario is not None else None,
        period=_period(turn, stored),
        question=question,
    )
    await turn.reply(card, thread_id=thread_id)


async def on_drivers_button(turn: Turn) -> None:
    """The Drivers button of a scenario card: the sensitivity of that scenario, in the card's thread."""
    event = turn.event
    assert isinstance(event, ActionInvoked)
    storage, workspace_id = turn.storage, turn.workspace_id
    stored: BaselineVersion | None = None
    changes: list[dict[str, Any]] = []
    question: str | None = None
    scenario_id = event.value.get("scenario_id")
    scenario = await storage.scenarios.get(workspace_id, scenario_id) if isinstance(scenario_id, int) else None
    if scenario is not None and scenario.channel_id != turn.place.channel_id:
        # a button value names a scenario of another channel (forged, or a card forwarded): not shown here
        scenario = None
    if scenario is not None and scenario.baseline_id is not None:
        stored = await storage.baselines.get(workspace_id, scenario.baseline_id)
        if stored is not None:
            changes, question = list(scenario.changes), scenario.question
    # Under the thread's root: a card that is itself a thread reply (an @mention's answer) is no thread parent
    # (Slack wants the root's thread_ts; Teams would start a thread under the reply). The stored card knows its root.
    card = await storage.messages.find(workspace_id, event.place.channel_id, event.message_id or "")
    thread = (card.thread_id if card is not None else None) or event.place.thread_id or event.message_id
    if stored is None:
        stored = await baseline_feature.latest(turn)
        if stored is None:
            await turn.reply(first_run_card(), thread_id=thread)
            return
    await _drivers(turn, stored, changes, thread, question if changes else None)


async def on_ask_button(turn: Turn) -> None:
    """A "Did you mean" button: its question answered exactly as if the person who tapped had typed it, where
    the card is (the card's thread, or top level)."""
    event = turn.event
    assert isinstance(event, ActionInvoked)
    question = event.value.get("question")
    if not isinstance(question, str) or not question.strip():
        await _not_understood(turn, "That button carried no question; please ask again in your own words.", None)
        return
    typed = MessageReceived(event.actor, event.place, question, via="command", delivery_id=event.delivery_id)
    await on_question(Turn(typed, turn.outbox, turn.workspace_id, turn.services))


def register(router: Router) -> None:
    router.fallback(on_question)
    router.action(DRIVERS_ACTION, on_drivers_button)
    for action in ASK_ACTIONS:
        router.action(action, on_ask_button)
