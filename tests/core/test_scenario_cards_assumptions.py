"""Cards that state their assumptions: the period and weeks left, a stale baseline's age, what a change acts on,
the ramp of added reps, and the Drivers card of a scenario naming both chances."""

from __future__ import annotations

import dataclasses
from datetime import date

from bot.core.baselines.freshness import ROLL_ACTION, Period
from bot.core.cards import Facts
from bot.core.scenarios import cards as sc
from engine.forecast import Ramp
from tests.core.card_samples import BASELINE_FORECAST, SCENARIO_FORECAST

FRESH = Period(date(2026, 11, 16), date(2026, 12, 31), today=date(2026, 11, 16), baseline_id=3)
STALE = Period(date(2026, 11, 16), date(2026, 12, 31), today=date(2026, 11, 29), baseline_id=3)
WIN_RATE = [{"driver": "win_rate", "from": 0.25, "to": 0.2}]


def _facts(card) -> dict[str, str]:
    return {f.label: f.value for b in card.blocks if isinstance(b, Facts) for f in b.facts}


def _scenario(**kwargs):
    args = dict(question="what if win rate drops to 20%", interpretation=["win rate 25% → 20%"],
                baseline=BASELINE_FORECAST, scenario=SCENARIO_FORECAST, chart_png=None, scenario_id=7)  # fmt: skip
    return sc.scenario_card(**{**args, **kwargs})


def test_the_card_states_the_period_and_what_a_win_rate_change_acts_on():
    card = _scenario(period=FRESH, changes=WIN_RATE)
    assert _facts(card)["Period"] == "Nov 16 → Dec 31, 6.4 weeks left"
    text = card.fallback_text()
    assert "a win-rate change acts on opportunities not created yet" in text
    assert "days ago" not in text and ROLL_ACTION not in [b.action_id for b in card.buttons]


def test_a_stale_card_says_its_age_the_weeks_really_left_and_offers_the_roll_forward():
    card = _scenario(period=STALE, changes=WIN_RATE)
    assert _facts(card)["Period"] == "Nov 16 → Dec 31, 6.4 weeks left as of Nov 16 (13 days ago); 4.6 weeks left today"
    assert "“/scenario set as of today”" in card.fallback_text()
    [roll] = [b for b in card.buttons if b.action_id == ROLL_ACTION]
    assert roll.label == "Roll forward to today" and roll.value == {"baseline_id": 3}
    for other in (
        sc.required_rate_card(forecast=BASELINE_FORECAST, period=STALE),
        sc.drivers_card(forecast=BASELINE_FORECAST, period=STALE),
        sc.baseline_card(baseline={**_baseline(), "as_of": "2026-11-16"}, version=3, forecast=None, period=STALE),
    ):
        assert "as of Nov 16 (13 days ago)" in other.fallback_text(), other.kind
        assert ROLL_ACTION in [b.action_id for b in other.buttons], other.kind


def test_after_the_period_ended_there_is_no_roll_forward_button():
    ended = Period(date(2026, 11, 16), date(2026, 12, 31), today=date(2027, 1, 4))
    card = _scenario(period=ended)
    assert "Its period has ended" in card.fallback_text() and ROLL_ACTION not in [b.action_id for b in card.buttons]


def test_the_ramp_of_added_reps_is_stated_when_the_forecast_carries_one():
    ramp: Ramp = {"new_reps": 2, "ramp_weeks": 8, "start": "2026-11-23", "share_of_full_output": 0.31}
    scenario = dataclasses.replace(SCENARIO_FORECAST, ramp=ramp)
    card = _scenario(scenario=scenario, changes=[{"driver": "reps", "from": 10, "to": 12}])
    text = card.fallback_text()
    assert "2 new reps ramp up over 8 weeks from Nov 23: 31% of a full rep's output lands in the period" in text
    assert "ramp" not in _scenario().fallback_text()  # no ramp: no line
    assert "ramp up" not in _scenario(scenario=dataclasses.replace(scenario, ramp=None)).fallback_text()
    at_once: Ramp = {"new_reps": 1, "ramp_weeks": 0, "start": "", "share_of_full_output": 2.0}
    assert sc.ramp_text(at_once) == "1 new rep start at full output"  # no start date, a share out of range: left out


def test_the_drivers_card_of_a_scenario_names_the_scenario_chance_beside_todays():
    scenario = dataclasses.replace(SCENARIO_FORECAST, p_hit=0.10)
    baseline = dataclasses.replace(BASELINE_FORECAST, p_hit=0.20)
    card = sc.drivers_card(forecast=scenario, baseline=baseline, question="what if win rate drops to 20%")
    text = card.fallback_text()
    assert "This scenario “what if win rate drops to 20%”: *10%* chance" in text
    assert "(the baseline today: 20%)" in text and "Today: *10%*" not in text


def test_a_what_if_card_says_p_reach_target_once():
    text = _scenario(period=FRESH).fallback_text()
    assert text.count("P(reach target)") == 1 and "10% → 1%" in text


def _baseline() -> dict:
    from tests.core.card_samples import baseline_json

    return baseline_json()
