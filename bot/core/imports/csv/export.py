"""Writing a baseline's pipeline as a CSV that opens safely in Excel, LibreOffice and Google Sheets.

Owns formula neutralisation (CSV injection): any cell starting with =, +, -, @, tab or carriage return is
prefixed with a single quote, so a deal named "=HYPERLINK(...)" is shown as text, never run. The import side
(`values.unescape_formula`) removes that quote again, so export -> import keeps the deals as they were.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from .values import FORMULA_START

__all__ = ["export_pipeline_csv", "neutralise", "EXPORT_HEADER"]

EXPORT_HEADER = ("Id", "Name", "Amount", "Currency", "Probability (%)", "Close Date", "Stage", "Owner")


def neutralise(value: Any) -> str:
    """The cell text, with a leading quote when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return neutralise(value)
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)


def _percent(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return neutralise(value)
    # round() keeps 0.35 -> "35" rather than "35.00000000000001"; the import divides by 100 again.
    return _number(round(float(value) * 100, 9))


def export_pipeline_csv(baseline: Mapping[str, Any]) -> bytes:
    """The open pipeline of a baseline (DESIGN section 6 dict) as UTF-8 CSV with a BOM (so Excel reads accents)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    currency = baseline.get("currency", "USD")
    for deal in baseline.get("pipeline", []) or []:
        writer.writerow(
            [
                neutralise(deal.get("id")),
                neutralise(deal.get("name")),
                _number(deal.get("amount")),
                neutralise(currency),
                _percent(deal.get("probability")),
                neutralise(deal.get("close_date")),
                neutralise(deal.get("stage")),
                neutralise(deal.get("owner")),
            ]
        )
    return out.getvalue().encode("utf-8-sig")
