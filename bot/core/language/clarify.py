"""Asking back instead of guessing: the "Did you mean …?" candidates for a question the parser is unsure of.

Owns spotting a vague what-if ("what if things get worse", "what if we hire a few reps", "what if 3 reps",
"what if Bob leaves" when Bob owns no deal) and writing up to three full questions the person can pick with one
tap. The parser keeps only the candidates it reads confidently itself, so a button never leads to a refusal.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from bot.core.language.drivers import detect_driver
from bot.core.language.people import owners
from engine.baseline import Baseline

__all__ = ["vague_candidates", "count_candidates", "leaving_candidates", "PROMPT"]

PROMPT = "Did you mean one of these?"

_BAD = re.compile(
    r"\b(?:worse|bad|badly|wrong|tanks?|tanked|crash(?:es|ed)?|dries up|dry up|dried up|slows? down|slowed down"
    r"|weak|weaker|rough|terrible|awful|dips?|down ?turn|recession|struggle|struggles|falls? apart|goes south)\b"
)
_GOOD = re.compile(
    r"\b(?:better|good|great|improves?|improved|crush(?:es)? it|strong|stronger|boom|booms|takes? off|pick(?:s)? up"
    r"|goes well|go well)\b"
)
_SOME = re.compile(r"\b(?:some|a few|few|several|a bunch of|a handful of|more)\s+(?:new\s+)?(?P<what>\w+)")

# per driver: what a worse / better month could mean, as questions the parser reads
_DOWN = {
    "win_rate": ("what if win rate drops by 2 points", "what if win rate drops by 5 points", "what if win rate is 20%"),
    "deal_size": ("what if deal size shrinks by 10%", "what if deal size shrinks by 20%", "what if deal size is 15k"),
    "new_opps_per_rep_week": (
        "what if each rep creates 1 fewer opportunity per week",
        "what if new opportunities per rep drop by 20%",
        "what if each rep creates 5 new opportunities per week",
    ),
    "cycle_weeks": ("what if the sales cycle gets 1 week longer", "what if the sales cycle gets 2 weeks longer"),
    "reps": ("what if we lose 1 rep", "what if we lose 2 reps"),
}
_UP = {
    "win_rate": (
        "what if win rate improves by 2 points",
        "what if win rate improves by 5 points",
        "what if win rate is 30%",
    ),
    "deal_size": ("what if deal size grows 10%", "what if deal size grows 20%", "what if deal size is 25k"),
    "new_opps_per_rep_week": (
        "what if each rep creates 1 more opportunity per week",
        "what if new opportunities per rep grow by 20%",
        "what if each rep creates 9 new opportunities per week",
    ),
    "cycle_weeks": ("what if the sales cycle gets 1 week shorter", "what if the sales cycle gets 2 weeks shorter"),
    "reps": ("what if we hire 1 rep", "what if we hire 2 reps", "what if we hire 3 reps"),
}


_FEW_REPS = ("what if we hire 2 reps", "what if we hire 3 reps", "what if we hire 5 reps")


def _generic(down: bool, baseline: Baseline) -> tuple[str, ...]:
    table = _DOWN if down else _UP
    picks = [table["win_rate"][0], table["deal_size"][0]]
    if baseline.window_deals:
        picks.append("what if we lose the biggest deal" if down else "what if we win the biggest deal")
    else:
        picks.append(table["new_opps_per_rep_week"][0])
    return tuple(picks)


def vague_candidates(low: str, baseline: Baseline) -> tuple[str, ...]:
    """Candidates for a what-if with a direction but no amount ("things get worse"), () when there is none."""
    some = _SOME.search(low)
    if some:
        found = detect_driver(some.group(0))
        if found and found[0] == "reps":
            down = bool(re.search(r"\b(?:lose|lost|cut|fire|lay off|leave|quit)\b", low))
            return _DOWN["reps"] if down else _FEW_REPS
    bad, good = _BAD.search(low), _GOOD.search(low)
    if not bad and not good:
        return ()
    down = bad is not None and (good is None or bad.start() < good.start())
    found = detect_driver(low)
    if found and found[0] in _DOWN:
        return (_DOWN if down else _UP)[found[0]]
    return _generic(down, baseline)


def count_candidates(count: float) -> tuple[str, ...]:
    """ "what if 3 reps": 3 reps in all, 3 more, or 3 fewer."""
    if count < 1 or not float(count).is_integer():
        return ()
    n = f"{count:g}"
    unit = "rep" if count == 1 else "reps"
    return (f"what if we have {n} {unit}", f"what if we hire {n} {unit}", f"what if we lose {n} {unit}")


def leaving_candidates(names: tuple[str, ...], baseline: Baseline) -> tuple[str, ...]:
    """ "what if Bob leaves" when Bob owns no deal: one rep fewer, or an owner with a close name."""
    n = len(names)
    out = [f"what if we lose {n} rep{'' if n == 1 else 's'}"]
    close = sorted(((fuzz.ratio(names[0], o.lower()), o) for o in owners(baseline)), reverse=True)
    out += [f"what if {o} leaves" for score, o in close[:2] if score >= 50]
    return tuple(out)
