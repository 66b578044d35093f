"""Deals in a what-if clause: which open deal is meant and what happens to it.

Owns the deal verbs ("lose", "falls through", "slips", "pushed out" -> probability 0; "win", "close",
"sign" -> 1; "Acme's probability is 60%" -> 0.6), "the biggest deal" (largest amount among the deals that
close inside the period) and fuzzy matching of names and ids with rapidfuzz ("Acme" finds "Acme renewal";
two Acme deals is a question back, never a pick).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from bot.core.language.drivers import Reading
from bot.core.language.echo import deal_line, share
from bot.core.language.numbers import scan
from bot.core.language.spelling import fold
from engine.baseline import Baseline, Deal
from engine.changes import Change

__all__ = ["deal_action", "mentions_biggest", "read_deal", "match_deals", "reference_tokens"]

_LOSE = re.compile(
    r"\b(?:lose|loses|lost|losing|fall(?:s|ing)? (?:through|apart)|fell (?:through|apart)|drops? out|dropped out"
    r"|walks? away|walked away|churns?|churned|cancel(?:s|led|ed)?|dies|died|is dead|goes away|fails?|failed"
    r"|goes dark|went dark|gone dark|ghosts?|ghosted|leaves|left us)\b"
    r"|\b(?:doesn't|does not|won't|will not|don't|do not|didn't|never|isn't|is not)\s+(?:close|sign|win|happen"
    r"|come in|land|convert)\b"
)
_SLIP = re.compile(
    r"\b(?:slips?|slipped|slipping|push(?:ed|es)?(?: out| back)?|delay(?:s|ed)?|postpone[sd]?"
    r"|mov(?:e|es|ed) (?:out|to next)|goes to next|roll(?:s|ed)? (?:over|out)|stall(?:s|ed)?"
    r"|misses the (?:quarter|period|deadline)|clos(?:e|es|ing) (?:late|later|next (?:quarter|year|period)))\b"
)
_WIN = re.compile(
    r"\b(?:win|wins|won|winning|close|closes|closed|closing|sign|signs|signed|signing|land|lands|landed"
    r"|book|books|convert(?:s|ed)?|comes? in|came in)\b"
)
_PROBABILITY = re.compile(r"\b(?:probability|chance|chances|odds|likelihood|likely)\b")
_BIGGEST = re.compile(
    r"\b(?:(?:single|very)\s+)?(?:biggest|largest|top|main)\s+(?:open\s+)?(?:deal|opportunity|opp|one)\b"
)
_TOP_N = re.compile(
    r"\b(?:(?P<n1>\d+)\s+(?:biggest|largest)|top\s+(?P<n2>\d+))\s+(?:open\s+)?(?:deals|opportunities|opps)\b"
)
_TOKEN = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")
# words that never name a deal (kept as one text block: easier to read and extend than a 200-item literal)
_STOP_WORDS = """what if we our us the a an deal deals opportunity opportunities opp opps account accounts
    customer client
    contract with to is are was were gets get got getting be been being will would could should might may does do
    did not never out through back next this that these those it its they their them of from in on at by and or
    then too also still really actually just finally entirely completely suddenly quarter period year month week
    weeks days end until till into after before for all both one ones up down over away apart now happens happen
    instead somehow doesn don won isn didn t s lose loses lost losing fall falls fell falling drop drops dropped
    walk walks walked churn churns churned cancel cancels cancelled canceled dies died dead fail fails failed slip
    slips slipped slipping push pushed pushes delay delays delayed postpone postponed postpones move moves moved
    goes roll rolls rolled stall stalls stalled misses miss win wins winning close closes closed closing sign signs
    signed signing land lands landed book books convert converts converted come comes came late later probability
    chance chances odds likelihood percent big large huge whole likely dark ghost ghosts ghosted goes go
    things thing everything something worse better good bad wrong market tanks tank crush slow slows slower
    dries dry weak strong month rough some few bit little lot team company people person leave leaves left quit
    quits resign resigns rep reps seller sellers hire hires number rate size cycle target quota pipeline"""
_STOP = set(_STOP_WORDS.split())
_OUTCOMES = {"lost": 0.0, "slips out of the period": 0.0, "won": 1.0}


def deal_action(clause: str) -> str | None:
    """ "lost", "slips out of the period", "won", "probability" or None: what the clause says happens to a deal."""
    if _LOSE.search(clause):
        return "lost"
    if _SLIP.search(clause):
        return "slips out of the period"
    if _PROBABILITY.search(clause) and any(q.kind == "percent" for q in scan(clause)):
        return "probability"
    if _WIN.search(clause):
        return "won"
    return None


def mentions_biggest(clause: str) -> bool:
    return bool(_BIGGEST.search(clause) or _TOP_N.search(clause))


def reference_tokens(clause: str, baseline: Baseline) -> list[str]:
    """The words of a clause that could name a deal (verbs, filler and numbers removed; ids kept)."""
    ids = {d.id.lower() for d in baseline.pipeline}
    out = []
    for token in _TOKEN.findall(clause):
        if token in ids or (token not in _STOP and not re.fullmatch(r"[\d.,%$k]+m?", token)):
            out.append(token)
    return out


def _threshold(token: str) -> float:
    return 100.0 if len(token) <= 3 else 85.0 if len(token) == 4 else 75.0


def name_tokens(name: str) -> list[str]:
    """The words of a deal or owner name, lower-case and without accents ("Crème Brûlée" -> creme, brulee)."""
    return _TOKEN.findall(fold(name).lower())


def match_deals(tokens: list[str], deals: tuple[Deal, ...], exact: bool = False) -> list[Deal]:
    """The best-matching deals (several when it is a tie), [] when no deal name or id is close.
    `exact`: only words typed as in the name count (no fuzzy match), for clauses with no deal verb."""
    scored: list[tuple[int, float, Deal]] = []
    for deal in deals:
        words = name_tokens(deal.name)
        count, total = 0, 0.0
        for token in tokens:
            if token == deal.id.lower():
                count, total = count + 10, total + 100
                continue
            best = max((fuzz.ratio(token, t) for t in words), default=0.0)
            if best >= (100.0 if exact else _threshold(token)):
                count, total = count + 1, total + best
        if count:
            scored.append((count, total, deal))
    if not scored:
        return []
    top = max((c, t) for c, t, _ in scored)
    return [d for c, t, d in scored if c == top[0] and abs(t - top[1]) < 1e-6]


def _outside(deal: Deal, baseline: Baseline) -> str:
    return (
        f"{deal.label} ({deal.id}) closes on {deal.close_date.isoformat()}, outside this period "
        f"({baseline.as_of.isoformat()} to {baseline.period_end.isoformat()}), so it does not count in the "
        "forecast either way"
    )


def _reading(deal: Deal, action: str, clause: str) -> Reading:
    if action == "probability":
        percents = [q for q in scan(clause) if q.kind == "percent"]
        to = percents[-1].value / 100
        if not 0 <= to <= 1:
            return Reading(problem=f"a deal's probability must be between 0% and 100%, not {share(to)}")
        to = round(to, 10)
        return Reading(Change("deal", deal.probability, to, deal=deal.id), deal_line(deal, "probability", to))
    to = _OUTCOMES[action]
    return Reading(Change("deal", deal.probability, to, deal=deal.id), deal_line(deal, action, to))


def read_deal(clause: str, baseline: Baseline, action: str) -> list[Reading]:
    """The deal change(s) a clause asks for with `action`, or one Reading with the problem."""
    window = sorted(baseline.window_deals, key=lambda d: (-d.amount, d.id))
    top = _TOP_N.search(clause)
    if top or _BIGGEST.search(clause):
        n = int((top["n1"] or top["n2"]) if top else 1)
        if not window:
            return [Reading(problem="no open deal closes inside this period, so there is no biggest deal to change")]
        if n < 1 or n > len(window):
            return [Reading(problem=f"there are {len(window)} open deals in this period, not {n}")]
        return [_reading(deal, action, clause) for deal in window[:n]]
    counts = [
        q for q in scan(clause) if q.kind in ("plain", "money") or (q.kind == "percent" and action != "probability")
    ]
    if counts:  # "we sign 3 new logos", "Acme closes at 100k": not one named deal won or lost as it stands
        return [
            Reading(
                problem=(
                    f"“{clause}”: I change open deals by name (e.g. “we win {_example_name(baseline)}”), not by a "
                    f"number like {counts[0].text}; for many deals at once change the win rate or deal size"
                )
            )
        ]
    tokens = reference_tokens(clause, baseline)
    if not tokens:
        return [Reading(problem=f"“{clause}”: which deal? Name it, e.g. “we lose {_example_name(baseline)}”")]
    phrase = " ".join(tokens)
    found = match_deals(tokens, baseline.pipeline)
    if not found:
        labels = [d.label for d in baseline.pipeline]
        close = [c for c, _, _ in process.extract(phrase, labels, scorer=fuzz.WRatio, limit=3)] if labels else []
        hint = f" (closest: {', '.join(close)})" if close else " (the pipeline has no open deals)"
        return [Reading(problem=f"I found no deal called “{phrase}” in the pipeline{hint}")]
    if len(found) > 1:
        names = ", ".join(f"{d.label} ({d.id})" for d in found[:6])
        options = tuple(_question(d, action) for d in found[:3] if baseline.in_window(d))
        return [Reading(problem=f"“{phrase}” matches several deals: {names}; say which one", options=options)]
    deal = found[0]
    if not baseline.in_window(deal):
        return [Reading(problem=_outside(deal, baseline))]
    return [_reading(deal, action, clause)]


def _question(deal: Deal, action: str) -> str:
    """The question that names exactly this deal, for a "say which one" button."""
    if action == "won":
        return f"what if we win {deal.label}"
    if action == "slips out of the period":
        return f"what if {deal.label} slips"
    return f"what if we lose {deal.label}"


def _example_name(baseline: Baseline) -> str:
    window = sorted(baseline.window_deals, key=lambda d: -d.amount)
    return window[0].label if window else "Acme"
