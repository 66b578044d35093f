"""Card builders: the engine's forecasts (engine.forecast.Forecast) and plain values in, neutral `Card`s out.

Owns what each answer card says and in which order: the scenario card (question, how it was understood,
the headline probability, baseline vs scenario facts, the fan chart, Like/Comment/Drivers/Ask an expert/Decide),
the required-rate card, the drivers card, the baseline card, and the short help, first-run and error cards.
Pure functions: no platform, no storage, no engine calls; every number shown is in a Text or Facts block so that
`Card.fallback_text()` carries it.

Every answer card states its assumptions: the period and the weeks left (`Period`), the age of a baseline
older than today with a "Roll forward to today" button, what each what-if change acts on (a win-rate change
acts on opportunities not created yet), and the ramp of added reps when the forecast carries one.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from bot.core.baselines.freshness import ROLL_ACTION, Period, day_label
from bot.core.cards import MAX_TITLE, Block, Button, Card, Chart, Fact, Facts, Text
from bot.core.charts import chart_alt
from bot.core.formatting import driver_value, money, number, pct, rate, user

if TYPE_CHECKING:  # the engine (numpy, scipy) loads where forecasts are made, not where cards are rendered
    from engine.forecast import Forecast, Ramp

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

LIKE_ACTION = "card.like"
COMMENT_ACTION = "card.comment"
DRIVERS_ACTION = "card.drivers"
DECIDE_ACTION = "decision.decide"  # bot.core.decisions: the person who asked, or a manager, records a decision
EXPERT_ACTION = "expert.ask"  # bot.core.experts: the invitation form
ROLL_LABEL = "Roll forward to today"
UNREACHABLE = "not reachable with new opportunities alone"
NONE_NEEDED = "none needed"  # booked plus the open pipeline already get there
ARROW = " → "


def trim_title(text: str, limit: int = MAX_TITLE) -> str:
    """One line, at most `limit` characters, an ellipsis when cut."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line or "Question"
    return line[: limit - 1].rstrip() + "…"


def footer_text(likes: int, comments: int) -> str:
    """'0 likes · 0 comments', '1 like · 1 comment', '2 likes · 3 comments'."""
    like_word = "like" if likes == 1 else "likes"
    comment_word = "comment" if comments == 1 else "comments"
    return f"{likes} {like_word} · {comments} {comment_word}"


def period_text(period: Period | None, weeks_left: float | None = None) -> str | None:
    """'Nov 16 → Dec 31, 6.4 weeks left' (+ 'as of Nov 16 (13 days ago); 4.6 weeks left today' when stale);
    `weeks_left` is the forecast's (the period's own when None)."""
    weeks = weeks_left
    if period is None:
        return f"{number(weeks)} weeks left" if weeks is not None else None
    weeks = period.weeks_left if weeks is None else weeks
    text = f"{day_label(period.as_of)}{ARROW}{day_label(period.period_end)}, {number(weeks)} weeks left"
    if period.stale:
        text += f" {period.age()}; {number(period.weeks_left_today)} weeks left today"
    return text


def stale_text(period: Period | None) -> str | None:
    """The warning an answer from an old baseline carries, with the two ways to roll it forward."""
    if period is None or not period.stale:
        return None
    text = f"This answer uses the baseline {period.age()}: it overstates the time left."
    if period.can_roll_forward:
        text += (
            f" Roll it forward to today ({ROLL_LABEL} below, or “/scenario set as of today”): the weeks left "
            "shrink and open deals already past their close date move to the period end at their probability."
        )
    elif not period.chat and period.today is not None and period.today <= period.period_end:
        text += " Set its as_of to today in the file to forecast the time really left."
    else:
        text += " Its period has ended: import a fresh CRM export for the next period (“/scenario import”)."
    return text


def roll_button(period: Period | None) -> tuple[Button, ...]:
    if period is None or not period.can_roll_forward:
        return ()
    return (Button(ROLL_LABEL, ROLL_ACTION, {"baseline_id": period.baseline_id}),)


# what each what-if driver acts on: the engine's model (DESIGN section 2), said where the change is read
_ACTS_ON = {
    "win_rate": "a win-rate change acts on opportunities not created yet; open deals keep their own probabilities",
    "new_opps_per_rep_week": "a change of new opportunities per rep acts on opportunities not created yet",
    "deal_size": "a deal-size change acts on deals not created yet; open deals keep their amounts",
    "cycle_weeks": "a sales-cycle change acts on opportunities not created yet (how many close in the period)",
    "reps": "added reps create new opportunities only; removed reps stop at once and their open deals stay",
    "target": "a target change moves the bar, not the bookings",
    "booked": "a booked change moves what is already won",
    "period_end": "a period-end change gives new and open deals more or less time to close",
    "deal": "a deal change acts on that open deal only; the rest of the pipeline is unchanged",
}


def acts_on_text(changes: list[dict[str, Any]] | None) -> str | None:
    """'Acts on: a win-rate change acts on opportunities not created yet; ...' for the changes asked."""
    seen: list[str] = []
    for change in changes or []:
        note = _ACTS_ON.get(str(change.get("driver")))
        if note and note not in seen:
            seen.append(note)
    if not seen:
        return None
    return "What the change acts on: " + "; ".join(seen) + "."


def ramp_text(ramp: Ramp | None) -> str | None:
    """'2 new reps ramp up over 8 weeks from Nov 23: 31% of a full rep's output lands in the period', for a
    forecast's `ramp` (engine: added reps ramp up linearly); None without one, or when it adds no rep."""
    if ramp is None:
        return None
    reps, weeks, start, share = ramp["new_reps"], ramp["ramp_weeks"], ramp["start"], ramp["share_of_full_output"]
    if reps <= 0:
        return None
    try:
        since = f" from {day_label(date.fromisoformat(str(start)))}" if start else ""
    except ValueError:
        since = ""
    who = f"{number(reps)} new rep{'' if reps == 1 else 's'}"
    text = f"{who} start at full output{since}" if weeks <= 0 else f"{who} ramp up over {number(weeks)} weeks{since}"
    if 0 <= share <= 1:
        text += f": {pct(share)} of a full rep's output lands in the period"
    return text


MAX_AT_RISK_LISTED = 8  # a longer list hides the card's numbers; the rest is counted


def deals_by_id(baseline: dict[str, Any], ids: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    """The pipeline deals (baseline JSON dicts) with these ids, biggest first; unknown ids are skipped."""
    wanted = set(ids)
    found = [d for d in baseline.get("pipeline") or [] if str(d.get("id")) in wanted]
    return sorted(found, key=lambda d: -float(d.get("amount") or 0))


def _possessive(names: list[str]) -> str:
    """'Luis's', 'Luis's and Mei's': the owners' names are people's text (from the CRM), marked as such."""
    owned = [f"{user(n)}'s" for n in names if n]
    if not owned:
        return "Their"
    return owned[0] if len(owned) == 1 else ", ".join(owned[:-1]) + " and " + owned[-1]


def at_risk_text(owners: list[str] | tuple[str, ...], deals: list[dict[str, Any]], currency: str = "USD") -> str | None:
    """'*At risk*: Luis's open deals stay in the forecast at their probabilities; ...' and one line per deal
    (name, amount, close date): the deals of a rep who leaves are not lost, but someone must take them over."""
    if not deals:
        return None
    example = trim_title(str(deals[0].get("name") or deals[0].get("id") or "the deal"), 60)
    lines = [
        f"*At risk* ({len(deals)} open deal{'' if len(deals) == 1 else 's'}, "
        f"{money(sum(float(d.get('amount') or 0) for d in deals), currency)}): {_possessive(list(owners))} open deals "
        f"stay in the forecast at their probabilities; reassign them or ask “what if we lose {user(example)}”."
    ]
    for deal in deals[:MAX_AT_RISK_LISTED]:
        name = trim_title(str(deal.get("name") or deal.get("id") or "deal"), 60)
        try:
            closes = day_label(date.fromisoformat(str(deal.get("close_date"))))
        except ValueError:
            closes = str(deal.get("close_date"))
        lines.append(
            f"- {user(name)}: {money(float(deal.get('amount') or 0), currency)} at "
            f"{pct(float(deal.get('probability') or 0))}, closes {user(closes)}"
        )
    if len(deals) > MAX_AT_RISK_LISTED:
        lines.append(f"- and {len(deals) - MAX_AT_RISK_LISTED} more")
    return "\n".join(lines)


def at_risk_block(
    owners: list[str] | tuple[str, ...],
    deal_ids: list[str] | tuple[str, ...],
    baseline: dict[str, Any],
    changes: list[dict[str, Any]],
) -> str | None:
    """`at_risk_text` for the deals of leaving `owners` (ids from language.Parsed.at_risk_deals) in `baseline`
    (its JSON), leaving out a deal the question already decides ("Luis leaves and we lose Soylent")."""
    decided = {str(c.get("deal")) for c in changes if c.get("driver") == "deal"}
    deals = [d for d in deals_by_id(baseline, deal_ids) if str(d.get("id")) not in decided]
    return at_risk_text(owners, deals, baseline.get("currency") or "USD")


def _currency(forecast: Forecast, currency: str | None) -> str:
    return currency or forecast.currency or "USD"


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
    cur = _currency(baseline, currency)
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
    cur = _currency(forecast, currency)
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
    cur = _currency(forecast, currency)
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
