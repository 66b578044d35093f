"""The model's pieces in closed form: new-business intensity, moments, and the discretised laws.

Owns the arithmetic of DESIGN section 2 that does not need a grid search: how many new wins to expect by
a given week (a Poisson intensity from the gamma cycle), the mean and variance of bookings, and the
lognormal deal size binned onto a grid. Pure functions of numbers; no clock, no I/O, no random state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from engine.baseline import Baseline, Distribution, week_ends

__all__ = ["Inputs", "completed_weeks", "lognormal_bins", "prepare"]


def completed_weeks(t: float, cycle: Distribution) -> float:
    """integral_0^t F_cycle(s) ds for a gamma cycle: the expected time, in weeks, during which an opportunity
    created then could still close by t. Equals t*F(t) - E[C; C <= t] = t*F_k(t) - mean*F_{k+1}(t)."""
    if t <= 0:
        return 0.0
    shape = 1.0 / (cycle.cv * cycle.cv)
    scale = cycle.mean / shape
    x = t / scale
    return max(0.0, t * special.gammainc(shape, x) - cycle.mean * special.gammainc(shape + 1.0, x))


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
    week_ends: tuple  # dates
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
    per_opp = b.reps * b.win_rate
    per_rate = np.array([per_opp * completed_weeks(t, b.cycle_weeks) for t in week_t], dtype=float)
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
