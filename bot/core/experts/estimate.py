"""Reading an expert's estimate with the what-if language, restricted to the driver they were asked about.

Owns turning "8", "I think 8 per rep per week is the most we can do" or "average order size +15% with the new
product line" into engine changes: first as a what-if of its own ("what if <text>"), then, when the driver was
named by the invitation, as that driver's value ("what if new opportunities per rep per week <text>"). An estimate
about another driver than the one asked, or a text with no readable value, is a problem with an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core.language import parse
from bot.core.language.drivers import detect_driver
from engine.baseline import Baseline

__all__ = ["Reading", "read_estimate", "DRIVER_CHOICES", "driver_label", "example_for"]

# the drivers an expert can be asked about, as the form offers them (value, label)
DRIVER_CHOICES: tuple[tuple[str, str], ...] = (
    ("new_opps_per_rep_week", "New opportunities per rep per week"),
    ("win_rate", "Win rate"),
    ("deal_size", "Deal size"),
    ("cycle_weeks", "Sales cycle"),
    ("reps", "Reps"),
    ("target", "Target"),
)
_PHRASE = {
    "new_opps_per_rep_week": "new opportunities per rep per week",
    "win_rate": "win rate",
    "deal_size": "deal size",
    "cycle_weeks": "sales cycle",
    "reps": "reps",
    "target": "target",
}
_EXAMPLES = {
    "new_opps_per_rep_week": "“8” or “8 per rep per week”",
    "win_rate": "“22%” or “win rate 22%”",
    "deal_size": "“$23,000” or “average deal size +15%”",
    "cycle_weeks": "“10 weeks” or “cycle 2 weeks shorter”",
    "reps": "“12 reps” or “2 more reps”",
    "target": "“2.5M”",
}
# words people use for a driver that the what-if language knows by another name
_SYNONYMS = ((re.compile(r"\b(?:order|basket|contract|ticket) (?:size|value)s?\b", re.I), "deal size"),)


@dataclass(frozen=True, slots=True)
class Reading:
    """The changes (engine change dicts) and how they were understood, or the problem in plain words."""

    changes: tuple[dict[str, Any], ...] = ()
    lines: tuple[str, ...] = ()
    problem: str | None = None


def driver_label(driver: str | None) -> str:
    return dict(DRIVER_CHOICES).get(driver or "", "any driver")


def example_for(driver: str | None) -> str:
    return _EXAMPLES.get(driver or "", "“8 new opportunities per rep per week” or “win rate 22%”")


def _normalise(text: str) -> str:
    for pattern, replacement in _SYNONYMS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def _try(question: str, baseline: Baseline) -> tuple[tuple[dict[str, Any], ...], tuple[str, ...]]:
    parsed = parse(question, baseline)
    if parsed.intent != "whatif" or not parsed.changes:
        return (), ()
    return tuple(c.to_dict() for c in parsed.changes), tuple(parsed.interpretation)


def _as_driver(body: str, driver: str, baseline: Baseline) -> tuple[tuple[dict[str, Any], ...], tuple[str, ...]]:
    """The text as a value of `driver`: "8" -> "new opportunities per rep per week 8"; a head count is a total
    ("12" -> "we have 12 reps"), as an estimate of the team's size means."""
    if driver == "reps":
        return _try(f"what if we have {body}" + ("" if "rep" in body.lower() else " reps"), baseline)
    return _try(f"what if {_PHRASE[driver]} {body}", baseline)


def _did_you_mean(question: str, baseline: Baseline) -> str:
    """ " Did you mean “2 more reps”?" when the language read the text only vaguely ("12 reps": in all, or more?)."""
    parsed = parse(question, baseline)
    if parsed.intent != "clarify" or not parsed.suggestions:
        return ""
    options = " or ".join(f"“{s.removeprefix('what if ').strip()}”" for s in parsed.suggestions[:2])
    return f" Did you mean {options}?"


def _off_topic(driver: str, named: str, example: str) -> str:
    asked = driver_label(driver).lower()
    return (
        f"This invitation asks about {asked}, but I read your estimate as a change of {named}. "
        f"Give a value for {asked}, e.g. {example}."
    )


def read_estimate(text: str, baseline: Baseline, driver: str | None) -> Reading:
    """The estimate `text` as changes of `driver` (any driver when None)."""
    body = _normalise(text)
    example = example_for(driver)
    if not body:
        return Reading(problem=f"The estimate was empty. Type a value, e.g. {example}.")
    changes, lines = _try(f"what if {body}", baseline)
    if changes and driver and any(c.get("driver") != driver for c in changes):
        named = ", ".join(sorted({_PHRASE.get(str(c.get("driver")), str(c.get("driver"))) for c in changes}))
        if not any(c.get("driver") == driver for c in changes):
            said = detect_driver(body.lower())
            if said is None or said[0] == driver:  # the number is the asked driver's after all
                retry, retry_lines = _as_driver(body, driver, baseline)
                if retry and all(c.get("driver") == driver for c in retry):
                    return Reading(retry, retry_lines)
            return Reading(problem=_off_topic(driver, named, example))
        kept = [(c, line) for c, line in zip(changes, lines, strict=False) if c.get("driver") == driver]
        return Reading(tuple(c for c, _ in kept), tuple(line for _, line in kept))
    if changes:
        return Reading(changes, lines)
    found = detect_driver(body.lower())
    if driver and found is not None and found[0] != driver:
        # "12 reps" for a question about opportunities: not read as 12 opportunities
        return Reading(problem=_off_topic(driver, _PHRASE.get(found[0], found[0]), example))
    if driver:
        changes, lines = _as_driver(body, driver, baseline)
        if changes:
            return Reading(changes, lines)
    about = f" for {driver_label(driver).lower()}" if driver else ""
    hint = _did_you_mean(f"what if {body}", baseline) or f" Try e.g. {example}."
    return Reading(problem=f"I could not read a value{about} in your estimate.{hint}")
