"""Per-driver choices and the history window of a CSV import: "use fitted X" or "keep current Y", over N weeks.

Owns what the user can change on an import preview before accepting it:
- for each driver fitted from history (win rate, deal size, cycle, new opps per rep per week, reps) whether the
  new baseline takes the fitted value or keeps the current one. The default is the importer's rule (fitted when
  its sample is large enough to trust, or when there is nothing to keep); an explicit choice wins;
- the history window (MIN_WINDOW..MAX_WINDOW weeks before as_of) the drivers are fitted over.

The state that makes a re-fit possible without the file (`fit`: the history rows any window can use, the base
baseline's drivers, the window, the explicit choices and a revision number) is plain JSON kept with the pending
import. `refit` is pure and CPU-bound (one forecast for the new chance): run it in the executor.
"""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta
from typing import Any

from bot.core.baselines.freshness import engine_data, with_sources
from bot.core.imports.csv import CrmRow, Drivers, FittedDriver, fit_drivers
from engine.baseline import BaselineError, baseline_to_dict, parse_baseline
from engine.forecast import forecast

__all__ = [
    "DRIVERS",
    "DRIVER_LABELS",
    "MIN_WINDOW",
    "MAX_WINDOW",
    "DEFAULT_WINDOW",
    "driver_name",
    "window_problem",
    "parse_window",
    "fit_state",
    "choose",
    "driver_sources",
    "refit",
    "p_hit",
    "window_facts",
    "WINDOW_EXAMPLE",
]

DRIVERS = ("win_rate", "deal_size", "cycle_weeks", "new_opps_per_rep_week", "reps")
DRIVER_LABELS = {
    "win_rate": "Win rate",
    "deal_size": "Deal size",
    "cycle_weeks": "Sales cycle",
    "new_opps_per_rep_week": "New opps per rep per week",
    "reps": "Reps",
}
MIN_WINDOW, MAX_WINDOW, DEFAULT_WINDOW = 4, 260, 52
_ALIASES = {"cycle": "cycle_weeks", "rate": "new_opps_per_rep_week", "new_opps": "new_opps_per_rep_week"}
WINDOW_EXAMPLE = "e.g. “/scenario import window 26” for the last 26 weeks"


def driver_name(text: str) -> str | None:
    """'win-rate', 'Win rate', 'win_rate' -> 'win_rate'; None when it names no fitted driver."""
    key = re.sub(r"[\s\-]+", "_", text.strip().lower())
    key = _ALIASES.get(key, key)
    return key if key in DRIVERS else None


def window_problem(text: str) -> str | None:
    """Why `text` is not a history window in weeks, or None."""
    shown = text.strip() or "nothing"
    if not re.fullmatch(r"\d{1,6}", text.strip()):
        return (
            f"The history window must be a whole number of weeks from {MIN_WINDOW} to {MAX_WINDOW}, "
            f"not {shown!r}: {WINDOW_EXAMPLE}."
        )
    weeks = int(text)
    if not MIN_WINDOW <= weeks <= MAX_WINDOW:
        return (
            f"A history window of {weeks} weeks is out of range: give {MIN_WINDOW} to {MAX_WINDOW} weeks "
            f"(about 1 month to 5 years), {WINDOW_EXAMPLE}."
        )
    return None


def parse_window(text: str) -> int:
    """The window in weeks; ValueError with the clear message of `window_problem`."""
    problem = window_problem(text)
    if problem:
        raise ValueError(problem)
    return int(text.strip())


def _row(row: CrmRow) -> list[Any]:
    created = row.created_date.isoformat() if row.created_date else None
    return [row.outcome, row.close_date.isoformat(), created, row.amount, row.owner]


def _history(rows: tuple[CrmRow, ...], as_of: date) -> list[list[Any]]:
    """The rows any window up to MAX_WINDOW weeks can use; older and later rows cannot change a fit."""
    start = as_of - timedelta(days=MAX_WINDOW * 7)
    kept, any_created = [], None
    for row in rows:
        closed = row.outcome != "open" and start <= row.close_date <= as_of
        created = row.created_date is not None and start <= row.created_date <= as_of
        if closed or created:
            kept.append(_row(row))
        elif any_created is None and row.created_date is not None:
            any_created = row
    # fit_drivers says "the file has no created dates" when no row has one: keep one (it counts in no window)
    if any_created is not None and not any(r[2] for r in kept):
        kept.append(_row(any_created))
    return kept


def _rows(history: list[list[Any]]) -> list[CrmRow]:
    return [
        CrmRow(
            line=0,
            id="",
            outcome=outcome,
            close_date=date.fromisoformat(close),
            created_date=date.fromisoformat(created) if created else None,
            amount=amount,
            owner=owner,
        )
        for outcome, close, created, amount, owner in history
    ]


def fit_state(
    rows: tuple[CrmRow, ...],
    base: dict[str, Any] | None,
    *,
    as_of: date,
    window_weeks: int,
    choices: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The JSON kept with a pending import so the drivers can be re-fitted and re-chosen without the file."""
    return {
        "as_of": as_of.isoformat(),
        "window_weeks": window_weeks,
        "base": {name: copy.deepcopy(base[name]) for name in DRIVERS if base and base.get(name) is not None},
        "choices": dict(choices or {}),
        "rev": 0,
        "history": _history(rows, as_of),
    }


def _fitted_value(fitted: FittedDriver) -> Any:
    if fitted.name in ("deal_size", "cycle_weeks"):
        return {"mean": fitted.value, "cv": fitted.cv}
    return fitted.value


def _mean(value: Any) -> Any:
    return value.get("mean") if isinstance(value, dict) else value


def choose(
    candidate: dict[str, Any], drivers: Drivers, base: dict[str, Any], choices: dict[str, str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The candidate baseline with each driver set as chosen, and the preview's driver entries (what was fitted,
    the sample, the warning, the current value, the choice in force and whether it can be toggled). A choice
    that cannot apply (nothing fitted, or nothing to keep) falls back to the default. Raises BaselineError."""
    data = copy.deepcopy(candidate)
    entries = []
    for fitted in drivers.all():
        name = fitted.name
        has_fit, has_base = fitted.value is not None, name in base
        default = "fitted" if has_fit and (fitted.trusted or not has_base) else ("keep" if has_base else None)
        choice = choices.get(name, default)
        if (choice == "fitted" and not has_fit) or (choice == "keep" and not has_base):
            choice = default
        if choice == "fitted":
            data[name] = _fitted_value(fitted)
        elif choice == "keep":
            data[name] = copy.deepcopy(base[name])
        entries.append(
            {
                "name": name,
                "label": DRIVER_LABELS[name],
                "fitted": fitted.value,
                "cv": fitted.cv,
                "sample": fitted.sample,
                "trusted": fitted.trusted,
                "warning": fitted.warning,
                "current": _mean(base.get(name)),
                "choice": choice,
                "default": default,
                "toggle": has_fit and has_base,
                "value": None,
            }
        )
    data = baseline_to_dict(parse_baseline(data))
    for entry in entries:
        entry["value"] = _mean(data.get(entry["name"]))
    return data, entries


def driver_sources(entries: list[dict[str, Any]], base_note: str) -> dict[str, str]:
    """{driver: source} for each driver of the preview that does not come from the file's history."""
    verb = "borrowed from" if base_note.startswith("the sample team") else "kept from"
    return {e["name"]: f"{verb} {base_note}" for e in entries if e.get("choice") != "fitted"}


def p_hit(data: dict[str, Any] | None) -> float | None:
    """P(reach target) of a baseline, or None when there is none or the engine refuses it."""
    if not data:
        return None
    try:
        return forecast(parse_baseline(engine_data(data)), weekly=False, sensitivity=False).p_hit
    except BaselineError:
        return None


def window_facts(drivers: Drivers, window_weeks: int) -> dict[str, Any]:
    """What the preview says about the window: asked for, where it starts, how much history it covers."""
    return {
        "window_weeks": window_weeks,
        "window_start": drivers.window_start.isoformat(),
        "weeks_covered": drivers.weeks,
    }


def refit(
    candidate: dict[str, Any],
    preview: dict[str, Any],
    fit: dict[str, Any],
    *,
    window_weeks: int | None = None,
    driver: str | None = None,
    use: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(candidate, preview, fit) after a new window and/or setting `driver` to `use` ("fitted" or "keep"; None
    flips what the preview shows); the revision goes up. Raises BaselineError when the chosen drivers would not
    make a valid baseline."""
    window = window_weeks or int(fit.get("window_weeks") or DEFAULT_WINDOW)
    as_of = date.fromisoformat(fit["as_of"])
    drivers = fit_drivers(_rows(fit.get("history") or []), as_of=as_of, window_weeks=window)
    choices = dict(fit.get("choices") or {})
    if driver is not None:
        shown = {d["name"]: d.get("choice") for d in preview.get("drivers") or []}
        choices[driver] = use if use in ("fitted", "keep") else "keep" if shown.get(driver) == "fitted" else "fitted"
    data, entries = choose(engine_data(candidate), drivers, fit.get("base") or {}, choices)
    new_preview = {**preview, "drivers": entries, **window_facts(drivers, window), "p_hit": p_hit(data)}
    if "fixed_sources" in preview:  # previews made before sources were kept have none to recompute
        new_preview["sources"] = {**preview["fixed_sources"], **driver_sources(entries, str(preview["base_note"]))}
        start = candidate.get("period_start")
        data = with_sources(data, new_preview["sources"], date.fromisoformat(start) if start else None)
    new_fit = {**fit, "window_weeks": window, "choices": choices, "rev": int(fit.get("rev") or 0) + 1}
    return data, new_preview, new_fit
