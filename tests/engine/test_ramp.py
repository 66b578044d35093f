"""New reps ramp up (DESIGN section 2): the baseline field, hires recorded by a reps change, the closed-form
integral, and what the forecast reports about them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from scipy import integrate, stats

from engine import BaselineError, Change, apply_changes, baseline_to_dict, change_from_dict, forecast, parse_baseline
from engine.baseline import Distribution, Hire
from engine.model import completed_weeks, ramped_weeks, rep_weeks

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_baseline.json"


def sample(**changes):
    return parse_baseline({**json.loads(SAMPLE.read_text()), **changes})


def p_hit(b) -> float:
    return forecast(b, weekly=False, sensitivity=False, confidences=()).p_hit


# --- the baseline field ---------------------------------------------------------------------------------


def test_ramp_weeks_is_optional_defaults_to_8_and_is_written_back_only_when_set_otherwise():
    assert sample().ramp_weeks == 8.0
    assert "ramp_weeks" not in baseline_to_dict(sample())
    four = sample(ramp_weeks=4)
    assert four.ramp_weeks == 4.0 and baseline_to_dict(four)["ramp_weeks"] == 4
    assert parse_baseline(baseline_to_dict(four)) == four
    assert sample(ramp_weeks=0).ramp_weeks == 0.0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "eight",
            "ramp_weeks: expected a number of weeks like 8 (0 means new reps are productive at once), got 'eight'",
        ),
        (True, "ramp_weeks: expected a number of weeks like 8"),
        (None, "ramp_weeks: expected a number of weeks like 8"),
        (-2, "ramp_weeks: must not be negative (for example 8, or 0 for no ramp), got -2"),
    ],
)
def test_a_bad_ramp_weeks_names_the_field_and_gives_an_example(value, message):
    with pytest.raises(BaselineError) as info:
        sample(ramp_weeks=value)
    assert any(p.startswith(message) for p in info.value.problems), info.value.problems


# --- hires recorded by a reps change -------------------------------------------------------------------


def test_hiring_records_the_new_reps_and_keeps_the_change_as_asked():
    b = sample()
    change = Change("reps", 10, 12)
    after = apply_changes(b, [change])
    assert after.reps == 12 and after.new_reps == (Hire(2.0, date(2026, 11, 23)),)
    assert after.established_reps == 10
    assert change.to_dict() == {"driver": "reps", "from": 10, "to": 12}
    assert b.new_reps == ()


def test_a_change_may_say_when_hires_start_and_round_trips():
    change = change_from_dict({"driver": "reps", "from": 10, "to": 13, "start": "2026-12-07"})
    assert change.start == date(2026, 12, 7)
    assert change.to_dict() == {"driver": "reps", "from": 10, "to": 13, "start": "2026-12-07"}
    assert apply_changes(sample(), [change]).new_reps == (Hire(3.0, date(2026, 12, 7)),)
    with pytest.raises(BaselineError, match="start: expected a date like 2026-12-01, got 'soon'"):
        change_from_dict({"driver": "reps", "from": 10, "to": 13, "start": "soon"})
    with pytest.raises(BaselineError, match="start: only a reps change has a start date"):
        change_from_dict({"driver": "win_rate", "from": 0.2, "to": 0.3, "start": "2026-12-07"})


def test_reps_who_leave_are_the_newest_hires_first_then_established_reps():
    b = apply_changes(sample(), [Change("reps", 10, 13)])
    assert apply_changes(b, [Change("reps", 13, 12)]).new_reps == (Hire(2.0, date(2026, 11, 23)),)
    fewer = apply_changes(b, [Change("reps", 13, 8)])
    assert fewer.new_reps == () and fewer.established_reps == 8
    # Two reps quit: they stop at once, so P(reach target) drops.
    assert p_hit(apply_changes(sample(), [Change("reps", 10, 8)])) < p_hit(sample())


def test_a_saved_scenario_makes_hires_part_of_the_baseline():
    """Setting a baseline from a what-if (the bot's "set reps to 12") stores plain reps: its own reps are
    fully ramped, as DESIGN section 2 says."""
    stored = parse_baseline(baseline_to_dict(apply_changes(sample(), [Change("reps", 10, 12)])))
    assert stored.reps == 12 and stored.new_reps == ()


# --- the integral ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("cycle", [Distribution(4, 0.5), Distribution(1.5, 1.2), Distribution(9, 0.25)])
@pytest.mark.parametrize(
    ("t", "start", "ramp"), [(6.4, 1, 8), (20, 1, 4), (2, 1, 8), (30, -3, 8), (6.4, -10, 8), (6.4, 1, 0), (12, 0, 20)]
)
def test_the_ramp_integral_matches_quadrature(cycle, t, start, ramp):
    k = 1 / cycle.cv**2
    cdf = stats.gamma(k, scale=cycle.mean / k).cdf

    def rate(u: float) -> float:
        return float(u >= start) if ramp == 0 else min(1.0, max(0.0, (u - start) / ramp))

    kinks = [x for x in (start, start + ramp) if 0 < x < t]
    want = integrate.quad(lambda u: rate(u) * cdf(t - u), 0, t, points=kinks or None, limit=400, epsabs=1e-13)[0]
    assert ramped_weeks(t, start, ramp, cycle) == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_a_ramp_of_zero_is_a_full_rep_from_the_start_and_a_long_ramp_gives_less():
    cy = Distribution(4, 0.5)
    assert ramped_weeks(10, 0, 0, cy) == pytest.approx(completed_weeks(10, cy))
    outputs = [ramped_weeks(10, 1, r, cy) for r in (0, 2, 4, 8, 20, 100)]
    assert outputs == sorted(outputs, reverse=True) and outputs[-1] > 0
    assert ramped_weeks(10, 12, 4, cy) == 0.0  # starts after the period
    b = apply_changes(sample(), [Change("reps", 10, 12)])
    assert rep_weeks(b, b.weeks_left) == pytest.approx(
        10 * completed_weeks(b.weeks_left, b.cycle_weeks) + 2 * ramped_weeks(b.weeks_left, 1, 8, b.cycle_weeks)
    )


# --- the forecast ----------------------------------------------------------------------------------------


def test_the_forecast_states_the_ramp_only_when_reps_were_added():
    b = sample()
    assert forecast(b).ramp is None and forecast(b).to_dict()["ramp"] is None
    assert forecast(apply_changes(b, [Change("reps", 10, 8)])).ramp is None
    out = forecast(apply_changes(b, [Change("reps", 10, 12)])).to_dict()
    ramp = out["ramp"]
    assert ramp["new_reps"] == 2 and ramp["ramp_weeks"] == 8 and ramp["start"] == "2026-11-23"
    # 6.4 weeks left, start after one week, 8 weeks to full speed, 4-week cycles: a small share.
    assert 0.05 < ramp["share_of_full_output"] < 0.3
    assert json.loads(json.dumps(out))["ramp"] == ramp


def test_hired_reps_add_less_than_fully_productive_reps_and_more_with_a_shorter_ramp():
    b = sample()
    hire = [Change("reps", 10, 14)]
    ramps = [p_hit(apply_changes(replace(b, ramp_weeks=r), hire)) for r in (20, 8, 4, 0)]
    assert p_hit(b) < ramps[0] and ramps == sorted(ramps)
    assert ramps[-1] < p_hit(replace(b, reps=14))  # even without a ramp they start a week late
    late = apply_changes(b, [Change("reps", 10, 14, start=date(2026, 12, 28))])
    assert p_hit(late) == pytest.approx(p_hit(b), abs=1e-3)  # a hire days before period end adds ~nothing


def test_expected_new_business_and_weekly_path_use_the_ramp():
    b = sample()
    s = apply_changes(b, [Change("reps", 10, 12)])
    f = forecast(s)
    per_rate = s.new_opps_per_rep_week * s.win_rate * s.deal_size.mean
    assert f.expected_new == pytest.approx(per_rate * rep_weeks(s, s.weeks_left))
    first_week = f.weekly[0]  # hires start at the first week end: nothing of theirs can close by then
    assert first_week["expected"] == pytest.approx(forecast(b).weekly[0]["expected"])
    assert f.weekly[-1]["expected"] == pytest.approx(f.expected)


def test_the_required_rate_is_the_rate_that_gives_the_confidence_with_the_ramp():
    s = apply_changes(sample(), [Change("reps", 10, 13)])
    f = forecast(s, sensitivity=False)
    for key, c in (("p50", 0.5), ("p80", 0.8)):
        at = replace(s, new_opps_per_rep_week=f.required_rate[key])
        assert p_hit(at) == pytest.approx(c, abs=3e-3), key
    exp = replace(s, new_opps_per_rep_week=f.required_rate["expected"])
    assert forecast(exp, sensitivity=False).expected == pytest.approx(s.target, rel=1e-9)


def test_sensitivity_of_one_more_rep_is_one_more_hire():
    b = sample()
    row = next(r for r in forecast(b).sensitivity if r["driver"] == "reps")
    assert row["high"]["p_hit"] == pytest.approx(p_hit(apply_changes(b, [Change("reps", 10, 11)])), abs=2e-3)
    assert row["low"]["p_hit"] == pytest.approx(p_hit(apply_changes(b, [Change("reps", 10, 9)])), abs=2e-3)
    assert row["high"]["p_hit"] < p_hit(replace(b, reps=11))  # a ramping hire, not a full rep


def test_hires_that_started_before_as_of_are_partly_ramped():
    b = sample()
    early = apply_changes(b, [Change("reps", 10, 12, start=b.as_of - timedelta(days=28))])
    on_time = apply_changes(b, [Change("reps", 10, 12)])
    assert p_hit(on_time) < p_hit(early) < p_hit(replace(b, reps=12))
