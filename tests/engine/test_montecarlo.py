"""The engine's ramp of new reps against the literal Monte Carlo reference, and the fast sampler against the
readable one (both must be the same model: the benchmark's speed-up is only honest if they agree)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest

from engine import Baseline, Change, Deal, Distribution, apply_changes, forecast
from engine.montecarlo import simulate, simulate_fast

AS_OF = date(2026, 11, 16)
PATHS = 20_000


def team(weeks: int, ramp: float, deals: int = 6, reps: int = 3, hires: int = 3) -> Baseline:
    """A small team that hires; the target sits near the middle of the outcome range so p_hit says something."""
    rng = np.random.default_rng(weeks * 100 + int(ramp))
    pipeline = tuple(
        Deal(
            f"D{i}",
            float(rng.integers(5, 60) * 1000),
            float(rng.choice([0.2, 0.5, 0.8])),
            AS_OF + timedelta(days=int(d)),
        )
        for i, d in enumerate(rng.integers(0, weeks * 7 + 1, deals))
    )
    b = Baseline(
        as_of=AS_OF,
        period_end=AS_OF + timedelta(days=weeks * 7 - 3),
        target=1.0,
        booked=50_000,
        reps=reps,
        new_opps_per_rep_week=3,
        win_rate=0.3,
        deal_size=Distribution(15_000, 0.9),
        cycle_weeks=Distribution(3, 0.6),
        pipeline=pipeline,
        ramp_weeks=ramp,
    )
    b = apply_changes(b, [Change("reps", reps, reps + hires)])
    centre = forecast(b, weekly=False, sensitivity=False, confidences=()).p50
    return b.with_(target=round(centre, -3))


def sd_of_total(b: Baseline, f) -> float:
    p = np.array([d.probability for d in b.window_deals])
    a = np.array([d.amount for d in b.window_deals])
    lam = f.expected_new / b.deal_size.mean
    return math.sqrt(float(np.dot(p * (1 - p), a * a)) + lam * b.deal_size.mean**2 * (1 + b.deal_size.cv**2))


CASES = [(2, 0), (2, 8), (6, 4), (6, 20), (13, 8), (26, 0), (26, 4), (26, 20)]  # (weeks left, ramp weeks)


@pytest.mark.parametrize(("weeks", "ramp"), CASES)
def test_the_ramp_agrees_with_the_literal_monte_carlo(weeks, ramp):
    b = team(weeks, ramp)
    f = forecast(b, sensitivity=False, confidences=())
    ref = simulate(b, paths=PATHS, seed=weeks + 31 * int(ramp))
    assert abs(f.p_hit - ref["p_hit"]) <= 0.005 + 4 * ref["p_hit_se"], (f.p_hit, ref["p_hit"])
    se_mean = sd_of_total(b, f) / math.sqrt(PATHS)
    # The closed-form Poisson mean of the ramp shows in the mean, to within the Monte Carlo's own error.
    assert abs(f.expected - ref["expected"]) <= 4 * se_mean + 1e-6 * b.target, (f.expected, ref["expected"])
    for mine, theirs in zip(f.weekly, ref["weekly"], strict=True):
        assert abs(mine["expected"] - theirs["expected"]) <= 4 * se_mean + 1e-6 * b.target, mine["week_end"]
        assert abs(mine["p50"] - theirs["p50"]) <= 0.02 * b.target, mine["week_end"]


def test_the_monte_carlo_sees_the_ramp():
    """The reference is not blind to the ramp: the same hires with and without it give different answers."""
    slow, fast = team(6, 20), team(6, 0).with_(target=team(6, 20).target)
    a, b = simulate(slow, paths=PATHS, seed=1), simulate(fast, paths=PATHS, seed=1)
    assert b["expected"] - a["expected"] > 4 * sd_of_total(fast, forecast(fast)) / math.sqrt(PATHS)


@pytest.mark.parametrize(
    "b",
    [
        team(6, 8),
        team(26, 4, deals=40),
        team(1, 0, deals=0),
        team(6, 8).with_(pipeline=(Deal("SURE", 70_000, 1.0, AS_OF + timedelta(days=3)),)),
    ],
    ids=["six-weeks", "half-year", "new-business-only", "a-sure-deal"],
)
def test_the_fast_sampler_agrees_with_the_readable_one(b):
    slow = simulate(b, paths=PATHS, seed=5)
    fast = simulate_fast(b, paths=4 * PATHS, seed=6)
    se = math.hypot(slow["p_hit_se"], fast["p_hit_se"])
    assert abs(slow["p_hit"] - fast["p_hit"]) <= 4 * se + 1e-9
    sd = sd_of_total(b, forecast(b, sensitivity=False))
    tol = 4 * sd * math.sqrt(1 / PATHS + 1 / (4 * PATHS)) + 1e-6
    assert abs(slow["expected"] - fast["expected"]) <= tol
    for s, q in zip(slow["weekly"], fast["weekly"], strict=True):
        assert s["week_end"] == q["week_end"]
        assert abs(s["expected"] - q["expected"]) <= tol, s["week_end"]
    assert simulate_fast(b, paths=1000, seed=6, weekly=False)["weekly"] == []


def test_the_fast_sampler_is_deterministic_and_exact_on_sure_things():
    b = team(6, 8)
    assert simulate_fast(b, paths=5000, seed=3) == simulate_fast(b, paths=5000, seed=3)
    sure = b.with_(
        reps=0,
        new_reps=(),
        pipeline=(Deal("A", 10_000, 1.0, AS_OF), Deal("B", 5_000, 0.0, AS_OF)),
        target=60_000,
    )
    out = simulate_fast(sure, paths=1000, seed=0)
    assert out["p_hit"] == 1.0 and out["p10"] == out["p90"] == 60_000
