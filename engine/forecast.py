"""The forecast: P(reach target), the bookings range, the weekly path, the required rate and the drivers.

Owns DESIGN section 2's outputs. One lattice per request resolves every law it needs (the baseline, the
sensitivity variants and the required-rate search), so the open pipeline is convolved once and each
variant of new business costs one inverse FFT. Deterministic: the same baseline gives the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np
from scipy import optimize

from engine.baseline import Baseline, Distribution
from engine.changes import change_reps
from engine.lattice import Lattice, Law, compound_poisson_log, pipeline_spectra, point_mass
from engine.model import Inputs, lognormal_bins, prepare, ramp_share, rep_weeks

__all__ = ["Bound", "Forecast", "Ramp", "SensitivityRow", "WeekPoint", "forecast"]

QUANTILES = (0.1, 0.5, 0.9)
RATE_CAP = 1000.0  # new opportunities per rep per week beyond which a target counts as unreachable
# Fewer expected new wins than this cannot move any probability we report, yet a nonzero Poisson mean would
# size the lattice for new deals that will not come (a win rate of 1e-300 is zero for every purpose).
NEGLIGIBLE_WINS = 1e-9


class WeekPoint(TypedDict):
    """The bookings range at one week end (ISO date), booked included."""

    week_end: str
    p10: float
    p50: float
    p90: float
    expected: float


class Bound(TypedDict):
    """One end of a sensitivity row: the driver's value there and P(reach target) at it."""

    value: float
    p_hit: float


class SensitivityRow(TypedDict):
    """How far P(reach target) moves when one driver moves by `step` either way (`swing` = |high - low|)."""

    driver: str
    label: str
    step: str
    low: Bound
    high: Bound
    swing: float


class Ramp(TypedDict):
    """The ramp of reps a what-if added: how many, weeks to full output, the earliest start (ISO date), and their
    share of a fully productive rep's in-period new business."""

    new_reps: float
    ramp_weeks: float
    start: str
    share_of_full_output: float


@dataclass(frozen=True)
class Forecast:
    p_hit: float
    expected: float
    p10: float
    p50: float
    p90: float
    weeks_left: float
    target: float
    booked: float
    currency: str
    open_deals: int
    ignored_deals: int
    weighted_pipeline: float
    expected_new: float
    weekly: list[WeekPoint] = field(default_factory=list)
    # "p50", "p80" (one per confidence asked), "expected" and "current": new opportunities per rep per week
    required_rate: dict[str, float | None] = field(default_factory=dict)
    sensitivity: list[SensitivityRow] = field(default_factory=list)
    # What a card needs to state the ramp of reps a what-if added; None when no reps were added.
    ramp: Ramp | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["ramp"] = dict(self.ramp) if self.ramp is not None else None
        out["weekly"] = [dict(w) for w in self.weekly]
        out["required_rate"] = dict(self.required_rate)
        out["sensitivity"] = [dict(s) for s in self.sensitivity]
        return out


@dataclass(frozen=True)
class _Variant:
    """A change of one driver, expressed in what the lattice needs: the final Poisson mean of new wins,
    the deal-size law, and a factor on every open-deal probability."""

    value: float
    lam: float
    size: Distribution
    prob_factor: float = 1.0


def _variants(b: Baseline, x: Inputs) -> list[tuple[str, str, str, _Variant, _Variant]]:
    W = x.weeks_left
    ds, cy, r, n, w = b.deal_size, b.cycle_weeks, b.new_opps_per_rep_week, b.reps, b.win_rate
    weeks0 = rep_weeks(b, W)
    lam0 = r * w * weeks0

    def lam(rate: float = r, win: float = w, weeks: float = weeks0) -> float:
        return rate * win * weeks

    # One more rep is a hire who ramps up, like the what-if "hire a rep"; one fewer stops at once.
    fewer, more = change_reps(b, max(0.0, n - 1)), change_reps(b, n + 1)
    lo_w, hi_w = max(0.0, w - 0.05), min(1.0, w + 0.05)
    long_c, short_c = cy.mean + 1.0, max(cy.mean - 1.0, cy.mean / 2.0)
    return [
        ("win_rate", "win rate", "±5 points", _Variant(lo_w, lam(win=lo_w), ds), _Variant(hi_w, lam(win=hi_w), ds)),
        (
            "deal_size",
            "deal size",
            "±10%",
            _Variant(ds.mean * 0.9, lam0, Distribution(ds.mean * 0.9, ds.cv)),
            _Variant(ds.mean * 1.1, lam0, Distribution(ds.mean * 1.1, ds.cv)),
        ),
        (
            "cycle_weeks",
            "sales cycle",
            "±1 week",
            _Variant(long_c, lam(weeks=rep_weeks(b, W, Distribution(long_c, cy.cv))), ds),
            _Variant(short_c, lam(weeks=rep_weeks(b, W, Distribution(short_c, cy.cv))), ds),
        ),
        (
            "new_opps_per_rep_week",
            "new opportunities per rep per week",
            "±1",
            _Variant(max(0.0, r - 1), lam(rate=max(0.0, r - 1)), ds),
            _Variant(r + 1, lam(rate=r + 1), ds),
        ),
        (
            "reps",
            "reps",
            "±1",
            _Variant(max(0.0, n - 1), lam(weeks=rep_weeks(fewer, W)), ds),
            _Variant(n + 1, lam(weeks=rep_weeks(more, W)), ds),
        ),
        (
            "probabilities",
            "open-deal probabilities",
            "×0.9 / ×1.1",
            _Variant(0.9, lam0, ds, 0.9),
            _Variant(1.1, lam0, ds, 1.1),
        ),
    ]


class _Solver:
    """Laws of V = bookings - booked on one lattice shared by every question asked of one baseline."""

    def __init__(self, x: Inputs, lattice: Lattice):
        self.x = x
        self.lattice = lattice
        self._size_log: dict[Distribution, np.ndarray] = {}
        self._pipe: dict[float, np.ndarray] = {}
        n_weeks = len(x.week_ends)
        self.weekly_pipe = pipeline_spectra(x.amounts, x.probs, x.bucket, n_weeks, lattice)
        self._pipe[1.0] = self.weekly_pipe[-1]

    def size_log(self, dist: Distribution) -> np.ndarray:
        if dist not in self._size_log:
            bins = lognormal_bins(dist, self.lattice.h, self.lattice.size)
            self._size_log[dist] = compound_poisson_log(bins)
        return self._size_log[dist]

    def probs(self, factor: float) -> np.ndarray:
        return np.minimum(self.x.probs * factor, 1.0)

    def pipe(self, factor: float) -> np.ndarray:
        if factor not in self._pipe:
            x = self.x
            final = np.zeros_like(x.bucket)
            self._pipe[factor] = pipeline_spectra(x.amounts, self.probs(factor), final, 1, self.lattice)[0]
        return self._pipe[factor]

    def law(self, pipe: np.ndarray, lam: float, size: Distribution, mean: float) -> Law:
        spectrum = pipe * np.exp(lam * self.size_log(size)) if lam > NEGLIGIBLE_WINS else pipe
        return Law.from_spectrum(spectrum, self.lattice, mean)

    def hit(self, law: Law, pipe: np.ndarray, lam: float) -> float:
        """P(V >= target gap) for a law built from `pipe` and `lam` new wins expected."""
        gap = self.x.remaining
        if gap <= 0:
            return 1.0
        if lam <= NEGLIGIBLE_WINS:
            return law.p_at_least(gap)
        index = round(gap / self.lattice.h)
        atom = math.exp(-lam) * point_mass(pipe, self.lattice.size, index)
        return law.p_at_least(gap, atom=atom)

    def p_hit(self, lam: float, size: Distribution | None = None, prob_factor: float = 1.0) -> float:
        x = self.x
        size = size or x.deal_size
        if x.remaining <= 0:
            return 1.0
        probs = self.probs(prob_factor)
        mean = float(np.dot(probs, x.amounts)) + lam * size.mean
        pipe = self.pipe(prob_factor)
        return self.hit(self.law(pipe, lam, size, mean), pipe, lam)


def _sd(x: Inputs, lam: float, size: Distribution, prob_factor: float = 1.0) -> float:
    p = np.minimum(x.probs * prob_factor, 1.0)
    var = float(np.dot(p * (1 - p), x.amounts**2)) + lam * size.mean**2 * (1 + size.cv**2)
    return math.sqrt(max(var, 0.0))


def _rate_ceiling(x: Inputs, per_rate: float, confidences: tuple[float, ...]) -> float:
    """A rate at which, by a normal bound with margin, every asked confidence is surely met (capped)."""
    if per_rate <= 0 or x.remaining <= 0:
        return 0.0
    m, cv = x.deal_size.mean, x.deal_size.cv
    mu_p = float(np.dot(x.probs, x.amounts))
    var_p = float(np.dot(x.probs * (1 - x.probs), x.amounts**2))
    r = max(1.0, (x.remaining - mu_p) / (per_rate * m))
    z = 4.0 + 4.0 * max(confidences, default=0.5)
    while r < RATE_CAP:
        lam = r * per_rate
        if mu_p + lam * m - z * math.sqrt(var_p + lam * m * m * (1 + cv * cv)) >= x.remaining:
            return r
        r *= 1.5
    return RATE_CAP


def forecast(
    baseline: Baseline,
    *,
    weekly: bool = True,
    sensitivity: bool = True,
    confidences: tuple[float, ...] = (0.5, 0.8),
    lattice_size: int = 8192,
) -> Forecast:
    """The forecast of one baseline (DESIGN section 2)."""
    x = prepare(baseline)
    per_rate = float(x.per_rate[-1]) if len(x.per_rate) else 0.0
    lam = x.rate * per_rate
    size = x.deal_size
    variants = _variants(baseline, x) if sensitivity else []
    r_hi = _rate_ceiling(x, per_rate, confidences) if confidences else 0.0

    # One lattice wide enough for every law this request evaluates.
    sds = [_sd(x, lam, size), _sd(x, r_hi * per_rate, size)]
    for _, _, _, low, high in variants:
        sds += [_sd(x, v.lam, v.size, v.prob_factor) for v in (low, high)]
    sd_max = max(sds)
    lam_max = max([lam, r_hi * per_rate] + [v.lam for *_, lo_v, hi_v in variants for v in (lo_v, hi_v)])
    span = float(x.amounts.sum())
    if lam_max > NEGLIGIBLE_WINS:
        span += lam_max * size.mean * 1.1 + 40 * math.sqrt(max(lam_max, 1.0)) * size.mean * (1 + size.cv)
    # The largest single move: a deal, or one new win (lognormal, taken at its 1 - 1e-7 quantile).
    s2 = math.log1p(size.cv**2)
    big_win = size.mean * 1.1 * math.exp(-s2 / 2 + 5.3 * math.sqrt(s2)) if lam_max > NEGLIGIBLE_WINS else 0.0
    jump = max(float(x.amounts.max(initial=0.0)), big_win)
    lattice = Lattice.choose(x.remaining, sd_max, jump, span, size=lattice_size)
    solver = _Solver(x, lattice)

    mean_v = float(np.dot(x.probs, x.amounts)) + lam * size.mean
    final = solver.law(solver.pipe(1.0), lam, size, mean_v)
    p_hit = solver.hit(final, solver.pipe(1.0), lam)
    q10, q50, q90 = (baseline.booked + q for q in final.quantiles(QUANTILES, discrete=lam <= NEGLIGIBLE_WINS))

    weekly_points: list[WeekPoint] = []
    if weekly:
        for i, end in enumerate(x.week_ends):
            lam_w = x.rate * float(x.per_rate[i])
            mean_w = float(np.dot(x.probs[x.bucket <= i], x.amounts[x.bucket <= i])) + lam_w * size.mean
            law_w = solver.law(solver.weekly_pipe[i], lam_w, size, mean_w)
            w10, w50, w90 = (baseline.booked + q for q in law_w.quantiles(QUANTILES, discrete=lam_w <= NEGLIGIBLE_WINS))
            weekly_points.append(
                {"week_end": end.isoformat(), "p10": w10, "p50": w50, "p90": w90, "expected": baseline.booked + mean_w}
            )

    required: dict[str, float | None] = {}
    if confidences:
        expected_rate: float | None
        if x.remaining <= 0:
            expected_rate = 0.0
        elif per_rate <= 0:
            expected_rate = None
        else:
            expected_rate = max(0.0, (x.remaining - float(np.dot(x.probs, x.amounts))) / (per_rate * size.mean))
        for c in confidences:
            required[f"p{round(c * 100)}"] = _required_rate(solver, per_rate, c, r_hi)
        required["expected"] = expected_rate
        required["current"] = x.rate

    table: list[SensitivityRow] = []
    for driver, label, step, low, high in variants:
        p_lo = solver.p_hit(low.lam, low.size, low.prob_factor)
        p_hi = solver.p_hit(high.lam, high.size, high.prob_factor)
        table.append(
            {
                "driver": driver,
                "label": label,
                "step": step,
                "low": {"value": low.value, "p_hit": p_lo},
                "high": {"value": high.value, "p_hit": p_hi},
                "swing": abs(p_hi - p_lo),
            }
        )
    table.sort(key=lambda row: -row["swing"])

    ramp: Ramp | None = None
    if baseline.new_reps and baseline.hired > 0:
        hired = baseline.hired
        ramp = {
            "new_reps": int(hired) if float(hired).is_integer() else hired,
            "ramp_weeks": baseline.ramp_weeks,
            "start": min(h.start for h in baseline.new_reps).isoformat(),
            "share_of_full_output": ramp_share(baseline),
        }

    window = baseline.window_deals
    return Forecast(
        p_hit=p_hit,
        expected=baseline.booked + mean_v,
        p10=q10,
        p50=q50,
        p90=q90,
        weeks_left=x.weeks_left,
        target=baseline.target,
        booked=baseline.booked,
        currency=baseline.currency,
        open_deals=len(window),
        ignored_deals=baseline.ignored_deals,
        weighted_pipeline=float(np.dot(x.probs, x.amounts)),
        expected_new=lam * size.mean,
        weekly=weekly_points,
        required_rate=required,
        sensitivity=table,
        ramp=ramp,
    )


def _required_rate(solver: _Solver, per_rate: float, confidence: float, r_hi: float) -> float | None:
    """Smallest new_opps_per_rep_week with P(reach target) >= confidence; None if new business cannot get there."""
    x = solver.x
    if x.remaining <= 0:
        return 0.0

    def gap(r: float) -> float:
        return solver.p_hit(r * per_rate) - confidence

    if gap(0.0) >= 0:
        return 0.0
    if per_rate <= 0 or r_hi <= 0 or gap(r_hi) < 0:
        return None
    return float(optimize.brentq(gap, 0.0, r_hi, xtol=1e-4, rtol=1e-6))
