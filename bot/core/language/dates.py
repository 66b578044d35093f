"""Dates in a what-if question: when the period ends.

Owns reading "2027-01-15", "Jan 15", "15 January 2027", "end of January", "today", "tomorrow" (absolute)
and "a week later", "two weeks earlier", "a month later", "extended by 2 weeks", "2 more weeks" (relative to
the baseline's period end). A day and month without a year is the next one on or after the baseline's as_of.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

__all__ = ["read_period_end", "find_date"]

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ISO = re.compile(r"(?<!\d)(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?!\d)")
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}})\b)?")
_DAY_MONTH = re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:,?\s+(?P<year>\d{{4}})\b)?")
_END_OF = re.compile(rf"\bend of\s+(?:(?P<year_word>the\s+year|this\s+year)|{_MONTH}\b(?:,?\s+(?P<year>\d{{4}})\b)?)")
_TODAY = re.compile(r"\b(?P<word>today|tomorrow)\b")
_SHIFT = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>days?|weeks?|wks?|months?|quarters?)\s+"
    r"(?P<dir>later|earlier|sooner|longer|shorter|more|extra|after|before|out|back)\b"
)
_SHIFT_BY = re.compile(
    r"\b(?P<verb>extend(?:s|ed)?|push(?:es|ed)?(?: out| back)?|mov(?:e|es|ed) out|delay(?:s|ed)?|shorten(?:s|ed)?"
    r"|cut|cuts|brought forward|bring forward|pull(?:s|ed)? in)\b.*?\bby\s+(?P<n>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>days?|weeks?|wks?|months?|quarters?)\b"
)
_EXTRA = re.compile(r"\b(?P<dir>more|extra|additional|fewer|less)\s+(?P<unit>days?|weeks?|months?)\b")
_EARLIER = (
    "earlier",
    "sooner",
    "shorter",
    "before",
    "back",
    "shorten",
    "cut",
    "brought",
    "bring",
    "pull",
    "fewer",
    "less",
)


def _next_on_or_after(month: int, day: int, as_of: date) -> tuple[date | None, str | None]:
    for year in (as_of.year, as_of.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= as_of:
            return candidate, None
    return None, f"{calendar.month_name[month]} {day} is not a date"


def _exact(year: int, month: int, day: int) -> tuple[date | None, str | None]:
    try:
        return date(year, month, day), None
    except ValueError:
        return None, f"{year:04d}-{month:02d}-{day:02d} is not a date"


def find_date(text: str, as_of: date, today: date) -> tuple[date | None, str | None]:
    """An absolute date named in `text`, or (None, problem) when one is written but impossible, or (None, None)."""
    m = _ISO.search(text)
    if m:
        return _exact(int(m["y"]), int(m["m"]), int(m["d"]))
    m = _END_OF.search(text)
    if m:
        if m["year_word"]:
            return date(as_of.year, 12, 31), None
        month = _MONTHS[m["month"][:3]]
        if m["year"]:
            year = int(m["year"])
        else:
            year = (
                as_of.year
                if date(as_of.year, month, calendar.monthrange(as_of.year, month)[1]) >= as_of
                else as_of.year + 1
            )
        return date(year, month, calendar.monthrange(year, month)[1]), None
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        m = pattern.search(text)
        if m:
            month, day = _MONTHS[m["month"][:3]], int(m["day"])
            if m["year"]:
                return _exact(int(m["year"]), month, day)
            return _next_on_or_after(month, day, as_of)
    m = _TODAY.search(text)
    if m:
        return (today if m["word"] == "today" else today + timedelta(days=1)), None
    return None, None


def _shift(period_end: date, n: float, unit: str, earlier: bool) -> date:
    sign = -1 if earlier else 1
    if unit.startswith("d"):
        return period_end + timedelta(days=sign * round(n))
    if unit.startswith("w"):
        return period_end + timedelta(days=sign * round(n * 7))
    months = n * (3 if unit.startswith("q") else 1)
    if float(months).is_integer():
        return period_end + relativedelta(months=sign * int(months))
    return period_end + timedelta(days=sign * round(months * 30.4375))


def read_period_end(text: str, as_of: date, period_end: date, today: date) -> tuple[date | None, str | None]:
    """The new period end a clause asks for, or (None, what is missing)."""
    found, problem = find_date(text, as_of, today)
    if found or problem:
        return found, problem
    for pattern in (_SHIFT, _SHIFT_BY):
        m = pattern.search(text)
        if m:
            word = m.groupdict().get("dir") or m.groupdict().get("verb") or ""
            return _shift(period_end, float(m["n"]), m["unit"], word.split()[0] in _EARLIER), None
    m = _EXTRA.search(text)
    if m:
        n = re.search(r"(\d+(?:\.\d+)?)\s+" + m["dir"], text)
        if n:
            return _shift(period_end, float(n.group(1)), m["unit"], m["dir"] in _EARLIER), None
    return None, (
        "I could not tell when the period should end: give a date (e.g. “the quarter ends on 2027-01-15” or "
        "“ends Jan 15”) or a shift (e.g. “the quarter ends a week later”)"
    )
