"""Benchmark: a 50,000-row Salesforce export generated in memory, parsed, validated and stored.

Run: .venv/bin/python benchmarks/import_bench.py [--rows 50000] [--all-open] [--no-store]

Phases, each timed on its own: read (decode, sniff, split rows: part of parse, shown for reference),
parse (parse_crm_csv: read + per-row validation + drivers fitted from history), baseline (to_baseline,
validated by engine.baseline.parse_baseline), store (storage.Storage.baselines.save into a fresh, migrated
SQLite file in a temp directory: one transaction). Total = parse + baseline + store; the target is < 5 s.
Peak memory: ru_maxrss of the process after the timed phases, then tracemalloc over a second, separate
parse run (tracing slows Python down and costs memory of its own, so it comes last and is not timed).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.imports.csv import parse_crm_csv  # noqa: E402
from bot.core.imports.csv.reader import decode, read_rows, sniff_delimiter  # noqa: E402
from bot.core.imports.csv.sample import salesforce_export  # noqa: E402

AS_OF, PERIOD_END, PERIOD_START = date(2026, 11, 16), date(2026, 12, 31), date(2026, 10, 1)
BASE = {"target": 5_000_000, "reps": 25, "new_opps_per_rep_week": 5, "win_rate": 0.25,
        "deal_size": {"mean": 20_000, "cv": 0.8}, "cycle_weeks": {"mean": 4, "cv": 0.5}}  # fmt: skip


async def _store(data: dict) -> tuple[float, int] | str:
    try:
        from storage import Storage, migrate
    except ImportError as exc:  # storage is built in parallel; measure parse+validate alone until it lands
        return f"storage not available ({exc})"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        store = Storage.from_url(url)
        try:
            workspace = await store.workspaces.ensure("slack", "TBENCH", "Benchmark")
            started = time.perf_counter()
            await store.baselines.save(workspace.id, "CBENCH", data, created_by="bench", note="import")
            elapsed = time.perf_counter() - started
            stored = await store.baselines.latest(workspace.id, "CBENCH")  # read back: it all landed
            count = len(stored.data["pipeline"]) if stored is not None else 0
            return elapsed, count
        finally:
            await store.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--all-open", action="store_true", help="every row open: store the largest pipeline")
    parser.add_argument("--no-store", action="store_true", help="skip the storage phase")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    data = salesforce_export(args.rows, all_open=args.all_open)
    print(f"generate   {time.perf_counter() - started:6.2f} s  ({len(data) / 1e6:.1f} MB, {args.rows:,} rows)")

    started = time.perf_counter()
    text, _ = decode(data)
    rows = sum(1 for _ in read_rows(text, sniff_delimiter(text)))
    print(f"read       {time.perf_counter() - started:6.2f} s  ({rows:,} records; part of parse)")
    del text

    phases: dict[str, float] = {}
    started = time.perf_counter()
    result = parse_crm_csv(data, as_of=AS_OF, period_end=PERIOD_END, period_start=PERIOD_START)
    phases["parse"] = time.perf_counter() - started
    c = result.counts
    print(
        f"parse      {phases['parse']:6.2f} s  (open {c.open:,}, won {c.won:,}, lost {c.lost:,}, rejected {c.rejected})"
    )

    started = time.perf_counter()
    baseline = result.to_baseline(BASE)
    phases["baseline"] = time.perf_counter() - started
    print(f"baseline   {phases['baseline']:6.2f} s  ({len(baseline['pipeline']):,} deals, validated by the engine)")

    if not args.no_store:
        outcome = asyncio.run(_store(baseline))
        if isinstance(outcome, str):
            print(f"store      skipped: {outcome}")
        else:
            phases["store"], count = outcome
            print(f"store      {phases['store']:6.2f} s  ({count:,} deals in one transaction, SQLite)")

    total = sum(phases.values())
    verdict = "OK" if total < 5 else "OVER TARGET"
    print(f"total      {total:6.2f} s  ({' + '.join(phases)}; target < 5 s: {verdict})")

    rss_timed = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    tracemalloc.start()
    parse_crm_csv(data, as_of=AS_OF, period_end=PERIOD_END, period_start=PERIOD_START)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"memory     parse peak {peak / 1e6:.0f} MB (tracemalloc); process peak {rss_timed:.0f} MB (ru_maxrss, "
        "timed phases, imports included; the tracemalloc run is after it because tracing itself costs memory)"
    )
    return 0 if total < 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
