"""Numbers in a what-if question: number words, amounts, currencies, percents, points, durations.

Owns turning "two", "a couple of", "a dozen", "$250k", "EUR 300k", "1.2 million", "1,200,000", "22%",
"2 points", "3 weeks" into typed `Quantity` records that keep their place in the text, so the driver rules
(drivers.py) can tell "to 22%" (set) from "by 2 points" (absolute) and "by 5%" (relative).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Quantity", "normalize_words", "scan", "currency_matches", "DOLLAR_CURRENCIES"]

_ONES = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
}
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_ALL_WORDS = {**_ONES, **_TENS}
_DIGIT_WORDS = "one|two|three|four|five|six|seven|eight|nine"
_COMPOUND = re.compile(rf"\b(twenty|{'|'.join(_TENS)})[- ]({_DIGIT_WORDS})\b")
_WORD = re.compile(rf"\b({'|'.join(sorted(_ALL_WORDS, key=len, reverse=True))})\b")
# "grows by a quarter", "drops by a third", "cut in half": a share of the value, not a duration. Only after a word of
# change, so "the deal slips by a quarter" stays three months.
_CHANGE_WORD = (
    r"(?:grows?|grew|increases?|increased|rises?|rose|goes up|went up|up|jumps?|improves?|improved|climbs?"
    r"|drops?|dropped|falls?|fell|decreases?|decreased|declines?|declined|shrinks?|shrank|goes down|went down"
    r"|down|cut|cuts|reduced?|lower|higher|bigger|smaller|more|less)"
)
_FRACTIONS = {"half": "50%", "third": "33.33333%", "quarter": "25%", "fifth": "20%", "tenth": "10%"}
_SHARE = re.compile(rf"\b({_CHANGE_WORD})\s+by\s+(?:a|one|an)?\s*(half|third|quarter|fifth|tenth)\b")
_IN_HALF = re.compile(rf"\b({_CHANGE_WORD})\s+in\s+half\b")
_PHRASES = (
    (re.compile(r"\bhalf a dozen\b"), "6"),
    (re.compile(r"\b(?:a )?dozen\b"), "12"),
    (re.compile(r"\b(?:a )?couple(?: of)?\b"), "2"),
    (re.compile(r"\ba pair of\b"), "2"),
    (re.compile(r"\ba hundred\b"), "100"),
    (re.compile(r"\ba thousand\b"), "1000"),
    (re.compile(r"\ba million\b"), "1 million"),
)
# "a"/"an" mean 1 only before a counted thing ("add a rep", "a week later"); elsewhere ("a bit lower",
# "a big deal") they are just articles, and reading them as 1 would invent a number.
_UNIT_NOUN = (
    r"(?:(?:new|more|extra|additional|further|single|whole|full|sales)\s+)?"
    r"(?:reps?|weeks?|months?|days?|quarters?|years?|points?|percentage points?|pp|opportunit(?:y|ies)|opps?"
    r"|sellers?|salesperson|salespeople|people|persons?|hires?|aes?|account executives?|head)\b"
)
_ARTICLE_ONE = re.compile(rf"\b(?:an?|one single|a single)\s+(?={_UNIT_NOUN})")
_ANOTHER_N = re.compile(r"\banother\s+([$€£]?\d+(?:\.\d+)?(?:\s?(?:k|m|mm|grand|million)\b)?)\s*")
_ANOTHER = re.compile(rf"\banother\s+(?={_UNIT_NOUN})")

DOLLAR_CURRENCIES = {"USD", "CAD", "AUD", "NZD", "SGD", "HKD"}
_CURRENCY_WORDS = {
    "$": "$",
    "usd": "USD",
    "dollar": "$",
    "dollars": "$",
    "bucks": "$",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "chf": "CHF",
    "cad": "CAD",
    "aud": "AUD",
    "sek": "SEK",
    "nok": "NOK",
    "dkk": "DKK",
    "jpy": "JPY",
}
_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "mio": 1e6,
    "mil": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "bn": 1e9,
    "billion": 1e9,
    "grand": 1e3,
}
_UNIT_KINDS = {
    "weeks": ("week", "weeks", "wk", "wks", "w"),
    "months": ("month", "months", "mo", "mos"),
    "days": ("day", "days", "d"),
    "quarters": ("quarter", "quarters"),
    "years": ("year", "years", "yr", "yrs"),
    "times": ("x", "times"),
}

_CUR_BEFORE = r"(?P<cur1>[$€£]|(?:usd|eur|gbp|chf|cad|aud|sek|nok|dkk|jpy)\b)"
_CUR_AFTER = r"(?P<cur2>[$€£]|(?:usd|eur|gbp|chf|cad|aud|sek|nok|dkk|jpy|euros?|dollars?|bucks|pounds?)\b)"
_UNIT = (
    r"(?P<unit>%\s?points?\b|%\s?pts?\b|%|percentage\s?points?\b|percent\b|per\s?cent\b|pp\b|p\.p\.|points?\b|pts?\b"
    r"|millions?\b|grand\b|mio\b|mil\b|mm\b|mn\b|m\b|thousand\b|k\b|billion\b|bn\b"
    r"|weeks?\b|wks?\b|w\b|months?\b|mos?\b|days?\b|d\b|quarters?\b|years?\b|yrs?\b|x\b|times\b)"
)
# A number starts after a space or punctuation, never inside a word or an id ("OPP-12", "q4").
_QUANTITY = re.compile(
    rf"(?<![\w.\-]){_CUR_BEFORE}?\s?(?P<sign>[-+−])?\s?{_CUR_BEFORE.replace('cur1', 'cur1b')}?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?![\d,])"
    rf"(?:\s?{_UNIT}|\s(?:more|extra|additional|fewer|less)\s(?P<dur>weeks?|days?|months?)\b)?(?:\s?{_CUR_AFTER})?"
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """One number found in a clause. `kind`: percent, points, money, weeks, months, days, quarters, years,
    times or plain; `value` is already scaled (250k -> 250000) and signed; `sign` is the explicit +/- typed."""

    value: float
    kind: str
    start: int
    end: int
    text: str
    sign: str | None = None
    currency: str | None = None
    scaled: bool = False


def normalize_words(text: str) -> str:
    """Lower-cased text with number words as digits: "hire two reps" -> "hire 2 reps", "a week" -> "1 week"."""
    out = _SHARE.sub(lambda m: f"{m.group(1)} by {_FRACTIONS[m.group(2)]}", text)
    out = _IN_HALF.sub(r"\1 by 50%", out)
    for pattern, repl in _PHRASES:
        out = pattern.sub(repl, out)
    out = _COMPOUND.sub(lambda m: str(_TENS.get(m.group(1), 20) + _ONES[m.group(2)]), out)
    out = _WORD.sub(lambda m: str(_ALL_WORDS[m.group(1)]), out)
    out = _ANOTHER_N.sub(r"\1 more ", out)  # "another 2 reps" -> "2 more reps"
    out = _ANOTHER.sub("1 more ", out)
    out = _ARTICLE_ONE.sub("1 ", out)
    return out


def _kind(unit: str | None) -> tuple[str, float]:
    if not unit:
        return "plain", 1.0
    u = re.sub(r"\s+", "", unit)
    if "point" in u or "pt" in u or u in ("pp", "p.p."):
        return "points", 1.0
    if u == "%" or "cent" in u:
        return "percent", 1.0
    if u in _SCALES:
        return "money", _SCALES[u]
    for kind, words in _UNIT_KINDS.items():
        if u in words:
            return kind, 1.0
    return "plain", 1.0


def scan(text: str) -> list[Quantity]:
    """Every number in `text` (lower-cased, number words already digits), in order."""
    found: list[Quantity] = []
    for m in _QUANTITY.finditer(text):
        raw = m.group("num").replace(",", "")
        try:
            value = float(raw)
        except ValueError:  # pragma: no cover - the pattern only admits digits
            continue
        kind, scale = _kind(m.group("unit") or m.group("dur"))
        cur_word = m.group("cur1") or m.group("cur1b") or m.group("cur2")
        currency = _CURRENCY_WORDS.get(cur_word.strip()) if cur_word else None
        if currency and kind == "plain":
            kind = "money"
        sign = m.group("sign")
        sign = "-" if sign in ("-", "−") else sign
        value *= scale
        if sign == "-":
            value = -value
        found.append(
            Quantity(
                value=value,
                kind=kind,
                start=m.start(),
                end=m.end(),
                text=m.group(0).strip(),
                sign=sign,
                currency=currency,
                scaled=scale != 1.0,
            )
        )
    return found


def currency_matches(typed: str | None, baseline_currency: str) -> bool:
    """True when an amount typed with `typed` ("$", "EUR", ...) is in the baseline's currency."""
    if typed is None:
        return True
    base = (baseline_currency or "USD").upper()
    if typed == "$":
        return base in DOLLAR_CURRENCIES
    return typed == base
