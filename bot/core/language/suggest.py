"""Example questions: the help list, and the three closest examples when a question cannot be read.

Owns EXAMPLES (shown by `help`) and picking suggestions by similarity to what was typed (rapidfuzz), with
the example deal swapped for a real deal of the channel's pipeline so a suggestion always works as written.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

from engine.baseline import Baseline

__all__ = ["EXAMPLES", "SET_EXAMPLES", "suggest"]

EXAMPLES: tuple[str, ...] = (
    "do we reach the target?",
    "what if win rate drops to 22%",
    "what if we hire 3 reps",
    "what if each rep creates 8 new opportunities per week",
    "what if deal size grows 5%",
    "what if the sales cycle is 5 weeks",
    "what if target is 2.5M",
    "what if we lose the Acme deal",
    "what if the biggest deal slips",
    "what if win rate improves by 2 points and we add a rep",
    "what if the quarter ends a week later",
    "how many new opportunities does each rep need per week with 80% confidence?",
    "what are the biggest drivers?",
    "show the baseline",
)
SET_EXAMPLES: tuple[str, ...] = (
    "set win rate 30%",
    "set target 2.5M",
    "set booked 1,300,000",
    "set reps 12",
    "set opportunities per rep per week 8",
    "set deal size 25k",
    "set cycle 6 weeks",
    "set period end 2027-03-31",
)


# more than the help list, so a near miss ("what if we have -4 reps") finds its well-formed twin
_MORE = (
    "what if we have 12 reps",
    "what if we win the Acme deal",
    "what if booked is 1,300,000",
    "what if win rate is 30%",
    "what if the quarter ends on 2027-01-15",
    "what if average deal size is $25k",
)
_LOW_SCORE = 40


def _deal_name(baseline: Baseline | None) -> str | None:
    """A name that finds exactly one deal in the period: the first word of the biggest one when that is
    unique ("Globex"), else its full name; None keeps the example's "Acme" (no deals, or Acme is real)."""
    from bot.core.language.deals import match_deals  # deals imports drivers; keep suggest import-light

    if baseline is None:
        return None
    window = sorted(baseline.window_deals, key=lambda d: -d.amount)
    if not window or len(match_deals(["acme"], baseline.pipeline)) == 1:
        return None
    label = window[0].label
    first = label.split()[0]
    return first if len(match_deals([first.lower()], baseline.pipeline)) == 1 else label


def _pool(examples: tuple[str, ...], baseline: Baseline | None) -> list[str]:
    name = _deal_name(baseline)
    if name is None:
        return list(examples)
    deal = f"the {name}" if name.lower().endswith(" deal") else f"the {name} deal"
    return [e.replace("the Acme deal", deal).replace("Acme", name) for e in examples]


def suggest(text: str, baseline: Baseline | None, examples: tuple[str, ...] = EXAMPLES) -> tuple[str, ...]:
    """The three examples closest to `text` (the first three when nothing is close)."""
    pool = _pool(examples + (_MORE if examples == EXAMPLES else ()), baseline)
    query = text.lower().strip()
    ranked = process.extract(query, [p.lower() for p in pool], scorer=fuzz.token_sort_ratio, limit=len(pool))
    # ties keep the list order, so the same question always gets the same suggestions
    order = sorted(ranked, key=lambda r: (-r[1], r[2]))
    if not query or not order or order[0][1] < _LOW_SCORE:
        return tuple(pool[:3])  # nothing is close: the first, most general examples
    return tuple(pool[i] for _, _, i in order[:3])
