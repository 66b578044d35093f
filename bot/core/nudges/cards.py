"""Nudge cards: what a scheduled target check posts, and the words for why the chance moved.

Owns the nudge card (a scenario card like any other, so likes and comments count on it: P(reach target) now, the
change since the last nudge "20% → 14%, −6 points since Monday", the top reasons, the required new opportunities
per rep per week, and buttons to ask a what-if or open the drivers), the card a channel without a baseline gets
once, the final result card of an ended period, and `reasons`: the driver and deal changes between two baseline
versions and the weeks that passed. Pure functions: no platform, storage or engine calls.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.core.baselines.freshness import Period, day_label
from bot.core.cards import Button, Card, Fact, Facts, Text
from bot.core.formatting import driver_value, money, number, pct, user
from bot.core.scenarios.cards import first_run_card, scenario_card, trim_title

if TYPE_CHECKING:
    from engine.forecast import Forecast

__all__ = [
    "WHATIF_ACTION",
    "change_text",
    "reasons",
    "nudge_card",
    "no_baseline_card",
    "final_card",
    "points",
]

WHATIF_ACTION = "card.nudge.whatif"  # "card." so the Slack adapter routes it
MAX_REASONS = 4
_LABELS = {
    "target": "target",
    "booked": "booked",
    "reps": "reps",
    "new_opps_per_rep_week": "new opps per rep per week",
    "win_rate": "win rate",
    "deal_size": "deal size",
    "cycle_weeks": "sales cycle",
    "period_end": "period end",
}


def points(before: float, after: float) -> str:
    """'−6 points', '+2 points', '+0.4 points' (a real minus sign, as cards print it)."""
    diff = round((after - before) * 100, 1)
    text = f"{abs(diff):.0f}" if abs(diff) >= 1 else f"{abs(diff):.1f}"
    sign = "−" if diff < 0 else "+"
    unit = "point" if text == "1" else "points"
    return f"{sign}{text} {unit}"


def since_text(then: datetime, now: datetime) -> str:
    """'since Monday' up to a week back (a weekly nudge's own rhythm), else 'since Nov 23' (both local times)."""
    days = (now.date() - then.date()).days
    if 0 < days <= 7:
        return f"since {then:%A}"
    return f"since {day_label(then.date())}"


def change_text(before: float | None, after: float, since: str) -> str:
    """'20% → 14%, −6 points since Monday', or 'first check of this period'."""
    if before is None:
        return "First check of this period."
    if abs(after - before) < 0.0005:
        return f"{pct(after)}, unchanged {since}."
    return f"{pct(before)} → {pct(after)}, {points(before, after)} {since}."


def _mean(value: object) -> float | str | None:
    """A driver's value as compared and shown: a distribution's mean ({"mean", "cv"}), else the value itself."""
    if isinstance(value, dict):
        value = value.get("mean")
    return value if isinstance(value, float | int | str) else None


def _driver_changes(old: dict[str, Any], new: dict[str, Any], cur: str) -> list[str]:
    out = []
    for key, label in _LABELS.items():
        a, b = _mean(old.get(key)), _mean(new.get(key))
        if a is None or b is None or a == b:
            continue
        if key == "period_end":
            out.append(f"{label} {a} → {b}")
        else:
            out.append(f"{label} {driver_value(key, a, cur)} → {driver_value(key, b, cur)}")
    return out


def _deal_name(deal: dict[str, Any]) -> str:
    return user(trim_title(str(deal.get("name") or deal.get("id") or "deal"), 50))


def _deal_changes(old: dict[str, Any], new: dict[str, Any], cur: str) -> list[str]:
    """Deals added, gone and changed, biggest change of weighted amount first."""
    before = {str(d.get("id")): d for d in old.get("pipeline") or []}
    after = {str(d.get("id")): d for d in new.get("pipeline") or []}
    scored: list[tuple[float, str]] = []

    def weight(d: dict[str, Any]) -> float:
        return float(d.get("amount") or 0) * float(d.get("probability") or 0)

    for key, deal in after.items():
        if key not in before:
            scored.append((weight(deal), f"new deal {_deal_name(deal)} {money(float(deal.get('amount') or 0), cur)}"))
    for key, deal in before.items():
        if key not in after:
            what = f"{_deal_name(deal)} {money(float(deal.get('amount') or 0), cur)} left the pipeline (won or lost)"
            scored.append((weight(deal), what))
    for key, deal in after.items():
        old_deal = before.get(key)
        if old_deal is None:
            continue
        parts = []
        if float(old_deal.get("probability") or 0) != float(deal.get("probability") or 0):
            parts.append(f"{pct(float(old_deal['probability']))} → {pct(float(deal['probability']))}")
        if float(old_deal.get("amount") or 0) != float(deal.get("amount") or 0):
            parts.append(f"{money(float(old_deal['amount']), cur)} → {money(float(deal['amount']), cur)}")
        if str(old_deal.get("close_date")) != str(deal.get("close_date")):
            parts.append(f"closes {deal.get('close_date')} (was {old_deal.get('close_date')})")
        if parts:
            scored.append((abs(weight(deal) - weight(old_deal)), f"{_deal_name(deal)}: {', '.join(parts)}"))
    scored.sort(key=lambda item: -item[0])
    return [text for _, text in scored]


def _weeks(days: int) -> str:
    weeks = days / 7
    if abs(weeks - 1) < 0.01:
        return "one week"
    return f"{number(round(weeks, 1))} weeks" if days % 7 else f"{number(weeks)} weeks"


def reasons(
    *,
    previous_p: float | None,
    previous_day: date | None,
    previous_data: dict[str, Any] | None,
    previous_version: int | None,
    p_now: float,
    previous_now: float | None,
    day: date,
    data: dict[str, Any],
    version: int,
    overdue: list[dict[str, Any]],
) -> list[str]:
    """Why the chance moved since the last nudge, biggest part first: the time that passed (weeks to create new
    business, deals now past their close date) and, when the baseline version changed, which drivers and deals
    changed. `previous_now` is the old version's chance as of `day`: it splits the change into the two parts."""
    if previous_p is None or previous_day is None:
        return []
    cur = data.get("currency") or "USD"
    out: list[tuple[float, str]] = []
    time_effect = (previous_now if previous_now is not None else p_now) - previous_p
    days = (day - previous_day).days
    # only the deals that passed their close date since the last check are news
    overdue = [d for d in overdue if str(d.get("close_date", "")) >= previous_day.isoformat()]
    if days > 0:
        text = f"{_weeks(days)} less to create new business"
        if overdue:
            amount = sum(float(d.get("amount") or 0) for d in overdue)
            n = len(overdue)
            deals, whose = ("deal", "its") if n == 1 else ("deals", "their")
            text += f"; {n} open {deals} ({money(amount, cur)}) passed {whose} close date"
        out.append((abs(time_effect), f"{text} ({points(previous_p, previous_p + time_effect)})"))
    if previous_data is not None and previous_version != version:
        changed = _driver_changes(previous_data, data, cur) + _deal_changes(previous_data, data, cur)
        effect = p_now - (previous_now if previous_now is not None else previous_p)
        what = "; ".join(changed[:3]) + (f"; and {len(changed) - 3} more" if len(changed) > 3 else "")
        label = f"baseline v{previous_version} → v{version}"
        out.append(
            (abs(effect), f"{label} ({points(0, effect)}): {what}" if what else f"{label} ({points(0, effect)})")
        )
    out.sort(key=lambda item: -item[0])
    return [text for _, text in out][:MAX_REASONS]


def nudge_card(
    *,
    forecast: Forecast,
    schedule_label: str,
    change: str,
    why: list[str],
    period: Period,
    scenario_id: int | None,
    chart_png: bytes | None,
    currency: str,
    local_day: str,
) -> Card:
    """The scenario card of a target check, with the change since the last nudge, why, and a what-if button."""
    card = scenario_card(
        question=f"Target check, {local_day}",
        interpretation=[],
        baseline=forecast,
        scenario=None,
        chart_png=chart_png,
        scenario_id=scenario_id,
        currency=currency,
        period=period,
    )
    lines = [f"*Since the last check*: {change}"]
    if why:
        lines.append("*Why*\n" + "\n".join(f"- {reason}" for reason in why))
    lines.append(f"_Scheduled {schedule_label}; “/scenario nudge off” stops it._")
    blocks = list(card.blocks)
    blocks.insert(1, Text("\n".join(lines)))
    buttons = (*card.buttons, Button("Ask a what-if", WHATIF_ACTION, {"scenario_id": scenario_id}))
    return dataclasses.replace(card, blocks=tuple(blocks), buttons=buttons)


def no_baseline_card(schedule_label: str) -> Card:
    """A scheduled check in a channel without a baseline: how to set one (posted once; then nothing until one
    arrives)."""
    first = first_run_card()
    note = Text(
        f"This is the scheduled target check ({schedule_label}). I will post the next one once this channel has "
        "a baseline, and stay quiet until then."
    )
    return Card(title="Target check: no baseline yet", blocks=(note, *first.blocks), kind="info")


def final_card(*, period_end: date, target: float | None, booked: float | None, final: bool, currency: str) -> Card:
    """The period has ended: booked against target when a baseline as of the period end says so (`final`),
    otherwise what is known and how to record it. Nudges pause until a baseline for a new period arrives."""
    facts = [Fact("Period ended", day_label(period_end))]
    if target is not None:
        facts.append(Fact("Target", money(target, currency)))
    if booked is not None and final and target is not None:
        facts.append(Fact("Booked", money(booked, currency)))
        hit = booked >= target
        verdict = (
            f"*Target reached*: {money(booked, currency)} booked against {money(target, currency)} "
            f"({pct(booked / target) if target else '—'} of target)."
            if hit
            else f"*Target missed*: {money(booked, currency)} booked against {money(target, currency)}, "
            f"{money(target - booked, currency)} short."
        )
    else:
        if booked is not None:
            facts.append(Fact("Booked (last known)", money(booked, currency)))
        verdict = (
            "The period has ended, and no baseline says yet what was booked by its end. Import the final CRM export "
            "(or “/scenario set booked …” as of the period end) to record the result for the track record."
        )
    text = (
        f"{verdict}\nScheduled target checks pause until this channel has a baseline for a new period; "
        "“/scenario track record” shows how the forecasts did."
    )
    return Card(title=f"Period result, {day_label(period_end)}", blocks=(Facts(tuple(facts)), Text(text)), kind="info")
