"""What-if changes as data: `{"driver", "from", "to"}` (plus `"deal"` for one deal), applied to a baseline.

Owns the list of drivers a question may change and the rule for applying each. A deal change sets the
deal's probability: 0 when it is lost or slips past period_end, 1 when it is won. A reps change that adds
reps records them as hires (engine.baseline.Hire) so the forecast ramps them up; one that removes reps takes
the newest hires first, then established reps, and they stop creating opportunities at once (DESIGN section 2).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from engine.baseline import Baseline, BaselineError, Distribution, Hire

__all__ = ["Change", "DRIVERS", "apply_changes", "change_reps", "current_value", "change_from_dict"]

# driver -> (human label, kind); kinds: "money", "count", "rate", "weeks", "date", "probability"
DRIVERS: dict[str, tuple[str, str]] = {
    "target": ("target", "money"),
    "booked": ("booked", "money"),
    "reps": ("reps", "count"),
    "new_opps_per_rep_week": ("new opportunities per rep per week", "count"),
    "win_rate": ("win rate", "rate"),
    "deal_size": ("deal size", "money"),
    "cycle_weeks": ("sales cycle", "weeks"),
    "period_end": ("period end", "date"),
    "deal": ("deal", "probability"),
}


@dataclass(frozen=True, slots=True)
class Change:
    """One change to one driver. `deal` names the deal id when driver == "deal"; `start` is when added reps
    start (driver == "reps" only; None: the first week end after as_of)."""

    driver: str
    from_: Any
    to: Any
    deal: str | None = None
    start: date | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"driver": self.driver, "from": _jsonable(self.from_), "to": _jsonable(self.to)}
        if self.deal is not None:
            out["deal"] = self.deal
        if self.start is not None:
            out["start"] = self.start.isoformat()
        return out


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def change_from_dict(data: dict[str, Any]) -> Change:
    driver = data.get("driver")
    if driver not in DRIVERS:
        raise BaselineError([f"driver: unknown driver {driver!r} (known: {', '.join(DRIVERS)})"])
    to, from_ = data.get("to"), data.get("from")
    if driver == "period_end":
        to = date.fromisoformat(to) if isinstance(to, str) else to
        from_ = date.fromisoformat(from_) if isinstance(from_, str) else from_
    start = data.get("start")
    if start is not None:
        if driver != "reps":
            raise BaselineError([f"start: only a reps change has a start date, not a {driver} change"])
        if isinstance(start, str):
            try:
                start = date.fromisoformat(start.strip())
            except ValueError:
                start = None
        if not isinstance(start, date):
            raise BaselineError([f"start: expected a date like 2026-12-01, got {data.get('start')!r}"])
    return Change(driver=driver, from_=from_, to=to, deal=data.get("deal"), start=start)


def current_value(baseline: Baseline, driver: str, deal: str | None = None) -> Any:
    """The baseline's value of a driver (a deal's probability for driver "deal")."""
    if driver == "deal":
        for d in baseline.pipeline:
            if d.id == deal:
                return d.probability
        raise BaselineError([f"deal: no deal with id {deal!r} in the pipeline"])
    if driver in ("deal_size", "cycle_weeks"):
        return getattr(baseline, driver).mean
    if driver not in DRIVERS:
        raise BaselineError([f"driver: unknown driver {driver!r} (known: {', '.join(DRIVERS)})"])
    return getattr(baseline, driver)


def _check(driver: str, to: Any) -> None:
    kind = DRIVERS[driver][1]
    if kind == "date":
        if not isinstance(to, date):
            raise BaselineError([f"{driver}: expected a date, got {to!r}"])
        return
    if isinstance(to, bool) or not isinstance(to, int | float):
        raise BaselineError([f"{driver}: expected a number, got {to!r}"])
    if kind in ("rate", "probability") and not 0 <= to <= 1:
        raise BaselineError([f"{driver}: must be between 0% and 100%, got {to * 100:g}%"])
    if to < 0:
        raise BaselineError([f"{driver}: must not be negative, got {to:g}"])
    if driver in ("deal_size", "cycle_weeks") and to <= 0:
        raise BaselineError([f"{driver}: must be greater than 0, got {to:g}"])


def change_reps(baseline: Baseline, to: float, start: date | None = None) -> Baseline:
    """The baseline with `to` reps: added reps are hires starting on `start` (default: the first week end
    after as_of) who ramp up; removed reps are the newest hires first, then established reps."""
    delta = float(to) - baseline.reps
    hires = list(baseline.new_reps)
    if delta > 0:
        hires.append(Hire(count=delta, start=start or baseline.default_hire_start))
    else:
        gone = -delta
        while hires and gone > 0:
            last = hires.pop()
            if last.count > gone:
                hires.append(replace(last, count=last.count - gone))
            gone -= min(gone, last.count)
    return replace(baseline, reps=float(to), new_reps=tuple(hires))


def apply_changes(baseline: Baseline, changes: list[Change] | tuple[Change, ...]) -> Baseline:
    """A new baseline with every change applied in order; raises BaselineError for an impossible value."""
    out = baseline
    for ch in changes:
        if ch.driver not in DRIVERS:
            raise BaselineError([f"driver: unknown driver {ch.driver!r} (known: {', '.join(DRIVERS)})"])
        _check(ch.driver, ch.to)
        if ch.driver == "deal":
            if not any(d.id == ch.deal for d in out.pipeline):
                raise BaselineError([f"deal: no deal with id {ch.deal!r} in the pipeline"])
            deals = tuple(replace(d, probability=float(ch.to)) if d.id == ch.deal else d for d in out.pipeline)
            out = replace(out, pipeline=deals)
        elif ch.driver in ("deal_size", "cycle_weeks"):
            dist: Distribution = getattr(out, ch.driver)
            out = out.with_(**{ch.driver: replace(dist, mean=float(ch.to))})
        elif ch.driver == "period_end":
            if ch.to < out.as_of:
                raise BaselineError([f"period_end: must not be before as_of ({out.as_of.isoformat()})"])
            out = replace(out, period_end=ch.to)
        elif ch.driver == "reps":
            if ch.start is not None and not isinstance(ch.start, date):
                raise BaselineError([f"start: expected a date like 2026-12-01, got {ch.start!r}"])
            out = change_reps(out, float(ch.to), ch.start)
        else:
            out = out.with_(**{ch.driver: float(ch.to)})
    return out
