"""Realistic forecasts (engine.forecast.Forecast) and one of each card, shared by the card, chart and renderer tests.

The baseline forecast is the year-end-push reference case (/work/shared/engine-cases) written out by hand,
with the other keys of docs/CONTRACTS.md filled in; the scenario is "what if the win rate drops to 20%".
"""

from __future__ import annotations

import copy
import dataclasses

from bot.core.cards import Card
from bot.core.scenarios import cards as sc
from engine.forecast import Forecast

WEEKLY_BASELINE = [
    {"week_end": "2026-11-23", "p10": 1255887.76, "p50": 1311000.79, "p90": 1361699.94, "expected": 1309099.0},
    {"week_end": "2026-11-30", "p10": 1423153.24, "p50": 1494416.41, "p90": 1566626.70, "expected": 1494891.53},
    {"week_end": "2026-12-07", "p10": 1602926.49, "p50": 1707553.28, "p90": 1823314.92, "expected": 1711101.56},
    {"week_end": "2026-12-14", "p10": 1796428.19, "p50": 1934587.60, "p90": 2089835.28, "expected": 1940055.64},
    {"week_end": "2026-12-21", "p10": 2073617.36, "p50": 2250809.42, "p90": 2449894.05, "expected": 2257497.73},
    {"week_end": "2026-12-28", "p10": 2521204.63, "p50": 2751167.87, "p90": 2998848.75, "expected": 2756512.35},
    {"week_end": "2026-12-31", "p10": 2741340.66, "p50": 2986780.72, "p90": 3253387.69, "expected": 2993186.42},
]

SENSITIVITY = [
    {
        "driver": "win_rate",
        "label": "win rate",
        "step": "±5 points",
        "low": {"value": 0.20, "p_hit": 0.0121},
        "high": {"value": 0.30, "p_hit": 0.4113},
        "swing": 0.3992,
    },
    {
        "driver": "new_opps_per_rep_week",
        "label": "new opportunities per rep per week",
        "step": "±1",
        "low": {"value": 6.0, "p_hit": 0.0208},
        "high": {"value": 8.0, "p_hit": 0.2731},
        "swing": 0.2523,
    },
    {
        "driver": "deal_size",
        "label": "deal size",
        "step": "±10%",
        "low": {"value": 18000.0, "p_hit": 0.0301},
        "high": {"value": 22000.0, "p_hit": 0.2207},
        "swing": 0.1906,
    },
    {
        "driver": "reps",
        "label": "reps",
        "step": "±1 rep",
        "low": {"value": 9.0, "p_hit": 0.0352},
        "high": {"value": 11.0, "p_hit": 0.2004},
        "swing": 0.1652,
    },
    {
        "driver": "cycle_weeks",
        "label": "sales cycle",
        "step": "±1 week",
        "low": {"value": 3.0, "p_hit": 0.1788},
        "high": {"value": 5.0, "p_hit": 0.0497},
        "swing": 0.1291,
    },
]

BASELINE_FORECAST = Forecast(
    p_hit=0.099343,
    expected=2993442.88,
    p10=2740777.87,
    p50=2987738.61,
    p90=3253212.94,
    weeks_left=6.428571428571429,
    target=3254000.0,
    booked=1150000.0,
    currency="USD",
    open_deals=60,
    ignored_deals=0,
    weighted_pipeline=931797.99,
    expected_new=911644.89,
    weekly=WEEKLY_BASELINE,
    required_rate={"p50": 9.0498046875, "p80": 10.5263671875, "expected": 9.0016934433959, "current": 7.0},
    sensitivity=SENSITIVITY,
)


def _scenario() -> Forecast:
    """Win rate 25% -> 20%: the path above booked shrinks by a tenth (hand-derived; p_hit from the sensitivity)."""
    weekly = copy.deepcopy(BASELINE_FORECAST.weekly)
    for week in weekly:
        for key in ("p10", "p50", "p90", "expected"):
            week[key] = round(1150000 + (week[key] - 1150000) * 0.9, 2)
    last = weekly[-1]
    return dataclasses.replace(
        BASELINE_FORECAST,
        p_hit=0.0121,
        p10=last["p10"],
        p50=last["p50"],
        p90=last["p90"],
        expected=last["expected"],
        expected_new=round(last["expected"] - BASELINE_FORECAST.booked - BASELINE_FORECAST.weighted_pipeline, 2),
        weekly=weekly,
        required_rate={"p50": 11.3125, "p80": None, "expected": 11.2521, "current": 7.0},
        sensitivity=[],
    )


SCENARIO_FORECAST = _scenario()

FAKE_PNG = b"\x89PNG\r\n\x1a\n-not-a-real-image-"


def _deal(i: int, name: str, amount: float, probability: float, close: str, stage: str, owner: str) -> dict:
    return {
        "id": f"OPP-{i:05d}",
        "name": name,
        "amount": amount,
        "probability": probability,
        "close_date": close,
        "stage": stage,
        "owner": owner,
    }


BASELINE_JSON = {
    "currency": "USD",
    "as_of": "2026-11-16",
    "period_end": "2026-12-31",
    "target": 3254000.0,
    "booked": 1150000,
    "reps": 10,
    "new_opps_per_rep_week": 7,
    "win_rate": 0.25,
    "deal_size": {"mean": 20000, "cv": 0.8},
    "cycle_weeks": {"mean": 4, "cv": 0.5},
    "pipeline": [
        _deal(17, "Acme expansion 17", 128136.12, 0.8, "2026-12-28", "Negotiation", "Dana"),
        _deal(11, "Vandelay pilot 11", 70395.33, 0.1, "2026-12-31", "Discovery", "Lee"),
        _deal(2, "Initech new logo 2", 51581.37, 0.9, "2026-12-05", "Commit", "Dana"),
        _deal(38, "Hooli <new> logo & co", 51191.95, 0.4, "2026-12-28", "Proposal", "Sam"),
        _deal(25, "Cyberdyne expansion 25", 50999.17, 0.8, "2026-12-22", "Proposal", ""),
        _deal(51, "Acme pilot 51", 49840.69, 0.2, "2026-12-15", "Discovery", "Lee"),
        _deal(60, "Umbrella renewal (next year)", 300000.0, 0.9, "2027-02-15", "Proposal", "Sam"),
    ],
}


def baseline_json() -> dict:
    return copy.deepcopy(BASELINE_JSON)


def sample_cards() -> dict[str, Card]:
    """One card of each kind, keyed by the golden file name."""
    return {
        "scenario": sc.scenario_card(
            question="What if the win rate drops to 20%?",
            interpretation=["win rate 25% → 20%"],
            baseline=BASELINE_FORECAST,
            scenario=SCENARIO_FORECAST,
            chart_png=FAKE_PNG,
            likes=2,
            comments=1,
            scenario_id=42,
        ),
        "forecast": sc.scenario_card(
            question="Do we reach the target?",
            interpretation=[],
            baseline=BASELINE_FORECAST,
            scenario=None,
            chart_png=FAKE_PNG,
            scenario_id=41,
        ),
        "required_rate": sc.required_rate_card(forecast=BASELINE_FORECAST, confidence=0.8),
        "drivers": sc.drivers_card(forecast=BASELINE_FORECAST, currency="USD"),
        "baseline": sc.baseline_card(baseline=baseline_json(), version=3, forecast=None),
        "help": sc.help_card(["do we reach the target?", "what if the win rate drops to 20%", "what if we lose Acme"]),
        "not_understood": sc.not_understood_card(
            "I could not find a driver in “make it rain”.",
            ["what if we add 2 reps", "what if deal size grows by 10%", "what if the Globex deal slips"],
        ),
        "first_run": sc.first_run_card(),
        "error": sc.error_card("The forecast took too long. Please try again in a minute."),
    }
