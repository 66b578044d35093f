"""The echo of a change: one human line per change ("win rate 25% → 20%", "reps 10 → 13").

Owns how the parser shows what it understood, so a wrong reading is visible at once. Amounts are shown to
the unit ("$2,000,000 → $2,500,000") because a short form ("$2M") would hide a misread digit.
"""

from __future__ import annotations

from datetime import date

from bot.core.formatting import money_full
from engine.baseline import Deal
from engine.changes import DRIVERS

__all__ = ["value_text", "change_line", "deal_line", "share"]


def _trim(x: float, decimals: int = 2) -> str:
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def share(x: float) -> str:
    """0.225 -> "22.5%", 0.2475 -> "24.75%"."""
    return f"{_trim(float(x) * 100)}%"


def value_text(driver: str, value: object, currency: str) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, int | float):
        return str(value)
    kind = DRIVERS.get(driver, ("", ""))[1]
    if kind in ("rate", "probability"):
        return share(value)
    if kind == "money":
        return money_full(value, currency) if abs(value) >= 100 or float(value).is_integer() else f"{value:.2f}"
    if kind == "weeks":
        return f"{_trim(value)} week" + ("" if value == 1 else "s")
    return _trim(value)


def change_line(driver: str, from_: object, to: object, currency: str, note: str = "") -> str:
    label = DRIVERS[driver][0]
    line = f"{label} {value_text(driver, from_, currency)} → {value_text(driver, to, currency)}"
    return f"{line} ({note})" if note else line


def deal_line(deal: Deal, outcome: str, to: float) -> str:
    name = f"{deal.name} ({deal.id})" if deal.name else deal.id
    return f"{name} {outcome}: {share(deal.probability)} → {share(to)}"
