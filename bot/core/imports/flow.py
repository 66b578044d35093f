"""Preparing a CSV import for the preview: which period, which baseline it builds on, what the card shows.

Owns the rules shared by the chat (Slack, Teams, console), `baseline import FILE.csv` and `ask --csv`:
- an export is as of the day it is imported (`as_of`: today, or `--as-of` on the CLI, or the file's own newest
  date when asked for with `as_of="file"`); nothing keeps an older baseline's `as_of`;
- the period: it ends when the channel's baseline's period ends (if that is not over yet), else at the end
  of the quarter; it began on the baseline's `period_start`, else on the first day of that quarter;
- `booked` = the won deals in the file closed since the period began; only a file without any closed deals
  keeps the baseline's booked, and says so;
- what the new baseline builds on: the channel's latest baseline, else the shipped sample team (for the
  target and any driver the file's history cannot give); every value it borrows is marked with its source
  on the preview and in the stored baseline (`sources`, bot.core.baselines.freshness);
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

from bot.core.baselines.freshness import day_label, engine_data, with_sources
from bot.core.imports.choices import (
    DEFAULT_WINDOW,
    DRIVER_LABELS,
    choose,
    driver_sources,
    fit_state,
    p_hit,
    window_facts,
)
from bot.core.imports.csv import MAX_BYTES, ImportResult, parse_crm_csv
from engine.baseline import BaselineError

__all__ = [
    "PreparedImport",
    "prepare_import",
    "import_period",
    "quarter_bounds",
    "newest_date",
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


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def import_period(base: dict[str, Any] | None, as_of: date) -> tuple[date, date, date, str]:
    """(as_of, period_end, period_start, a sentence saying where the period came from). The export is as of
    `as_of`, whatever the baseline's own as_of was; the period keeps the baseline's end while it lasts."""
    end = _day((base or {}).get("period_end"))
    if end is not None and end > as_of:
        start = _day((base or {}).get("period_start"))
        start_note = f"began {day_label(start)}" if start else ""
        if start is None or start > as_of:
            start = quarter_bounds(end)[0] if quarter_bounds(end)[0] <= as_of else quarter_bounds(as_of)[0]
            start_note = f"taken to begin {day_label(start)}, the start of its quarter"
        return as_of, end, start, f"the channel's baseline period, to {day_label(end)}; {start_note}"
    start, end = quarter_bounds(as_of)
    if end <= as_of:  # the last day of a quarter: forecast the next one rather than an empty period
        start, end = quarter_bounds(end + timedelta(days=1))
    ended = _day((base or {}).get("period_end"))
    why = f"the baseline's period ended {day_label(ended)}" if ended is not None else "no baseline yet"
    return as_of, end, start, f"{why}: to the end of the quarter"


def newest_date(result: ImportResult, today: date) -> date | None:
    """The file's own "as of": its newest close or created date that is not after today (None when none)."""
    days = [r.close_date for r in result.rows if r.outcome != "open"]
    days += [r.created_date for r in result.rows if r.created_date is not None]
    days = [d for d in days if d <= today]
    return max(days) if days else None


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
        "period_start": result.period_start.isoformat() if result.period_start else None,
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


def _as_of(
    data: bytes, base: dict[str, Any] | None, today: date, as_of: date | str | None, window: int
) -> tuple[tuple[date, date, date, str], str, ImportResult]:
    """(as_of, a sentence saying why, the parsed result): today unless a date or "file" (the newest date the file
    holds, for an export made earlier than it is imported) is asked for."""
    day = today if as_of in (None, "file") else as_of
    assert isinstance(day, date)
    period = import_period(base, day)
    result = parse_crm_csv(data, as_of=day, period_end=period[1], period_start=period[2], window_weeks=window)
    if as_of == "file" and not result.report.blocked:
        newest = newest_date(result, today)
        if newest is not None and newest != day:
            day, period = newest, import_period(base, newest)
            result = parse_crm_csv(data, as_of=day, period_end=period[1], period_start=period[2], window_weeks=window)
        return period, "the file's newest date", result
    return period, ("the day it was imported" if as_of is None or day == today else "as given"), result


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
    as_of: date | str | None = None,
) -> PreparedImport:
    """Parse `data` against `base` (the channel's latest baseline, or None: then `fallback`, the sample team,
    gives the target and the drivers the history cannot) and build the preview and the candidate baseline,
    as of `as_of` (default `today`; "file": the file's newest date), with drivers fitted over the last
    `window_weeks` (default 52) and `choices` ({driver: "fitted"|"keep"}) overriding the default rule (fitted
    when its sample is large enough to trust). The candidate carries `sources` (where each borrowed value came
    from) and `period_start`; bot.core.baselines.freshness.engine_data strips them for the engine."""
    window = window_weeks or DEFAULT_WINDOW
    (as_of_day, period_end, period_start, period_note), as_of_note, result = _as_of(data, base, today, as_of, window)
    start = engine_data(base or fallback or {}) or None
    base_note = base_label if base else "the sample team (this channel has no baseline yet)"
    preview = _preview(result, name, period_note, base_note)
    preview["as_of_note"] = as_of_note
    if result.report.blocked:
        if result.needs_mapping and result.mapping is not None:
            preview["mapping"] = result.mapping.describe()
        problem = "; ".join(result.report.file_errors)
        return PreparedImport(
            preview, problem=problem, needs_mapping=result.needs_mapping, report_text=result.report.to_text()
        )
    assert result.drivers is not None
    fit = fit_state(result.rows, start, as_of=as_of_day, window_weeks=window, choices=choices)
    # booked comes from the file's won deals since the period began; a file with no closed deals at all (a
    # pipeline-only report) cannot say what was won, so the baseline's booked is kept and marked as such
    booked = None if result.history or not start else start.get("booked", 0)
    fixed = {"target": f"borrowed from {base_note}" if not base else f"kept from {base_note}"}
    if booked is not None:
        fixed["booked"] = f"kept from {base_note}: the file has no closed deals"
    try:
        engine_candidate = result.to_baseline(start, booked=booked)
        candidate, preview["drivers"] = choose(engine_candidate, result.drivers, fit["base"], fit["choices"])
    except BaselineError as exc:
        preview["drivers"] = _drivers(result)
        problem = "the new baseline would not be valid: " + "; ".join(exc.problems)
        return PreparedImport(preview, candidate=None, problem=problem, report_text=result.report.to_text())
    preview.update(window_facts(result.drivers, window))
    preview["target"] = candidate.get("target")
    preview["booked_from_file"] = booked is None
    preview["booked"] = candidate.get("booked")
    preview["deals"] = len(candidate.get("pipeline") or [])
    preview["fixed_sources"] = fixed
    preview["sources"] = {**fixed, **driver_sources(preview["drivers"], base_note)}
    preview["p_hit"] = p_hit(candidate)
    preview["p_hit_before"] = p_hit(base)
    candidate = with_sources(candidate, preview["sources"], period_start)
    return PreparedImport(preview, candidate=candidate, report_text=result.report.to_text(), fit=fit)
