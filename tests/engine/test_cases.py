"""The engine against the shared Monte Carlo reference cases (../shared/engine-cases, see its README)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import forecast, parse_baseline

CASES_DIR = Path(__file__).resolve().parents[3] / "shared" / "engine-cases"
CASES = sorted(p.name.removesuffix(".expected.json") for p in CASES_DIR.glob("*.expected.json"))


def load(name: str):
    baseline = parse_baseline(json.loads((CASES_DIR / f"{name}.json").read_text()))
    expected = json.loads((CASES_DIR / f"{name}.expected.json").read_text())
    return baseline, expected


@pytest.fixture(scope="module")
def results():
    if not CASES:
        pytest.fail(f"no reference cases found in {CASES_DIR}")
    out = {}
    for name in CASES:
        baseline, expected = load(name)
        out[name] = (baseline, expected, forecast(baseline).to_dict())
    return out


def test_all_six_cases_are_present():
    assert set(CASES) >= {"year-end-push", "whale-deals", "no-pipeline", "long-cycle", "enterprise", "window-and-done"}


@pytest.mark.parametrize("name", CASES)
def test_p_hit_within_half_a_point_plus_three_standard_errors(results, name):
    _, expected, got = results[name]
    tolerance = 0.005 + 3 * expected["p_hit_se"]
    assert abs(got["p_hit"] - expected["p_hit"]) <= tolerance, (got["p_hit"], expected["p_hit"], tolerance)


@pytest.mark.parametrize("name", CASES)
def test_quantiles_and_expected_within_one_percent_of_target(results, name):
    baseline, expected, got = results[name]
    for key in ("p10", "p50", "p90", "expected"):
        assert abs(got[key] - expected[key]) <= 0.01 * baseline.target, key
    assert got["weeks_left"] == pytest.approx(expected["weeks_left"])


@pytest.mark.parametrize("name", CASES)
def test_weekly_path_within_two_percent_of_target(results, name):
    baseline, expected, got = results[name]
    ref = expected.get("weekly")
    if ref is None:
        pytest.skip(f"{name} has no weekly reference")
    assert [w["week_end"] for w in got["weekly"]] == [w["week_end"] for w in ref]
    assert got["weekly"][-1]["week_end"] == baseline.period_end.isoformat()
    for mine, theirs in zip(got["weekly"], ref, strict=True):
        assert abs(mine["p50"] - theirs["p50"]) <= 0.02 * baseline.target, mine["week_end"]
        assert abs(mine["expected"] - theirs["expected"]) <= 0.02 * baseline.target, mine["week_end"]


@pytest.mark.parametrize("name", CASES)
def test_required_rate_within_five_percent_or_a_quarter_opportunity(results, name):
    _, expected, got = results[name]
    for key in ("p50", "p80", "expected"):
        ref, mine = expected["required_rate"][key], got["required_rate"][key]
        if ref is None:
            assert mine is None, key
            continue
        assert mine is not None, key
        assert abs(mine - ref) <= max(0.05 * ref, 0.25), (key, mine, ref)


def test_window_and_done_ignores_deals_outside_the_period(results):
    baseline, _, got = results["window-and-done"]
    assert got["ignored_deals"] == len(baseline.pipeline) - len(baseline.window_deals) > 0
    assert got["open_deals"] == len(baseline.window_deals)
    assert got["p_hit"] == 1.0


def test_sensitivity_is_ranked_by_swing_and_names_every_driver(results):
    _, _, got = results["year-end-push"]
    rows = got["sensitivity"]
    assert {r["driver"] for r in rows} == {
        "win_rate",
        "deal_size",
        "cycle_weeks",
        "new_opps_per_rep_week",
        "reps",
        "probabilities",
    }
    swings = [r["swing"] for r in rows]
    assert swings == sorted(swings, reverse=True)
    win = next(r for r in rows if r["driver"] == "win_rate")
    assert win["low"]["value"] == pytest.approx(0.20) and win["high"]["value"] == pytest.approx(0.30)
    assert win["low"]["p_hit"] < got["p_hit"] < win["high"]["p_hit"]
    for row in rows:
        assert row["low"]["p_hit"] <= got["p_hit"] + 1e-9 <= row["high"]["p_hit"] + 2e-9, row["driver"]


def test_same_input_gives_the_same_output():
    baseline, _ = load("whale-deals")
    assert forecast(baseline).to_dict() == forecast(baseline).to_dict()
