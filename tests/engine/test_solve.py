"""Back-solving reps, win rate and deal size for a confidence, checked by brute force over the same forecasts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from engine import BaselineError, Change, apply_changes, forecast, parse_baseline
from engine.changes import current_value
from engine.solve import Requirement, required_value

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_baseline.json"


def sample(**changes):
    return parse_baseline({**json.loads(SAMPLE.read_text()), **changes})


def p_at(b, driver, value) -> float:
    scenario = apply_changes(b, [Change(driver, current_value(b, driver), value)])
    return forecast(scenario, weekly=False, sensitivity=False, confidences=()).p_hit


@pytest.mark.parametrize(
    ("b", "c"),
    [(sample(), 0.5), (sample(), 0.3), (sample(ramp_weeks=0), 0.5), (sample(target=2_400_000), 0.5)],
    ids=["sample-p50", "sample-p30", "no-ramp", "low-target"],
)
def test_reps_is_the_first_integer_that_reaches_the_confidence(b, c):
    r = required_value(b, "reps", c)
    assert r.reachable and isinstance(r.value, int)
    brute = [p_at(b, "reps", n) for n in range(r.value + 4)]
    assert next(n for n, p in enumerate(brute) if p >= c) == r.value
    assert r.p_hit_at_value == pytest.approx(brute[r.value]) and r.p_hit_at_value >= c


def test_reps_with_a_ramp_needs_more_hires_than_without_and_a_low_target_needs_fewer_reps():
    ramped, instant = required_value(sample(), "reps", 0.5), required_value(sample(ramp_weeks=0), "reps", 0.5)
    assert ramped.value > instant.value > 10
    assert "ramping over 8 weeks" in ramped.reason
    easy = required_value(sample(target=2_300_000), "reps", 0.5)
    assert easy.value < 10 and "fewer reps" in easy.reason


@pytest.mark.parametrize("driver", ["win_rate", "deal_size"])
@pytest.mark.parametrize("c", [0.5, 0.8])
def test_continuous_drivers_match_a_grid_search(driver, c):
    b = sample()
    r = required_value(b, driver, c)
    assert r.reachable and r.p_hit_at_value >= c
    grid = np.linspace(0.2, 0.6, 81) if driver == "win_rate" else np.linspace(15_000, 50_000, 71)
    ps = [p_at(b, driver, v) for v in grid]
    k = next(i for i, p in enumerate(ps) if p >= c)
    assert grid[k - 1] <= r.value <= grid[k] + 1e-9, (grid[k - 1], r.value, grid[k])
    step = 1e-3 if driver == "win_rate" else 5.0
    assert p_at(b, driver, r.value - step) < c + 1e-3  # and it is the smallest: just below it falls short


def test_the_answer_at_todays_value_is_consistent():
    r = required_value(sample(), "win_rate", 0.8)
    assert r.current == 0.25 and r.value > r.current
    assert r.p_hit_at_current == pytest.approx(forecast(sample()).p_hit, abs=2e-3)
    assert set(r.to_dict()) == {
        "driver",
        "confidence",
        "value",
        "p_hit_at_value",
        "current",
        "p_hit_at_current",
        "reachable",
        "reason",
        "bound",
    }


def test_unreachable_targets_say_why():
    far = sample(target=50_000_000)
    for driver, words in (("reps", "even 100 reps"), ("win_rate", "even a win rate of 100%"), ("deal_size", "10x")):
        r = required_value(far, driver, 0.8)
        assert r == replace(r, value=None, reachable=False), r
        assert words in r.reason and r.p_hit_at_value < 0.8 and r.bound is not None
    no_time = replace(sample(), period_end=sample().as_of)
    for driver in ("reps", "win_rate", "deal_size"):
        r = required_value(no_time, driver, 0.5)
        assert not r.reachable and "close before period end" in r.reason, (driver, r.reason)


def test_a_target_already_reached_needs_nothing():
    done = sample(booked=4_000_000)
    assert required_value(done, "reps", 0.9).value == 0
    for driver in ("win_rate", "deal_size"):
        r = required_value(done, driver, 0.9)
        assert r.value == 0.0 and r.p_hit_at_value == 1.0 and "pipeline alone" in r.reason


@pytest.mark.parametrize(
    ("driver", "c", "message"),
    [
        ("cycle_weeks", 0.5, "driver: cannot solve for 'cycle_weeks' (solvable: reps, win_rate, deal_size)"),
        ("reps", 80, "confidence: expected a probability above 0 and at most 1 like 0.8, got 80"),
        ("reps", 0, "confidence: expected a probability above 0 and at most 1"),
    ],
)
def test_bad_requests_name_the_problem(driver, c, message):
    with pytest.raises(BaselineError) as info:
        required_value(sample(), driver, c)
    assert str(info.value).startswith(message)


def test_requirement_is_importable_from_the_package():
    import engine

    assert engine.required_value is required_value and engine.Requirement is Requirement
