"""Back-solving a driver: the smallest number of reps, win rate or mean deal size that reaches the target with
a given confidence (DESIGN section 2 asks this of new_opps_per_rep_week; engine.forecast answers that one).

Owns `required_value` and its answer, `Requirement`. Each candidate value is applied as the what-if the bot
would apply (engine.changes.apply_changes: added reps are hires who ramp up, removed reps stop at once) and
forecast by the exact engine, so the answer agrees with asking "what if we had that many reps". The search
is a bisection over a monotone P(reach target) that keeps a value known to reach the confidence, so the
value returned always has p_hit_at_value >= confidence. Deterministic; no I/O.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from engine.baseline import Baseline, BaselineError
from engine.changes import Change, apply_changes, current_value
from engine.forecast import forecast
from engine.model import rep_weeks

__all__ = ["SOLVABLE", "Requirement", "required_value"]

SOLVABLE = ("reps", "win_rate", "deal_size")
REPS_FACTOR = 10  # "sane bounds": at most ten times today's reps (and at least 100) ...
REPS_FLOOR = 100
DEAL_SIZE_FACTOR = 10.0  # ... and a mean deal size at most ten times today's
WIN_RATE_TOL = 1e-4  # one hundredth of a percentage point
DEAL_SIZE_RTOL = 1e-4


@dataclass(frozen=True)
class Requirement:
    """The smallest value of `driver` with P(reach target) >= confidence, or why there is none.

    `value` is None when unreachable (then `reason` says why, and `bound` is the largest value tried and
    `p_hit_at_value` its probability); `reason` also explains a reachable answer in a sentence."""

    driver: str
    confidence: float
    value: float | int | None
    p_hit_at_value: float | None
    current: float
    p_hit_at_current: float
    reachable: bool
    reason: str
    bound: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _p_hit(baseline: Baseline, driver: str, value: float) -> float:
    scenario = apply_changes(baseline, [Change(driver, current_value(baseline, driver), value)])
    return forecast(scenario, weekly=False, sensitivity=False, confidences=()).p_hit


def _pct(p: float) -> str:
    return f"{p * 100:.1f}%"


def required_value(baseline: Baseline, driver: str, confidence: float = 0.8) -> Requirement:
    """The smallest value of `driver` ("reps": an integer, added reps are hires who ramp up; "win_rate": 0..1;
    "deal_size": the mean of new deals) such that P(reach target) >= confidence.

    Raises BaselineError for an unknown driver or a confidence outside (0, 1]."""
    if driver not in SOLVABLE:
        raise BaselineError([f"driver: cannot solve for {driver!r} (solvable: {', '.join(SOLVABLE)})"])
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 < confidence <= 1:
        raise BaselineError([f"confidence: expected a probability above 0 and at most 1 like 0.8, got {confidence!r}"])
    current = float(current_value(baseline, driver))
    p_now = forecast(baseline, weekly=False, sensitivity=False, confidences=()).p_hit
    if driver == "reps":
        return _solve_reps(baseline, confidence, current, p_now)
    return _solve_continuous(baseline, driver, confidence, current, p_now)


def _solve_reps(b: Baseline, c: float, current: float, p_now: float) -> Requirement:
    def answer(value: int, p: float, reason: str) -> Requirement:
        return Requirement("reps", c, value, p, current, p_now, True, reason)

    p_zero = _p_hit(b, "reps", 0)
    if p_zero >= c:
        return answer(0, p_zero, f"the open pipeline and booked deals alone give {_pct(p_zero)} without any rep")
    cap = max(REPS_FLOOR, REPS_FACTOR * math.ceil(current))
    p_cap = _p_hit(b, "reps", cap)
    if p_cap < c:
        hired = cap - current
        scenario = apply_changes(b, [Change("reps", current, cap)])
        if b.new_opps_per_rep_week <= 0 or b.win_rate <= 0:
            why = "reps add nothing: new opportunities per rep per week or the win rate is 0"
        elif rep_weeks(scenario, b.weeks_left) <= 0:
            why = "no new opportunity can close before period end"
        else:
            why = (
                f"even {cap} reps ({hired:g} hired from {scenario.new_reps[-1].start.isoformat()}, ramping over "
                f"{b.ramp_weeks:g} weeks) give {_pct(p_cap)} < {_pct(c)}"
                if hired > 0
                else f"even {cap} reps give {_pct(p_cap)} < {_pct(c)}"
            )
        return Requirement("reps", c, None, p_cap, current, p_now, False, why, bound=cap)
    lo, hi, p_hi = 0, cap, p_cap  # p(lo) < c <= p(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        p_mid = _p_hit(b, "reps", mid)
        if p_mid >= c:
            hi, p_hi = mid, p_mid
        else:
            lo = mid
    if hi > current:
        start = b.default_hire_start.isoformat()
        why = f"{hi - current:g} more reps, hired from {start} and ramping over {b.ramp_weeks:g} weeks"
    elif hi < current:
        why = f"{current - hi:g} fewer reps would still give {_pct(p_hi)}"
    else:
        why = "today's reps are just enough"
    return answer(hi, p_hi, why)


def _solve_continuous(b: Baseline, driver: str, c: float, current: float, p_now: float) -> Requirement:
    label = "win rate" if driver == "win_rate" else "mean deal size"
    new_wins_possible = b.reps > 0 and b.new_opps_per_rep_week > 0 and rep_weeks(b, b.weeks_left) > 0
    if driver == "win_rate":
        lo, hi = 0.0, 1.0
        p_lo = _p_hit(b, driver, lo)
        tol = WIN_RATE_TOL
    else:
        # A mean deal size near zero is the pipeline alone: new wins add (almost) nothing.
        lo, hi = current * 1e-6, current * DEAL_SIZE_FACTOR
        p_lo = _p_hit(b, driver, lo)
        tol = DEAL_SIZE_RTOL * current
        new_wins_possible = new_wins_possible and b.win_rate > 0
    if p_lo >= c:
        value = 0.0
        return Requirement(
            driver, c, value, p_lo, current, p_now, True, f"the open pipeline alone gives {_pct(p_lo)} at any {label}"
        )
    if not new_wins_possible:
        why = (
            "no new business can close before period end (no reps, no new opportunities, no time left"
            + (", or a win rate of 0" if driver == "deal_size" else "")
            + f"), and the open pipeline alone gives {_pct(p_lo)}"
        )
        return Requirement(driver, c, None, p_lo, current, p_now, False, why, bound=hi)
    p_hi = _p_hit(b, driver, hi)
    if p_hi < c:
        shown = "100%" if driver == "win_rate" else f"{b.currency} {hi:,.0f} ({DEAL_SIZE_FACTOR:g}x today's)"
        why = f"even a {label} of {shown} gives {_pct(p_hi)} < {_pct(c)}"
        return Requirement(driver, c, None, p_hi, current, p_now, False, why, bound=hi)
    while hi - lo > tol:  # p(lo) < c <= p(hi)
        mid = 0.5 * (lo + hi)
        p_mid = _p_hit(b, driver, mid)
        if p_mid >= c:
            hi, p_hi = mid, p_mid
        else:
            lo = mid
    shown = f"{hi * 100:.2f}%" if driver == "win_rate" else f"{b.currency} {hi:,.0f}"
    return Requirement(driver, c, hi, p_hi, current, p_now, True, f"a {label} of {shown} gives {_pct(p_hi)}")
