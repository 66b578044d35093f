"""Numeric drivers in a what-if clause: which driver it names and the new value it asks for.

Owns the keyword patterns of each driver ("win rate", "reps", "new opportunities", "deal size", "sales
cycle", "target", "booked") and the arithmetic rules: "to N" sets; "by N%" and a bare "grows 5%" are
relative (x (1 ± N/100)); "by N points" / "pp" are absolute; "N more", "hire N", "lose N" add or remove;
"double" / "halve" multiply. Every impossible result (a 150% win rate, -4 reps) comes back as a problem.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.core.language.echo import change_line, value_text
from bot.core.language.numbers import Quantity, currency_matches, scan
from engine.baseline import Baseline
from engine.changes import DRIVERS, Change, current_value

__all__ = ["NUMERIC_PATTERNS", "PERIOD_PATTERN", "Reading", "detect_driver", "read_numeric", "to_value"]

NUMERIC_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "win_rate",
        re.compile(
            r"\b(?:win|close|closing|conversion|hit|success)[ -]?(?:rates?|ratios?|%|percentages?)\b|\bwinrates?\b"
            r"|\bwin ?%|\bconversion\b"
        ),
    ),
    (
        "new_opps_per_rep_week",
        re.compile(
            r"\bnew (?:opportunit(?:y|ies)|opps?|deals|leads)\b|\b(?:opportunities|opps|leads)\b"
            r"|\bopp(?:ortunity)? (?:rate|creation|generation)\b|\bpipe(?:line)? ?gen(?:eration)?\b|\bprospecting\b"
            r"|\b(?:opportunit(?:y|ies)|opps?)\s+(?:per|a|each|every)\s+(?:rep|week|month)\b"
            r"|\bper rep per week\b|\bnew_opps_per_rep_week\b|\bnew pipe(?:line)?\b|\bpipe(?:line)? per rep\b"
            r"|\bopp gen\b|\blead flow\b|\b\d+(?:\.\d+)? (?:new |more |extra |fewer |less )?opp\b|\bopp per\b"
        ),
    ),
    (
        "deal_size",
        re.compile(
            r"\bdeal[ _-]?(?:size|value|amount)s?\b|\b(?:average|avg|mean|typical) deal\b|\bacv\b|\basp\b"
            r"|\baverage selling price\b|\bticket size\b|\bdeals? (?:\S+ ){0,3}?(?:bigger|larger|smaller)\b"
            r"|\bdeals average\b"
        ),
    ),
    (
        "cycle_weeks",
        re.compile(
            r"\b(?:sales )?cycles?\b|\bcycle[ _](?:time|length|weeks)\b|\btime to close\b"
            r"|\btakes? (?:us )?(?:\S+ ){1,3}?(?:longer |shorter )?to close\b"
            r"|\bclose (?:\S+ ){1,2}?(?:faster|slower|quicker|sooner|later)\b"
        ),
    ),
    ("target", re.compile(r"\b(?:targets?|quotas?|goals?)\b")),
    (
        "booked",
        re.compile(r"\b(?:booked|bookings|closed[ -]won|already (?:closed|won))\b|\bbook(?:s)? (?:\d|[$€£]|\d+ more)"),
    ),
    (
        "reps",
        re.compile(
            r"\b(?:reps?|representatives?|sellers?|salespeople|salesperson|sales ?(?:people|persons?)|people"
            r"|account executives?|aes?|headcount|heads|hires?|hiring|hired|team)\b"
        ),
    ),
)
PERIOD_PATTERN = re.compile(
    r"\b(?:quarter|period|year|half|fiscal year|fy|month)\b[^.]{0,25}?\b(?:ends?|ending|closes|is extended"
    r"|gets extended|extended|lasts?)\b|\bend of (?:the )?(?:quarter|period|year)\b|\b(?:period|quarter)[ _-]?end\b"
    r"|\bdeadline\b|\bextend(?:s|ed)? the (?:quarter|period|year)\b|\bcut-?off\b"
    r"|\b(?:more|extra|additional) (?:days?|weeks?|months?)\b"
)

_UP = re.compile(
    r"\b(?:grows?|grew|growing|increases?|increased|increasing|rises?|rose|rising|up|higher|more|adds?|added"
    r"|adding|hires?|hired|hiring|plus|raises?|raised|boosts?|boosted|extra|additional|gains?|bigger|larger|longer"
    r"|jumps?|jumped|climbs?|climbed|expands?|expanded|recruits?|recruited|onboards?|onboarded|lengthens?|slower"
    r"|stretch(?:es|ed)?)\b"
)
_DOWN = re.compile(
    r"\b(?:drops?|dropped|dropping|falls?|fell|falling|decreases?|decreased|declines?|declined|down|lower|less"
    r"|fewer|loses?|lost|losing|cuts?|reduces?|reduced|shrinks?|shrank|minus|fires?|fired|lays? off|laid off"
    r"|leaves?|quits?|smaller|shorter|slides?|slips?|slipped|dips?|dipped|sinks?|sank|tanks?|tanked|removes?|removed|churns?"
    r"|departs?|shortens?|shortened|faster|quicker)\b"
)
_GOOD = re.compile(r"\b(?:improves?|improved|improving|better)\b")
_BAD = re.compile(r"\b(?:worse|worsens?|worsened|deteriorates?|deteriorated|weakens?|weakened)\b")
_MULTIPLY = (
    (re.compile(r"\b(?:doubles?|doubled|doubling)\b|\bdouble\b"), 2.0),
    (re.compile(r"\b(?:triples?|tripled|tripling)\b"), 3.0),
    (re.compile(r"\b(?:halves|halved|halve|halving|cut in half|half)\b"), 0.5),
)
_FILLER_BEFORE = re.compile(r"(?:\b(?:only|just|about|around|roughly|approximately|exactly|maybe|say)\s*|~\s*)+$")
_PER_MONTH = re.compile(r"\b(?:per|a|each|every|/)\s?month\b|\bmonthly\b")
_PER_QUARTER = re.compile(r"\b(?:per|a|each|every|/)\s?quarter\b|\bquarterly\b")
_PER_REP = re.compile(r"\b(?:per|each|every|a|by each)\s+(?:rep|seller|ae|salesperson)\b")
_TEAM = re.compile(r"\b(?:in total|total|team|altogether|combined|overall|all together)\b")


@dataclass(frozen=True, slots=True)
class Reading:
    """What one clause says: a change with its echo line, or a problem in plain words."""

    change: Change | None = None
    line: str = ""
    problem: str | None = None
    uncertain: bool = False  # "what if 3 reps": 3 reps in all, or 3 more? The parser asks back.
    options: tuple[str, ...] = ()  # with a problem: questions that would read ("we lose Umbrella EMEA")


def detect_driver(clause: str) -> tuple[str, re.Match[str]] | None:
    """The numeric driver a clause names (by priority: "new opportunities per rep" is not "reps")."""
    for driver, pattern in NUMERIC_PATTERNS:
        m = pattern.search(clause)
        if m:
            return driver, m
    return None


def _lead(clause: str, q: Quantity) -> str:
    before = _FILLER_BEFORE.sub("", clause[: q.start].rstrip()).rstrip()
    m = re.search(r"(?:\b(\w+)|([=:]))$", before)
    return (m.group(1) or m.group(2)) if m else ""


# "each rep adds 9 new opportunities a week" states a weekly rate, not 9 more than today
_PRODUCE = re.compile(r"\b(?:adds?|added|adding|brings? in|brought in|books?|booked|gets?|got|does|plus)\b")
# "2 more reps leave", "we lose 3 reps": people leaving, whatever counts them
_REPS_GONE = re.compile(
    r"\b(?:leaves?|leaving|left (?:the|us|our)|quits?|quitting|resigns?|resigned|fired|fires?|lays? off|laid off"
    r"|let go|loses?|lost|losing|departs?|departed|walks? out|walked out)\b"
)
# "we bring on 3 new reps": new people join the team
_REPS_UP = re.compile(r"\b(?:new|bring(?:s|ing)? (?:on|in)|brought (?:on|in)|staff(?:s|ing)? up|take on)\b")


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _direction(clause: str, driver: str, quantities: list[Quantity]) -> int:
    """+1 up, -1 down, 0 when the clause says neither (the earliest direction word wins)."""
    masked = clause
    for q in quantities:  # "pp" or "m" inside a number never counts as a word
        masked = masked[: q.start] + " " * (q.end - q.start) + masked[q.end :]
    if driver == "new_opps_per_rep_week":
        masked = _mask(masked, _PRODUCE)

    good_sign = -1 if driver == "cycle_weeks" else 1  # a better sales cycle is a shorter one
    hits = []
    patterns = [(_UP, 1), (_DOWN, -1), (_GOOD, good_sign), (_BAD, -good_sign)]
    if driver == "reps":
        if _REPS_GONE.search(masked):
            return -1  # "2 more reps leave": "more" counts the leavers, it does not add reps
        patterns.append((_REPS_UP, 1))
    for pattern, sign in patterns:
        m = pattern.search(masked)
        if m:
            hits.append((m.start(), sign))
    return min(hits)[1] if hits else 0


def _label(driver: str) -> str:
    return DRIVERS[driver][0]


def _example(driver: str) -> str:
    return {
        "win_rate": "“win rate drops to 22%” or “win rate improves by 2 points”",
        "reps": "“we hire 3 reps” or “we have 12 reps”",
        "new_opps_per_rep_week": "“each rep creates 8 new opportunities per week”",
        "deal_size": "“deal size is $25k” or “deal size grows 5%”",
        "cycle_weeks": "“the sales cycle is 5 weeks”",
        "target": "“target is 2.5M”",
        "booked": "“booked is 1,300,000”",
    }[driver]


def _convert(driver: str, q: Quantity, clause: str, baseline: Baseline) -> tuple[float | None, str | None, str]:
    """The quantity in the driver's own unit (weeks, per rep per week, a fraction), with a note for the echo."""
    kind = DRIVERS[driver][1]
    v = q.value
    if driver == "cycle_weeks":
        per = {"months": 52 / 12, "days": 1 / 7, "quarters": 13.0, "years": 52.0}.get(q.kind)
        if per:
            return v * per, None, f"{q.text} = {v * per:.4g} weeks"
    if q.kind in ("weeks", "months", "days", "quarters", "years") and driver != "cycle_weeks":
        return None, f"{q.text} is a duration, but {_label(driver)} is not; try {_example(driver)}", ""
    if q.kind == "money" and kind != "money" and (q.currency or not q.scaled):
        return None, f"{q.text} is an amount of money, but {_label(driver)} is not; try {_example(driver)}", ""
    if kind == "money" and q.currency and not currency_matches(q.currency, baseline.currency):
        return (
            None,
            (
                f"{q.text} is not in {baseline.currency}, the baseline's currency, and I do not convert currencies; "
                f"give the amount in {baseline.currency} (e.g. “{_label(driver)} is "
                f"{value_text(driver, abs(v), baseline.currency)}”)"
            ),
            "",
        )
    note = ""
    if driver == "new_opps_per_rep_week":
        if _PER_MONTH.search(clause):
            v, note = v * 12 / 52, f"{q.text} per month"
        elif _PER_QUARTER.search(clause):
            v, note = v / 13, f"{q.text} per quarter"
        if _TEAM.search(clause) and not _PER_REP.search(clause) and baseline.reps > 0:
            note = f"{q.text} {'per month ' if 'month' in note else ''}across {baseline.reps:g} reps"
            v = v / baseline.reps
    return v, None, note


def to_value(
    driver: str, q: Quantity, mode: str, direction: int, clause: str, baseline: Baseline
) -> tuple[float | None, str | None, str]:
    """(new value, problem, note) for `mode` set/delta applied to the baseline's current value."""
    kind = DRIVERS[driver][1]
    current = float(current_value(baseline, driver))
    if q.kind == "points" and kind != "rate":
        return None, f"“{q.text}” (percentage points) only applies to the win rate; try {_example(driver)}", ""
    if q.kind == "times":
        return current * q.value, None, ""
    if mode == "delta" and q.value < 0:
        return None, f"“{q.text}” is negative; say the direction in words instead, e.g. {_example(driver)}", ""
    if q.kind == "percent" and mode == "delta":
        return current * (1 + direction * q.value / 100), None, ""
    if q.kind == "percent" and kind != "rate":
        return (
            None,
            (
                f"{q.text} is a percentage, but {_label(driver)} is not; to change it by a percentage say e.g. "
                f"“{_label(driver)} grows by 10%”, or try {_example(driver)}"
            ),
            "",
        )
    value, problem, note = _convert(driver, q, clause, baseline)
    if problem or value is None:
        return None, problem, ""
    if kind == "rate":
        if mode == "set":
            value = value / 100 if (q.kind in ("percent", "points") or value > 1) else value
        else:
            value = direction * (value / 100 if value >= 1 or q.kind == "points" else value)
            return current + value, None, note
        return value, None, note
    if mode == "set":
        if kind == "money" and q.kind == "plain" and 0 < value < 1000 and current >= 10_000:
            return (
                None,
                (
                    f"{q.text} looks too small for {_label(driver)} "
                    f"(now {value_text(driver, current, baseline.currency)}); "
                    f"write the amount in full, e.g. {_example(driver)}"
                ),
                "",
            )
        return value, None, note
    return current + direction * value, None, note


# beyond these a value is a typo or a joke, and the engine must never see it (nor inf / nan)
_LIMITS = {"reps": 100_000, "new_opps_per_rep_week": 10_000, "cycle_weeks": 520, "money": 1e12}


def _check(driver: str, to: float, baseline: Baseline) -> str | None:
    kind = DRIVERS[driver][1]
    label = _label(driver)
    if not math.isfinite(to):
        return f"that would make {label} an impossible number; give a value like {_example(driver)}"
    limit = _LIMITS.get(driver, _LIMITS["money"] if kind == "money" else None)
    if limit is not None and abs(to) > limit:
        return (
            f"{label} of {value_text(driver, to, baseline.currency)} is far beyond anything a sales team plans "
            f"with; give a value like {_example(driver)}"
        )
    shown = value_text(driver, to, baseline.currency)
    if kind == "rate" and not 0 <= to <= 1:
        return f"a {label} of {shown} is not possible: it must be between 0% and 100%"
    if to < 0:
        now = value_text(driver, current_value(baseline, driver), baseline.currency)
        return f"{label} cannot be negative (that would make it {shown}; it is {now} now)"
    if driver in ("deal_size", "cycle_weeks") and to <= 0:
        return f"{label} must be greater than zero"
    return None


_WAS = re.compile(r"(?:\b(?:instead of|rather than|not|vs\.?|versus|from|compared to|compared with)\s*)$")
_OTHER_COUNT = re.compile(
    r"\s*(?:(?:more|new|extra|additional|fewer|less|big|bigger|large|larger|small|open|closed)\s+)*"
    r"(?:deals?|opps?|opportunit(?:y|ies)|logos?|meetings?|calls?|demos?|leads?|customers?|accounts?(?! exec)|weeks?"
    r"|days?|months?|quarters?|years?|points?|percent)\b"
)
# verbs after which a bare count is the new level ("we have 12 reps"), not a change ("what if 3 reps" is unclear)
_LEVEL_LEADS = {
    "to",
    "=",
    "at",
    "into",
    "becomes",
    "equals",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "have",
    "had",
    "with",
    "of",
    "has",
    "keep",
    "only",
    "stays",
    "remains",
    "staff",
    "run",
    "down",
    "up",
}


def _was_note(driver: str, was: Quantity, clause: str, baseline: Baseline) -> str:
    """ "today it is 6.5, not 7" when "X instead of 7" names a today's value that is not the baseline's."""
    value, problem, _ = to_value(driver, was, "set", 0, clause, baseline)
    if problem or value is None:
        return ""
    current = float(current_value(baseline, driver))
    if math.isclose(value, current, rel_tol=1e-6, abs_tol=1e-9):
        return ""
    now, said = (value_text(driver, v, baseline.currency) for v in (current, value))
    return f"you said {said} today; the baseline has {now}"


def read_numeric(driver: str, clause: str, baseline: Baseline) -> Reading:
    """The change a clause asks of a numeric driver, or the problem that stops it."""
    quantities = [q for q in scan(clause)]
    leads = [_lead(clause, q) for q in quantities]
    # "9 instead of 7", "from 7 to 9": 7 is today's value as the person remembers it, checked, never applied
    was = [q for q in quantities if _WAS.search(_FILLER_BEFORE.sub("", clause[: q.start].rstrip()).rstrip() + " ")]
    chosen = [(q, lead) for q, lead in zip(quantities, leads, strict=True) if q not in was]
    reading = _read_numeric(driver, clause, baseline, quantities, chosen)
    if reading.change is None or not was:
        return reading
    note = _was_note(driver, was[-1], clause, baseline)
    return Reading(reading.change, f"{reading.line} ({note})" if note else reading.line, None, reading.uncertain)


def _read_numeric(
    driver: str, clause: str, baseline: Baseline, quantities: list[Quantity], chosen: list[tuple[Quantity, str]]
) -> Reading:
    label = _label(driver)
    uncertain = False
    direction = _direction(clause, driver, quantities)
    factor = next((f for pattern, f in _MULTIPLY if pattern.search(clause)), None)
    to_q = [q for q, lead in chosen if lead in ("to", "=", "at", "into", "becomes", "equals")]
    by_q = [q for q, lead in chosen if lead == "by"]
    current = float(current_value(baseline, driver))
    note = ""
    if to_q:
        q, mode = to_q[-1], "set"
    elif by_q:
        q, mode = by_q[-1], "delta"
        if q.sign == "+":
            direction = 1
        if direction == 0:
            return Reading(problem=f"“{clause}”: does {label} go up or down by {q.text}? e.g. {_example(driver)}")
    elif factor is not None and not chosen:
        to = current * factor
        problem = _check(driver, to, baseline)
        line = change_line(driver, current, _round(driver, to), baseline.currency)
        return Reading(problem=problem) if problem else Reading(Change(driver, current, _round(driver, to)), line)
    elif chosen:
        if len(chosen) > 1:
            numbers = ", ".join(q.text for q, _ in chosen)
            return Reading(
                problem=f"“{clause}” has several numbers ({numbers}); give {label} one value, e.g. {_example(driver)}"
            )
        q = chosen[0][0]
        if q.sign == "+":
            mode, direction = "delta", 1
        elif q.sign == "-" and q.kind in ("percent", "points"):
            mode, direction, q = "delta", -1, _positive(q)
        elif direction != 0 and q.kind != "times":
            mode = "delta"
        elif q.kind == "points":
            return Reading(problem=f"“{clause}”: does {label} go up or down by {q.text}? e.g. {_example(driver)}")
        else:
            mode = "set"
            uncertain = driver == "reps" and chosen[0][1] not in _LEVEL_LEADS
        if driver == "reps" and _OTHER_COUNT.match(clause, q.end):
            # "each rep closes 2 deals a week": the number counts deals, not reps
            return Reading(problem=f"“{clause}”: {q.text} is not a number of reps; try {_example(driver)}")
    elif direction != 0:
        return Reading(problem=f"“{clause}”: by how much should {label} change? e.g. {_example(driver)}")
    else:
        return Reading(problem=f"“{clause}”: what should {label} be? e.g. {_example(driver)}")
    if q.sign == "+":
        q = _positive(q)
    value, problem, note = to_value(driver, q, mode, direction, clause, baseline)
    if problem or value is None:
        return Reading(problem=problem)
    to = _round(driver, value)
    problem = _check(driver, to, baseline)
    if problem:
        return Reading(problem=problem)
    line = change_line(driver, current, to, baseline.currency, note)
    return Reading(Change(driver, current, to), line, uncertain=uncertain)


def _positive(q: Quantity) -> Quantity:
    return Quantity(abs(q.value), q.kind, q.start, q.end, q.text, None, q.currency, q.scaled)


def _round(driver: str, value: float) -> float:
    # float noise (0.25 - 0.02 = 0.22999999999999998) must not show up in the echo or the stored scenario
    return round(value, 2) if DRIVERS[driver][1] == "money" else round(value, 10)
