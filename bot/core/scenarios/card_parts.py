"""The parts every answer card shares: its button actions, title trimming, the footer's counts, the period and
weeks left, a stale baseline's note and its "Roll forward to today" button, what a change acts on, the ramp of
added reps, and the open deals put at risk when a rep leaves. Pure functions of plain values.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from bot.core.baselines.freshness import ROLL_ACTION, Period, day_label
from bot.core.cards import MAX_TITLE, Button
from bot.core.formatting import money, number, pct, user

if TYPE_CHECKING:  # the engine (numpy, scipy) loads where forecasts are made, not where cards are rendered
    from engine.forecast import Forecast, Ramp

__all__ = [
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
    "currency_of",
    "LIKE_ACTION",
    "COMMENT_ACTION",
    "DRIVERS_ACTION",
    "DECIDE_ACTION",
    "EXPERT_ACTION",
    "ARROW",
    "UNREACHABLE",
    "NONE_NEEDED",
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


def currency_of(forecast: Forecast, currency: str | None) -> str:
    return currency or forecast.currency or "USD"
