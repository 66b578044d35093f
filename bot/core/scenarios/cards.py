"""Card builders: the engine's forecasts (engine.forecast.Forecast) and plain values in, neutral `Card`s out.

Owns what each answer card says and in which order: the scenario card (question, how it was understood,
the headline probability, baseline vs scenario facts, the fan chart, Like/Comment/Drivers/Ask an expert/Decide)
and the required-rate card; the parts they share are in card_parts, the other cards (drivers, baseline, help,
first-run, error) in info_cards, and all of them are importable from here. Pure functions: no platform, no
storage, no engine calls; every number shown is in a Text or Facts block so that `Card.fallback_text()` carries it.

Every answer card states its assumptions: the period and the weeks left (`Period`), the age of a baseline
older than today with a "Roll forward to today" button, what each what-if change acts on (a win-rate change
acts on opportunities not created yet), and the ramp of added reps when the forecast carries one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core.baselines.freshness import Period
from bot.core.cards import Block, Button, Card, Chart, Fact, Facts, Text
from bot.core.charts import chart_alt
from bot.core.formatting import money, number, pct, rate, user

if TYPE_CHECKING:  # the engine (numpy, scipy) loads where forecasts are made, not where cards are rendered
    from engine.forecast import Forecast
from bot.core.scenarios.card_parts import (
    ARROW,
    COMMENT_ACTION,
    DECIDE_ACTION,
    DRIVERS_ACTION,
    EXPERT_ACTION,
    LIKE_ACTION,
    NONE_NEEDED,
    UNREACHABLE,
    acts_on_text,
    at_risk_block,
    at_risk_text,
    currency_of,
    deals_by_id,
    footer_text,
    period_text,
    ramp_text,
    roll_button,
    stale_text,
    trim_title,
)
from bot.core.scenarios.info_cards import (
    baseline_card,
    drivers_card,
    error_card,
    first_run_card,
    help_card,
    not_understood_card,
)

__all__ = [
    "scenario_card",
    "required_rate_card",
    "drivers_card",
    "baseline_card",
    "help_card",
    "not_understood_card",
    "first_run_card",
    "error_card",
    "footer_text",
    "trim_title",
    "period_text",
    "stale_text",
    "ramp_text",
    "acts_on_text",
    "at_risk_text",
    "at_risk_block",
    "deals_by_id",
    "roll_button",
    "LIKE_ACTION",
    "COMMENT_ACTION",
    "DRIVERS_ACTION",
    "DECIDE_ACTION",
    "EXPERT_ACTION",
]


def _required(forecast: Forecast | None, key: str) -> str:
    """A required rate, or the sentence that says no rate reaches it."""
    if forecast is None:
        return ""
    value = forecast.required_rate.get(key)
    if value is None:
        return UNREACHABLE
    return NONE_NEEDED if value <= 0 else rate(value)


def _pair(before: str, after: str | None) -> str:
    """'10%' alone, or '10% → 1.2%' when there is a scenario."""
    return before if after is None else f"{before}{ARROW}{after}"


def _range(f: Forecast, cur: str) -> str:
    return f"{money(f.p10, cur)} – {money(f.p90, cur)}"


def _forecast_facts(baseline: Forecast, scenario: Forecast | None, cur: str, period: Period | None = None) -> Facts:
    # the one "P(reach target)" line of the card (the headline above says it in words, not as a second line)
    s = scenario
    facts = [Fact("P(reach target)", _pair(pct(baseline.p_hit), pct(s.p_hit) if s else None))]
    when = period_text(period, baseline.weeks_left)
    if when:
        facts.append(Fact("Period", when))
    if s is not None and s.weeks_left != baseline.weeks_left:
        facts.append(Fact("Weeks left", _pair(number(baseline.weeks_left), number(s.weeks_left))))
    facts += [
        Fact("Expected bookings", _pair(money(baseline.expected, cur), money(s.expected, cur) if s else None)),
        Fact("P10–P90 range", _pair(_range(baseline, cur), _range(s, cur) if s else None)),
    ]
    target_text = money(baseline.target, cur)
    if s and s.target != baseline.target:
        target_text = _pair(target_text, money(s.target, cur))
    facts.append(Fact("Target", target_text))
    current = baseline.required_rate.get("current")
    if current is not None:
        scenario_current = s.required_rate.get("current") if s else None
        after = rate(scenario_current) if s and scenario_current is not None and scenario_current != current else None
        facts.append(Fact("New opps/rep/week today", _pair(rate(current), after)))
    facts.append(Fact("Needed for a 50% chance", _pair(_required(baseline, "p50"), _required(s, "p50") if s else None)))
    facts.append(
        Fact("Needed for an 80% chance", _pair(_required(baseline, "p80"), _required(s, "p80") if s else None))
    )
    return Facts(tuple(facts))


def _headline(baseline: Forecast, scenario: Forecast | None, cur: str) -> str:
    target = f" {money(baseline.target, cur)}"
    if scenario is not None:
        before, after = pct(baseline.p_hit), pct(scenario.p_hit)
        return f"The chance of reaching the{target} target goes from *{before}* to *{after}*"
    return f"*{pct(baseline.p_hit)}* chance of reaching the{target} target"


def scenario_card(
    *,
    question: str,
    interpretation: list[str],
    baseline: Forecast,
    scenario: Forecast | None,
    chart_png: bytes | None,
    likes: int = 0,
    comments: int = 0,
    scenario_id: int | None = None,
    currency: str = "USD",
    period: Period | None = None,
    changes: list[dict[str, Any]] | None = None,
    at_risk: str | None = None,
) -> Card:
    """The answer to a what-if (or plain forecast) question, with reactions counted in the footer. `period`
    (the baseline's dates and today) puts the period, the weeks left and a stale baseline's age on the card;
    `changes` (engine change dicts) say what each change acts on; `at_risk` (`at_risk_text`) lists the open
    deals of a rep who leaves."""
    cur = currency_of(baseline, currency)
    blocks: list[Block] = []
    if interpretation:
        # the reading echoes the question's own words (deal names, clauses): a person's text, never markup
        blocks.append(Text("Understood: " + "; ".join(user(line) for line in interpretation)))
    blocks.append(Text(_headline(baseline, scenario, cur)))
    blocks.append(_forecast_facts(baseline, scenario, cur, period))
    notes = [acts_on_text(changes), ramp_text(scenario.ramp if scenario else None) or ramp_text(baseline.ramp)]
    if any(notes):
        blocks.append(Text("\n".join(n for n in notes if n)))
    if at_risk:
        blocks.append(Text(at_risk))
    stale = stale_text(period)
    if stale:
        blocks.append(Text(stale))
    if chart_png:
        blocks.append(Chart(png=chart_png, alt=chart_alt(baseline, scenario, cur), name="fan-chart.png"))
    value = {"scenario_id": scenario_id}
    buttons = (
        Button("Like", LIKE_ACTION, value),
        Button("Comment", COMMENT_ACTION, value),
        Button("Drivers", DRIVERS_ACTION, value),
        Button("Ask an expert", EXPERT_ACTION, value),
        Button("Decide", DECIDE_ACTION, value),
        *roll_button(period),
    )
    return Card(
        title=trim_title(question),
        blocks=tuple(blocks),
        buttons=buttons,
        footer=footer_text(likes, comments),
        kind="scenario",
    )


def _confidence_key(confidence: float) -> str:
    return f"p{round(confidence * 100)}"


def _a_chance(p: float) -> str:
    """'a 50% chance', 'an 80% chance', 'an 11% chance' (said as eighty, eleven)."""
    label = pct(p)
    article = "an" if label.startswith(("8", "11", "18")) else "a"
    return f"{article} {label} chance"


def required_rate_card(
    *,
    forecast: Forecast,
    confidence: float = 0.8,
    currency: str | None = None,
    question: str | None = None,
    period: Period | None = None,
    at_risk: str | None = None,
) -> Card:
    """'How many opportunities do we need?': today vs the rate for 50% / the asked confidence / the spreadsheet;
    `at_risk` (`at_risk_text`) lists the open deals of a rep who leaves when that is the condition."""
    cur = currency_of(forecast, currency)
    rates = forecast.required_rate
    current = rates.get("current")
    target = money(forecast.target, cur)
    left = f" in the {number(forecast.weeks_left)} weeks left"
    facts: list[Fact] = []
    lines: list[str] = []
    when = period_text(period, forecast.weeks_left)
    if when:
        facts.append(Fact("Period", when))
    if current is not None:
        facts.append(Fact("Today", f"{rate(current)} per rep per week"))
        lines.append(
            f"Today the team creates *{rate(current)}* new opportunities per rep per week: "
            f"{_a_chance(forecast.p_hit)} of reaching the {target} target{left}."
        )
    levels = [0.5] + ([confidence] if round(confidence * 100) != 50 else [])
    for level in levels:
        key, chance = _confidence_key(level), _a_chance(level)
        value = rates.get(key)
        if key not in rates:
            facts.append(Fact(f"For {chance}", "not computed"))
            lines.append(f"The rate for {chance} was not computed; ask again with that confidence.")
        elif value is None:
            facts.append(Fact(f"For {chance}", UNREACHABLE))
            lines.append(
                f"No rate of new opportunities gives {chance}{left}: the open pipeline and deals "
                "already in flight have to close the gap."
            )
        elif value <= 0:
            facts.append(Fact(f"For {chance}", NONE_NEEDED))
            lines.append(f"No new opportunities are needed for {chance}: booked deals and the pipeline get there.")
        else:
            facts.append(Fact(f"For {chance}", f"{rate(value)} per rep per week"))
            lines.append(f"At *{rate(value)}* per rep per week, the target is reached with {chance}.")
    expected = rates.get("expected")
    if expected is not None:
        facts.append(Fact("Spreadsheet answer", f"{rate(expected)} per rep per week"))
        lines.append(
            f"The spreadsheet answer, {rate(expected)}, only makes *average* bookings equal the target, "
            "which is still about a coin flip, not a plan."
        )
    title = trim_title(question) if question else "New opportunities needed per rep per week"
    blocks: list[Block] = [Facts(tuple(facts)), Text("\n".join(lines))]
    if at_risk:
        blocks.append(Text(at_risk))
    stale = stale_text(period)
    if stale:
        blocks.append(Text(stale))
    return Card(title=title, blocks=tuple(blocks), buttons=roll_button(period), kind="info")
