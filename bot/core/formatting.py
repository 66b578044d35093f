"""How numbers read on every card: money, percentages, rates, driver values.

Owns the short forms people scan in a channel ("$2.99M", "42%", "9.1") and the rules that keep them honest:
a probability is never shown as "0%" or "100%" unless it is exactly that, because "0%" on a card reads as
"impossible" and makes the team stop arguing. Pure functions, no platform and no engine imports.
"""

from __future__ import annotations

import math

__all__ = ["money", "money_full", "pct", "rate", "driver_value", "number", "CURRENCY_SYMBOLS"]

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}

_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _prefix(currency: str) -> str:
    code = (currency or "USD").upper()
    symbol = CURRENCY_SYMBOLS.get(code)
    return symbol if symbol else f"{code} "


def _three_significant(x: float) -> str:
    """1.23, 12.3, 123: always three significant digits ("2.50", "3.00"), so figures side by side on a card
    ("$3.70M", "$3.00M", "$3.03M") read with the same precision and a rounded one does not look exact."""
    decimals = 2 if round(x, 2) < 10 else 1 if round(x, 1) < 100 else 0
    return f"{x:.{decimals}f}"


def money(x: float, currency: str = "USD") -> str:
    """Short money: "$2.99M", "$812k", "€300k", "$950", "CHF 1.20M", "-$40.0k", "$3.00M" (three significant
    digits, one rule for every card and chart)."""
    x = float(x)
    if not math.isfinite(x):
        return f"{_prefix(currency)}{x}"
    sign = "-" if x < 0 else ""
    value = abs(x)
    for size, unit in _UNITS:
        # 999,600 rounds to 1.00M rather than "1000k": compare against the rounding edge
        if value >= size * 0.9995:
            return f"{sign}{_prefix(currency)}{_three_significant(value / size)}{unit}"
    return f"{sign}{_prefix(currency)}{value:,.0f}"


def money_full(x: float, currency: str = "USD") -> str:
    """Money to the unit with thousands separators: "$2,993,443"."""
    x = float(x)
    sign = "-" if x < 0 else ""
    return f"{sign}{_prefix(currency)}{abs(x):,.0f}"


def pct(p: float) -> str:
    """A probability as a percentage: "42%"; one decimal under 1% and over 99% ("0.4%", "99.6%").

    Never "0%" or "100%" unless p is exactly 0 or 1: a tiny chance prints "<0.1%", a near-certainty ">99.9%".
    """
    p = float(p)
    if p <= 0:
        return "0%"
    if p >= 1:
        return "100%"
    value = p * 100
    if 1 <= value <= 99:
        text = f"{value:.0f}"
        return f"{text}%"
    text = f"{value:.1f}"
    if text == "0.0":
        return "<0.1%"
    if text == "100.0":
        return ">99.9%"
    if text in ("1.0", "99.0"):  # the edges of the whole-number range
        text = text[:-2]
    return f"{text}%"


def rate(x: float) -> str:
    """New opportunities per rep per week, one decimal: "9.1"."""
    return f"{float(x):.1f}"


def number(x: float) -> str:
    """A count or plain quantity: "10", "10.5" (no trailing ".0")."""
    x = float(x)
    return f"{x:,.0f}" if x == round(x) else f"{x:,.1f}"


def _share(x: float) -> str:
    """A rate such as a win rate (0.225) as a percentage with at most one decimal: "22.5%"."""
    text = f"{float(x) * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def driver_value(driver: str, value: object, currency: str = "USD") -> str:
    """A driver's value as the bot echoes it: win rate "25%", deal size "$20k", cycle "4 weeks", reps "10"."""
    if value is None:
        return "—"
    if driver in ("win_rate", "deal"):
        return _share(float(value))  # type: ignore[arg-type]
    if driver in ("target", "booked", "deal_size"):
        return money(float(value), currency)  # type: ignore[arg-type]
    if driver == "new_opps_per_rep_week":
        return rate(float(value))  # type: ignore[arg-type]
    if driver == "cycle_weeks":
        return f"{number(float(value))} weeks"  # type: ignore[arg-type]
    if driver == "reps":
        return number(float(value))  # type: ignore[arg-type]
    return str(value)
