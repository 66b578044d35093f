"""A workshop survey's answers as CSV: one row per person, one column per question, formula-safe.

Owns the export's shape. A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
quote (bot.core.imports.csv.neutralise). An anonymous survey's export has no user ids or names and its rows are
sorted by their content, not by when people answered, so the order cannot point at anyone; a named survey's
export starts each row with the person's user id.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.core.imports.csv import neutralise

__all__ = ["answers_csv"]


def answers_csv(workshop: Any, answers: list[Any]) -> str:
    questions = list(workshop.questions)
    header = ["Response" if workshop.anonymous else "Respondent"] + [q.text for q in questions]
    rows = []
    for a in answers:
        cells = []
        for q in questions:
            value = a.answers.get(str(q.position))
            cells.append("" if value is None else value)
        rows.append((a.user_id, cells))
    if workshop.anonymous:
        rows.sort(key=lambda row: json.dumps(row[1], sort_keys=True, default=str))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(h) for h in header])
    for n, (user_id, cells) in enumerate(rows, start=1):
        first = str(n) if workshop.anonymous else neutralise(user_id)
        writer.writerow([first] + [_cell(c) for c in cells])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return neutralise(value)
