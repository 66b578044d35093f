"""The model's pieces in closed form: new-business intensity, moments, and the discretised laws.

Owns the arithmetic of DESIGN section 2 that does not need a grid search: how many new wins to expect by
a given week (a Poisson intensity from the gamma cycle, with new hires ramping up), the mean and variance
of bookings, and the lognormal deal size binned onto a grid. Pure functions of numbers; no clock, no I/O,
no random state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy import special

from engine.baseline import Baseline, Distribution, week_ends

__all__ = [
    "Inputs",
    "completed_weeks",
    "completed_weeks_2",
    "lognormal_bins",
    "prepare",
    "ramp_share",
    "ramped_weeks",
    "rep_weeks",
]

# Below this many weeks a ramp is a step: the divided difference in ramped_weeks would lose digits.
TINY_RAMP = 1e-7


def completed_weeks(t: float, cycle: Distribution) -> float:
    """integral_0^t F_cycle(s) ds for a gamma cycle: the expected time, in weeks, during which an opportunity
    created then could still close by t. Equals t*F(t) - E[C; C <= t] = t*F_k(t) - mean*F_{k+1}(t)."""
    if t <= 0:
        return 0.0
    shape = 1.0 / (cycle.cv * cycle.cv)
    scale = cycle.mean / shape
    x = t / scale
    return max(0.0, float(t * special.gammainc(shape, x) - cycle.mean * special.gammainc(shape + 1.0, x)))


def completed_weeks_2(t: float, cycle: Distribution) -> float:
    """integral_0^t completed_weeks(u) du = integral_0^t (t - s) F_cycle(s) ds = E[((t - C)^+)^2] / 2, from the
    truncated gamma moments E[C^n; C <= t] = scale^n Gamma(k + n) / Gamma(k) P(k + n, t / scale)."""
    if t <= 0:
        return 0.0
    shape = 1.0 / (cycle.cv * cycle.cv)
    scale = cycle.mean / shape
    x = t / scale
    p0, p1, p2 = (float(special.gammainc(shape + n, x)) for n in (0.0, 1.0, 2.0))
    second = shape * (shape + 1.0) * scale * scale
    return max(0.0, 0.5 * (t * t * p0 - 2.0 * t * cycle.mean * p1 + second * p2))


def _ramp_antiderivative(t: float, a: float, cycle: Distribution) -> float:
    """integral_0^t (s - a)^+ F_cycle(t - s) ds: the output, by t, of a rep whose rate grows by one opportunity
    per week per week from time a (a < 0: the rep started ramping before as_of)."""
    if a >= 0:
        return completed_weeks_2(t - a, cycle)
    return completed_weeks_2(t, cycle) - a * completed_weeks(t, cycle)


def ramped_weeks(t: float, start: float, ramp: float, cycle: Distribution) -> float:
    """integral_0^t g(s) F_cycle(t - s) ds with g(s) = clip((s - start) / ramp, 0, 1): the full-rate weeks an
    opportunity-creating rep who starts at `start` (weeks from as_of) and ramps over `ramp` weeks puts in that
    can still close by t. A linear ramp is the difference of two linear-growth ramps, each in closed form; a
    fully productive rep from 0 on gives completed_weeks(t)."""
    if t <= 0 or start >= t:
        return 0.0
    if ramp <= TINY_RAMP:
        return completed_weeks(t - max(start, 0.0), cycle)
    hi = _ramp_antiderivative(t, start, cycle) - _ramp_antiderivative(t, start + ramp, cycle)
    return max(0.0, hi / ramp)


def _weeks_from(b: Baseline, day: date) -> float:
    return (day - b.as_of).days / 7.0


def rep_weeks(b: Baseline, t: float, cycle: Distribution | None = None) -> float:
    """Sum over reps of their full-rate weeks that can close by t (weeks from as_of): multiply by
    new_opps_per_rep_week * win_rate for the Poisson mean of new wins counted by t. Established reps count
    completed_weeks(t) each; each hire counts its ramped share."""
    cy = cycle or b.cycle_weeks
    total = b.established_reps * completed_weeks(t, cy)
    for hire in b.new_reps:
        total += hire.count * ramped_weeks(t, _weeks_from(b, hire.start), b.ramp_weeks, cy)
    return total


def ramp_share(b: Baseline) -> float:
    """The share of a fully productive rep's in-period new-business output that the hires deliver (0 when no
    opportunity can close in the period)."""
    full = completed_weeks(b.weeks_left, b.cycle_weeks)
    count = b.hired
    if full <= 0 or count <= 0:
        return 0.0
    got = sum(
        h.count * ramped_weeks(b.weeks_left, _weeks_from(b, h.start), b.ramp_weeks, b.cycle_weeks) for h in b.new_reps
    )
    return float(got / (count * full))


def lognormal_bins(dist: Distribution, h: float, size: int) -> np.ndarray:
    """P(Y in [(j - 1/2) h, (j + 1/2) h)) for j = 0..size-1, Y lognormal with the given mean and cv."""
    s2 = math.log1p(dist.cv * dist.cv)
    mu = math.log(dist.mean) - s2 / 2.0
    edges = (np.arange(size + 1, dtype=float) - 0.5) * h
    edges[0] = 0.0
    with np.errstate(divide="ignore"):
        z = (np.log(edges) - mu) / math.sqrt(s2)
    cdf = special.ndtr(z)
    return np.diff(cdf)


@dataclass(frozen=True)
class Inputs:
    """A baseline reduced to arrays: window deals, their week buckets, and the new-business constants."""

    remaining: float  # target - booked
    amounts: np.ndarray  # window deals
    probs: np.ndarray
    bucket: np.ndarray  # index of the week end at which each deal counts
    week_ends: tuple[date, ...]
    week_t: np.ndarray  # weeks from as_of to each week end
    weeks_left: float
    per_rate: np.ndarray  # expected new wins per unit of new_opps_per_rep_week, by week end
    rate: float
    deal_size: Distribution

    @property
    def lam(self) -> np.ndarray:
        return self.rate * self.per_rate

    def moments(self, lam: float, probs: np.ndarray | None = None, upto: int | None = None) -> tuple[float, float]:
        """Mean and variance of V = X - booked (optionally only deals counting by week `upto`)."""
        p = self.probs if probs is None else probs
        a = self.amounts
        if upto is not None:
            keep = self.bucket <= upto
            p, a = p[keep], a[keep]
        m, cv = self.deal_size.mean, self.deal_size.cv
        mean = float(np.dot(p, a)) + lam * m
        var = float(np.dot(p * (1.0 - p), a * a)) + lam * m * m * (1.0 + cv * cv)
        return mean, var


def prepare(b: Baseline) -> Inputs:
    deals = b.window_deals
    ends = week_ends(b.as_of, b.period_end)
    amounts = np.array([d.amount for d in deals], dtype=float)
    probs = np.array([d.probability for d in deals], dtype=float)
    days = np.array([(d.close_date - b.as_of).days for d in deals], dtype=float)
    # A deal counts from the week end on or after its close date.
    bucket = np.clip(np.ceil(days / 7.0) - 1.0, 0, len(ends) - 1).astype(np.int64)
    week_t = np.array([(e - b.as_of).days / 7.0 for e in ends], dtype=float)
    per_rate = np.array([b.win_rate * rep_weeks(b, t) for t in week_t], dtype=float)
    return Inputs(
        remaining=b.target - b.booked,
        amounts=amounts,
        probs=probs,
        bucket=bucket,
        week_ends=tuple(ends),
        week_t=week_t,
        weeks_left=b.weeks_left,
        per_rate=per_rate,
        rate=b.new_opps_per_rep_week,
        deal_size=b.deal_size,
    )
