"""The what-if parser: a question and the channel's baseline in, a `Parsed` reading out, never an exception.

Owns the order of reading (help, baseline, drivers, required rate, what-if, forecast), splitting a what-if
into clauses ("win rate 22% and 2 more reps"), sending each clause to the driver, period-end or deal rules,
and the one rule callers rely on: when any part could not be read, `problem` says so plainly, `intent` is
'unknown' and `changes` is empty, so no guess is ever answered as if it were the question. When the question
is readable only vaguely ("what if things get worse", "what if 3 reps") the intent is 'clarify' instead: still
no changes, and `suggestions` holds "Did you mean" questions that read confidently. Back-solving ("how many
reps do we need") and a named rep leaving ("what if Luis leaves") are read here too.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.core.errors import log_failure
from bot.core.language import deals, intents
from bot.core.language.clarify import PROMPT, count_candidates, leaving_candidates, vague_candidates
from bot.core.language.dates import find_date, read_period_end
from bot.core.language.drivers import NUMERIC_PATTERNS, PERIOD_PATTERN, Reading, detect_driver, read_numeric
from bot.core.language.echo import change_line
from bot.core.language.numbers import scan
from bot.core.language.people import Leaving, find_leaving, leaving_change, match_owner
from bot.core.language.suggest import SET_EXAMPLES, suggest
from engine.baseline import Baseline
from engine.changes import DRIVERS, Change

__all__ = ["Parsed", "parse", "parse_set"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parsed:
    """How a question was read. `interpretation` has one line per change; `problem` is None when all was read.

    `intent` is one of:
    - 'help', 'baseline', 'drivers', 'set': no numbers to compute beyond the baseline;
    - 'forecast' (no changes) and 'whatif' (with `changes`): the chance of reaching the target;
    - 'required_rate': back-solve the new opportunities per rep per week (the `changes` are the condition,
      e.g. "if we lose Globex"); `confidence` is the asked certainty (0.8 for "80% sure"), None when not given;
    - 'required_value': back-solve the driver named in `solve_for` ("reps", "win_rate", "deal_size";
      "how many reps do we need to hit 80%?"), with `changes` and `confidence` as for 'required_rate';
    - 'clarify': the question was understood only vaguely ("what if things get worse", "what if 3 reps");
      `problem` is a "Did you mean …?" prompt and `suggestions` holds up to three full questions, each of which
      the parser reads confidently, to offer as one-tap buttons. Nothing is computed;
    - 'unknown': could not be read; `problem` says why and `suggestions` holds three close examples.
    `at_risk_owners` names the pipeline owners who leave ("what if Luis leaves": reps 10 -> 9 in `changes`) and
    `at_risk_deals` the ids of their open deals inside the period, for the answer to flag (their probabilities
    are not changed: the deals may be handed over).
    """

    intent: str
    changes: tuple[Change, ...] = ()
    interpretation: tuple[str, ...] = ()
    confidence: float | None = None
    problem: str | None = None
    suggestions: tuple[str, ...] = ()
    question: str = ""
    solve_for: str | None = None
    at_risk_owners: tuple[str, ...] = ()
    at_risk_deals: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "changes": [c.to_dict() for c in self.changes],
            "interpretation": list(self.interpretation),
            "confidence": self.confidence,
            "problem": self.problem,
            "suggestions": list(self.suggestions),
            "question": self.question,
            "solve_for": self.solve_for,
            "at_risk_owners": list(self.at_risk_owners),
            "at_risk_deals": list(self.at_risk_deals),
        }


@dataclass
class _Read:
    """Everything the clauses of one question said."""

    changes: list[Change] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    candidates: tuple[str, ...] = ()  # set when a reading is uncertain: what to offer instead
    options: tuple[str, ...] = ()  # questions that would read instead of a refused clause ("which Umbrella?")
    owners: tuple[str, ...] = ()
    at_risk: tuple[str, ...] = ()

    def add(self, reading: Reading, clause: str) -> None:
        if reading.problem or reading.change is None:
            self.problems.append(reading.problem or f"I could not read “{clause}”")
            self.options += reading.options
            return
        key = (reading.change.driver, reading.change.deal)
        if key == ("reps", None) and self.owners and len(self.changes) >= 1:
            self._hire_after_leaving(reading.change)
            return
        if any((c.driver, c.deal) == key for c in self.changes):
            what = reading.change.deal or DRIVERS[reading.change.driver][0]
            self.problems.append(f"{what} is changed twice; say each change once")
            return
        self.changes.append(reading.change)
        self.lines.append(reading.line)

    def _hire_after_leaving(self, hire: Change) -> None:
        """ "Luis leaves and we hire 2 reps": the leaver goes first (an established rep), then the hires start and
        ramp up from the smaller team, as two changes in that order (the engine applies them in turn)."""
        left = next(c for c in self.changes if c.driver == "reps")
        delta = float(hire.to) - float(hire.from_)
        if any(c.driver == "reps" and c is not left for c in self.changes) or delta == 0:
            self.problems.append("reps is changed twice; say each change once")
            return
        to = float(left.to) + delta
        if to < 0:
            self.problems.append(f"that leaves {to:g} reps; a team cannot have fewer than 0")
            return
        verb = f"{delta:g} new rep{'s start' if delta != 1 else ' starts'}" if delta > 0 else f"{-delta:g} more leave"
        self.changes.append(Change("reps", left.to, to, start=hire.start))
        self.lines.append(change_line("reps", left.to, to, "USD", verb))


def _problem(question: str, problem: str, baseline: Baseline, examples: tuple[str, ...] | None = None) -> Parsed:
    picks = suggest(question, baseline) if examples is None else suggest(question, baseline, examples)
    return Parsed(intent="unknown", problem=problem, suggestions=picks, question=question)


def _names(baseline: Baseline) -> list[str]:
    return [d.name for d in baseline.pipeline] + [d.owner or "" for d in baseline.pipeline]


def _deal_verb_clause(clause: str) -> str:
    """The clause with rate words masked: "win rate gets worse" has no deal verb "win"."""
    pattern = NUMERIC_PATTERNS[0][1]
    return pattern.sub(lambda m: " " * len(m.group(0)), clause)


def _owner_leaves(clause: str, baseline: Baseline) -> Leaving | None:
    """ "we lose Luis": every word naming the deal is an owner's name and none names a deal."""
    tokens = deals.reference_tokens(clause, baseline)
    if not tokens or deals.match_deals(tokens, baseline.pipeline):
        return None
    found = [match_owner(t, baseline) for t in tokens]
    if any(o is None for o in found):
        return None
    return Leaving(tuple(dict.fromkeys(o for o in found if o)), (), 0, len(clause))


def _read_clause(clause: str, baseline: Baseline, today: date, carry: str | None) -> tuple[list[Reading], str | None]:
    """The readings of one clause and the deal action later clauses inherit ("we lose Acme and Globex")."""
    action = deals.deal_action(_deal_verb_clause(clause))
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
    # without a deal verb only a name typed as it is counts: "things get worse" must not find "Works"
    matched = deals.match_deals(tokens, baseline.pipeline, exact=True) if tokens else []
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


_NOT_TODAY = re.compile(r"\s*,\s*(?:not|rather than|instead of)\s+(?=[$€£]?\d)")


def _read_changes(body: str, baseline: Baseline, today: date) -> _Read:
    read = _Read()
    body = _NOT_TODAY.sub(" instead of ", body)  # "5 per week, not 7": one clause, 7 is today's value
    leaving = find_leaving(body, baseline)
    if leaving is not None:
        if leaving.unknown:  # "what if Bob leaves": Bob owns no deal; one rep fewer is a guess, so ask
            read.candidates = leaving_candidates(leaving.unknown, baseline)
            who = " and ".join(n.title() for n in leaving.unknown)
            read.problems.append(f"{who} {'owns' if len(leaving.unknown) == 1 else 'own'} no deal in the pipeline")
            return read
        body = body[: leaving.start] + " and " + body[leaving.end :]
        _add_leaving(read, leaving, baseline)
    carry: str | None = None
    for clause in intents.split_clauses(body):
        if intents.is_filler(clause):
            continue
        readings, carry = _read_clause(clause, baseline, today, carry)
        if carry == "lost" and readings and readings[0].problem and not read.owners:
            owner_leaving = _owner_leaves(clause, baseline)  # "we lose Luis" when Luis owns deals
            if owner_leaving is not None:
                _add_leaving(read, owner_leaving, baseline)
                continue
        for reading in readings:
            read.add(reading, clause)
            if reading.uncertain and reading.change is not None:
                read.candidates = count_candidates(float(reading.change.to))
    return read


def _add_leaving(read: _Read, leaving: Leaving, baseline: Baseline) -> None:
    change, line, at_risk = leaving_change(leaving, baseline)
    read.add(Reading(change, line), " ".join(leaving.owners))
    read.owners, read.at_risk = leaving.owners, at_risk


def _clarify(question: str, candidates: tuple[str, ...], baseline: Baseline, today: date, why: str) -> Parsed | None:
    """A "Did you mean" answer with the candidates the parser itself reads confidently, None if none is."""
    sure = []
    for candidate in candidates:
        p = _parse(candidate, baseline, today, ask_back=False)
        if p.intent not in ("clarify", "unknown") and p.problem is None and candidate not in sure:
            sure.append(candidate)
    if not sure:
        return None
    return Parsed("clarify", problem=f"{PROMPT} ({why})", suggestions=tuple(sure[:3]), question=question)


def _answer(
    intent: str,
    question: str,
    body: str,
    baseline: Baseline,
    today: date,
    ask_back: bool = True,
    *,
    confidence: float | None = None,
    solve_for: str | None = None,
) -> Parsed:
    read = _read_changes(body, baseline, today)
    if ask_back:
        candidates = read.candidates
        why = read.problems[0] if read.problems else f"“{body}” could mean more than one change"
        if read.problems and not read.changes and not candidates:
            candidates = vague_candidates(body, baseline)
            why = f"“{body}” does not say which number changes, or by how much"
        # an uncertain reading is asked back only when it is the whole question ("what if 3 reps")
        if candidates and (read.problems or len(read.changes) == 1):
            clarified = _clarify(question, candidates, baseline, today, why)
            if clarified is not None:
                return clarified
    if read.problems:
        understood = f" (I did read: {'; '.join(read.lines)})" if read.lines else ""
        refused = _problem(question, "; ".join(read.problems) + understood, baseline)
        if not read.options:
            return refused
        picks = tuple(dict.fromkeys(read.options + refused.suggestions))[:3]  # "which Umbrella?" first
        return Parsed("unknown", problem=refused.problem, suggestions=picks, question=question)
    if intent == "whatif" and not read.changes:
        return _problem(question, f"I could not find a change to try in “{question}”", baseline)
    return Parsed(
        intent,
        tuple(read.changes),
        tuple(read.lines),
        question=question,
        at_risk_owners=read.owners,
        at_risk_deals=read.at_risk,
        confidence=confidence,
        solve_for=solve_for,
    )


def _condition(text: str) -> str:
    """The "if ..." part of a forecast or required-rate question, without the question itself."""
    m = intents.CONDITION.search(text)
    if not m:
        return ""
    cond = m.group(1)
    for pattern in (intents.REQUIRED_RATE, intents.FORECAST, *(p for _, p in intents.SOLVE_FOR)):
        inner = pattern.search(cond)
        if inner:
            cond = cond[: inner.start()]
    return intents.strip_trailing_question(cond)


_WITH = re.compile(r"\b(?:with|after)\s+(?P<cond>.*\d.*)$")  # "what deal size do we need with 2 more reps"
# numbers no plan is made of: scientific notation, "inf", "nan", 16 digits and more (400 nines)
_ABSURD = re.compile(r"\d(?:\.\d+)?e[+-]?\d+\b|\b(?:inf|infinity|infinite|nan)\b|\d(?:[\d,]*\d){15}")


def _required(intent: str, question: str, low: str, baseline: Baseline, today: date, solve: str | None) -> Parsed:
    rest, confidence, problem = intents.extract_confidence(low)
    if problem:
        return _problem(question, problem, baseline)
    condition = _condition(rest)
    if not condition and solve:
        m = _WITH.search(rest)
        condition = intents.strip_trailing_question(m["cond"]) if m else ""
    return _answer(intent, question, condition, baseline, today, confidence=confidence, solve_for=solve)


def _parse(text: str, baseline: Baseline, today: date, ask_back: bool = True) -> Parsed:
    question = intents.clean(text)
    if len(question) > intents.MAX_LENGTH:
        problem = f"that question is {len(question)} characters long; please ask in under {intents.MAX_LENGTH}"
        return _problem(question[:200], problem, baseline)
    absurd = _ABSURD.search(question.lower())
    if absurd:
        shown = absurd.group(0) if len(absurd.group(0)) <= 20 else absurd.group(0)[:12] + "…"
        problem = (
            f"“{shown}” is not a number I can plan with; give a plain value a team could reach, "
            "e.g. “what if we hire 3 reps” or “what if target is 2.5M”"
        )
        return _problem(question[:200], problem, baseline)
    low = intents.normalize(question, _names(baseline))
    if not low or intents.HELP.match(low):
        return Parsed("help", question=question)
    if re.match(r"^set\b", low):
        return parse_set(question, baseline)
    if intents.BASELINE.match(low):
        return Parsed("baseline", question=question)
    if intents.DRIVERS.search(low):
        scenario = intents.CONDITION.search(low)
        if not scenario:
            return Parsed("drivers", question=question)
        # "drivers if Luis leaves", "if we lose Globex, what matters most": the drivers of that scenario
        body = intents.strip_trailing_question(intents.DRIVERS.sub(" ", scenario.group(1)))
        return _answer("drivers", question, body, baseline, today, ask_back)
    solve = intents.solve_for(low)
    if solve:
        return _required("required_value", question, low, baseline, today, solve)
    if intents.REQUIRED_RATE.search(low):
        return _required("required_rate", question, low, baseline, today, None)
    body, prefixed = intents.strip_whatif(low)
    if prefixed:
        return _answer("whatif", question, intents.strip_trailing_question(body), baseline, today, ask_back)
    if intents.FORECAST.search(low):
        condition = _condition(low)
        if not condition:  # "how likely are we to make it with 2 extra reps": the change is the condition
            m = _WITH.search(low)
            condition = intents.strip_trailing_question(m["cond"]) if m else ""
        return _answer("whatif" if condition else "forecast", question, condition, baseline, today, ask_back)
    possible = intents.POSSIBLE.match(low)
    if possible:
        return _answer("whatif", question, possible["body"], baseline, today, ask_back)
    body = intents.strip_trailing_question(low)
    read = _read_changes(body, baseline, today)
    if not read.changes and not read.candidates and all(p.startswith("I could not read") for p in read.problems):
        # nothing in it looked like a change: say so once instead of listing every fragment
        problem = f"I could not understand “{question}” as a forecast, what-if or required-rate question"
        return _problem(question, problem, baseline)
    return _answer("whatif", question, body, baseline, today, ask_back)


def parse(text: str, baseline: Baseline, *, today: date | None = None) -> Parsed:
    """Read a question against `baseline`. Never raises: anything unreadable comes back with `problem` set."""
    try:
        return _parse(str(text), baseline, today or baseline.as_of)
    except Exception as error:  # a parser bug must become a friendly reply, not a crashed handler
        log_failure(log, error, "what-if parser on a question of %d characters", len(str(text)))
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
        new_end, unreadable = find_date(rest, baseline.as_of, baseline.as_of)
        if new_end is None:
            why = unreadable or f"“{question}”: give the new period end as a date, e.g. “set period end 2027-03-31”"
            return _problem(question, why, baseline, SET_EXAMPLES)
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
    except Exception as error:  # see parse()
        log_failure(log, error, "set parser on a command of %d characters", len(str(text)))
        return _problem("", "I could not read that set command", baseline, SET_EXAMPLES)
