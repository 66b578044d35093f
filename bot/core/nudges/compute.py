"""The compute step of a nudge: the forecast at send time and why it moved, as ONE picklable call.

Owns `compute_nudge`, run in the executor: the channel's latest baseline is rolled forward to the day of the
check (bot.core.baselines.freshness.roll_forward: weeks left shrink, deals past their close date move to the
period end) and forecast by the engine; when the last nudge came from another baseline version, that version is
rolled to the same day and forecast too, so the change splits into what time did ("one week less to create new
business") and what the new baseline did (which drivers and deals changed). Plain data in, the engine's
forecast and plain data out (picklable, for a process pool).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.core.baselines.freshness import engine_data, period_of, roll_forward
from bot.core.charts import fan_chart
from engine.baseline import BaselineError, parse_baseline
from engine.forecast import Forecast, forecast

__all__ = ["NudgeFigures", "compute_nudge", "at_day", "DRIVER_FIELDS"]

DRIVER_FIELDS = ("target", "booked", "reps", "new_opps_per_rep_week", "win_rate", "deal_size", "cycle_weeks")


@dataclass(frozen=True)
class NudgeFigures:
    """`forecast` of the baseline as of `day`; `previous_now` the chance the last
    nudge's baseline version gives as of `day` (None when the version did not change); `overdue` the deals that
    passed their close date since the baseline's as_of; the fan chart; or the `problems` of a baseline the engine
    refuses."""

    forecast: Forecast | None = None
    previous_now: float | None = None
    overdue: list[dict[str, Any]] = field(default_factory=list)
    chart: bytes | None = None
    problems: list[str] = field(default_factory=list)


def at_day(data: dict[str, Any], day: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The baseline as the engine reads it on `day` (rolled forward when it is older), and the deals that became
    overdue on the way."""
    period = period_of(data)
    if period is not None and period.as_of < day <= period.period_end:
        rolled = roll_forward(data, day)
        if rolled.data is not None:
            return engine_data(rolled.data), [dict(d) for d in rolled.overdue]
    return engine_data(data), []


def compute_nudge(
    data: dict[str, Any], previous: dict[str, Any] | None, day: date, want_chart: bool = True, title: str = ""
) -> NudgeFigures:
    try:
        current, overdue = at_day(data, day)
        base = parse_baseline(current)
    except BaselineError as exc:
        return NudgeFigures(problems=list(exc.problems))
    result = forecast(base, weekly=want_chart, sensitivity=False, confidences=(0.5, 0.8))
    previous_now = None
    if previous is not None:
        try:
            before, _ = at_day(previous, day)
            previous_now = forecast(parse_baseline(before), weekly=False, sensitivity=False, confidences=()).p_hit
        except BaselineError:
            previous_now = None  # an old version the engine no longer reads: the change is not split then
    chart = fan_chart(baseline=result, scenario=None, currency=base.currency, title=title) if want_chart else None
    return NudgeFigures(forecast=result, previous_now=previous_now, overdue=overdue, chart=chart)
