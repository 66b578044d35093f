"""Give my estimate: an expert's value for the asked driver, read with the what-if language, answered with a
scenario card in the channel card's thread, credited to them.

Owns the estimate form, reading it (`experts.estimate`; an unreadable value gets a clear message with an example,
and the button can be pressed again), forecasting the card's scenario with the expert's value in place of the
asked driver's (the same compute step as every question, so its P(reach target) is the engine's), recording the
estimate, and, from the second estimate of the same driver on, the scenario at the experts' median with the range
of P(reach target) across their estimates.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.core.baselines.freshness import engine_data, period_of
from bot.core.cards import Form, FormField, Text, card_to_dict
from bot.core.events import ActionInvoked, FormSubmitted
from bot.core.experts.cards import consensus_text, consensus_title, estimate_title
from bot.core.experts.estimate import driver_label, example_for, read_estimate
from bot.core.experts.rules import median
from bot.core.formatting import message_text
from bot.core.outbox import display_name
from bot.core.scenarios.cards import scenario_card
from bot.core.scenarios.compute import Answer, compute_answer
from bot.core.turn import Turn
from engine.baseline import parse_baseline

__all__ = ["ESTIMATE_FORM", "on_estimate_button", "on_estimate_form"]

ESTIMATE_FORM = "expert.estimate"


async def _notify(turn: Turn, text: str) -> None:
    await turn.outbox.notify(turn.place, message_text(turn.place.platform, text), user_id=turn.event.actor.user_id)


async def on_estimate_button(turn: Turn) -> None:
    from bot.core.experts.answers import own_invitation

    event = turn.event
    assert isinstance(event, ActionInvoked)
    invitation = await own_invitation(turn)
    if invitation is None:
        return
    about = driver_label(invitation.driver).lower() if invitation.driver else "the scenario's drivers"
    form = Form(
        form_id=ESTIMATE_FORM,
        title="Give my estimate",
        fields=(
            FormField(
                "value",
                f"Your estimate of {about}",
                placeholder=f"e.g. {example_for(invitation.driver)}".replace("“", "").replace("”", ""),
                max_length=500,
                multiline=False,
            ),
        ),
        submit_label="Send estimate",
        metadata={"invitation_id": invitation.id},
    )
    await turn.outbox.open_form(turn.place, form, event.trigger)


def _merged(original: list[dict[str, Any]], estimate: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The card's changes with the estimated drivers replaced by the expert's values."""
    drivers = {c.get("driver") for c in estimate}
    return [c for c in original if c.get("driver") not in drivers] + list(estimate)


async def on_estimate_form(turn: Turn) -> None:
    from bot.core.experts.answers import own_invitation, remember_name
    from bot.core.experts.feature import channel_place

    event = turn.event
    assert isinstance(event, FormSubmitted)
    invitation = await own_invitation(turn)
    if invitation is None:
        return
    invitation = await remember_name(turn, invitation)
    storage, workspace_id = turn.storage, turn.workspace_id
    sent = await storage.messages.get(workspace_id, invitation.sent_message_id)
    scenario = await storage.scenarios.get(workspace_id, sent.scenario_id) if sent and sent.scenario_id else None
    stored = (
        await storage.baselines.get(workspace_id, scenario.baseline_id) if scenario and scenario.baseline_id else None
    )
    if sent is None or scenario is None or stored is None:
        await _notify(turn, "The scenario this invitation is about is no longer known to me, so I cannot use it.")
        return
    text = " ".join(str(event.values.get("value") or "").split())
    reading = read_estimate(text, parse_baseline(engine_data(stored.data)), invitation.driver)
    if reading.problem:
        await _notify(turn, f"{reading.problem} Press “Give my estimate” again to send it.")
        return
    changes = _merged(list(scenario.changes), list(reading.changes))
    answer: Answer = await turn.run(
        compute_answer, engine_data(stored.data), changes, turn.services.charts, False, (0.5, 0.8), text
    )
    if answer.problems or answer.scenario is None or answer.baseline is None:
        await _notify(turn, "That estimate is not possible: " + "; ".join(answer.problems or ["no change"]))
        return
    # credited as invited ("Priya (Marketing)"), else as the platform names the person
    name = invitation.invitee_name or await display_name(turn.outbox, event.actor, turn.place.workspace_id)
    where = channel_place(turn, sent)
    thread = sent.thread_id or sent.message_id
    posted = await _post_scenario(
        turn, where, thread, stored, answer, changes, estimate_title(name, text), list(reading.lines), scenario
    )
    await storage.experts.save_estimate(
        workspace_id,
        invitation.id,
        text=text,
        driver=invitation.driver or str(reading.changes[0].get("driver")),
        changes=list(reading.changes),
        p_hit=float(answer.scenario.p_hit),
        message_id=posted,
    )
    await storage.experts.set_status(workspace_id, invitation.id, "answered", now=turn.now(), actor=event.actor.user_id)
    await turn.services.schedule_footer(workspace_id, sent.id, where, turn.outbox)
    await _notify(turn, "Thank you: your estimate is posted in the card's thread, credited to you.")
    await _consensus(turn, sent, scenario, stored, where, thread)


async def _post_scenario(
    turn: Turn,
    where: Any,
    thread: str,
    stored: Any,
    answer: Answer,
    changes: list[dict[str, Any]],
    title: str,
    lines: list[str],
    origin: Any,
    extra: str | None = None,
) -> str | None:
    """Post a scenario card in the card's thread, recorded (a scenario and a sent message) so it can be liked."""
    storage, workspace_id = turn.storage, turn.workspace_id
    if answer.baseline is None or answer.scenario is None:
        return None
    created = await storage.scenarios.create(
        workspace_id,
        where.channel_id,
        question=title,
        intent="whatif",
        changes=changes,
        baseline_id=stored.id,
        summary={"baseline": {"p_hit": answer.baseline.p_hit}, "scenario": {"p_hit": answer.scenario.p_hit}},
        asked_by=turn.event.actor.user_id,
    )
    card = scenario_card(
        question=title,
        interpretation=lines,
        baseline=answer.baseline,
        scenario=answer.scenario,
        chart_png=answer.chart,
        scenario_id=created.id,
        currency=answer.baseline.currency or "USD",
        period=period_of(stored.data, turn.services.today, stored.id),
        changes=changes,
    )
    if extra:
        card = dataclasses.replace(card, blocks=(Text(extra), *card.blocks))
    sent = await turn.outbox.send(where, card, thread_id=thread)
    if sent is None:
        return None
    await storage.messages.record(
        workspace_id,
        platform=where.platform,
        channel_id=where.channel_id,
        message_id=sent.message_id,
        kind="scenario",
        payload=card_to_dict(sent.card or card),
        scenario_id=created.id,
        thread_id=thread,
    )
    return sent.message_id


async def _consensus(turn: Turn, sent: Any, scenario: Any, stored: Any, where: Any, thread: str) -> None:
    """With two or more estimates of one driver: the scenario at their median and the range of P across them."""
    estimates = await turn.storage.experts.estimates_for_card(turn.workspace_id, sent.id)
    driver = estimates[-1].driver if estimates else None
    same = [e for e in estimates if e.driver == driver]
    values = [c.get("to") for e in same for c in e.changes if c.get("driver") == driver]
    values = [float(v) for v in values if isinstance(v, int | float)]
    if driver is None or len(values) < 2:
        return
    middle = median(values)
    base_value = next((c.get("from") for e in same for c in e.changes if c.get("driver") == driver), None)
    change = {"driver": driver, "from": base_value, "to": middle}
    changes = _merged(list(scenario.changes), [change])
    answer: Answer = await turn.run(compute_answer, engine_data(stored.data), changes, turn.services.charts)
    if answer.problems or answer.scenario is None or answer.baseline is None:
        return
    currency = answer.baseline.currency or "USD"
    text = consensus_text(driver, values, [e.p_hit for e in same], float(answer.scenario.p_hit), currency)
    title = consensus_title(driver, middle, currency)
    await _post_scenario(turn, where, thread, stored, answer, changes, title, [], scenario, extra=text)
