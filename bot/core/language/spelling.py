"""How people type in chat, brought back to the words the patterns know: accents, slang, typos, chatter.

Owns four cleaning steps applied to the lower-cased question before any intent or driver is read:
- `fold`: accents removed ("Crème Brûlée Café" -> "creme brulee cafe"), so names match however they are typed;
- `strip_chatter`: greetings, preambles and sign-offs ("hey bot, quick one before the QBR:", "thx!") dropped;
- `expand_slang`: chat spellings ("wat", "r", "gonna", "opps/week") as plain words;
- `correct_typos`: a misspelt vocabulary word ("win rat", "tagret", "oppurtunities") read as the word.

Typo correction is deliberately narrow: only words of the what-if vocabulary are targets, a word that is itself a
common word ("late", "fire", "later") or part of a deal or owner name is never changed, and short words are
corrected only in a fixed context ("win rat" -> "win rate") or as a swap of two letters ("rpes" -> "reps"), so a
correction never turns one meaning into another.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz.distance import OSA

__all__ = ["fold", "strip_chatter", "expand_slang", "correct_typos", "VOCABULARY"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\ufeff]")


def fold(text: str) -> str:
    """Text without accents or control characters: "Zoë" -> "Zoe"; NUL bytes and zero-width spaces dropped."""
    text = _CONTROL.sub(" ", text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_GREETING = (
    r"hey|hi|hello|hiya|yo|morning|good morning|afternoon|good afternoon|evening|ok|okay|hmm+|um+|uh+|er+m?|btw|ps"
    # thinking aloud before the question ("so, um, what if ..."): only with a comma after, so "so many" stays
    r"|(?:so|well|right|alright|anyway|like|now|ok so|okay so)(?=\s*,)"
    r"|quick (?:q|question|one|1)|real quick|one more|another (?:q|one|question)|question|random thought"
    r"|sorry to bug you|sorry|team|bot|scenario ?bot|all|folks|guys|there|everyone|@\w+"
    r"|before (?:the|our|my|tomorrow's|today's) [a-z]+(?: [a-z]+)?(?=\s*[:,\-])"
)
_PREAMBLE = re.compile(rf"^(?:(?:{_GREETING})\b[\s,:;!.\-]*)+")
_SIGNOFF = re.compile(
    r"(?:[\s,;:.!\-]*\b(?:thx|thanks(?: in advance)?|thank you|ty|tia|cheers|pls|please|plz|lol|asap|:\)|🙏"
    r"|much appreciated|appreciated)\b\W*)+$"
)


def strip_chatter(low: str) -> str:
    """The question without a greeting or preamble before it and thanks after it (lower-cased text)."""
    out = _SIGNOFF.sub("", low.strip())
    if not out.strip(" ,;:.!-"):
        return low.strip()  # "thanks" or "lol" alone is not a question, and not a greeting asking for help
    out = _PREAMBLE.sub("", out)
    return out.strip(" ,;:.!-")


_SLANG = {
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "whta": "what",
    "waht": "what",
    "whatif": "what if",
    "r": "are",
    "u": "you",
    "ur": "your",
    "gonna": "going to",
    "gunna": "going to",
    "wanna": "want to",
    "oppty": "opportunity",
    "opptys": "opportunities",
    "oppties": "opportunities",
    "sz": "size",
    "hc": "headcount",
    "qtr": "quarter",
    "wk": "week",
    "wks": "weeks",
}
_SLANG_ALTERNATIVES = "|".join(sorted(map(re.escape, _SLANG), key=len, reverse=True))
_SLANG_WORD = re.compile(rf"(?<![\w'-])({_SLANG_ALTERNATIVES})(?![\w'-])")
# "opps/week", "9 a week" -> "per week": a rate, not "1 week" (normalize_words reads "a week" as one week)
_PER_SLASH = re.compile(r"\s*/\s*(week|wk|month|quarter)\b")
_RATE_NOUN = (
    r"opportunit(?:y|ies)|opps?|deals|leads|meetings|demos|pipeline|pipe|\d+(?:\.\d+)?"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen"
)
_A_WEEK = re.compile(rf"\b({_RATE_NOUN})\s+(?:a|an|each|every)\s+(week|month|quarter)\b")
_WEEKLY = re.compile(rf"\b({_RATE_NOUN})\s+(weekly|monthly)\b")


def expand_slang(low: str) -> str:
    out = _SLANG_WORD.sub(lambda m: _SLANG[m.group(1)], low)
    out = _PER_SLASH.sub(r" per \1", out)
    out = _A_WEEK.sub(r"\1 per \2", out)
    return _WEEKLY.sub(lambda m: f"{m.group(1)} per {m.group(2)[:-2]}", out)


_VOCABULARY_WORDS = """
    what rate size cycle sales reps hire hired hires target quota booked bookings opportunities opportunity
    pipeline average headcount salesperson salespeople sellers prospecting generation creation confidence
    probability forecast baseline quarter period increase increases decrease decreases improves drops doubles
    triples halves deadline assumptions drivers deals weeks months percent points biggest largest expansion
    account executives longer shorter many need worse"""
VOCABULARY = frozenset(_VOCABULARY_WORDS.split())
# common words one edit away from a vocabulary word: never "corrected" ("fire 2 reps" is not "hire 2 reps")
_COMMON_WORDS = """
    late date gate fate race rare rat rats here fire fired wire tire more less take make sure size sizes site
    sale rates later water hater cater ratio looked cooked hooked booker parts points pints print period perks
    wire deal dear real read rule year week weak wake what that whet than then when reps rope ripe rips hire hike
    cycles circle quote quota quotas drop drips crops props draws eight weight weights sells spells cells wells
    target targets halve halves shells tells dealt fired wired tired lower power mower tower worst horse nurse
    mane main mean menu meed nerd"""
_COMMON = frozenset(_COMMON_WORDS.split())


def _known(names: Iterable[str]) -> set[str]:
    return {t for n in names for t in re.findall(r"[a-z0-9]+", fold(n).lower())}


def _candidate(token: str) -> str | None:
    if len(token) < 4 or token in VOCABULARY or token in _COMMON or not token.isalpha():
        return None
    if any(token.startswith(w) or w.startswith(token) for w in VOCABULARY):
        return None  # "hires", "rates": an inflection of a known word, not a typo
    if len(token) == 4:  # four letters: only a swap of two letters ("rpes", "siez") is a safe reading
        hits = [w for w in VOCABULARY if sorted(w) == sorted(token) and OSA.distance(w, token) == 1]
    else:
        limit = 1 if len(token) < 8 else 2
        scored = sorted((OSA.distance(w, token), w) for w in VOCABULARY if abs(len(w) - len(token)) <= limit)
        best = [(d, w) for d, w in scored if d <= limit]
        hits = [w for d, w in best if d == best[0][0]] if best else []
    return hits[0] if len(hits) == 1 else None


_RATE_CONTEXT = re.compile(r"\b(win|close|closing|hit|conversion)\s+(rat|rte|rae|raet|reate|rates?t)\b")
_WIN_TYPO = re.compile(r"\b(?:winn|wn|wim)\s+(?=rate\b)")


def correct_typos(low: str, names: Iterable[str] = ()) -> str:
    """`low` with misspelt vocabulary words replaced by the word; `names` (deals, owners) are never changed."""
    out = _RATE_CONTEXT.sub(r"\1 rate", low)
    out = _WIN_TYPO.sub("win ", out)
    keep = _known(names)

    def fix(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in keep:
            return token
        return _candidate(token) or token

    return re.sub(r"[a-z]+", fix, out)
