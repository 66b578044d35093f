"""Cards of the newer readings: "Did you mean …?" (clarify) and the back-solved driver (required value).

Owns `clarify_card` (the parser's prompt and one button per suggested question; a tap asks that question, see
`ASK_ACTIONS`) and `required_value_card` ("To reach the target with an 80% chance you need 14 reps (today 10:
23%)", or why no value up to the searched bound does). Pure functions over engine.solve.Requirement and the
figures of `scenarios.compute.Needed`; no platform, storage or engine calls.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from bot.core.baselines.freshness import Period
from bot.core.cards import MAX_BUTTON_LABEL, Block, Button, Card, Fact, Facts, Text
from bot.core.formatting import money, number, pct, user
from bot.core.scenarios.cards import (
    acts_on_text,
    period_text,
    ramp_text,
    roll_button,
    stale_text,
    trim_title,
)

if TYPE_CHECKING:
    from engine.forecast import Ramp
    from engine.solve import Requirement

__all__ = ["ASK_ACTIONS", "clarify_card", "required_value_card", "shown_value"]

# one action id per button: Slack refuses two buttons with the same action_id in one block, and it routes only
# ids starting with "card." (bot/slack/translate.py); the question itself travels in the button's value
ASK_ACTIONS = ("card.ask.1", "card.ask.2", "card.ask.3")


def clarify_card(problem: str, suggestions: list[str], *, buttons: bool = True) -> Card:
    """'Did you mean one of these? (why)' with one button per suggested question (at most three); without
    `buttons` (a terminal) the questions are only listed, to be asked again."""
    picks = [s for s in suggestions if s.strip()][: len(ASK_ACTIONS)]
    prompt = " ".join(problem.split())[:500] or "Did you mean one of these?"
    listed = "\n".join(f"- “{user(trim_title(s, 200))}”" for s in picks)
    if not picks:
        hint = "Ask again in your own words."
    else:
        hint = f"{'Tap' if buttons else 'Ask'} one of them, or ask again in your own words."
    blocks: list[Block] = [Text(user(prompt))]
    if listed:
        blocks.append(Text(listed))
    blocks.append(Text(hint))
    asks = tuple(
        Button(trim_title(s, MAX_BUTTON_LABEL), action, {"question": s[:1000]})
        for s, action in zip(picks, ASK_ACTIONS, strict=False)
        if buttons
    )
    return Card(title="Did you mean…?", blocks=tuple(blocks), buttons=asks, kind="clarify")


_WHAT = {"reps": "reps", "win_rate": "a win rate of", "deal_size": "an average deal size of"}
_LABEL = {"reps": "Reps", "win_rate": "Win rate", "deal_size": "Average deal size"}
_ON = {"reps": "", "win_rate": " on new opportunities", "deal_size": " on new deals"}
_NONE = {"reps": "number of reps", "win_rate": "win rate", "deal_size": "average deal size"}
_AT = {"reps": "with {}", "win_rate": "at a {} win rate", "deal_size": "at a {} average deal size"}


def _with_unit(driver: str, shown: str) -> str:
    """'54 reps', '1 rep'; a win rate or deal size is shown as it is ("31.3%", "$27.5k")."""
    if driver != "reps":
        return shown
    return f"{shown} rep" if shown == "1" else f"{shown} reps"


def _a_chance(p: float) -> str:
    label = pct(p)
    return f"{'an' if label.startswith(('8', '11', '18')) else 'a'} {label} chance"


def _ceil_significant(x: float, digits: int = 3) -> float:
    """`x` rounded UP to `digits` significant digits: a shown requirement never falls short of the real one."""
    if x <= 0 or not math.isfinite(x):
        return x
    scale = 10.0 ** (digits - 1 - math.floor(math.log10(x)))
    return math.ceil(x * scale - 1e-9) / scale


def shown_value(driver: str, value: float, currency: str = "USD") -> str:
    """A required value as the card shows it, rounded up: "14", "31.3%", "$27.5k"."""
    if driver == "reps":
        return number(math.ceil(value - 1e-9))
    if driver == "win_rate":
        shown = math.ceil(value * 1000 - 1e-9) / 10  # percent, one decimal, up
        return f"{shown:.1f}".rstrip("0").rstrip(".") + "%"
    return money(_ceil_significant(value), currency)


def _today_value(driver: str, value: float, currency: str) -> str:
    if driver == "reps":
        return number(value)
    if driver == "win_rate":
        return f"{value * 100:.1f}".rstrip("0").rstrip(".") + "%"
    return money(value, currency)


def _needed_phrase(driver: str, value: float, currency: str) -> str:
    """'14 reps', 'a win rate of 31.3% on new opportunities', 'an average deal size of $27.5k on new deals'."""
    shown = shown_value(driver, value, currency)
    if driver == "reps":
        return f"*{_with_unit(driver, shown)}*"
    return f"{_WHAT[driver]} *{shown}*{_ON[driver]}"


def required_value_card(
    *,
    requirement: Requirement,
    question: str | None = None,
    currency: str = "USD",
    target: float | None = None,
    weeks_left: float | None = None,
    baseline_p_hit: float | None = None,
    ramp: Ramp | None = None,
    interpretation: list[str] | None = None,
    changes: list[dict[str, Any]] | None = None,
    at_risk: str | None = None,
    period: Period | None = None,
) -> Card:
    """The back-solved driver. With a condition (`interpretation` lines, `changes`) `requirement` was solved on the
    scenario, and `baseline_p_hit` is today's chance without the condition. `ramp` (a forecast's) says how hired
    reps ramp up."""
    driver = requirement.driver
    c = requirement.confidence
    current, p_now = float(requirement.current), requirement.p_hit_at_current
    value, p_value = requirement.value, requirement.p_hit_at_value
    goal = f"the {money(target, currency)} target" if target is not None else "the target"
    left = f" in the {number(weeks_left)} weeks left" if weeks_left is not None else ""
    now_value = _with_unit(driver, _today_value(driver, current, currency))
    condition = bool(interpretation)
    # with a condition the solve ran on the scenario: "today's value" is judged with the change applied
    # "(today's 25% gives a 20% chance)": two bare percentages side by side would read as one figure
    verb = "give" if driver == "reps" and now_value != "1 rep" else "gives"
    today = f"today's {now_value} {verb} {_a_chance(p_now)}" + (" with that change" if condition else "")
    lead = "With that change, " if condition else ""

    lines: list[str] = []
    if condition:
        lines.append("Understood: if " + "; ".join(user(line) for line in interpretation or []))
    facts: list[Fact] = []
    if value is None:
        bound = requirement.bound
        lines.append(
            f"{lead}{'no' if lead else 'No'} {_NONE[driver]} reaches {goal} with {_a_chance(c)}{left}: "
            f"{requirement.reason or 'the search found none'}."
        )
        facts.append(Fact(f"For {_a_chance(c)}", "not reachable"))
        if bound is not None:
            facts.append(Fact("Searched up to", _with_unit(driver, _today_value(driver, float(bound), currency))))
        if p_value is not None:
            # one decimal: "99%" beside "for a 99% chance: not reachable" would read as a contradiction
            facts.append(Fact("Best chance found", f"{float(p_value) * 100:.1f}%"))
    elif float(value) <= 0:
        lines.append(
            f"{lead}{'booked' if lead else 'Booked'} deals and the open pipeline alone give "
            f"{_a_chance(float(p_value if p_value is not None else p_now))} of reaching {goal}: no new business is "
            f"needed for {_a_chance(c)}."
        )
        facts.append(Fact(f"For {_a_chance(c)}", "none needed"))
    else:
        need = _needed_phrase(driver, float(value), currency)
        shown = _with_unit(driver, shown_value(driver, float(value), currency))
        if driver == "reps" and round(float(value)) == round(current):
            lines.append(f"{lead}{'today' if lead else 'Today'}'s {need} are just enough to reach {goal} with "
                         f"{_a_chance(c)}{left} ({pct(p_now)}).")  # fmt: skip
        elif float(value) < current:
            sentence = f"{need} would already reach {goal} with {_a_chance(c)} ({today})."
            lines.append(lead + sentence if lead else sentence[0].upper() + sentence[1:])
        else:
            # "how many more reps": the hires are the number a manager acts on, said beside the total
            more = f", {number(math.ceil(float(value) - current - 1e-9))} more" if driver == "reps" else ""
            lines.append(f"{lead}{'to' if lead else 'To'} reach {goal} with {_a_chance(c)}{left} you need {need}"
                         f"{more} ({today}).")  # fmt: skip
        facts.append(Fact(f"For {_a_chance(c)}", shown))
        if p_value is not None:
            at = _AT[driver].format(_with_unit(driver, shown_value(driver, float(value), currency)))
            facts.append(Fact(f"P(reach target) {at}", pct(float(p_value))))
    facts.append(Fact(f"Today's {_LABEL[driver].lower()}", _today_value(driver, current, currency)))
    if condition:
        without = f" (without it: {pct(baseline_p_hit)})" if baseline_p_hit is not None else ""
        facts.append(Fact("P(reach target) with the change", f"{pct(p_now)}{without}"))
    else:
        facts.append(Fact("P(reach target) today", pct(p_now)))
    when_text = period_text(period, weeks_left)
    if when_text:
        facts.append(Fact("Period", when_text))
    if target is not None:
        facts.append(Fact("Target", money(target, currency)))

    notes = [ramp_text(ramp)]
    if driver == "reps" and not ramp and value is not None and 0 < float(value) < current:
        notes.append("Fewer reps stop creating opportunities at once; their open deals stay in the pipeline.")
    acted_on: list[dict[str, Any]] = [] if driver == "reps" else [{"driver": driver}]
    notes.append(acts_on_text(acted_on + list(changes or [])))
    blocks: list[Block] = [Text("\n".join(lines)), Facts(tuple(facts))]
    note_text = "\n".join(n for n in notes if n)
    if note_text:
        blocks.append(Text(note_text))
    if at_risk:
        blocks.append(Text(at_risk))
    stale = stale_text(period)
    if stale:
        blocks.append(Text(stale))
    title = trim_title(question) if question else f"{_LABEL[driver]} needed"
    return Card(title=title, blocks=tuple(blocks), buttons=roll_button(period), kind="info")
