"""What an import produced, for the preview and for storing: `ImportResult` and its `to_baseline`.

Owns the period arithmetic (pipeline total and weighted in [as_of, period_end], deals outside it, booked in
the period) and how an import becomes a baseline: fitted drivers replace the current baseline's only when
their sample is large enough to trust, explicit arguments and `overrides` win over both, and the result is
validated by `engine.baseline.parse_baseline` so a stored baseline is always one the engine accepts.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.baseline import BaselineError, Deal, baseline_to_dict, parse_baseline

from .formats import FORMAT_LABELS, Mapping
from .history import CrmRow, Drivers, FittedDriver
from .validate import ImportReport

__all__ = ["Counts", "ImportResult"]


@dataclass(frozen=True, slots=True)
class Counts:
    """Data rows read (header, blank and footer lines excluded) and what became of them."""

    read: int = 0
    open: int = 0
    won: int = 0
    lost: int = 0
    rejected: int = 0


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _money(value: float, currency: str | None) -> str:
    return f"{currency + ' ' if currency else ''}{value:,.0f}"


@dataclass
class ImportResult:
    """The outcome of `parse_crm_csv`. `report.blocked` means nothing can be imported (see `report.file_errors`)."""

    report: ImportReport
    as_of: date
    period_end: date
    period_start: date | None = None
    format: str = "unknown"
    mapping: Mapping | None = None
    needs_mapping: bool = False
    rows: tuple[CrmRow, ...] = ()
    counts: Counts = field(default_factory=Counts)
    currency: str | None = None
    drivers: Drivers | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_line: int | None = None
    deals: tuple[Deal, ...] = field(init=False)
    history: tuple[CrmRow, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.deals = tuple(
            Deal(
                id=r.id,
                amount=r.amount or 0.0,
                probability=r.probability if r.probability is not None else 0.0,
                close_date=r.close_date,
                name=r.name,
                stage=r.stage,
                owner=r.owner,
            )
            for r in self.rows
            if r.outcome == "open"
        )
        self.history = tuple(r for r in self.rows if r.outcome != "open")

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.format, self.format)

    @property
    def in_period(self) -> tuple[Deal, ...]:
        return tuple(d for d in self.deals if self.as_of <= d.close_date <= self.period_end)

    @property
    def outside_period(self) -> tuple[Deal, ...]:
        """Open deals the forecast ignores: overdue (close date before as_of) or closing after period_end."""
        return tuple(d for d in self.deals if not self.as_of <= d.close_date <= self.period_end)

    @property
    def pipeline_total(self) -> float:
        return sum(d.amount for d in self.in_period)

    @property
    def pipeline_weighted(self) -> float:
        return sum(d.amount * d.probability for d in self.in_period)

    @property
    def booked_in_period(self) -> float | None:
        """Won amounts closed in [period_start, as_of]; None without a period start (keep the baseline's booked)."""
        if self.period_start is None:
            return None
        return sum(
            r.amount or 0.0
            for r in self.history
            if r.outcome == "won" and self.period_start <= r.close_date <= self.as_of
        )

    def _driver(self, fitted: FittedDriver, base: dict[str, Any], key: str) -> Any:
        if fitted.value is None or (not fitted.trusted and key in base):
            return base.get(key)
        if key in ("deal_size", "cycle_weeks"):
            return {"mean": fitted.value, "cv": fitted.cv}
        return fitted.value

    def to_baseline(
        self,
        base: dict[str, Any] | None = None,
        *,
        target: float | None = None,
        booked: float | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """DESIGN section 6 JSON: the imported pipeline and as_of/period_end, with drivers from, in order of
        precedence, `overrides`, the fitted value when its sample is trusted, `base`, the fitted value anyway.
        `booked` defaults to `booked_in_period` when a period start was given, else to base's booked.
        Raises `engine.baseline.BaselineError` listing what is missing or wrong."""
        if self.report.blocked:
            raise BaselineError([f"import: {message}" for message in self.report.file_errors])
        base = copy.deepcopy(base or {})
        data: dict[str, Any] = {key: value for key, value in base.items() if key != "pipeline"}
        data["as_of"], data["period_end"] = self.as_of.isoformat(), self.period_end.isoformat()
        data["currency"] = self.currency or base.get("currency", "USD")
        if target is not None:
            data["target"] = target
        if booked is None:
            booked = self.booked_in_period
        data["booked"] = booked if booked is not None else base.get("booked", 0)
        problems = []
        assert self.drivers is not None
        for fitted in self.drivers.all():
            value = self._driver(fitted, base, fitted.name)
            if value is not None:
                data[fitted.name] = value
            elif fitted.name not in (overrides or {}):
                why = fitted.warning or "nothing to fit it from"
                problems.append(f"{fitted.name}: not in the file's history ({why}); give it in overrides")
        for key, value in (overrides or {}).items():
            if key in ("deal_size", "cycle_weeks") and isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        if "target" not in data:
            problems.append("target: required; pass target=... (e.g. 2000000)")
        if problems:
            raise BaselineError(problems)
        data["pipeline"] = [
            {
                "id": d.id,
                "name": d.name,
                "amount": d.amount,
                "probability": d.probability,
                "close_date": d.close_date.isoformat(),
                **({"stage": d.stage} if d.stage is not None else {}),
                **({"owner": d.owner} if d.owner is not None else {}),
            }
            for d in self.deals
        ]
        return baseline_to_dict(parse_baseline(data))

    def summary(self) -> str:
        """The preview as plain text: what was read, what would be imported, what was rejected and why."""
        if self.report.blocked:
            lines = [f"Nothing imported. {self.report.to_text()}"]
            if self.needs_mapping and self.mapping is not None:
                lines.append("Suggested columns:\n" + self.mapping.describe())
            return "\n".join(lines)
        c, cur = self.counts, self.currency
        lines = [
            f"{self.format_label}: {_n(c.read, 'row')} read: {c.open:,} open, {c.won:,} won, {c.lost:,} lost, "
            f"{c.rejected:,} rejected.",
            f"Pipeline closing {self.as_of.isoformat()} to {self.period_end.isoformat()}: "
            f"{_n(len(self.in_period), 'deal')}, {_money(self.pipeline_total, cur)} total, "
            f"{_money(self.pipeline_weighted, cur)} weighted.",
        ]
        outside = self.outside_period
        if outside:
            overdue = sum(d.close_date < self.as_of for d in outside)
            lines.append(
                f"{_n(len(outside), 'open deal')} close outside the period ({overdue:,} overdue, "
                f"{len(outside) - overdue:,} later) and are left out of the forecast."
            )
        booked = self.booked_in_period
        if booked is not None and self.period_start is not None:  # (there is a booked figure only with a start)
            lines.append(f"Booked since {self.period_start.isoformat()}: {_money(booked, cur)}.")
        if self.drivers is not None:
            d = self.drivers
            parts = []
            if d.win_rate.value is not None:
                parts.append(f"win rate {d.win_rate.value:.0%} (from {d.win_rate.sample} closed)")
            if d.deal_size.value is not None:
                parts.append(f"deal size {_money(d.deal_size.value, cur)} (from {d.deal_size.sample} won)")
            if d.cycle_weeks.value is not None:
                parts.append(f"cycle {d.cycle_weeks.value:.1f} weeks")
            if d.new_opps_per_rep_week.value is not None:
                parts.append(
                    f"{d.new_opps_per_rep_week.value:.2f} new opportunities per rep per week ({d.reps.sample} reps)"
                )
            if parts:
                lines.append(f"From the last {d.weeks:g} weeks: " + ", ".join(parts) + ".")
            lines += [f"Note: {w}" for w in d.warnings]
        if self.report.row_errors or self.report.warnings:
            lines.append(self.report.to_text())
        return "\n".join(lines)
