"""What kind of question it is: help, baseline, drivers, required rate, forecast, or a what-if.

Owns the patterns for each intent, cleaning the raw message (mentions, the slash command, punctuation), the
what-if prefixes ("what if", "suppose", "assuming") and trailing questions ("do we still hit the target?"),
and the confidence of a required-rate question ("with 80% confidence").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.language.numbers import normalize_words
from bot.core.language.spelling import correct_typos, expand_slang, fold, strip_chatter

__all__ = [
    "clean",
    "normalize",
    "HELP",
    "BASELINE",
    "DRIVERS",
    "REQUIRED_RATE",
    "FORECAST",
    "CONDITION",
    "POSSIBLE",
    "strip_whatif",
    "strip_trailing_question",
    "extract_confidence",
    "split_clauses",
    "is_filler",
]

MAX_LENGTH = 1000
_MENTION = re.compile(r"<[@#!][^>]*>")
_COMMAND = re.compile(r"^\s*(?:/?scenario\b|@\S+)[\s,:]*", re.IGNORECASE)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "−": "-", "–": "-", "—": "-", "\u00a0": " "})

HELP = re.compile(
    r"^(?:help|\?+|examples?|commands?|usage|hi|hello|hey|menu|what can (?:you|i) (?:do|ask)\b.*"
    r"|how (?:do|does|can) (?:i|you|this|it) (?:use|work)\b.*|what (?:can|should) i ask\b.*|what do you do)$"
)
BASELINE = re.compile(
    r"^(?:(?:show|display|print|give|list|see|view|what(?: is|'s| are)?)\s+)?(?:me\s+)?"
    r"(?:(?:the|our|current|my|this)\s+)*"
    r"(?:baseline|assumptions|inputs|numbers|plan)(?:\s+(?:please|again|now|for this channel))?$"
)
DRIVERS = re.compile(
    r"\bdrivers?\b|\bmatters? (?:the )?most\b|\bsensitivit|\blevers?\b|\bmoves? the needle\b|\bmost important\b"
    r"|\bbiggest (?:impact|effect)\b|\bwhere should we focus\b|\bwhat should we focus on\b|\bwhat helps most\b"
)
# "to reach 95%", "would it take": a back-solve said without "need"
_TO_GET_THERE = (
    r"(?:need\w*|would it take|does it take|will it take|it takes|to (?:reach|hit|make|get to|get|be at|land))\b"
)
REQUIRED_RATE = re.compile(
    rf"\bhow many\b[^?]*?\b(?:opportunit\w*|opps?|deals|leads|meetings)\b[^?]*?\b{_TO_GET_THERE}"
    r"|\brequired (?:rate|opportunit\w*|opps|pipeline)\b|\bwhat (?:rate|pace|opp(?:ortunity)? rate)\b[^?]*?\bneed\w*\b"
    r"|\b(?:opportunit\w*|opps|pipeline) (?:do|does|would|will) (?:we|i|each rep|every rep|a rep|reps?) need\b"
    r"|\bhow much (?:new )?pipeline\b[^?]*?\bneed\w*\b"
)
FORECAST = re.compile(
    r"\b(?:do|will|can|could|are|would|shall) we (?:still |even |ever )?(?:reach|hit|make|meet|achieve|get to|beat"
    r"|close the gap|be on track)\b|\bon track\b|\b(?:our|the|what are the|what's the) (?:chances?|odds)\b"
    r"|\bprobability (?:of|that|we|to)\b|\bhow likely\b|\blikelihood\b|\bforecast\b|\bwill we make it\b"
    r"|\bare we going to\b|\bwhere (?:do|will) we land\b|\boutlook\b"
    r"|\b(?:going to|gonna) (?:reach|hit|make|meet|achieve|beat)\b|\bchances?\b[^?]*\b(?:hit|make|reach|get)\b"
    r"|\b(?:how|what) (?:does|do|is|are) (?:the|our|this) (?:quarter|period|month|year|number)(?: look)?(?: like)?$"
    r"|\bhow are we (?:looking|doing|tracking)\b|\b(?:make|hit|reach) (?:the|our) (?:number|quarter|plan)\b"
)
# back-solving a driver other than the opportunity rate: "how many reps do we need", "what win rate do we need"
SOLVE_FOR: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "reps",
        re.compile(
            r"\bhow many (?:more |additional |extra |new )?(?:sales )?(?:reps|sellers|aes|hires|people|heads"
            rf"|salespeople|account executives)\b[^?]*?\b{_TO_GET_THERE}"
            r"|\bwhat (?:headcount|team size|number of reps)\b[^?]*?\bneed"
            r"|\bhow (?:big|large) (?:a|does|do|should) (?:the |our )?team\b[^?]*?\bneed"
        ),
    ),
    (
        "win_rate",
        re.compile(
            rf"\bwhat (?:win|close|closing|conversion|hit) ?(?:rate|%)\b[^?]*?\b(?:gets? us|{_TO_GET_THERE})"
            r"|\bhow (?:high|good) (?:does|do|should|would|must) (?:the |our )?(?:win|close|conversion) rate"
            r"\b[^?]*?\bneed"
        ),
    ),
    (
        "deal_size",
        re.compile(
            r"\bwhat (?:avg |average |mean |typical )?(?:deal size|deal value|acv|asp)\b[^?]*?\b(?:gets? us"
            rf"|{_TO_GET_THERE})|\bhow (?:big|large) (?:do|does|would|should|must) (?:the |our )?(?:deals?|deal size)"
            r"\b[^?]*?\bneed"
        ),
    ),
)
CONDITION = re.compile(r"\b(?:if|assuming|given(?: that)?|suppose|supposing|provided(?: that)?|when)\b\s*(.*)$")
POSSIBLE = re.compile(
    r"^(?:is|are|would|will)\s+(?P<body>.+?)\s+(?:really\s+|even\s+|actually\s+)?"
    r"(?:possible|enough|realistic|feasible|sufficient|achievable|doable|ok|okay)\b.*$"
)
_WHATIF = re.compile(
    r"^(?:(?:so|and|ok|okay|hmm|now|then|but|also)[\s,]+)*"
    r"(?:what\s+(?:would\s+)?happens?\s+if|what\s+would\s+happen\s+if|what\s+if|what\s+about\s+if|and\s+if|if"
    r"|suppose(?:\s+that)?|supposing(?:\s+that)?|assume(?:\s+that)?|assuming(?:\s+that)?|imagine(?:\s+that)?"
    r"|let'?s\s+say(?:\s+that)?|say(?:\s+that)?|how\s+about(?:\s+if)?|what\s+about|scenario|simulate)\b[\s,:]*"
)
_TRAILING = re.compile(
    r"\s*[,;:\-]?\s*(?:\b(?:then\s+)?(?:do|will|would|can|could|are|shall)\s+we\s+(?:still\s+)?(?:reach|hit|make"
    r"|meet|achieve|beat|get to|be on track)\b.*|\bwhat happens\b.*|\bwhat then\b.*|\bthen what\b.*"
    r"|\bhow (?:does|do|would) (?:that|it|things|the forecast) look\b.*|\bwhere do we land\b.*"
    r"|\b(?:are we|would we be) (?:still )?on track\b.*|\bwhat(?:'s| is| are) (?:the|our) (?:chances?|odds)\b.*)$"
)
_CONFIDENCE = re.compile(
    r"(?:\b(?:with|at|for|to be|and be)\s+)?(?:an?\s+)?(?P<n>\d+(?:\.\d+)?)\s?(?:%|percent\b)\s*"
    r"(?:confidence|confident|sure|certainty|certain|probability|likelihood|chance|of the time)\b"
    r"|\bp(?P<p>\d{2})\b"
    r"|\b(?:to (?:hit|reach|get to|be at)|gets? us to|get us to|at|for) (?:an? )?(?P<h>\d+(?:\.\d+)?)\s?(?:%|percent\b)"
    r"(?:\s*(?:chance|probability|odds|likely))?\s*$"
)
_SPLIT = re.compile(
    r"\s*(?:,(?!\d{3}(?!\d))|;|&|\band then\b|\band also\b|\band\b|\bthen\b|\balso\b|\bwhile\b|\bbut\b"
    r"|\bas well as\b|\bplus\b|\bon top of that\b)\s*"
)
_PLUS_NUMBER = re.compile(r"\bplus\s+(?=[$€£]?\d)")
_FILLER = {
    "then",
    "too",
    "also",
    "so",
    "ok",
    "okay",
    "please",
    "thanks",
    "and",
    "what",
    "happens",
    "now",
    "still",
    "in",
    "december",
    "january",
    "this",
    "quarter",
    "month",
    "year",
}


def clean(text: str) -> str:
    """The question as the person meant it: no mentions or slash command, single spaces, no trailing ?!."""
    out = _MENTION.sub(" ", str(text)).translate(_QUOTES)
    out = _COMMAND.sub("", out)
    out = re.sub(r"\s+", " ", out).strip()
    return out.rstrip("?!. ").strip() or ("?" if "?" in out else "")


def normalize(question: str, names: Iterable[str] = ()) -> str:
    """Lower-case with number words as digits and contractions that the patterns know, without accents, chat
    greetings or sign-offs, and with slang and typos of the vocabulary read as the words (spelling.py);
    `names` (deal names and owners) are never corrected."""
    low = fold(question).lower()
    low = re.sub(r"\bwhat's\b", "what is", low)
    low = correct_typos(expand_slang(strip_chatter(low)), names)
    low = re.sub(r"\blet's\b", "let us", low).replace("let us say", "let's say")
    low = re.sub(r"\b(\w+)'s\b", r"\1", low)  # "Acme's probability" -> "acme probability"
    return normalize_words(low)


def solve_for(low: str) -> str | None:
    """The driver a back-solve question asks for ("how many reps do we need" -> "reps"), or None."""
    return next((driver for driver, pattern in SOLVE_FOR if pattern.search(low)), None)


def strip_whatif(text: str) -> tuple[str, bool]:
    m = _WHATIF.match(text)
    return (text[m.end() :], True) if m and m.end() > 0 else (text, False)


def strip_trailing_question(text: str) -> str:
    return _TRAILING.sub("", text).strip()


def extract_confidence(text: str) -> tuple[str, float | None, str | None]:
    """(text without the confidence phrase, confidence 0-1, problem) for "with 80% confidence", "p90"."""
    m = _CONFIDENCE.search(text)
    if not m:
        return text, None, None
    value = float(m["n"] or m["p"] or m["h"])
    rest = (text[: m.start()] + " " + text[m.end() :]).strip()
    if not 0 < value < 100:
        return rest, None, f"a confidence of {value:g}% is not possible: ask for more than 0% and less than 100%"
    return rest, round(value / 100, 6), None


def split_clauses(text: str) -> list[str]:
    text = _PLUS_NUMBER.sub("and +", text)
    return [c.strip(" .,:-") for c in _SPLIT.split(text) if c and c.strip(" .,:-")]


def is_filler(clause: str) -> bool:
    return all(w in _FILLER for w in re.findall(r"[a-z']+", clause)) and not re.search(r"\d", clause)
