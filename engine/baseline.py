"""The baseline: what a channel plans against (DESIGN section 6), as frozen, validated dataclasses.

Owns parsing and validating the baseline JSON and writing it back. Every problem names the field and the
rule it breaks, so the bot and the CLI can show it to a person; nothing here reads files or the clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

__all__ = [
    "MAX_MONEY",
    "Baseline",
    "BaselineError",
    "Deal",
    "Distribution",
    "Hire",
    "DEFAULT_RAMP_WEEKS",
    "parse_baseline",
    "baseline_to_dict",
    "week_ends",
]

TOP_LEVEL_KEYS = {
    "currency",
    "as_of",
    "period_end",
    "target",
    "booked",
    "reps",
    "new_opps_per_rep_week",
    "win_rate",
    "deal_size",
    "cycle_weeks",
    "pipeline",
    "ramp_weeks",
}
REQUIRED_KEYS = TOP_LEVEL_KEYS - {"currency", "pipeline", "booked", "ramp_weeks"}
# Weeks a newly hired rep takes to create opportunities at the full rate (DESIGN section 2). Older baselines
# have no such field; they get this default, which is also why baseline_to_dict writes only other values.
DEFAULT_RAMP_WEEKS = 8.0
# Magnitudes the engine answers correctly. Money: the lattice resolves amounts relative to the target, and past
# about 1e11 next to a target of millions its grid stops being accurate (1e26 gave "negative dimensions"); no
# sales deal, target or quarter's bookings comes near ten billion. Counts and weeks: far above any real team.
MAX_MONEY = 10_000_000_000.0
MAX_WEEKS = 520.0
LIMITS = {"target": MAX_MONEY, "reps": 100_000.0, "new_opps_per_rep_week": 1_000.0}
DEAL_KEYS = {"id", "name", "amount", "probability", "close_date", "stage", "owner"}
DEAL_REQUIRED = {"id", "amount", "probability", "close_date"}
DIST_KEYS = {"mean", "cv"}
EXAMPLE = (
    '{"as_of": "2026-11-16", "period_end": "2026-12-31", "target": 2000000, "booked": 1200000, "reps": 10, '
    '"new_opps_per_rep_week": 7, "win_rate": 0.25, "ramp_weeks": 8, "deal_size": {"mean": 20000, "cv": 0.8}, '
    '"cycle_weeks": {"mean": 4, "cv": 0.5}, "pipeline": []}'
)


class BaselineError(ValueError):
    """A baseline that breaks a rule. `problems` lists every problem found, each naming its field."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class Distribution:
    """A positive quantity given by its mean and coefficient of variation (sd / mean)."""

    mean: float
    cv: float


@dataclass(frozen=True, slots=True)
class Deal:
    """An open opportunity: it closes won with `probability` on `close_date`, for `amount`."""

    id: str
    amount: float
    probability: float
    close_date: date
    name: str = ""
    stage: str | None = None
    owner: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class Hire:
    """Reps a what-if adds ("hire 2 reps"): `count` reps who start on `start` and create opportunities at
    rate * min(1, weeks since start / ramp_weeks). Only a scenario has hires: the baseline's own reps are
    fully ramped, so a hire never appears in the baseline JSON."""

    count: float
    start: date


@dataclass(frozen=True, slots=True)
class Baseline:
    """Everything the forecast needs about one team's period."""

    as_of: date
    period_end: date
    target: float
    booked: float
    reps: float
    new_opps_per_rep_week: float
    win_rate: float
    deal_size: Distribution
    cycle_weeks: Distribution
    pipeline: tuple[Deal, ...] = field(default_factory=tuple)
    currency: str = "USD"
    ramp_weeks: float = DEFAULT_RAMP_WEEKS
    new_reps: tuple[Hire, ...] = ()  # reps added by a what-if (counted in `reps` too), see engine.changes

    @property
    def hired(self) -> float:
        """How many of `reps` are new hires still subject to the ramp."""
        return float(sum(h.count for h in self.new_reps))

    @property
    def established_reps(self) -> float:
        """Reps that create opportunities at the full rate from as_of on."""
        return max(0.0, self.reps - self.hired)

    @property
    def default_hire_start(self) -> date:
        """When hires start unless a change says otherwise: the first week end after as_of."""
        return self.as_of + timedelta(days=7)

    @property
    def days_left(self) -> int:
        return (self.period_end - self.as_of).days

    @property
    def weeks_left(self) -> float:
        return self.days_left / 7.0

    def in_window(self, deal: Deal) -> bool:
        return self.as_of <= deal.close_date <= self.period_end

    @property
    def window_deals(self) -> tuple[Deal, ...]:
        """Open deals that can close inside the period; the others are ignored by the forecast."""
        return tuple(d for d in self.pipeline if self.in_window(d))

    @property
    def ignored_deals(self) -> int:
        return len(self.pipeline) - len(self.window_deals)

    def with_(self, **changes: Any) -> Baseline:
        return replace(self, **changes)


def week_ends(as_of: date, period_end: date) -> list[date]:
    """Week ends as_of + 7, 14, ... days, the last one capped at period_end (at least one point)."""
    days = (period_end - as_of).days
    if days <= 0:
        return [period_end]
    n = math.ceil(days / 7)
    return [min(as_of + timedelta(days=7 * (k + 1)), period_end) for k in range(n)]


def _number(
    data: Mapping[str, Any], key: str, where: str, problems: list[str], *, limit: float | None = None
) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = "missing" if value is None else f"{value!r}"
        problems.append(f"{where}{key}: expected a number, got {shown}")
        return None
    try:
        number = float(value)  # an int of 400 digits overflows here
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        problems.append(f"{where}{key}: expected a finite number, got {str(value)[:40]}")
        return None
    if limit is not None and abs(number) > limit:
        problems.append(f"{where}{key}: {number:.4g} is too large; at most {limit:,.0f} is supported")
        return None
    return number


def _date(data: Mapping[str, Any], key: str, where: str, problems: list[str]) -> date | None:
    value = data.get(key)
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        shown = "missing" if value is None else f"{value!r}"
        problems.append(f"{where}{key}: expected a date like 2026-12-31, got {shown}")
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        problems.append(f"{where}{key}: expected a date like 2026-12-31, got {value!r}")
        return None


def _unknown(data: Mapping[str, Any], allowed: set[str], where: str, problems: list[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        problems.append(
            f"{where or 'baseline'}: unknown key(s) {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})"
        )


def _distribution(data: Mapping[str, Any], key: str, problems: list[str]) -> Distribution | None:
    raw = data.get(key)
    if not isinstance(raw, Mapping):
        problems.append(f'{key}: expected an object like {{"mean": 20000, "cv": 0.8}}, got {raw!r}')
        return None
    _unknown(raw, DIST_KEYS, key, problems)
    mean = _number(raw, "mean", f"{key}.", problems, limit=MAX_MONEY if key == "deal_size" else MAX_WEEKS)
    cv = _number(raw, "cv", f"{key}.", problems)
    if mean is not None and mean <= 0:
        problems.append(f"{key}.mean: must be greater than 0, got {mean:g}")
    if cv is not None and cv <= 0:
        problems.append(f"{key}.cv: must be greater than 0, got {cv:g}")
    if mean is None or cv is None or mean <= 0 or cv <= 0:
        return None
    return Distribution(mean=mean, cv=cv)


def _deal(raw: Any, index: int, seen: set[str], problems: list[str]) -> Deal | None:
    where = f"pipeline[{index}]."
    if not isinstance(raw, Mapping):
        problems.append(f"pipeline[{index}]: expected a deal object, got {raw!r}")
        return None
    before = len(problems)
    _unknown(raw, DEAL_KEYS, f"pipeline[{index}]", problems)
    deal_id = raw.get("id")
    if not isinstance(deal_id, str | int) or isinstance(deal_id, bool) or str(deal_id).strip() == "":
        problems.append(f"{where}id: expected a non-empty text id, got {deal_id!r}")
        deal_id = None
    else:
        deal_id = str(deal_id).strip()
        if deal_id in seen:
            problems.append(f"{where}id: duplicate id {deal_id!r}")
        seen.add(deal_id)
    amount = _number(raw, "amount", where, problems, limit=MAX_MONEY)
    if amount is not None and amount < 0:
        problems.append(f"{where}amount: must not be negative, got {amount:g}")
    prob = _number(raw, "probability", where, problems)
    if prob is not None and not 0.0 <= prob <= 1.0:
        problems.append(f"{where}probability: must be between 0 and 1 (0.4 means 40%), got {prob:g}")
    close = _date(raw, "close_date", where, problems)
    for key in ("name", "stage", "owner"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(f"{where}{key}: expected text, got {value!r}")
    if len(problems) > before or deal_id is None or amount is None or prob is None or close is None:
        return None
    return Deal(
        id=deal_id,
        amount=amount,
        probability=prob,
        close_date=close,
        name=(raw.get("name") or "").strip(),
        stage=raw.get("stage"),
        owner=raw.get("owner"),
    )


def parse_baseline(data: Any) -> Baseline:
    """Validate a baseline JSON object and return it; raise BaselineError listing every problem."""
    if not isinstance(data, Mapping):
        raise BaselineError([f"baseline: expected a JSON object like {EXAMPLE}"])
    problems: list[str] = []
    _unknown(data, TOP_LEVEL_KEYS, "", problems)
    missing = sorted(REQUIRED_KEYS - set(data))
    for key in missing:
        problems.append(f"{key}: required but missing")
    present = set(data)
    as_of = _date(data, "as_of", "", problems) if "as_of" in present else None
    period_end = _date(data, "period_end", "", problems) if "period_end" in present else None
    if as_of and period_end and period_end < as_of:
        problems.append(f"period_end: must not be before as_of ({period_end.isoformat()} < {as_of.isoformat()})")
    numbers: dict[str, float | None] = {}
    for key in ("target", "reps", "new_opps_per_rep_week", "win_rate"):
        numbers[key] = _number(data, key, "", problems, limit=LIMITS.get(key)) if key in present else None
    numbers["booked"] = _number(data, "booked", "", problems, limit=MAX_MONEY) if "booked" in present else 0.0
    for key in ("target", "booked", "reps", "new_opps_per_rep_week"):
        value = numbers[key]
        if value is not None and value < 0:
            problems.append(f"{key}: must not be negative, got {value:g}")
    ramp = DEFAULT_RAMP_WEEKS
    if "ramp_weeks" in present:
        raw_ramp = data.get("ramp_weeks")
        if isinstance(raw_ramp, bool) or not isinstance(raw_ramp, int | float) or not math.isfinite(raw_ramp):
            problems.append(
                f"ramp_weeks: expected a number of weeks like 8 (0 means new reps are productive at once), "
                f"got {raw_ramp!r}"
            )
        elif raw_ramp < 0:
            problems.append(f"ramp_weeks: must not be negative (for example 8, or 0 for no ramp), got {raw_ramp:g}")
        else:
            ramp = float(raw_ramp)
    win = numbers["win_rate"]
    if win is not None and not 0.0 <= win <= 1.0:
        problems.append(f"win_rate: must be between 0 and 1 (0.25 means 25%), got {win:g}")
    deal_size = _distribution(data, "deal_size", problems) if "deal_size" in present else None
    cycle = _distribution(data, "cycle_weeks", problems) if "cycle_weeks" in present else None
    currency = data.get("currency", "USD")
    if not isinstance(currency, str) or not currency.strip():
        problems.append(f"currency: expected a currency code like USD, got {currency!r}")
    raw_pipeline = data.get("pipeline", [])
    deals: list[Deal] = []
    if not isinstance(raw_pipeline, list):
        problems.append(f"pipeline: expected a list of deals, got {type(raw_pipeline).__name__}")
    else:
        seen: set[str] = set()
        for i, raw in enumerate(raw_pipeline):
            deal = _deal(raw, i, seen, problems)
            if deal is not None:
                deals.append(deal)
    if missing:
        problems.append(f"a complete baseline looks like: {EXAMPLE}")
    if problems:
        raise BaselineError(problems)
    assert as_of and period_end and deal_size and cycle  # for type checkers: problems would be non-empty
    return Baseline(
        currency=currency.strip().upper(),
        as_of=as_of,
        period_end=period_end,
        target=numbers["target"] or 0.0,
        booked=numbers["booked"] or 0.0,
        reps=numbers["reps"] or 0.0,
        new_opps_per_rep_week=numbers["new_opps_per_rep_week"] or 0.0,
        win_rate=numbers["win_rate"] or 0.0,
        deal_size=deal_size,
        cycle_weeks=cycle,
        pipeline=tuple(deals),
        ramp_weeks=ramp,
    )


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def baseline_to_dict(baseline: Baseline) -> dict[str, Any]:
    """The baseline as DESIGN section 6 JSON (round-trips through parse_baseline)."""
    deals = []
    for d in baseline.pipeline:
        item: dict[str, Any] = {
            "id": d.id,
            "name": d.name,
            "amount": _plain(d.amount),
            "probability": d.probability,
            "close_date": d.close_date.isoformat(),
        }
        if d.stage is not None:
            item["stage"] = d.stage
        if d.owner is not None:
            item["owner"] = d.owner
        deals.append(item)
    out: dict[str, Any] = {
        "currency": baseline.currency,
        "as_of": baseline.as_of.isoformat(),
        "period_end": baseline.period_end.isoformat(),
        "target": _plain(baseline.target),
        "booked": _plain(baseline.booked),
        "reps": _plain(baseline.reps),
        "new_opps_per_rep_week": _plain(baseline.new_opps_per_rep_week),
        "win_rate": baseline.win_rate,
        "deal_size": {"mean": _plain(baseline.deal_size.mean), "cv": baseline.deal_size.cv},
        "cycle_weeks": {"mean": _plain(baseline.cycle_weeks.mean), "cv": baseline.cycle_weeks.cv},
        "pipeline": deals,
    }
    # Written only when it differs from the default, so a baseline saved before the field existed reads back
    # unchanged; hires are a what-if's, never the baseline's (its own reps are fully ramped).
    if baseline.ramp_weeks != DEFAULT_RAMP_WEEKS:
        out["ramp_weeks"] = _plain(baseline.ramp_weeks)
    return out
