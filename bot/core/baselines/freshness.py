"""How fresh a baseline is, what it borrowed, and rolling it forward to today.

Owns three rules every answer follows:
- a baseline is as of a date: when today is past it, cards say "as of Nov 16 (13 days ago)" and offer to roll
  forward (`ROLL_ACTION`, or "set as of today");
- rolling forward stores a new version with as_of = today: weeks left shrink; open deals that were due to close
  between the old as_of and today are overdue: they move to close by the period end at their own probability,
  and the reply says so. Booked is kept as it was (marked with its source: only a fresh export can say what was
  won since), so dropping those deals would count a deal won since then nowhere; a fresh CSV import, whose
  booked is up to date, leaves its overdue deals out instead;
- bot-layer keys of a stored baseline (`sources`: where each borrowed value came from; `period_start`: the
  first day of the period, for "booked since the period began") travel with the stored JSON but are not part
  of DESIGN section 6, so `engine_data` strips them before the engine reads it (engine.baseline refuses
  unknown keys).
Pure functions: dates in, dates and dicts out; `today` is always passed in (no clock here).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = [
    "BOT_KEYS",
    "ROLL_ACTION",
    "Period",
    "RolledForward",
    "engine_data",
    "sources_of",
    "with_sources",
    "period_of",
    "day_label",
    "age_text",
    "overdue_deals",
    "roll_forward",
]

BOT_KEYS = ("sources", "period_start")
# "card." so the Slack adapter routes it (bot.slack.translate.ACTION_PATTERN); Teams and the console route any id
ROLL_ACTION = "card.roll_forward"


def engine_data(data: dict[str, Any]) -> dict[str, Any]:
    """The baseline as the engine reads it (DESIGN section 6): the bot-layer keys removed."""
    return {key: value for key, value in data.items() if key not in BOT_KEYS}


def sources_of(data: dict[str, Any] | None) -> dict[str, str]:
    """{field: where its value came from} for the values a baseline borrowed (empty when it says nothing)."""
    raw = (data or {}).get("sources")
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def with_sources(data: dict[str, Any], sources: dict[str, str], period_start: date | None = None) -> dict[str, Any]:
    """`data` with its `sources` map (and `period_start`) set; an empty map is left out."""
    out = engine_data(data)
    if sources:
        out["sources"] = dict(sources)
    if period_start is not None:
        out["period_start"] = period_start.isoformat()
    return out


def day_label(day: date) -> str:
    """'Nov 16' (the year only when it is not today's year is not worth the width on a card)."""
    return f"{day:%b} {day.day}"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def age_text(as_of: date, today: date | None) -> str:
    """'as of Nov 16 (13 days ago)', 'as of Nov 29 (today)', or 'as of Nov 16' without a today."""
    if today is None:
        return f"as of {day_label(as_of)}"
    days = (today - as_of).days
    if days == 0:
        return f"as of {day_label(as_of)} (today)"
    if days < 0:
        return f"as of {day_label(as_of)} (in {_days(-days)})"
    return f"as of {day_label(as_of)} ({_days(days)} ago)"


@dataclass(frozen=True)
class Period:
    """The period an answer is about, and the day it is asked: what every card states."""

    as_of: date
    period_end: date
    today: date | None = None
    baseline_id: int | None = None
    sources: dict[str, str] = field(default_factory=dict)
    chat: bool = True  # False outside a chat (`ask`): no button to press, no command to type

    @property
    def weeks_left(self) -> float:
        return max((self.period_end - self.as_of).days, 0) / 7.0

    @property
    def weeks_left_today(self) -> float:
        """The weeks really left: from today (or as_of when no today is known) to the period end."""
        start = max(self.today, self.as_of) if self.today else self.as_of
        return max((self.period_end - start).days, 0) / 7.0

    @property
    def stale_days(self) -> int:
        """Days since as_of (0 when as of today or no today is known)."""
        return max((self.today - self.as_of).days, 0) if self.today else 0

    @property
    def stale(self) -> bool:
        return self.stale_days > 0

    @property
    def can_roll_forward(self) -> bool:
        return self.stale and self.today is not None and self.today <= self.period_end and self.chat

    def age(self) -> str:
        return age_text(self.as_of, self.today)


def period_of(data: dict[str, Any], today: date | None = None, baseline_id: int | None = None) -> Period | None:
    """The Period of a baseline JSON, or None when its dates cannot be read."""
    try:
        as_of = date.fromisoformat(str(data["as_of"]))
        end = date.fromisoformat(str(data["period_end"]))
    except (KeyError, TypeError, ValueError):
        return None
    return Period(as_of, end, today, baseline_id, sources_of(data))


def overdue_deals(data: dict[str, Any], as_of: date) -> list[dict[str, Any]]:
    """Open deals whose close date is before `as_of`: still open, but past when they should have closed."""
    out = []
    for deal in data.get("pipeline") or []:
        try:
            closes = date.fromisoformat(str(deal.get("close_date")))
        except ValueError:
            continue
        if closes < as_of:
            out.append(deal)
    return out


@dataclass(frozen=True)
class RolledForward:
    """A baseline moved to `today` (`data`, None when it cannot be: then `problem` says why), and the open
    deals that became overdue (close date in [old as_of, today), as they were), now due by the period end."""

    data: dict[str, Any] | None
    overdue: tuple[dict[str, Any], ...] = ()
    problem: str | None = None

    @property
    def overdue_amount(self) -> float:
        return sum(float(d.get("amount") or 0.0) for d in self.overdue)


def roll_forward(data: dict[str, Any], today: date) -> RolledForward:
    """The baseline as of `today`: as_of moves, weeks left shrink, deals that should have closed by now are
    overdue and move to the period end at their probability, booked is kept and marked as of the old date.
    Refused when the period has ended or the baseline is already as of today or later."""
    period = period_of(data)
    if period is None:
        return RolledForward(None, problem="the baseline has no readable as_of and period_end")
    if today <= period.as_of:
        return RolledForward(None, problem=f"the baseline is already {age_text(period.as_of, today)}")
    if today > period.period_end:
        return RolledForward(
            None,
            problem=(
                f"the period ended on {period.period_end.isoformat()}, so there is nothing left to forecast: "
                "import a fresh CRM export for the next period (“/scenario import” explains how) or "
                "“/scenario set period end 2027-03-31”"
            ),
        )
    newly_overdue = [d for d in overdue_deals(data, today) if date.fromisoformat(str(d["close_date"])) >= period.as_of]
    out = copy.deepcopy(data)
    out["as_of"] = today.isoformat()
    moved = {str(d.get("id")) for d in newly_overdue}
    for deal in out.get("pipeline") or []:
        if str(deal.get("id")) in moved:
            deal["close_date"] = period.period_end.isoformat()
    sources = sources_of(data)
    # booked is the one number a roll forward cannot update: say whose date it carries
    sources["booked"] = f"as of {day_label(period.as_of)}: wins since then are not in it (import a fresh export)"
    out["sources"] = sources
    return RolledForward(out, tuple(newly_overdue))
