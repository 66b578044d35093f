"""The decision log as CSV: the same file for `/scenario decisions export` and `python -m bot decisions export`.

Owns the columns and formula neutralisation (CSV injection): a cell starting with =, +, -, @, tab or carriage
return gets a leading quote (the pipeline export's rule, bot.core.imports.csv.neutralise), so a decision typed as
"=HYPERLINK(...)" opens as text in Excel, LibreOffice and Google Sheets. People are their platform ids (Slack
member ids, Teams object ids): the operator's CLI has no platform to ask names of, and both give one file.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.core.decisions.cards import figures_text
from bot.core.imports.csv import neutralise

__all__ = ["HEADER", "decisions_csv", "export_rows", "file_name"]

HEADER = (
    "Id",
    "Decided at",
    "Decision",
    "Text",
    "Scenario",
    "P(reach target)",
    "Decided by",
    "Owner",
    "Due date",
    "Status",
    "Done at",
    "Done by",
    "Baseline version",
)


def file_name(channel_id: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in channel_id)[:60] or "channel"
    return f"decisions-{safe}.csv"


def decisions_csv(decisions: list[Any], scenarios: dict[int, Any]) -> bytes:
    """`decisions` (newest first, storage Decision records) with their scenarios by decision id, as UTF-8 CSV with
    a BOM (so Excel reads accents)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for d in decisions:
        scenario = scenarios.get(d.id)
        writer.writerow(
            [
                str(d.id),
                d.created_at.isoformat(timespec="seconds"),
                d.kind,
                neutralise(d.text),
                neutralise(scenario.question if scenario is not None else ""),
                neutralise(figures_text(scenario.summary) if scenario is not None else "") or "",
                neutralise(d.decided_by),
                neutralise(d.owner_id),
                d.due_date.isoformat(),
                d.status,
                d.done_at.isoformat(timespec="seconds") if d.done_at else "",
                neutralise(d.done_by or ""),
                "" if d.baseline_version is None else str(d.baseline_version),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


async def export_rows(storage: Any, workspace_id: int, channel_id: str) -> bytes:
    """The channel's whole decision log as CSV (newest first)."""
    decisions = await storage.decisions.list(workspace_id, channel_id)
    scenarios: dict[int, Any] = {}
    for d in decisions:
        if d.scenario_id is not None:
            scenario = await storage.scenarios.get(workspace_id, d.scenario_id)
            if scenario is not None:
                scenarios[d.id] = scenario
    return decisions_csv(decisions, scenarios)
