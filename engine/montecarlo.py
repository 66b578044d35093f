"""The references: Monte Carlo simulations of DESIGN section 2's model that the exact engine is checked against.

Owns nothing the bot uses; tests and benchmarks check the engine against these. Two samplers of one model:

- `simulate` is the readable one. It simulates the model literally, path by path in chunks: each
  opportunity's creation time (a Poisson process; a new hire's ramp by thinning), its win, cycle and size, so
  it also checks the closed forms the engine uses (the gamma-cycle integrals and the ramp).
- `simulate_fast` is what a competent engineer would write to answer the same question quickly: one chunked
  Bernoulli matrix for the open deals (32-bit integer draws against integer thresholds) and, for new
  business, a Poisson count of wins per week with lognormal sizes. Its Poisson means come from the model's
  closed forms (engine.model.rep_weeks), which `simulate` checks; tests check the two agree.

Randomness comes only from the seed passed in.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.baseline import Baseline, week_ends
from engine.model import rep_weeks

__all__ = ["simulate", "simulate_fast", "simulate_totals"]


def _deal_arrays(baseline: Baseline, n_weeks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Window deals: amounts, probabilities, and the (deals, weeks) indicator of "counted by week end w"."""
    deals = baseline.window_deals
    amounts = np.array([d.amount for d in deals], dtype=float)
    probs = np.array([d.probability for d in deals], dtype=float)
    days = np.array([(d.close_date - baseline.as_of).days for d in deals], dtype=float)
    week_of = np.clip(np.ceil(days / 7.0) - 1, 0, n_weeks - 1).astype(int)
    counted = (week_of[:, None] <= np.arange(n_weeks)[None, :]).astype(float)
    return amounts, probs, counted


def _paths(baseline: Baseline, paths: int, rng: np.random.Generator, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """Bookings above `booked` at each week end, shape (paths, weeks)."""
    ends = week_ends(baseline.as_of, baseline.period_end)
    t_end = np.array([(e - baseline.as_of).days / 7.0 for e in ends])
    amounts, probs, counted = _deal_arrays(baseline, len(ends))
    W = baseline.weeks_left
    per_rep = baseline.new_opps_per_rep_week
    ramp = baseline.ramp_weeks
    # Who creates opportunities: the established reps from as_of on at the full rate, then each hire from its
    # start (weeks from as_of, possibly before it), ramping up.
    sources: list[tuple[float, float | None]] = [(baseline.established_reps, None)]
    sources += [(h.count, (h.start - baseline.as_of).days / 7.0) for h in baseline.new_reps]
    ds, cy = baseline.deal_size, baseline.cycle_weeks
    s2 = math.log1p(ds.cv**2)
    mu = math.log(ds.mean) - s2 / 2
    shape = 1.0 / cy.cv**2
    scale = cy.mean / shape
    out = np.zeros((paths, len(ends)))
    for start in range(0, paths, chunk):
        n = min(chunk, paths - start)
        if amounts.size:
            won = rng.random((n, amounts.size)) < probs[None, :]
            out[start : start + n] += (won * amounts[None, :]) @ counted
        for count, began in sources:
            lo = 0.0 if began is None else min(max(began, 0.0), W)
            rate = count * per_rep
            if not (rate > 0 and W - lo > 0 and baseline.win_rate > 0):
                continue
            created = rng.poisson(rate * (W - lo), size=n)
            total = int(created.sum())
            owner = np.repeat(np.arange(n), created)
            t = lo + rng.random(total) * (W - lo)
            win = rng.random(total) < baseline.win_rate
            if began is not None and ramp > 0:
                # A ramping rep creates at rate * (t - start) / ramp: keep each full-rate arrival with that
                # probability (thinning a Poisson process gives the Poisson process of the lower rate).
                win &= rng.random(total) < np.clip((t - began) / ramp, 0.0, 1.0)
            close = t + rng.gamma(shape, scale, size=total)
            size = np.exp(mu + math.sqrt(s2) * rng.standard_normal(total))
            for w, te in enumerate(t_end):
                ok = win & (close <= te)
                out[start : start + n, w] += np.bincount(owner[ok], weights=size[ok], minlength=n)
    return out, t_end


def simulate_totals(baseline: Baseline, paths: int = 100_000, seed: int = 0, chunk: int = 2_000) -> np.ndarray:
    """Simulated total bookings at period end (including `booked`), one per path."""
    rng = np.random.default_rng(seed)
    v, _ = _paths(baseline, paths, rng, chunk)
    return baseline.booked + v[:, -1]


def _summary(baseline: Baseline, totals: np.ndarray, weekly: bool) -> dict[str, Any]:
    """p_hit with its standard error, the mean and quantiles at period end, and the weekly path, of simulated
    total bookings (shape (paths, weeks); only the last column when `weekly` is false)."""
    paths = totals.shape[0]
    final = totals[:, -1]
    hit = float(np.mean(final >= baseline.target))
    out_weekly = []
    if weekly:
        ends = week_ends(baseline.as_of, baseline.period_end)
        for w, end in enumerate(ends):
            p10, p50, p90 = np.quantile(totals[:, w], [0.1, 0.5, 0.9])
            out_weekly.append(
                {
                    "week_end": end.isoformat(),
                    "p10": p10,
                    "p50": p50,
                    "p90": p90,
                    "expected": float(totals[:, w].mean()),
                }
            )
    p10, p50, p90 = np.quantile(final, [0.1, 0.5, 0.9])
    return {
        "p_hit": hit,
        "p_hit_se": math.sqrt(max(hit * (1 - hit), 1e-18) / paths),
        "expected": float(final.mean()),
        "p10": float(p10),
        "p50": float(p50),
        "p90": float(p90),
        "weeks_left": baseline.weeks_left,
        "weekly": out_weekly,
        "paths": paths,
    }


def simulate(baseline: Baseline, paths: int = 100_000, seed: int = 0, chunk: int = 2_000) -> dict[str, Any]:
    """p_hit (with its standard error), expected, p10/p50/p90 and the weekly path, by simulation."""
    rng = np.random.default_rng(seed)
    v, _ = _paths(baseline, paths, rng, chunk)
    return _summary(baseline, baseline.booked + v, weekly=True)


# Elements of the Bernoulli matrix drawn at once: large enough that numpy's per-call overhead vanishes, small
# enough (16 MB of 32-bit draws) to stay in memory comfortably next to a web process.
_BLOCK = 4_000_000
_TWO32 = 2.0**32


def simulate_fast(
    baseline: Baseline, paths: int = 100_000, seed: int = 0, weekly: bool = True, block: int = _BLOCK
) -> dict[str, Any]:
    """The same summary as `simulate`, sampled the fast way (see the module docstring); `weekly=False` skips
    the weekly path (its columns cost a little more) and returns an empty one.

    Open deals: deal i is won when a uniform 32-bit integer is below round(p_i * 2^32) (a probability off by at
    most 2^-33, far below any Monte Carlo error), deals of probability 1 always count. New business: wins
    closing in week w are Poisson with mean win_rate * rate * (rep_weeks(t_w) - rep_weeks(t_{w-1})),
    independent across weeks (the close times of won opportunities form a Poisson process), each of a
    lognormal size."""
    rng = np.random.default_rng(seed)
    ends = week_ends(baseline.as_of, baseline.period_end)
    n_weeks = len(ends)
    cols = n_weeks if weekly else 1
    amounts, probs, counted = _deal_arrays(baseline, n_weeks)
    if not weekly:
        counted = counted[:, -1:]
    sure = probs >= 1.0
    fixed = amounts[sure] @ counted[sure] if sure.any() else np.zeros(cols)
    live = (probs > 0) & ~sure
    amounts_live, counted_live = amounts[live], counted[live]
    threshold = np.minimum(np.rint(probs[live] * _TWO32), _TWO32 - 1).astype(np.uint32)
    weighted = amounts_live[:, None] * counted_live  # (deals, cols): what a won deal adds to each column

    t_end = [(e - baseline.as_of).days / 7.0 for e in ends]
    if not weekly:
        t_end = t_end[-1:]
    per_rate = baseline.win_rate * baseline.new_opps_per_rep_week
    cumulative = np.array([per_rate * rep_weeks(baseline, t) for t in t_end], dtype=float)
    lam = np.diff(cumulative, prepend=0.0).clip(min=0.0)
    ds = baseline.deal_size
    s2 = math.log1p(ds.cv**2)
    mu = math.log(ds.mean) - s2 / 2

    out = np.empty((paths, cols))
    d = int(amounts_live.size)
    rows = max(1, block // max(d, 1))
    for first in range(0, paths, rows):
        n = min(rows, paths - first)
        v = np.broadcast_to(fixed, (n, cols)).copy()
        if d:
            raw = rng.bit_generator.random_raw((n * d + 1) // 2).view(np.uint32)[: n * d].reshape(n, d)
            v += (raw < threshold).astype(np.float64) @ weighted
        if lam.sum() > 0:
            counts = rng.poisson(lam, size=(n, cols))
            total = int(counts.sum())
            sizes = np.exp(mu + math.sqrt(s2) * rng.standard_normal(total))
            cell = np.repeat(np.arange(n * cols), counts.ravel())
            v += np.cumsum(np.bincount(cell, weights=sizes, minlength=n * cols).reshape(n, cols), axis=1)
        out[first : first + n] = v
    return _summary(baseline, baseline.booked + out, weekly=weekly)
