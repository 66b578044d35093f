"""Making an adopted scenario the channel's baseline: "Make it the baseline", then a confirmation.

Owns reading a scenario's changes onto the channel's latest baseline version (the scenario's own values win for
the drivers it changed; every other value, including changes made since the scenario was asked, stays), checking
the result as the engine would read it, and saving it as the next version together with the decision's note of it
(one transaction; a second confirmation stores nothing). Only the decider or a manager may do either step.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.core.baselines.freshness import engine_data, sources_of, with_sources
from bot.core.decisions import roles
from bot.core.decisions.cards import ADOPT_ACTION, ADOPT_CONFIRM_ACTION, adopt_confirm_card
from bot.core.decisions.views import acted_on, channel_place, notice, refresh_card, scenario_of
from bot.core.events import ActionInvoked
from bot.core.formatting import driver_value, message_text, pct, user
from bot.core.router import Router
from bot.core.scenarios.compute import compute_answer
from bot.core.turn import Turn
from engine.baseline import BaselineError, baseline_to_dict, parse_baseline
from engine.changes import DRIVERS, apply_changes, change_from_dict

__all__ = ["register", "adopted_data", "describe_changes"]


def describe_changes(changes: list[dict[str, Any]], currency: str = "USD") -> str:
    """'win rate 25% → 20% and reps 10 → 12' for a scenario's change dicts."""
    parts = []
    for change in changes:
        driver = str(change.get("driver"))
        label = DRIVERS.get(driver, (driver, ""))[0]
        if driver == "deal":
            parts.append(f"deal {user(change.get('deal'))} at {driver_value('deal', change.get('to'))}")
        else:
            before, after = (driver_value(driver, change.get(k), currency) for k in ("from", "to"))
            parts.append(f"{label} {before} → {after}")
    return " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]


def adopted_data(latest: dict[str, Any], changes: list[dict[str, Any]]) -> dict[str, Any]:
    """The latest baseline (its stored dict) with the scenario's changes, engine-checked; raises BaselineError."""
    current = parse_baseline(engine_data(latest))
    new = baseline_to_dict(
        parse_baseline(baseline_to_dict(apply_changes(current, [change_from_dict(c) for c in changes])))
    )
    changed = {str(c.get("driver")) for c in changes}
    sources = {k: v for k, v in sources_of(latest).items() if k not in changed}
    start = latest.get("period_start")
    try:
        period_start = date.fromisoformat(str(start)) if start else None
    except ValueError:
        period_start = None
    return with_sources(new, sources, period_start)


async def _checked(turn: Turn) -> tuple[Any, Any, Any] | None:
    """(decision, scenario, latest baseline) when this person may adopt it now; else None, after saying why."""
    event = turn.event
    assert isinstance(event, ActionInvoked)
    decision = await acted_on(turn)
    if decision is None:
        return None
    if decision.kind != "adopt":
        await notice(turn, f"Decision #{decision.id} does not adopt its scenario, so it cannot become the baseline.")
        return None
    if decision.baseline_version is not None:
        await notice(turn, f"This scenario is already the channel's baseline v{decision.baseline_version}.")
        return None
    if not await roles.may_adopt(turn, decision, event.actor.user_id):
        await notice(turn, roles.not_allowed_text("make it the baseline").replace("asked this scenario", "decided"))
        return None
    _, scenario = await scenario_of(turn, decision)
    latest = await turn.storage.baselines.latest(turn.workspace_id, decision.channel_id)
    if scenario is None or latest is None:
        await notice(turn, "The scenario or the channel's baseline is gone, so there is nothing to adopt.")
        return None
    if not scenario.changes:
        await notice(turn, f"This scenario changes nothing: the channel's baseline v{latest.version} already is it.")
        return None
    return decision, scenario, latest


async def on_adopt(turn: Turn) -> None:
    """Make it the baseline: the confirmation, in the decision card's thread."""
    checked = await _checked(turn)
    if checked is None:
        return
    decision, scenario, latest = checked
    try:
        adopted_data(latest.data, list(scenario.changes))
    except BaselineError as error:
        await notice(turn, "The scenario cannot become the baseline: " + user("; ".join(error.problems)) + ".")
        return
    note = None
    if scenario.baseline_id != latest.id:
        note = "The scenario was asked on an older version: its changes are applied to the latest one."
    card = adopt_confirm_card(
        decision,
        question=scenario.question,
        changes=describe_changes(list(scenario.changes), latest.data.get("currency") or "USD"),
        latest_version=latest.version,
        note=note,
    )
    thread = decision.card_message_id or getattr(turn.event, "message_id", None)
    await turn.outbox.send(channel_place(turn, decision.channel_id), card, thread_id=thread)


async def on_adopt_confirm(turn: Turn) -> None:
    """The confirmation pressed: the new version saved, said, and the decision card updated."""
    checked = await _checked(turn)
    if checked is None:
        return
    decision, scenario, latest = checked
    try:
        data = adopted_data(latest.data, list(scenario.changes))
    except BaselineError as error:
        await notice(turn, "The scenario cannot become the baseline: " + user("; ".join(error.problems)) + ".")
        return
    was = await turn.run(compute_answer, engine_data(latest.data), [], False, False)
    now = await turn.run(compute_answer, engine_data(data), [], False, False)
    note = f"adopted scenario #{scenario.id} (decision #{decision.id})"
    adopted, saved = await turn.storage.decisions.adopt(
        turn.workspace_id, decision.id, data, created_by=turn.event.actor.user_id, note=note
    )
    if adopted is None or saved is None:
        await notice(turn, "This scenario was made the baseline already.")
        return
    if now.baseline is None or was.baseline is None:  # the baselines were checked above: a forecast always comes
        await notice(turn, "The scenario is the baseline now, but its chance could not be computed.")
        return
    now_p, was_p = now.baseline.p_hit, was.baseline.p_hit
    changes = describe_changes(list(scenario.changes), latest.data.get("currency") or "USD")
    text = (
        f"Baseline v{saved.version} saved: the scenario “{user(scenario.question)}” is now this channel's baseline "
        f"({changes}). P(reach target) is now {pct(now_p)} (was {pct(was_p)})."
    )
    place = channel_place(turn, decision.channel_id)
    await turn.outbox.send(place, message_text(place.platform, text), thread_id=decision.card_message_id)
    await refresh_card(turn, adopted)


def register(router: Router) -> None:
    router.action(ADOPT_ACTION, on_adopt)
    router.action(ADOPT_CONFIRM_ACTION, on_adopt_confirm)
