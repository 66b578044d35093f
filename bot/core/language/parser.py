"""The what-if parser: a question and the channel's baseline in, a `Parsed` reading out, never an exception.

Owns the order of reading (help, baseline, drivers, required rate, what-if, forecast), splitting a what-if
into clauses ("win rate 22% and 2 more reps"), sending each clause to the driver, period-end or deal rules,
and the one rule callers rely on: when any part could not be read, `problem` says so plainly, `intent` is
'unknown' and `changes` is empty, so no guess is ever answered as if it were the question.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.language import deals, intents
from bot.core.language.dates import find_date, read_period_end
from bot.core.language.drivers import PERIOD_PATTERN, Reading, detect_driver, read_numeric
from bot.core.language.echo import change_line
from bot.core.language.numbers import scan
from bot.core.language.suggest import SET_EXAMPLES, suggest
from engine.baseline import Baseline
from engine.changes import DRIVERS, Change

__all__ = ["Parsed", "parse", "parse_set"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parsed:
    """How a question was read. `interpretation` has one line per change; `problem` is None when all was read."""

    intent: str
    changes: tuple[Change, ...] = ()
    interpretation: tuple[str, ...] = ()
    confidence: float | None = None
    problem: str | None = None
    suggestions: tuple[str, ...] = ()
    question: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "changes": [c.to_dict() for c in self.changes],
            "interpretation": list(self.interpretation),
            "confidence": self.confidence,
            "problem": self.problem,
            "suggestions": list(self.suggestions),
            "question": self.question,
        }


def _problem(question: str, problem: str, baseline: Baseline, examples: tuple[str, ...] | None = None) -> Parsed:
    picks = suggest(question, baseline) if examples is None else suggest(question, baseline, examples)
    return Parsed(intent="unknown", problem=problem, suggestions=picks, question=question)


def _read_clause(clause: str, baseline: Baseline, today: date, carry: str | None) -> tuple[list[Reading], str | None]:
    """The readings of one clause and the deal action later clauses inherit ("we lose Acme and Globex")."""
    action = deals.deal_action(clause)
    has_number = bool(scan(clause))
    if action and not has_number and not deals.mentions_biggest(clause):
        tokens = deals.reference_tokens(clause, baseline)
        if tokens and deals.match_deals(tokens, baseline.pipeline):  # "we lose Target" is a deal, not the target
            return deals.read_deal(clause, baseline, action), action
    found = detect_driver(clause)
    biggest_deal = bool(action) and deals.mentions_biggest(clause)  # "the biggest deal slips to the end of ..."
    if found and not biggest_deal:
        return [read_numeric(found[0], clause, baseline)], None
    no_deal_named = not deals.reference_tokens(clause, baseline)
    if PERIOD_PATTERN.search(clause) and not biggest_deal and (not action or has_number or no_deal_named):
        new_end, problem = read_period_end(clause, baseline.as_of, baseline.period_end, today)
        return [_period_reading(new_end, problem, baseline)], None
    if action:
        return deals.read_deal(clause, baseline, action), action
    if carry and deals.reference_tokens(clause, baseline) and not has_number:
        return deals.read_deal(clause, baseline, carry), carry
    tokens = deals.reference_tokens(clause, baseline)
    matched = deals.match_deals(tokens, baseline.pipeline) if tokens else []
    if deals.mentions_biggest(clause) or len(matched) == 1:
        what = "the biggest deal" if deals.mentions_biggest(clause) else matched[0].label
        return [Reading(problem=f"what happens to {what}? Say e.g. “we lose {what}” or “we win {what}”")], None
    return [Reading(problem=f"I could not read “{clause}”")], None


def _period_reading(new_end: date | None, problem: str | None, baseline: Baseline) -> Reading:
    if problem or new_end is None:
        return Reading(problem=problem)
    if new_end < baseline.as_of:
        return Reading(problem=f"the period cannot end on {new_end.isoformat()}, before {baseline.as_of.isoformat()}")
    line = change_line("period_end", baseline.period_end, new_end, baseline.currency)
    return Reading(Change("period_end", baseline.period_end, new_end), line)


def _read_changes(body: str, baseline: Baseline, today: date) -> tuple[list[Change], list[str], list[str]]:
    changes: list[Change] = []
    lines: list[str] = []
    problems: list[str] = []
    carry: str | None = None
    for clause in intents.split_clauses(body):
        if intents.is_filler(clause):
            continue
        readings, carry = _read_clause(clause, baseline, today, carry)
        for reading in readings:
            if reading.problem or reading.change is None:
                problems.append(reading.problem or f"I could not read “{clause}”")
                continue
            key = (reading.change.driver, reading.change.deal)
            if any((c.driver, c.deal) == key for c in changes):
                what = reading.change.deal or DRIVERS[reading.change.driver][0]
                problems.append(f"{what} is changed twice; say each change once")
                continue
            changes.append(reading.change)
            lines.append(reading.line)
    return changes, lines, problems


def _answer(intent: str, question: str, body: str, baseline: Baseline, today: date, **extra: Any) -> Parsed:
    changes, lines, problems = _read_changes(body, baseline, today)
    if problems:
        understood = f" (I did read: {'; '.join(lines)})" if lines else ""
        return _problem(question, "; ".join(problems) + understood, baseline)
    if intent == "whatif" and not changes:
        return _problem(question, f"I could not find a change to try in “{question}”", baseline)
    return Parsed(intent, tuple(changes), tuple(lines), question=question, **extra)


def _condition(text: str) -> str:
    """The "if ..." part of a forecast or required-rate question, without the question itself."""
    m = intents.CONDITION.search(text)
    if not m:
        return ""
    cond = m.group(1)
    for pattern in (intents.REQUIRED_RATE, intents.FORECAST):
        inner = pattern.search(cond)
        if inner:
            cond = cond[: inner.start()]
    return intents.strip_trailing_question(cond)


def _parse(text: str, baseline: Baseline, today: date) -> Parsed:
    question = intents.clean(text)
    if len(question) > intents.MAX_LENGTH:
        problem = f"that question is {len(question)} characters long; please ask in under {intents.MAX_LENGTH}"
        return _problem(question[:200], problem, baseline)
    low = intents.normalize(question)
    if not low or intents.HELP.match(low):
        return Parsed("help", question=question)
    if re.match(r"^set\b", low):
        return parse_set(question, baseline)
    if intents.BASELINE.match(low):
        return Parsed("baseline", question=question)
    if intents.DRIVERS.search(low) and not intents.CONDITION.search(low):
        return Parsed("drivers", question=question)
    if intents.REQUIRED_RATE.search(low):
        rest, confidence, problem = intents.extract_confidence(low)
        if problem:
            return _problem(question, problem, baseline)
        return _answer("required_rate", question, _condition(rest), baseline, today, confidence=confidence)
    body, prefixed = intents.strip_whatif(low)
    if prefixed:
        return _answer("whatif", question, intents.strip_trailing_question(body), baseline, today)
    if intents.FORECAST.search(low):
        condition = _condition(low)
        return _answer("whatif" if condition else "forecast", question, condition, baseline, today)
    possible = intents.POSSIBLE.match(low)
    if possible:
        return _answer("whatif", question, possible["body"], baseline, today)
    body = intents.strip_trailing_question(low)
    changes, _, problems = _read_changes(body, baseline, today)
    if not changes and all(p.startswith("I could not read") for p in problems):
        # nothing in it looked like a change: say so once instead of listing every fragment
        problem = f"I could not understand “{question}” as a forecast, what-if or required-rate question"
        return _problem(question, problem, baseline)
    return _answer("whatif", question, body, baseline, today)


def parse(text: str, baseline: Baseline, *, today: date | None = None) -> Parsed:
    """Read a question against `baseline`. Never raises: anything unreadable comes back with `problem` set."""
    try:
        return _parse(str(text), baseline, today or baseline.as_of)
    except Exception:  # a parser bug must become a friendly reply, not a crashed handler
        log.exception("what-if parser failed on a question of %d characters", len(str(text)))
        return _problem("", "I could not read that question; try one of these", baseline)


_SET_DRIVERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("win_rate", re.compile(r"^(?:win[ _-]?rate|close rate|conversion(?: rate)?)\b")),
    (
        "new_opps_per_rep_week",
        re.compile(
            r"^(?:new[ _]opps[ _]per[ _]rep[ _]week|(?:new )?(?:opportunities|opportunity|opps?)(?: rate)?"
            r"(?: per rep)?(?: per week)?|rate)\b"
        ),
    ),
    ("deal_size", re.compile(r"^(?:(?:average |avg )?deal[ _-]?size|deal value|acv)\b")),
    ("cycle_weeks", re.compile(r"^(?:(?:sales )?cycle(?:[ _]weeks| length| time)?)\b")),
    ("period_end", re.compile(r"^(?:period[ _-]?end|end date|period|end|quarter end|deadline)\b")),
    ("target", re.compile(r"^(?:target|quota|goal)\b")),
    ("booked", re.compile(r"^(?:booked|bookings)\b")),
    ("reps", re.compile(r"^(?:reps?|headcount|sellers)\b")),
)
_SET_DRIVER_NAMES = "target, booked, period end, reps, opportunities per rep per week, win rate, deal size, cycle"


def _parse_set(text: str, baseline: Baseline) -> Parsed:
    question = intents.clean(text)
    low = re.sub(r"^set\b\s*", "", intents.normalize(question))
    found = next(((d, p.match(low)) for d, p in _SET_DRIVERS if p.match(low)), None)
    if found is None:
        problem = f"“{question}”: which driver? I can set {_SET_DRIVER_NAMES} (e.g. “set win rate 30%”)"
        return _problem(question, problem, baseline, SET_EXAMPLES)
    driver, m = found
    assert m is not None
    rest = re.sub(r"^\s*(?:to|=|:|at|is)?\s*", "", low[m.end() :])
    label = DRIVERS[driver][0]
    if driver == "period_end":
        new_end, problem = find_date(rest, baseline.as_of, baseline.as_of)
        if new_end is None:
            problem = problem or f"“{question}”: give the new period end as a date, e.g. “set period end 2027-03-31”"
            return _problem(question, problem, baseline, SET_EXAMPLES)
        reading = _period_reading(new_end, None, baseline)
    else:
        quantities = scan(rest)
        if len(quantities) != 1:
            what = "no value" if not quantities else "several values"
            example = f"set {label} {_set_value_example(driver)}"
            problem = f"“{question}”: {what} for {label}; set one driver to one value, e.g. “{example}”"
            return _problem(question, problem, baseline, SET_EXAMPLES)
        # "to" makes every value absolute: set never adds or scales
        reading = read_numeric(driver, f"to {rest}", baseline)
    if reading.problem or reading.change is None:
        return _problem(question, reading.problem or f"I could not read “{question}”", baseline, SET_EXAMPLES)
    return Parsed("set", (reading.change,), (reading.line,), question=question)


def _set_value_example(driver: str) -> str:
    return {
        "win_rate": "30%",
        "new_opps_per_rep_week": "8",
        "deal_size": "25k",
        "cycle_weeks": "6 weeks",
        "target": "2.5M",
        "booked": "1,300,000",
        "reps": "12",
    }.get(driver, "")


def parse_set(text: str, baseline: Baseline) -> Parsed:
    """Read `/scenario set <driver> <value>` ("set win rate 30%"): intent 'set' with one change. Never raises."""
    try:
        return _parse_set(str(text), baseline)
    except Exception:  # see parse()
        log.exception("set parser failed on a command of %d characters", len(str(text)))
        return _problem("", "I could not read that set command", baseline, SET_EXAMPLES)
