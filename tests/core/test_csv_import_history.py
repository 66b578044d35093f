"""Drivers fitted from CRM history, and how an import becomes a baseline the engine accepts."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pytest

from bot.core.imports.csv import CrmRow, fit_drivers, parse_crm_csv
from engine.baseline import BaselineError, parse_baseline

AS_OF = date(2026, 11, 16)
PERIOD = {"as_of": AS_OF, "period_end": date(2026, 12, 31)}
BASE = {
    "currency": "USD",
    "as_of": "2026-10-01",
    "period_end": "2026-12-31",
    "target": 900_000,
    "booked": 100_000,
    "reps": 4,
    "new_opps_per_rep_week": 3,
    "win_rate": 0.2,
    "deal_size": {"mean": 15_000, "cv": 0.9},
    "cycle_weeks": {"mean": 6, "cv": 0.6},
    "pipeline": [{"id": "OLD", "amount": 1, "probability": 0.5, "close_date": "2026-12-01"}],
}


def row(i: int, outcome: str, *, closed_days_ago: int, cycle_days: int = 28, amount: float = 10_000, owner="A"):
    close = AS_OF - timedelta(days=closed_days_ago)
    return CrmRow(
        line=i + 2,
        id=f"D{i}",
        outcome=outcome,
        close_date=close,
        amount=amount,
        created_date=close - timedelta(days=cycle_days),
        owner=owner,
    )


def test_win_rate_deal_size_and_cycle_from_closed_deals_in_the_window():
    rows = [row(i, "won", closed_days_ago=10 + i, cycle_days=7 * (2 + i % 4), amount=1000 * (i + 1)) for i in range(12)]
    rows += [row(100 + i, "lost", closed_days_ago=20 + i, owner="B") for i in range(18)]
    rows += [row(200 + i, "won", closed_days_ago=400) for i in range(50)]  # before the 52-week window: ignored
    drivers = fit_drivers(rows, as_of=AS_OF)
    assert drivers.win_rate.value == pytest.approx(12 / 30, abs=1e-4) and drivers.win_rate.sample == 30
    amounts = [1000.0 * (i + 1) for i in range(12)]
    assert drivers.deal_size.value == pytest.approx(statistics.fmean(amounts))
    assert drivers.deal_size.cv == pytest.approx(statistics.stdev(amounts) / statistics.fmean(amounts), abs=1e-3)
    cycles = [2 + i % 4 for i in range(12)]
    assert drivers.cycle_weeks.value == pytest.approx(statistics.fmean(cycles))
    assert drivers.win_rate.trusted and drivers.deal_size.trusted and drivers.cycle_weeks.trusted


def test_small_samples_carry_a_warning_and_the_window_can_be_changed():
    rows = [row(i, "won" if i % 3 == 0 else "lost", closed_days_ago=7 * i + 1) for i in range(40)]
    wide = fit_drivers(rows, as_of=AS_OF, window_weeks=52)
    narrow = fit_drivers(rows, as_of=AS_OF, window_weeks=10)
    assert wide.win_rate.sample == 40 and wide.win_rate.warning is None
    assert narrow.win_rate.sample == 10
    assert "only 10 closed deals" in narrow.win_rate.warning and not narrow.win_rate.trusted
    assert wide.deal_size.warning is None  # 14 won deals
    assert narrow.deal_size.warning.startswith("only 4 won deals")
    assert narrow.window_start == AS_OF - timedelta(weeks=10)


def test_new_opportunities_per_rep_week_counts_created_over_owners_and_covered_weeks():
    # 3 owners create 60 opportunities over the last 10 weeks (the CRM holds no older data).
    rows = [
        CrmRow(line=i, id=f"N{i}", outcome="open", close_date=AS_OF + timedelta(days=30), amount=1.0,
               probability=0.5, created_date=AS_OF - timedelta(days=70 * i // 60), owner=f"R{i % 3}")
        for i in range(60)
    ]  # fmt: skip
    drivers = fit_drivers(rows, as_of=AS_OF)
    assert drivers.reps.value == 3
    assert drivers.weeks == pytest.approx(68 / 7, abs=0.01)  # the oldest was created 68 days ago
    assert drivers.new_opps_per_rep_week.value == pytest.approx(60 / (68 / 7) / 3, abs=1e-3)
    assert drivers.new_opps_per_rep_week.trusted


def test_a_thin_history_does_not_replace_the_number_of_reps():
    # 3 owners but only 9 created opportunities: neither the rate nor the head count is trusted.
    rows = [row(i, "won", closed_days_ago=5 + i, owner=f"R{i % 3}") for i in range(9)]
    drivers = fit_drivers(rows, as_of=AS_OF)
    assert drivers.reps.value == 3 and drivers.reps.sample == 3
    assert not drivers.reps.trusted and "opportunities created" in drivers.reps.warning
    assert not drivers.new_opps_per_rep_week.trusted


def test_generated_history_recovers_the_true_drivers():
    from bot.core.imports.csv.sample import salesforce_export

    result = parse_crm_csv(salesforce_export(6000, seed=3, reps=10, win_rate=0.3), **PERIOD)
    d = result.drivers
    assert d.win_rate.value == pytest.approx(0.3, abs=0.03)
    assert d.deal_size.value == pytest.approx(20_800, rel=0.08)  # lognormal(9.7, 0.7) has mean e^(9.7+0.245)
    assert d.cycle_weeks.value == pytest.approx(4.0, rel=0.08)  # gamma(4, 7 days)
    assert d.reps.value == 10
    assert d.new_opps_per_rep_week.value == pytest.approx(6000 / (500 / 7) / 10, rel=0.08)


def test_to_baseline_uses_trusted_fits_keeps_the_rest_and_validates():
    from bot.core.imports.csv.sample import salesforce_export

    result = parse_crm_csv(salesforce_export(3000), period_start=date(2026, 10, 1), **PERIOD)
    baseline = result.to_baseline(BASE, target=2_500_000)
    parse_baseline(baseline)  # the engine accepts it
    assert baseline["target"] == 2_500_000
    assert baseline["win_rate"] == result.drivers.win_rate.value != BASE["win_rate"]
    assert baseline["deal_size"] == {"mean": result.drivers.deal_size.value, "cv": result.drivers.deal_size.cv}
    assert baseline["booked"] == pytest.approx(result.booked_in_period) and result.booked_in_period > 0
    assert [d["id"] for d in baseline["pipeline"]] == [d.id for d in result.deals]  # all open deals, old ones gone
    assert baseline["as_of"] == "2026-11-16"

    tiny = parse_crm_csv(salesforce_export(12), **PERIOD)
    assert not tiny.drivers.win_rate.trusted
    kept = tiny.to_baseline(BASE, target=1, overrides={"reps": 12, "deal_size": {"cv": 1.1}})
    assert kept["win_rate"] == 0.2 and kept["booked"] == 100_000  # untrusted fit, no period start
    assert kept["reps"] == 12 and kept["deal_size"] == {"mean": 15_000, "cv": 1.1}


def test_to_baseline_without_base_says_which_drivers_are_missing():
    text = "Opportunity Name,Stage,Amount,Close Date\nA,Prospecting,100,12/15/2026\n"
    result = parse_crm_csv(text.encode(), **PERIOD)
    with pytest.raises(BaselineError) as caught:
        result.to_baseline(target=1000)
    names = {problem.split(":")[0] for problem in caught.value.problems}
    assert names == {"win_rate", "deal_size", "cycle_weeks", "new_opps_per_rep_week", "reps"}
    with pytest.raises(BaselineError, match="target: required"):
        result.to_baseline()
    overrides = {"win_rate": 0.25, "deal_size": {"mean": 1000, "cv": 0.5}, "cycle_weeks": {"mean": 3, "cv": 0.5},
                 "new_opps_per_rep_week": 2, "reps": 3}  # fmt: skip
    assert result.to_baseline(target=1000, overrides=overrides)["pipeline"][0]["amount"] == 100
