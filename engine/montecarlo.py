"""The reference: a plain Monte Carlo simulation of DESIGN section 2's model, path by path.

Owns nothing the bot uses; tests and benchmarks check the exact engine against it. It simulates the model
literally (each opportunity's creation time, win, cycle and size) rather than the closed forms the engine
uses, so it also checks those. Randomness comes only from the seed passed in.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.baseline import Baseline, week_ends

__all__ = ["simulate", "simulate_totals"]


def _paths(baseline: Baseline, paths: int, rng: np.random.Generator, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """Bookings above `booked` at each week end, shape (paths, weeks)."""
    ends = week_ends(baseline.as_of, baseline.period_end)
    t_end = np.array([(e - baseline.as_of).days / 7.0 for e in ends])
    deals = baseline.window_deals
    amounts = np.array([d.amount for d in deals], dtype=float)
    probs = np.array([d.probability for d in deals], dtype=float)
    days = np.array([(d.close_date - baseline.as_of).days for d in deals], dtype=float)
    week_of = np.clip(np.ceil(days / 7.0) - 1, 0, len(ends) - 1).astype(int)
    # deal contributions per week: (deals, weeks) indicator of "counted by week end w"
    counted = (week_of[:, None] <= np.arange(len(ends))[None, :]).astype(float)
    W = baseline.weeks_left
    rate = baseline.reps * baseline.new_opps_per_rep_week
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
        if rate > 0 and W > 0 and baseline.win_rate > 0:
            created = rng.poisson(rate * W, size=n)
            total = int(created.sum())
            owner = np.repeat(np.arange(n), created)
            t = rng.random(total) * W
            win = rng.random(total) < baseline.win_rate
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


def simulate(baseline: Baseline, paths: int = 100_000, seed: int = 0, chunk: int = 2_000) -> dict[str, Any]:
    """p_hit (with its standard error), expected, p10/p50/p90 and the weekly path, by simulation."""
    rng = np.random.default_rng(seed)
    v, _ = _paths(baseline, paths, rng, chunk)
    totals = baseline.booked + v
    final = totals[:, -1]
    hit = float(np.mean(final >= baseline.target))
    ends = week_ends(baseline.as_of, baseline.period_end)
    weekly = []
    for w, end in enumerate(ends):
        p10, p50, p90 = np.quantile(totals[:, w], [0.1, 0.5, 0.9])
        weekly.append(
            {"week_end": end.isoformat(), "p10": p10, "p50": p50, "p90": p90, "expected": float(totals[:, w].mean())}
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
        "weekly": weekly,
        "paths": paths,
    }
