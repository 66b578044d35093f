"""A named rep leaving: "what if Luis leaves", "what if Luis and Mei quit", "what if we lose Luis".

Owns reading the names of people who leave against the owners of the pipeline's deals (accents and case ignored,
one typo allowed in a name of four letters or more, never a guess between two owners). A leaving owner is one rep
fewer (reps 10 -> 9) and their open deals in the period are at risk; a name that owns no deal is not guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.core.language.deals import name_tokens
from bot.core.language.echo import change_line
from engine.baseline import Baseline
from engine.changes import Change

__all__ = ["Leaving", "find_leaving", "match_owner", "owners"]

_VERB = (
    r"(?:leaves?|left|leaving|quits?|quitting|resigns?|resigned|walks?(?: out)?|walked(?: out)?|departs?|departed"
    r"|goes on leave|go on leave|went on leave|is out|are out|moves? on|retires?|retired|gets? poached|poached)"
)
_NAME = r"[a-z][a-z'-]*"
_LEAVE = re.compile(
    rf"(?:^|(?<=\s))(?P<names>{_NAME}(?:(?:\s*,\s*|\s+and\s+|\s*&\s*){_NAME})*)\s+(?:(?:both|all|also|each)\s+)?{_VERB}"
    r"(?P<tail>(?:\s+(?:the\s+)?(?:company|team|business|us))?(?:\s+(?:before|by|at|in|this|next|end of)\s+"
    r"(?:the\s+)?(?:year[ -]end|year|quarter|month|december|january|q\d|eoy|eoq)(?:\s+end)?)?)(?=$|[\s,;.])"
)
# words before a verb that are not names ("2 reps leave", "we leave it")
_NOT_NAME_WORDS = """
    we i you they he she it someone somebody everyone people reps rep sellers seller team our my their the a
    an one two three four five six seven eight nine ten top best star senior new aes ae who that this also and
    then if what suppose say"""
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())


@dataclass(frozen=True)
class Leaving:
    """Owners who leave (as named in the pipeline), names that own no deal, and the span read in the text."""

    owners: tuple[str, ...]
    unknown: tuple[str, ...]
    start: int
    end: int


def owners(baseline: Baseline) -> tuple[str, ...]:
    return tuple(sorted({d.owner for d in baseline.pipeline if d.owner}))


def match_owner(word: str, baseline: Baseline) -> str | None:
    """The pipeline owner `word` names: the same letters (accents ignored), or one typo when that picks one."""
    word = word.lower()
    exact = [o for o in owners(baseline) if word in name_tokens(o) or word == " ".join(name_tokens(o))]
    if len(exact) == 1:
        return exact[0]
    if exact or len(word) < 4:
        return None
    close = [o for o in owners(baseline) if any(OSA.distance(word, t) == 1 for t in name_tokens(o) if len(t) >= 4)]
    return close[0] if len(close) == 1 else None


def find_leaving(text: str, baseline: Baseline) -> Leaving | None:
    """The first "<names> leave(s)" in `text` whose words are all names (of owners or not)."""
    deal_words = {t for d in baseline.pipeline for t in name_tokens(d.name)}
    for m in _LEAVE.finditer(text):
        names = [n for n in re.split(r"\s*,\s*|\s+and\s+|\s*&\s*", m["names"]) if n]
        if any(n in _NOT_NAMES for n in names):
            # "we hire 2 reps and Luis leaves": the names are the words after the last non-name
            keep = []
            for n in reversed(names):
                if n in _NOT_NAMES:
                    break
                keep.append(n)
            names = list(reversed(keep))
            if not names:
                continue
        start = m.start("names") + m["names"].rfind(names[0]) if len(names) else m.start()
        if any(n in deal_words for n in names if not match_owner(n, baseline)):
            continue  # "Globex leaves": a customer churning, read as a deal
        found = [(n, match_owner(n, baseline)) for n in names]
        known = tuple(dict.fromkeys(o for _, o in found if o))
        unknown = tuple(n for n, o in found if o is None)
        return Leaving(known, unknown, start, m.end())
    return None


def leaving_change(leaving: Leaving, baseline: Baseline) -> tuple[Change, str, tuple[str, ...]]:
    """(reps change, echo line, ids of the leavers' open deals in the period)."""
    n = len(leaving.owners)
    to = max(baseline.reps - n, 0.0)
    at_risk = tuple(d.id for d in baseline.window_deals if d.owner in leaving.owners)
    who = " and ".join(leaving.owners)
    verb = "leaves" if n == 1 else "leave"
    note = f"{who} {verb}; {len(at_risk)} open deal{'' if len(at_risk) == 1 else 's'} of theirs at risk"
    return Change("reps", baseline.reps, to), change_line("reps", baseline.reps, to, baseline.currency, note), at_risk
