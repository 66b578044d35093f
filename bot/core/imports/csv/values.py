"""Reading one cell: amounts with currencies and locale separators, dates in the export's locale, probabilities.

CRM exports write numbers and dates the way the exporting user's locale does ("USD 12,500.00", "12.500,00 €",
"12/15/2026", "15.12.2026", "2026-12-15 10:30"). The ambiguous conventions (decimal comma or point, day or
month first) are decided once per column from the values themselves (`guess_*`), then every cell is read
with that decision; a cell that cannot be read raises `ValueError` whose text says what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

__all__ = [
    "guess_decimal_comma",
    "guess_date_order",
    "parse_amount",
    "parse_date",
    "parse_percent",
    "parse_bool",
    "unescape_formula",
]

SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CURRENCY = r"[A-Za-z]{3}|US\$|[$€£¥₹]"
_AMOUNT = re.compile(
    rf"^(?P<sign>[-+])?\s*(?P<pre>{_CURRENCY})?\s*(?P<sign2>[-+])?\s*(?P<num>\d[\d.,' ]*?)\s*(?P<post>{_CURRENCY})?$"
)
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_COMMA_DECIMAL = re.compile(r"\d,\d{1,2}$|\d\.\d{3}\.|\d\.\d{3},\d")
_POINT_DECIMAL = re.compile(r"\d\.\d{1,2}$|\d,\d{3},|\d,\d{3}\.\d")

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{2,4})(?:[ T,].*)?$")
_HAS_LETTER = re.compile(r"[A-Za-z]")
DATE_EXAMPLES = {"mdy": "12/15/2026", "dmy": "15/12/2026", "ymd": "2026-12-15"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def unescape_formula(text: str) -> str:
    """Undo the export's formula neutralisation ("'=SUM(A1)" -> "=SUM(A1)") so a round trip keeps the text."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        return text[1:]
    return text


def guess_decimal_comma(values: Iterable[str]) -> bool | None:
    """True when the column writes 12.500,00 (decimal comma): a majority vote of the cells that show it.

    None when no cell tells (every amount a whole number like 12,500 or 12.500)."""
    comma = point = 0
    for value in values:
        value = value.strip().rstrip("€$£ ").translate(_SPACES).strip()
        if _COMMA_DECIMAL.search(value):
            comma += 1
        elif _POINT_DECIMAL.search(value):
            point += 1
    if comma == point:
        return None
    return comma > point


def parse_amount(text: str, *, decimal_comma: bool = False) -> tuple[float, str | None]:
    """The amount and its currency code if the cell names one ("USD 12,500.00" -> (12500.0, "USD"))."""
    raw = text.strip().translate(_SPACES)
    negative = False
    if raw.startswith("(") and raw.endswith(")"):  # accounting style (1,000.00)
        negative, raw = True, raw[1:-1].strip()
    match = _AMOUNT.match(raw)
    if not match or (match["pre"] and match["post"]):
        raise ValueError(f"{text.strip()!r} is not an amount (expected e.g. 12500, USD 12,500.00 or $12,500)")
    number = match["num"].replace(" ", "").replace("'", "")
    number = number.replace(".", "").replace(",", ".") if decimal_comma else number.replace(",", "")
    try:
        value = float(number)
    except ValueError:
        sep = "decimal comma" if decimal_comma else "decimal point"
        raise ValueError(
            f"{text.strip()!r} is not an amount in this file's format ({sep}, e.g. "
            f"{'12.500,00' if decimal_comma else '12,500.00'})"
        ) from None
    if "-" in (match["sign"], match["sign2"]):
        negative = not negative
    code = match["pre"] or match["post"]
    if code:
        code = SYMBOLS.get(code, code.upper())
    return (-value if negative else value), code


def guess_date_order(values: Iterable[str]) -> str | None:
    """ "mdy" or "dmy" for numeric dates like 05/06/2026: a cell with a first part over 12 means day first.

    None when no cell tells (ISO dates only, or every day number 12 or less)."""
    dmy = mdy = 0
    for value in values:
        match = _NUMERIC.match(value.strip())
        if not match or len(match[1]) > 2:
            continue
        first, second = int(match[1]), int(match[2])
        if value.strip()[len(match[1])] == ".":
            dmy += 1  # 15.12.2026 is always day first
        elif first > 12 >= second:
            dmy += 1
        elif second > 12 >= first:
            mdy += 1
    if dmy == mdy:
        return None
    return "dmy" if dmy > mdy else "mdy"


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def parse_date(text: str, *, order: str = "mdy") -> date:
    """A date from ISO (2026-12-15, with or without a time), numeric in the given order, or with a month name."""
    raw = text.strip()
    try:
        match = _ISO.match(raw)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _NUMERIC.match(raw)
        if match:
            a, b, c = match[1], match[2], match[3]
            if len(a) == 4:
                return date(int(a), int(b), int(c))
            if order == "dmy" or raw[len(a)] == ".":
                return date(_year(c), int(b), int(a))
            return date(_year(c), int(a), int(b))
        if _HAS_LETTER.search(raw):
            return _parse_named_month(raw, order)
    except ValueError:
        pass
    raise ValueError(f"{raw!r} is not a date (expected e.g. {DATE_EXAMPLES.get(order, '2026-12-15')} or 2026-12-15)")


_NO_YEAR = datetime(1900, 1, 1)


def _parse_named_month(raw: str, order: str) -> date:
    # "Dec 15, 2026" or "15-Dec-2026": dateutil reads month names; the 1900 default catches a missing year
    # so that nothing here ever depends on today's date.
    from dateutil import parser

    try:
        parsed = parser.parse(raw, default=_NO_YEAR, dayfirst=order == "dmy")
    except (ValueError, OverflowError):
        raise ValueError(raw) from None
    if parsed.year == 1900:
        raise ValueError(raw)
    return parsed.date()


def parse_percent(text: str, *, decimal_comma: bool = False) -> tuple[float, bool]:
    """The number in a probability cell and whether it carried a % sign ("40 %" -> (40.0, True))."""
    raw = text.strip().translate(_SPACES).replace(" ", "")
    has_sign = raw.endswith("%")
    number = raw.rstrip("%")
    if decimal_comma:
        number = number.replace(",", ".")
    try:
        return float(number), has_sign
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a probability (expected e.g. 40, 40% or 0.4)") from None


_TRUE = {"true", "1", "yes", "y", "x", "wahr", "vrai"}
_FALSE = {"false", "0", "no", "n", "", "falsch", "faux"}


def parse_bool(text: str) -> bool:
    """A Won/Closed flag as Salesforce and spreadsheets write it."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{text.strip()!r} is not true or false (expected e.g. true, false, 1 or 0)")
