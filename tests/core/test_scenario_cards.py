"""Card builders and number formatting: what a sales team reads on a card."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.core.cards import Chart, Facts, Text, card_from_dict, card_to_dict
from bot.core.formatting import money, money_full, pct, rate, unmark
from bot.core.scenarios import cards as sc
from tests.core.card_samples import BASELINE_FORECAST, FAKE_PNG, SCENARIO_FORECAST, baseline_json, sample_cards


def _facts(card) -> dict[str, str]:
    return {f.label: f.value for b in card.blocks if isinstance(b, Facts) for f in b.facts}


def _texts(card) -> list[str]:
    """The text blocks as they read (people's text unmarked; tests/core/test_escaping.py checks the marks)."""
    return [unmark(b.text) for b in card.blocks if isinstance(b, Text)]


@pytest.mark.parametrize(
    ("x", "currency", "expected"),
    [
        (2993443, "USD", "$2.99M"),
        (812000, "USD", "$812k"),
        (300000, "EUR", "€300k"),
        (950, "USD", "$950"),
        (2_500_000, "GBP", "£2.50M"),
        (999_600, "USD", "$1.00M"),  # not "$1000k"
        (1_200_000, "CHF", "CHF 1.20M"),
        (-40_000, "USD", "-$40.0k"),
        # one rule, three significant digits: figures side by side read with the same precision
        (3_700_000, "USD", "$3.70M"),
        (3_000_000, "USD", "$3.00M"),
        (3_030_000, "USD", "$3.03M"),
        (250_000, "USD", "$250k"),
        (9_996, "USD", "$10.0k"),  # rounds up across a digit without a fourth digit
    ],
)
def test_money_short_forms(x, currency, expected):
    assert money(x, currency) == expected


def test_money_full_has_separators():
    assert money_full(2993442.88, "USD") == "$2,993,443"
    assert money_full(300000, "EUR") == "€300,000"


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.42, "42%"),
        (0.0993, "10%"),
        (0.004, "0.4%"),
        (0.996, "99.6%"),
        (0, "0%"),
        (1, "100%"),
        (0.00001, "<0.1%"),
        (0.99999, ">99.9%"),
        (0.9999, ">99.9%"),
    ],
)
def test_pct_never_rounds_to_certainty(p, expected):
    assert pct(p) == expected


def test_rate_one_decimal():
    assert rate(9.0498) == "9.0"
    assert rate(9.06) == "9.1"


@pytest.mark.parametrize(
    ("likes", "comments", "expected"),
    [
        (0, 0, "0 likes · 0 comments"),
        (1, 1, "1 like · 1 comment"),
        (2, 3, "2 likes · 3 comments"),
        (1, 0, "1 like · 0 comments"),
    ],
)
def test_footer_grammar(likes, comments, expected):
    assert sc.footer_text(likes, comments) == expected


def test_scenario_card_compares_baseline_and_scenario():
    card = sample_cards()["scenario"]
    assert card.kind == "scenario"
    assert card.title == "What if the win rate drops to 20%?"
    assert _texts(card)[:2] == [
        "Understood: win rate 25% → 20%",
        "The chance of reaching the $3.25M target goes from *10%* to *1%*",
    ]
    facts = _facts(card)
    assert facts["P(reach target)"] == "10% → 1%"
    assert card.fallback_text().count("P(reach target)") == 1  # one line, not the headline and a fact
    assert facts["Period"] == "6.4 weeks left"  # no dates known: the weeks left from the forecast
    assert facts["Expected bookings"] == "$2.99M → $2.81M"
    assert facts["P10–P90 range"] == "$2.74M – $3.25M → $2.58M – $3.04M"
    assert facts["New opps/rep/week today"] == "7.0"
    assert facts["Needed for a 50% chance"] == "9.0 → 11.3"
    assert facts["Needed for an 80% chance"] == "10.5 → not reachable with new opportunities alone"
    assert card.footer == "2 likes · 1 comment"
    assert [(b.label, b.action_id, b.value) for b in card.buttons] == [
        ("Like", "card.like", {"scenario_id": 42}),
        ("Comment", "card.comment", {"scenario_id": 42}),
        ("Drivers", "card.drivers", {"scenario_id": 42}),
        ("Ask an expert", "expert.ask", {"scenario_id": 42}),
        ("Decide", "decision.decide", {"scenario_id": 42}),
    ]
    chart = card.chart
    assert chart is not None and chart.png == FAKE_PNG
    assert "$2.99M" in chart.alt and "$3.25M" in chart.alt and "1% chance" in chart.alt


def test_plain_forecast_card_shows_the_baseline_only():
    card = sample_cards()["forecast"]
    assert _texts(card) == ["*10%* chance of reaching the $3.25M target"]
    assert all("→" not in v for v in _facts(card).values())
    assert card.footer == "0 likes · 0 comments"


def test_scenario_card_without_chart_and_with_a_changed_target():
    scenario = dataclasses.replace(SCENARIO_FORECAST, target=3_000_000.0)
    card = sc.scenario_card(
        question="what if the target is 3M",
        interpretation=["target $3.25M → $3M"],
        baseline=BASELINE_FORECAST,
        scenario=scenario,
        chart_png=None,
    )
    assert card.chart is None
    assert _facts(card)["Target"] == "$3.25M → $3.00M"


def test_long_question_is_trimmed_to_150_with_ellipsis():
    question = "what if " + "the win rate drops " * 40
    card = sc.scenario_card(
        question=question, interpretation=[], baseline=BASELINE_FORECAST, scenario=None, chart_png=None
    )
    assert len(card.title) <= 150 and card.title.endswith("…")
    assert "\n" not in sc.trim_title("two\nlines")


def test_required_rate_card_explains_each_rate():
    card = sample_cards()["required_rate"]
    facts = _facts(card)
    assert facts == {
        "Period": "6.4 weeks left",
        "Today": "7.0 per rep per week",
        "For a 50% chance": "9.0 per rep per week",
        "For an 80% chance": "10.5 per rep per week",
        "Spreadsheet answer": "9.0 per rep per week",
    }
    text = _texts(card)[0]
    assert "a 10% chance of reaching the $3.25M target in the 6.4 weeks left" in text
    assert "coin flip" in text


def test_required_rate_card_when_unreachable_or_not_computed():
    unreachable = sc.required_rate_card(forecast=SCENARIO_FORECAST, confidence=0.8)
    assert _facts(unreachable)["For an 80% chance"] == "not reachable with new opportunities alone"
    not_asked = sc.required_rate_card(forecast=BASELINE_FORECAST, confidence=0.9)
    assert _facts(not_asked)["For a 90% chance"] == "not computed"


def test_drivers_card_ranks_and_names_the_biggest_driver():
    # ranking must not depend on the input order
    forecast = dataclasses.replace(BASELINE_FORECAST, sensitivity=BASELINE_FORECAST.sensitivity[::-1])
    card = sc.drivers_card(forecast=forecast, currency="USD")
    assert card.kind == "drivers"
    labels = [f.label for b in card.blocks if isinstance(b, Facts) for f in b.facts]
    assert labels[0] == "win rate ±5 points"
    assert _facts(card)["win rate ±5 points"] == "1% … 41%"
    assert _texts(card)[-1] == "The biggest driver is *win rate*: from 20% to 30% the chance moves from 1% to 41%."
    empty = sc.drivers_card(forecast=SCENARIO_FORECAST, currency="USD")
    assert "No driver sensitivity" in empty.fallback_text()


def test_baseline_card_counts_only_deals_inside_the_period():
    card = sample_cards()["baseline"]
    facts = _facts(card)
    assert card.title == "Baseline for this channel (version 3)"
    assert facts["Target"] == "$3.25M" and facts["Booked so far"] == "$1.15M"
    assert facts["Open deals in period"] == "6 ($227k weighted)"  # the Feb 2027 renewal is outside
    assert facts["Win rate"] == "25%" and facts["Deal size"] == "$20.0k average (cv 0.8)"
    deals = _texts(card)[0].splitlines()
    assert deals[0] == "*Five biggest deals*"
    assert len(deals) == 6 and deals[1].startswith("- Acme expansion 17: $128k at 80%")
    assert not any("Umbrella" in line for line in deals)


def test_baseline_card_uses_the_forecast_when_given():
    card = sc.baseline_card(baseline=baseline_json(), version=None, forecast=BASELINE_FORECAST)
    facts = _facts(card)
    assert card.title == "Baseline for this channel"
    assert facts["Open deals in period"] == "60 ($932k weighted)"
    assert facts["Period"] == "2026-11-16 → 2026-12-31 (6.4 weeks left)"
    assert facts["P(reach target)"] == "10%"


def test_short_cards():
    cards = sample_cards()
    assert cards["not_understood"].kind == "error"
    assert cards["not_understood"].fallback_text().count("\n- ") == 3
    many = sc.not_understood_card("x", ["a", "b", "c", "d", "e"])
    assert many.fallback_text().count("\n- ") == 3
    first = cards["first_run"].fallback_text()
    for needle in ("/scenario set target 2.5M", "CSV", "python -m bot baseline import"):
        assert needle in first
    assert cards["error"].kind == "error"


def test_card_dict_round_trip_drops_the_png_but_keeps_the_chart_in_its_place():
    card = sample_cards()["scenario"]
    card = dataclasses.replace(
        card, blocks=tuple(dataclasses.replace(b, token="tok") if isinstance(b, Chart) else b for b in card.blocks)
    )
    stored = json.loads(json.dumps(card_to_dict(card)))
    chart = [b for b in stored["blocks"] if b["type"] == "chart"]
    assert chart == [{"type": "chart", "name": "fan-chart.png", "alt": card.chart.alt, "token": "tok"}]
    again = card_from_dict(stored)
    # a footer update re-renders the stored card: the chart stays where it was, without its bytes
    assert [type(b) for b in again.blocks] == [type(b) for b in card.blocks]
    assert again.chart.png == b"" and again.chart.token == "tok" and again.chart.alt == card.chart.alt
    assert again.buttons == card.buttons and again.footer == card.footer and again.kind == "scenario"


def test_required_rate_of_zero_reads_none_needed():
    done = dataclasses.replace(
        BASELINE_FORECAST, p_hit=1.0, required_rate={"p50": 0.0, "p80": 0.0, "expected": 0.0, "current": 6.0}
    )
    card = sc.required_rate_card(forecast=done)
    assert _facts(card)["For an 80% chance"] == "none needed"
    scenario = sc.scenario_card(question="q", interpretation=[], baseline=done, scenario=None, chart_png=None)
    assert _facts(scenario)["Needed for a 50% chance"] == "none needed"
    assert _texts(scenario)[0] == "*100%* chance of reaching the $3.25M target"
