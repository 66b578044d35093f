"""Reading an expert's estimate with the what-if language, restricted to the driver they were asked about.

Owns turning "8", "I think 8 per rep per week is the most we can do" or "average order size +15% with the new
product line" into engine changes: first as a what-if of its own ("what if <text>"), then, when the driver was
named by the invitation, as that driver's value ("what if new opportunities per rep per week <text>"). An estimate
about another driver than the one asked, or a text with no readable value, is a problem with an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.language import parse
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

    changes: tuple[dict, ...] = ()
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


def _try(question: str, baseline: Baseline) -> tuple[tuple[dict, ...], tuple[str, ...]]:
    parsed = parse(question, baseline)
    if parsed.intent != "whatif" or not parsed.changes:
        return (), ()
    return tuple(c.to_dict() for c in parsed.changes), tuple(parsed.interpretation)


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
            changes = ()  # perhaps the number is the asked driver's after all ("8" read as something else)
            retry, retry_lines = _try(f"what if {_PHRASE[driver]} {body}", baseline)
            if retry and all(c.get("driver") == driver for c in retry):
                return Reading(retry, retry_lines)
            return Reading(
                problem=f"This invitation asks about {driver_label(driver).lower()}, but I read your estimate as "
                f"a change of {named}. Give a value for {driver_label(driver).lower()}, e.g. {example}."
            )
        kept = [(c, line) for c, line in zip(changes, lines, strict=False) if c.get("driver") == driver]
        return Reading(tuple(c for c, _ in kept), tuple(line for _, line in kept))
    if changes:
        return Reading(changes, lines)
    if driver:
        changes, lines = _try(f"what if {_PHRASE[driver]} {body}", baseline)
        if changes:
            return Reading(changes, lines)
    about = f" for {driver_label(driver).lower()}" if driver else ""
    return Reading(problem=f"I could not read a value{about} in your estimate. Try e.g. {example}.")
