"""Engine speed and accuracy against a fast Monte Carlo reference, measured in the same run.

    python benchmarks/engine_bench.py [--sizes 100,1000,5000,20000] [--mc-paths 100000] [--repeat 5]

The reference is engine.montecarlo.simulate_fast: a vectorised sampler of the same model (a chunked Bernoulli
matrix of 32-bit integer draws for the open deals, a Poisson count and lognormal sizes for new business). It
is timed computing p_hit only (no weekly path), while the engine is timed with its weekly path, so the
speed-up is if anything understated. The readable path-by-path simulator (engine.montecarlo.simulate) is
timed once beside it, for scale.

For each pipeline size: the median time of one forecast (with the weekly path), of one full what-if answer
(baseline and scenario forecasts with weekly paths, required rates at 50% and 80%, the sensitivity table),
the fast Monte Carlo at 100,000 paths, their ratio, and the p_hit difference with the Monte Carlo's own
standard error. Then the same for a what-if that hires reps (the ramp), the time of back-solving reps, win
rate and deal size on the sample baseline, peak memory of a forecast at 50,000 deals, and the accuracy of
both methods on the shared 5,000-deal reference case (1,000,000-path answer).
Targets (issue #2): one forecast of 5,000 deals <= 50 ms, a full what-if <= 200 ms, peak memory at 50,000
deals < 500 MB; issue #13: a back-solve on the sample baseline < ~300 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tracemalloc
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Baseline, Deal, Distribution, apply_changes, forecast, parse_baseline  # noqa: E402
from engine.changes import Change  # noqa: E402
from engine.montecarlo import simulate, simulate_fast  # noqa: E402
from engine.solve import required_value  # noqa: E402

AS_OF = date(2026, 11, 16)
CASE = Path(__file__).resolve().parents[2] / "shared" / "engine-cases" / "enterprise"
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "data" / "sample_baseline.json"


def team(n_deals: int, seed: int = 1) -> Baseline:
    """A quarter-long baseline with n open deals whose target sits near the middle of the outcome range."""
    rng = np.random.default_rng(seed)
    amounts = np.round(rng.lognormal(np.log(25_000), 0.9, n_deals), 2)
    probs = np.round(rng.choice([0.1, 0.2, 0.4, 0.6, 0.8, 0.9], n_deals), 2)
    days = rng.integers(0, 91, n_deals)
    deals = tuple(
        Deal(f"D{i}", float(a), float(p), AS_OF + timedelta(days=int(d)))
        for i, (a, p, d) in enumerate(zip(amounts, probs, days, strict=True))
    )
    b = Baseline(
        as_of=AS_OF,
        period_end=AS_OF + timedelta(days=90),
        target=1.0,
        booked=0.0,
        reps=max(2, n_deals // 100),
        new_opps_per_rep_week=6,
        win_rate=0.25,
        deal_size=Distribution(25_000, 0.8),
        cycle_weeks=Distribution(5, 0.6),
        pipeline=deals,
    )
    centre = forecast(b, weekly=False, sensitivity=False, confidences=()).expected
    return replace(b, target=round(centre * 1.02, -3))


def median_ms(fn, repeat: int) -> float:
    fn()  # warm caches and imports
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def one_forecast(b: Baseline):
    return forecast(b, weekly=True, sensitivity=False, confidences=())


def full_what_if(b: Baseline):
    """What the bot computes for one what-if card: both forecasts with weekly paths and required rates, and
    the sensitivity table of the scenario (the Drivers button shows it)."""
    scenario = apply_changes(b, [Change("win_rate", b.win_rate, b.win_rate - 0.03)])
    return forecast(b, sensitivity=False), forecast(scenario)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t0) * 1000


def row(label: str, b: Baseline, args, with_what_if: bool = True) -> None:
    f_ms = median_ms(lambda: one_forecast(b), args.repeat)
    w_ms = median_ms(lambda: full_what_if(b), max(1, args.repeat // 2)) if with_what_if else float("nan")
    simulate_fast(b, paths=1000, seed=1, weekly=False)  # warm caches, as median_ms does for the engine
    ref, mc_ms = timed(lambda: simulate_fast(b, paths=args.mc_paths, seed=11, weekly=False))
    p = one_forecast(b).p_hit
    diff = p - ref["p_hit"]
    print(
        f"{label:>14} {f_ms:>12.1f} {w_ms:>11.1f} {mc_ms:>12.0f} {mc_ms / f_ms:>11.0f}x "
        f"{p:>8.4f} {ref['p_hit']:>9.4f} {diff:>+8.4f} {ref['p_hit_se']:>7.4f} {abs(diff) / ref['p_hit_se']:>8.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000,20000")
    parser.add_argument("--mc-paths", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--memory-deals", type=int, default=50_000)
    parser.add_argument("--readable-deals", type=int, default=1000, help="size at which to time the slow simulator")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    print(f"reference: simulate_fast at {args.mc_paths:,} paths, p_hit only; engine forecasts include the weekly path")
    header = (
        f"{'case':>14} {'forecast ms':>12} {'what-if ms':>11} {'fast MC ms':>12} {'MC/forecast':>12} "
        f"{'p_hit':>8} {'MC p_hit':>9} {'diff':>8} {'MC se':>7} {'|diff|/se':>9}"
    )
    print(header)
    for n in sizes:
        row(f"{n} deals", team(n), args)
    # A what-if that hires: 50% more reps, ramping over 8 weeks (the ramp's Poisson mean is in the engine).
    for n in sizes[:2]:
        b = team(n)
        hired = apply_changes(b, [Change("reps", b.reps, b.reps + max(1, b.reps // 2))])
        row(f"{n} + hires", hired, args, with_what_if=False)

    b = team(args.readable_deals)
    _, slow_ms = timed(lambda: simulate(b, paths=args.mc_paths, seed=11))
    _, fast_ms = timed(lambda: simulate_fast(b, paths=args.mc_paths, seed=11, weekly=True))
    print(
        f"\nreferences at {args.readable_deals:,} deals, {args.mc_paths:,} paths with weekly paths: readable "
        f"simulate {slow_ms:,.0f} ms, simulate_fast {fast_ms:,.0f} ms ({slow_ms / fast_ms:.0f}x)"
    )

    sample = parse_baseline(json.loads(SAMPLE.read_text()))
    print("\nback-solve on the sample baseline (confidence 0.8), median of repeats:")
    for driver in ("reps", "win_rate", "deal_size"):
        ms = median_ms(lambda driver=driver: required_value(sample, driver, 0.8), args.repeat)
        r = required_value(sample, driver, 0.8)
        print(f"  {driver:<10} {ms:>7.1f} ms   value {r.value!s:<22} p_hit there {r.p_hit_at_value:.4f}")

    big = team(args.memory_deals)
    tracemalloc.start()
    t0 = time.perf_counter()
    forecast(big)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\npeak memory of a full forecast at {args.memory_deals:,} deals: {peak / 2**20:.1f} MB "
        f"(tracemalloc; {elapsed * 1000:.0f} ms)"
    )

    if CASE.with_suffix(".json").exists():
        case = parse_baseline(json.loads(CASE.with_suffix(".json").read_text()))
        truth = json.loads(Path(str(CASE) + ".expected.json").read_text())
        mine = one_forecast(case).p_hit
        mc = simulate_fast(case, paths=args.mc_paths, seed=3, weekly=False)
        print(
            f"\naccuracy on the shared 5,000-deal case (reference {truth['p_hit']:.4f} ± {truth['p_hit_se']:.4f}, "
            f"{truth['paths']:,} paths):"
        )
        print(f"  engine        p_hit {mine:.4f}  error {mine - truth['p_hit']:+.4f}")
        print(
            f"  fast MC       p_hit {mc['p_hit']:.4f}  error {mc['p_hit'] - truth['p_hit']:+.4f} "
            f"(its standard error {mc['p_hit_se']:.4f} at {args.mc_paths:,} paths)"
        )


if __name__ == "__main__":
    main()
