"""Forecast drivers fitted from the CRM's history: win rate, deal size, sales cycle, new opportunities per rep.

Owns the statistics and their honesty: each driver comes with the sample it was fitted on and a warning when
that sample is too small to trust, so the preview can say "win rate 24% (from 31 closed deals)" or
"only 6 won deals: keep your own deal size". Everything is computed over a window before `as_of`
(default the last 52 weeks) that the user can change.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

__all__ = ["CrmRow", "FittedDriver", "Drivers", "fit_drivers", "MIN_CLOSED", "MIN_WON", "MIN_CREATED"]

DEFAULT_WINDOW_WEEKS = 52
MIN_CLOSED = 20  # fewer closed deals than this make a win rate too noisy (a 95% interval wider than +-20 points)
MIN_WON = 10
MIN_CREATED = 20


@dataclass(frozen=True, slots=True)
class CrmRow:
    """One accepted row of the export: `outcome` is "open", "won" or "lost"; `line` where it starts in the file."""

    line: int
    id: str
    outcome: str
    close_date: date
    amount: float | None = None
    probability: float | None = None
    created_date: date | None = None
    name: str = ""
    stage: str | None = None
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class FittedDriver:
    """A driver's fitted value (None when nothing to fit from), its cv where it is a distribution, and its sample."""

    name: str
    value: float | None
    sample: int
    cv: float | None = None
    warning: str | None = None

    @property
    def trusted(self) -> bool:
        return self.value is not None and self.warning is None

    def to_dict(self) -> dict[str, Any]:
        out = {"value": self.value, "sample": self.sample, "warning": self.warning}
        if self.cv is not None:
            out["cv"] = self.cv
        return out


@dataclass(frozen=True, slots=True)
class Drivers:
    """The fitted drivers over [window_start, as_of]; `weeks` is the span the history actually covers."""

    window_start: date
    as_of: date
    weeks: float
    win_rate: FittedDriver
    deal_size: FittedDriver
    cycle_weeks: FittedDriver
    new_opps_per_rep_week: FittedDriver
    reps: FittedDriver

    def all(self) -> tuple[FittedDriver, ...]:
        return (self.win_rate, self.deal_size, self.cycle_weeks, self.new_opps_per_rep_week, self.reps)

    @property
    def warnings(self) -> list[str]:
        return [d.warning for d in self.all() if d.warning]

    def to_dict(self) -> dict[str, Any]:
        return {
            "window_start": self.window_start.isoformat(),
            "as_of": self.as_of.isoformat(),
            "weeks": self.weeks,
            **{d.name: d.to_dict() for d in self.all()},
        }


def _mean_cv(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    mean = statistics.fmean(values)
    if len(values) < 2 or mean <= 0:
        return mean, None
    return mean, statistics.stdev(values) / mean


def _small(count: int, minimum: int, what: str, keep: str) -> str | None:
    if count >= minimum:
        return None
    if count == 1:
        what = what.replace("deals", "deal").replace("opportunities", "opportunity")
    return f"only {count} {what} in the history window (at least {minimum} needed to trust it): {keep}"


def fit_drivers(rows: Iterable[CrmRow], *, as_of: date, window_weeks: float | None = None) -> Drivers:
    """Fit the drivers from every accepted row (open ones count as created opportunities)."""
    rows = list(rows)
    weeks = float(window_weeks or DEFAULT_WINDOW_WEEKS)
    window_start = as_of - timedelta(days=round(weeks * 7))
    won: list[CrmRow] = []
    lost = 0
    created: list[tuple[date, CrmRow]] = []  # with its created date (rows without one are not counted)
    any_created = False
    for row in rows:
        any_created = any_created or row.created_date is not None
        if row.outcome != "open" and window_start <= row.close_date <= as_of:
            if row.outcome == "won":
                won.append(row)
            else:
                lost += 1
        if row.created_date is not None and window_start <= row.created_date <= as_of:
            created.append((row.created_date, row))

    closed = len(won) + lost
    win_rate = FittedDriver(
        "win_rate",
        round(len(won) / closed, 4) if closed else None,
        closed,
        warning=_small(closed, MIN_CLOSED, "closed deals", "keep your own win rate"),
    )

    sizes = [r.amount for r in won if r.amount is not None and r.amount > 0]
    size_mean, size_cv = _mean_cv(sizes)
    deal_size = FittedDriver(
        "deal_size",
        round(size_mean, 2) if size_mean is not None and size_cv else None,
        len(sizes),
        cv=round(size_cv, 3) if size_cv else None,
        warning=_small(len(sizes), MIN_WON, "won deals with an amount", "keep your own deal size"),
    )

    # Close before creation happens after data migrations; such rows say nothing about the cycle.
    cycles = [
        (r.close_date - r.created_date).days / 7
        for r in won
        if r.created_date is not None and r.close_date >= r.created_date
    ]
    cycle_mean, cycle_cv = _mean_cv(cycles)
    no_created = " (the file has no created date)" if won and not any(r.created_date for r in won) else ""
    cycle = FittedDriver(
        "cycle_weeks",
        round(cycle_mean, 2) if cycle_mean and cycle_cv else None,
        len(cycles),
        cv=round(cycle_cv, 3) if cycle_cv else None,
        warning=_small(len(cycles), MIN_WON, f"won deals with a created date{no_created}", "keep your own cycle"),
    )

    # The rate is over the weeks the file really covers, not the window asked for: a CRM started 10 weeks ago
    # has 10 weeks, not 52. An export filtered to deals closed in the last 17 weeks (plus the open ones) holds
    # every opportunity created in those 17 weeks but only some created before (those still open or closed
    # late), so its coverage starts at its oldest close date: counting older creations over 52 weeks would
    # divide a 17-week count by 52 and give a third of the real rate. Dropping the weeks before the oldest close
    # drops their creations too, so an unfiltered export loses nothing; a handful of closed deals (fewer than
    # MIN_CLOSED) says too little about where the export starts to cut anything.
    closes = [r.close_date for r in rows if r.outcome != "open"]
    oldest_close = min(closes) if len(closes) >= MIN_CLOSED else None
    span_start = max(window_start, min((day for day, _ in created), default=as_of))
    if oldest_close is not None and oldest_close > span_start:
        span_start = min(oldest_close, as_of)
        created = [(day, r) for day, r in created if day >= span_start]
    span_weeks = max((as_of - span_start).days / 7, 1.0)
    owners = {r.owner for _, r in created if r.owner}
    rate_value = round(len(created) / span_weeks / len(owners), 3) if owners else None
    rate_warning = _small(len(created), MIN_CREATED, "opportunities created", "keep your own rate")
    if not created and not any_created:
        rate_warning = "the file has no created dates, so new opportunities per week cannot be counted"
    elif rate_warning is None and not owners:
        rate_warning = "the file has no owners, so the rate per rep cannot be computed: keep your own rate"
    new_opps = FittedDriver("new_opps_per_rep_week", rate_value, len(created), warning=rate_warning)
    # Reps and the rate per rep are two halves of one measurement (created opportunities by owner): a history
    # too thin to trust the rate is too thin to replace the team's head count either.
    reps_warning = "no owners in the history window: keep your own number of reps" if not owners else None
    if reps_warning is None:
        reps_warning = _small(len(created), MIN_CREATED, "opportunities created", "keep your own number of reps")
    reps = FittedDriver("reps", float(len(owners)) if owners else None, len(owners), warning=reps_warning)
    return Drivers(
        window_start=window_start,
        as_of=as_of,
        weeks=round(span_weeks, 2),
        win_rate=win_rate,
        deal_size=deal_size,
        cycle_weeks=cycle,
        new_opps_per_rep_week=new_opps,
        reps=reps,
    )
