"""Nudge benchmark: 1,000 channels whose nudges are due at the same minute, two worker processes on PostgreSQL.

Owns the measurement behind the nudges issue: the time from the due minute until the last nudge card reached the
(fake) Slack Web API, that every channel got exactly one, and the peak memory (resident set high-water mark) of
each worker process and its compute processes. Each channel has the sample baseline and a schedule
"every Monday 09:00 UTC" whose next run is one second before the workers start; the workers are
`python -m bot worker` processes as the Procfile runs them (real clock, polling), with forecasts and charts in
their compute pools. The fake Web API runs in this process.

    TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \
        .venv/bin/python benchmarks/nudge_bench.py [--channels 1000] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.platform_server import FakePlatform  # noqa: E402

TOKEN = "xoxb-bench-0000"
SECRET = "bench-signing-secret"
TIMEOUT = 900.0
WORKSPACE = "T_BENCH"


def channel(i: int) -> str:
    return f"C_NUDGE_{i:05d}"


def with_search_path(url: str, schema: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    options = f"{parsed.query.get('options', '')} -csearch_path={schema}".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


async def _execute(url: str, *statements: str) -> None:
    from storage import make_engine

    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _prepare(url: str, channels: int, due: datetime) -> None:
    """Every channel: the sample baseline and a nudge schedule due at `due` (the payload the `nudge` command
    stores: bot.core.nudges.feature.schedule_payload)."""
    from bot.core.baselines.feature import sample_baseline
    from bot.core.nudges.feature import NUDGE
    from storage import Storage

    storage = Storage.from_url(url)
    try:
        ws = await storage.workspaces.ensure("slack", WORKSPACE)
        data = sample_baseline()
        for i in range(channels):
            key = f"{NUDGE}:slack:{WORKSPACE}:{channel(i)}"
            await storage.baselines.save(ws.id, channel(i), data, created_by="bench")
            payload = {
                "platform": "slack", "workspace": WORKSPACE, "workspace_id": ws.id, "channel": channel(i),
                "is_dm": False, "tz": "UTC", "quiet": False, "label": "every Monday at 09:00", "cron": "0 9 * * 1",
                "every_other": False, "anchor": due.date().isoformat(), "set_by": "U_BENCH",
                "set_at": "2026-11-01T00:00:00+00:00",
            }  # fmt: skip
            await storage.schedules.put(
                key, kind=NUDGE, cron="0 9 * * 1", timezone="UTC", payload=payload, next_run_at=due,
                workspace_id=ws.id,
            )  # fmt: skip
    finally:
        await storage.dispose()


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def _peak_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a process, in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base.startswith("postgresql"):
        print("set TEST_DATABASE_URL to a PostgreSQL database (two workers need PostgreSQL)", file=sys.stderr)
        return 2
    from storage.migrate import upgrade

    schema = f"nudge_bench_{uuid.uuid4().hex[:12]}"
    await _execute(base, f'CREATE SCHEMA "{schema}"')
    url = with_search_path(base, schema)
    fake = await FakePlatform.start()
    procs: list[asyncio.subprocess.Process] = []
    logs = Path(tempfile.mkdtemp(prefix="nudge-bench-"))
    try:
        await asyncio.to_thread(upgrade, url)
        for i in range(args.channels):
            fake.join(channel(i))
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
        started = time.perf_counter()
        await _prepare(url, args.channels, due)
        print(f"prepared {args.channels} channels in {time.perf_counter() - started:.1f} s; due {due.isoformat()}")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
        env.update(
            DATABASE_URL=url, LOG_LEVEL="WARNING", TEAMS_ENABLED="false", SLACK_SIGNING_SECRET=SECRET,
            SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=fake.slack_api_url, PUBLIC_URL="https://scenario.example.com",
        )  # fmt: skip
        for n in range(args.workers):
            log = (logs / f"worker{n}.log").open("wb")
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "worker", env=env, cwd=ROOT, stdout=log, stderr=log
                )
            )
        peaks: dict[int, float] = {}
        wanted = {channel(i) for i in range(args.channels)}

        def nudges() -> dict[str, int]:
            counts: dict[str, int] = {}
            for name in wanted:
                counts[name] = sum(1 for m in fake.posted(name) if (m.get("text") or "").startswith("Target check"))
            return counts

        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        t_due = time.perf_counter()
        last_at = first_at = None
        while time.perf_counter() - t_due < TIMEOUT:
            for proc in procs:
                for pid in [proc.pid, *_children(proc.pid)]:
                    peaks[pid] = max(peaks.get(pid, 0.0), _peak_mb(pid))
            done = sum(1 for c in nudges().values() if c >= 1)
            if done and first_at is None:
                first_at = time.perf_counter()
            if done >= args.channels:
                last_at = time.perf_counter()
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(3.0)  # a late duplicate would show up now
        counts = nudges()
        for proc in procs:
            for pid in [proc.pid, *_children(proc.pid)]:
                peaks[pid] = max(peaks.get(pid, 0.0), _peak_mb(pid))
        once = sum(1 for c in counts.values() if c == 1)
        twice = sum(1 for c in counts.values() if c > 1)
        missing = sum(1 for c in counts.values() if c == 0)
        print(f"channels: {args.channels}, worker processes: {args.workers} (each with its compute pool)")
        if last_at is None:
            print(f"TIMEOUT after {TIMEOUT:.0f} s: {args.channels - missing} of {args.channels} nudges posted")
        else:
            elapsed = last_at - t_due
            first = (first_at or last_at) - t_due
            print(
                f"time from the due minute to the first nudge: {first:.1f} s (workers starting: imports, compute "
                f"pools), to the last: {elapsed:.1f} s; "
                f"{args.channels / max(elapsed - first, 1e-9):.1f} nudges/s after the first"
            )
        print(f"posted once: {once}, more than once: {twice}, missing: {missing}")
        mains = [peaks.get(p.pid, 0.0) for p in procs]
        pools = [v for pid, v in peaks.items() if pid not in {p.pid for p in procs}]
        print(
            f"peak memory: worker processes {', '.join(f'{m:.0f} MB' for m in mains)}; "
            f"compute processes up to {max(pools, default=0):.0f} MB each ({len(pools)} of them), "
            f"all together {sum(mains) + sum(pools):.0f} MB"
        )
        print(f"worker logs: {logs}")
        return 0 if last_at is not None and once == args.channels else 1
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.terminate()
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
        await fake.close()
        await _execute(base, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
