"""Preparing a CSV import for the preview: which period, which baseline it builds on, what the card shows.

Owns the rules shared by the chat (Slack, Teams, console), `baseline import FILE.csv` and `ask --csv`:
- the period: the channel's baseline's `as_of` and `period_end` when it has one; without one, today and the
  end of the current quarter (and `booked` = won deals since the quarter began), and the preview says so;
- what the new baseline builds on: the channel's latest baseline, else the shipped sample team (for the
  target and any driver the file's history cannot give), and the preview says that too;
- rejected rows do not block: the other rows import when accepted (docs/csv-import.md); a file-level error
  or a baseline the engine refuses gives `problem` and no candidate;
- the preview as plain JSON (stored with the pending import, rendered by bot.core.imports.cards);
- the history window the drivers are fitted over and the per-driver choices (bot.core.imports.choices), with the
  state that lets the chat re-fit or re-choose later without the file (`PreparedImport.fit`).

`prepare_import` is one picklable, CPU-bound call (parse, validate, fit, two forecasts): run it in the
executor. `csv_file_problem` is the cheap check adapters make before downloading anything.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.core.imports.choices import DEFAULT_WINDOW, DRIVER_LABELS, choose, fit_state, p_hit, window_facts
from bot.core.imports.csv import MAX_BYTES, ImportResult, parse_crm_csv
from engine.baseline import BaselineError

__all__ = [
    "PreparedImport",
    "prepare_import",
    "import_period",
    "quarter_bounds",
    "csv_file_problem",
    "CSV_SUFFIXES",
    "MAX_BYTES",
    "ROW_ERRORS_SHOWN",
]

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_MB = 1024 * 1024  # the importer's limit is 50 * 1024 * 1024 bytes: say "50 MB" as people count it
ROW_ERRORS_SHOWN = 10  # in the chat preview; the CLI prints the importer's full capped report


def csv_file_problem(name: str, size: int | None, max_bytes: int = MAX_BYTES) -> str | None:
    """Why a shared file cannot be imported (not a CSV, too big), or None. Checked before downloading."""
    shown = name or "that file"
    if not (name or "").lower().endswith(CSV_SUFFIXES):
        return (
            f"{shown} is not a CSV file, so I cannot import it. Export your opportunities as CSV "
            "(Salesforce: Export > Details only > Comma Delimited .csv; HubSpot: Export > CSV) and upload that."
        )
    if size is not None and size > max_bytes:
        return (
            f"{shown} is {size / _MB:,.1f} MB; I import files up to {max_bytes / _MB:,.0f} MB. "
            "Filter the report (e.g. to the last 12 months and this quarter's pipeline) and upload it again."
        )
    return None


def quarter_bounds(today: date) -> tuple[date, date]:
    """The first and last day of `today`'s calendar quarter."""
    first_month = (today.month - 1) // 3 * 3 + 1
    last_month = first_month + 2
    return date(today.year, first_month, 1), date(
        today.year, last_month, calendar.monthrange(today.year, last_month)[1]
    )


def import_period(base: dict[str, Any] | None, today: date) -> tuple[date, date, date | None, str]:
    """(as_of, period_end, period_start or None, a sentence saying where the period came from)."""
    if base and base.get("as_of") and base.get("period_end"):
        as_of, end = date.fromisoformat(str(base["as_of"])), date.fromisoformat(str(base["period_end"]))
        return as_of, end, None, "the period of the channel's baseline"
    start, end = quarter_bounds(today)
    if end <= today:  # the last day of a quarter: forecast the next one rather than an empty period
        start, end = quarter_bounds(end + timedelta(days=1))
    return today, end, start, "no baseline yet: today to the end of the quarter"


@dataclass(frozen=True)
class PreparedImport:
    """What the preview needs: `candidate` is the baseline to store on accept (None when nothing can be
    imported, then `problem` says why); `preview` is plain JSON for the card; `needs_mapping` marks an
    unknown layout (then `preview["mapping"]` lists the suggested columns)."""

    preview: dict[str, Any]
    candidate: dict[str, Any] | None = None
    problem: str | None = None
    needs_mapping: bool = False
    report_text: str = ""
    fit: dict[str, Any] | None = None


def _drivers(result: ImportResult) -> list[dict[str, Any]]:
    """Each fitted driver with its sample, when no baseline can be built (the preview of a refusal)."""
    out = []
    assert result.drivers is not None
    for fitted in result.drivers.all():
        out.append(
            {
                "name": fitted.name,
                "label": DRIVER_LABELS.get(fitted.name, fitted.name),
                "fitted": fitted.value,
                "cv": fitted.cv,
                "sample": fitted.sample,
                "trusted": fitted.trusted,
                "warning": fitted.warning,
                "value": None,
            }
        )
    return out


def _preview(result: ImportResult, name: str, period_note: str, base_note: str) -> dict[str, Any]:
    c = result.counts
    outside = result.outside_period
    overdue = sum(d.close_date < result.as_of for d in outside)
    return {
        "source": name,
        "format": result.format_label,
        "currency": result.currency,
        "as_of": result.as_of.isoformat(),
        "period_end": result.period_end.isoformat(),
        "period_note": period_note,
        "base_note": base_note,
        "counts": {"read": c.read, "open": c.open, "won": c.won, "lost": c.lost, "rejected": c.rejected},
        "in_period": len(result.in_period),
        "pipeline_total": result.pipeline_total,
        "pipeline_weighted": result.pipeline_weighted,
        "outside": {"count": len(outside), "overdue": overdue, "later": len(outside) - overdue},
        "booked": result.booked_in_period,
        "report": result.report.to_dict(cap=ROW_ERRORS_SHOWN),
    }


def prepare_import(
    data: bytes,
    *,
    name: str,
    base: dict[str, Any] | None,
    today: date,
    fallback: dict[str, Any] | None = None,
    base_label: str = "this channel's baseline",
    window_weeks: int | None = None,
    choices: dict[str, str] | None = None,
) -> PreparedImport:
    """Parse `data` against `base` (the channel's latest baseline, or None: then `fallback`, the sample team,
    gives the target and the drivers the history cannot) and build the preview and the candidate baseline,
    with drivers fitted over the last `window_weeks` (default 52) and `choices` ({driver: "fitted"|"keep"})
    overriding the default rule (fitted when its sample is large enough to trust)."""
    as_of, period_end, period_start, period_note = import_period(base, today)
    window = window_weeks or DEFAULT_WINDOW
    result = parse_crm_csv(data, as_of=as_of, period_end=period_end, period_start=period_start, window_weeks=window)
    start = base or fallback
    base_note = base_label if base else "the sample team (this channel has no baseline yet)"
    preview = _preview(result, name, period_note, base_note)
    if result.report.blocked:
        if result.needs_mapping and result.mapping is not None:
            preview["mapping"] = result.mapping.describe()
        problem = "; ".join(result.report.file_errors)
        return PreparedImport(
            preview, problem=problem, needs_mapping=result.needs_mapping, report_text=result.report.to_text()
        )
    assert result.drivers is not None
    fit = fit_state(result.rows, start, as_of=as_of, window_weeks=window, choices=choices)
    try:
        candidate, preview["drivers"] = choose(result.to_baseline(start), result.drivers, fit["base"], fit["choices"])
    except BaselineError as exc:
        preview["drivers"] = _drivers(result)
        problem = "the new baseline would not be valid: " + "; ".join(exc.problems)
        return PreparedImport(preview, problem=problem, report_text=result.report.to_text())
    preview.update(window_facts(result.drivers, window))
    preview["target"] = candidate.get("target")
    preview["booked_from_file"] = preview["booked"] is not None
    preview["booked"] = candidate.get("booked")
    preview["deals"] = len(candidate.get("pipeline") or [])
    preview["p_hit"] = p_hit(candidate)
    preview["p_hit_before"] = p_hit(base)
    return PreparedImport(preview, candidate=candidate, report_text=result.report.to_text(), fit=fit)
