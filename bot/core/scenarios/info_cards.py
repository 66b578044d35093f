"""The cards that are not an answer's scenario: the drivers card (what moves the chance most), the baseline card,
and the short help, "did not understand", first-run and error cards. Pure functions of plain values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core.baselines.freshness import Period
from bot.core.cards import Block, Card, Fact, Facts, Text
from bot.core.formatting import driver_value, money, number, pct, rate, user

if TYPE_CHECKING:  # the engine (numpy, scipy) loads where forecasts are made, not where cards are rendered
    from engine.forecast import Forecast
from bot.core.scenarios.card_parts import currency_of, period_text, roll_button, stale_text, trim_title

__all__ = ["drivers_card", "baseline_card", "help_card", "not_understood_card", "first_run_card", "error_card"]


def drivers_card(
    *,
    forecast: Forecast,
    currency: str | None = None,
    baseline: Forecast | None = None,
    period: Period | None = None,
    question: str | None = None,
) -> Card:
    """The sensitivity table, largest swing first, and a sentence naming the biggest driver. `forecast` is the
    one the table is about: a scenario's (then `baseline` is today's forecast, said beside it) or the
    baseline's."""
    cur = currency_of(forecast, currency)
    rows = sorted(forecast.sensitivity, key=lambda r: r["swing"], reverse=True)
    if baseline is not None:
        about = f" “{trim_title(question, 80)}”" if question else ""
        now = (
            f"This scenario{about}: *{pct(forecast.p_hit)}* chance of reaching the target "
            f"(the baseline today: {pct(baseline.p_hit)}). The table moves each driver from the scenario."
        )
    else:
        now = f"Today: *{pct(forecast.p_hit)}* chance of reaching the target."
    when = period_text(period, forecast.weeks_left)
    head = [Text(f"{now}\nPeriod: {when}." if when else now)]
    stale = [Text(t) for t in (stale_text(period),) if t]
    if not rows:
        return Card(
            title="What moves the chance of reaching the target",
            blocks=(*head, Text("No driver sensitivity was computed for this forecast."), *stale),
            buttons=roll_button(period),
            kind="drivers",
        )
    facts = tuple(
        Fact(f"{r['label']} {r['step']}", f"{pct(r['low']['p_hit'])} … {pct(r['high']['p_hit'])}") for r in rows[:10]
    )
    top = rows[0]
    low_value = driver_value(top["driver"], top["low"]["value"], cur)
    high_value = driver_value(top["driver"], top["high"]["value"], cur)
    sentence = (
        f"The biggest driver is *{top['label']}*: from {low_value} to {high_value} the chance moves from "
        f"{pct(top['low']['p_hit'])} to {pct(top['high']['p_hit'])}."
    )
    return Card(
        title="What moves the chance of reaching the target",
        blocks=(*head, Facts(facts), Text(sentence), *stale),
        buttons=roll_button(period),
        kind="drivers",
    )


def _deals_in_window(baseline: dict[str, Any]) -> list[dict[str, Any]]:
    start, end = str(baseline.get("as_of", "")), str(baseline.get("period_end", ""))
    return [d for d in baseline.get("pipeline") or [] if start <= str(d.get("close_date", "")) <= end]


def _deal_line(deal: dict[str, Any], cur: str) -> str:
    name = trim_title(str(deal.get("name") or deal.get("id") or "deal"), 60)
    who = ", ".join(str(x) for x in (deal.get("stage"), deal.get("owner")) if x)
    extra = f" ({who})" if who else ""
    return (
        f"- {user(name)}: {money(deal['amount'], cur)} at {pct(deal['probability'])}, "
        f"closes {deal['close_date']}{user(extra)}"
    )


def baseline_card(
    *, baseline: dict[str, Any], version: int | None, forecast: Forecast | None, period: Period | None = None
) -> Card:
    """The channel's baseline: drivers, target and period, the open pipeline and its five biggest deals, where
    each borrowed value came from (its `sources`), and its age with a roll-forward button when it is stale."""
    cur = baseline.get("currency") or "USD"
    deal_size = baseline.get("deal_size") or {}
    cycle = baseline.get("cycle_weeks") or {}
    in_window = _deals_in_window(baseline)
    if forecast is not None:
        open_deals, weighted = forecast.open_deals, forecast.weighted_pipeline
    else:
        open_deals = len(in_window)
        weighted = sum(float(d["amount"]) * float(d["probability"]) for d in in_window)
    when = f"{baseline.get('as_of')} → {baseline.get('period_end')}"
    if forecast is not None:
        when += f" ({number(forecast.weeks_left)} weeks left)"
    if period is not None and period.stale:
        when += f", {period.age()}; {number(period.weeks_left_today)} weeks left today"
    sources = period.sources if period is not None else {}

    def sourced(key: str, text: str) -> str:
        return f"{text} ({sources[key]})" if key in sources else text

    facts = [
        Fact("Target", sourced("target", money(baseline["target"], cur))),
        Fact("Booked so far", sourced("booked", money(baseline.get("booked", 0), cur))),
        Fact("Period", when),
        Fact("Reps", number(baseline["reps"])),
        Fact("New opps/rep/week", rate(baseline["new_opps_per_rep_week"])),
        Fact("Win rate", driver_value("win_rate", baseline["win_rate"], cur)),
        Fact("Deal size", f"{money(deal_size.get('mean', 0), cur)} average (cv {number(deal_size.get('cv', 0))})"),
        Fact("Sales cycle", f"{number(cycle.get('mean', 0))} weeks average (cv {number(cycle.get('cv', 0))})"),
        Fact("Open deals in period", f"{open_deals} ({money(weighted, cur)} weighted)"),
    ]
    if forecast is not None:
        facts.append(Fact("P(reach target)", pct(forecast.p_hit)))
    blocks: list[Block] = [Facts(tuple(facts))]
    biggest = sorted(in_window, key=lambda d: float(d["amount"]), reverse=True)[:5]
    if biggest:
        blocks.append(Text("*Five biggest deals*\n" + "\n".join(_deal_line(d, cur) for d in biggest)))
    else:
        blocks.append(Text("No open deals close inside the period."))
    borrowed = [f"- {key.replace('_', ' ')}: {why}" for key, why in sources.items() if key not in ("target", "booked")]
    if borrowed:
        blocks.append(Text("*Where the other values came from*\n" + "\n".join(borrowed)))
    stale = stale_text(period)
    if stale:
        blocks.append(Text(stale))
    title = "Baseline for this channel" + (f" (version {version})" if version is not None else "")
    return Card(title=title, blocks=tuple(blocks), buttons=roll_button(period), kind="baseline")


def _quoted(examples: list[str]) -> str:
    return "\n".join(f"- “{user(trim_title(e, 120))}”" for e in examples)


def help_card(examples: list[str]) -> Card:
    text = (
        "Ask me about reaching the target, in plain words. I answer with a probability, show how I understood "
        "the question, and post a card the team can like and comment on."
    )
    return Card(
        title="What I can answer",
        blocks=(Text(text), Text("*Try:*\n" + _quoted(examples))),
        kind="help",
    )


def not_understood_card(problem: str, suggestions: list[str]) -> Card:
    """Short: what was not understood, and three questions that would work."""
    problem_text = " ".join(problem.split())[:500] or "I could not read that question."
    return Card(
        title="I did not understand that",
        blocks=(Text(user(problem_text)), Text("*Try one of these:*\n" + _quoted(suggestions[:3]))),
        kind="error",
    )


def first_run_card() -> Card:
    """A channel without a baseline: the three ways to set one."""
    # commands in quotes, not backticks: inline code is not part of the markdown subset Teams renders.
    # `set` changes an existing baseline, so the typed route starts from the sample team.
    steps = (
        "This channel has no baseline yet, so there is nothing to forecast. Set one in any of three ways:\n"
        "- Start from the sample team with “/scenario baseline sample”, then type your numbers: "
        "“/scenario set target 2.5M”, “/scenario set booked 1.2M”, “/scenario set reps 10”, "
        "“/scenario set win rate 25%”\n"
        "- Upload a Salesforce or HubSpot CSV export: in a DM with me, or in a channel message that @mentions me "
        "(Slack; “/scenario import” explains the formats)\n"
        "- Or ask your admin to run “python -m bot baseline import FILE.json|FILE.csv --platform slack "
        "--workspace ID --channel ID” (or --platform teams)\n"
        "In Teams, mention the bot instead of typing /scenario."
    )
    return Card(title="Let's set up a baseline", blocks=(Text(steps),), kind="info")


def error_card(message: str) -> Card:
    text = " ".join(message.split())[:1000] or "Something went wrong. Please try again."
    return Card(title="Something went wrong", blocks=(Text(user(text)),), kind="error")
