"""Slack server benchmark: a burst of 64 signed what-if commands to our server and to a bare slack-bolt app.

Owns the measurement behind the durable-work issue's targets, all measured in the same run:
- acknowledgements: throughput ours / bare Bolt for the same burst (target >= 0.7) and our ack p99 (<= 300 ms);
- cards, what a person feels: p50 and p95 from each command to its card at the (fake) Web API, and the time
  to the last card against the compute bound, 64 x one what-if's compute time / compute processes, with that
  compute time measured in this run on a warmed compute process; the last chart (uploaded under its card) is
  printed beside it (targets: last card <= 1.5 x the bound,
  p50 <= 3 s).
Our server runs as `python -m bot serve` does on SQLite: the web app with its worker in-process and forecasts and
charts in a pool of spawned processes. The server, the bare app and the fake Web API each run in a process of
their own (this script re-invoked with --serve), so none shares an event loop or GIL with the load generator.
Each burst goes to channels of its own (Slack rate-limits posts per channel); after one warm-up burst to each server,
not counted, the burst is repeated ROUNDS times.

    .venv/bin/python benchmarks/server_bench.py            # prints a table; exit 1 if a target is missed
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import slack_payloads as sp  # noqa: E402
from tests.fakes.platform_server import FakePlatform  # noqa: E402

TOKEN = "xoxb-bench-0000"
BURST = 64
ROUNDS = 7  # medians of 7: on a shared 2-core machine one round's figures can be 2x another's
CARD_TIMEOUT = 180.0  # seconds to wait for the last card of a burst
QUESTION = "what if win rate drops to 20%"
TODAY = date(2026, 11, 16)
EXECUTOR = os.environ.get("BENCH_EXECUTOR", "process")  # as `serve` runs; "thread": in the server process
EXECUTOR_WORKERS = 2
# diagnostic: BENCH_WORKER=off measures the acknowledgements alone (no answers are made)
WORKER = os.environ.get("BENCH_WORKER", "on") != "off"  # the sample baseline's as_of


def channel(i: int) -> str:
    return f"C_BENCH_{i:05d}"


# ------------------------------------------------------------------ server processes


async def serve_ours(fake_url: str, channels: int) -> None:
    from bot import logs
    from bot.app import build_services, create_web_app, freeze_startup
    from bot.config import Settings, SlackSettings, TeamsSettings
    from bot.core.baselines.feature import sample_baseline
    from storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.db"
    upgrade(url)
    settings = Settings(
        database_url=url,
        slack=SlackSettings(bot_token=TOKEN, signing_secret=sp.SECRET, api_url=fake_url),
        teams=TeamsSettings(enabled=False),
    )
    executor = None
    if EXECUTOR == "process":
        from bot.app import compute_executor

        executor = compute_executor(EXECUTOR_WORKERS)  # what `python -m bot serve` uses
    services = build_services(settings, today=TODAY, executor=executor)
    workspace = await services.storage.workspaces.ensure("slack", sp.TEAM)
    for i in range(channels):  # setup, not measured: every command's channel has the sample baseline
        await services.storage.baselines.save(workspace.id, channel(i), sample_baseline(), created_by="bench")
    web_app = create_web_app(services, run_worker=WORKER)  # as `serve` runs on SQLite: its worker in-process
    logs.configure(settings.log_level, settings.log_format)  # as `serve` does: its logging, access lines included
    freeze_startup()  # as `serve` does
    await _run(web_app, access_log=True)


async def serve_bare(fake_url: str) -> None:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(signing_secret=sp.SECRET, client=AsyncWebClient(token=TOKEN, base_url=fake_url), name="bare")

    @app.command("/scenario")
    async def command(ack) -> None:
        await ack()

    await _run(app.web_app(path="/slack/events"))


async def serve_fake(channels: int) -> None:
    """The fake Web API in a process of its own, so answering our server's card and chart calls does not take
    CPU from the load generator (the bare app makes no such calls). GET /calls on a second port lists the
    card and chart calls with their times, for the command -> card latency."""
    fake = await FakePlatform.start()
    for i in range(channels):
        fake.join(channel(i))  # the bot was invited to every channel it answers in

    async def calls(request: web.Request) -> web.Response:
        # only the requests since the caller's last look: re-listing every call of every round at each poll cost
        # this process CPU that the server under test needs on a 2-core machine (the times are the fake's own)
        since = int(request.query.get("since", "0"))
        wanted = {"/api/chat.postMessage", "/api/files.completeUploadExternal"}
        requests = fake.requests[since:]
        listed = [
            {"path": r.path, "at": r.at, "channel": r.json.get("channel"), "channel_id": r.json.get("channel_id")}
            for r in requests
            if r.method == "POST" and r.path in wanted
        ]
        return web.json_response({"calls": listed, "next": since + len(requests)})

    side = web.Application()
    side.router.add_get("/calls", calls)
    runner = web.AppRunner(side, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    info = {"url": fake.slack_api_url, "calls": f"http://127.0.0.1:{runner.addresses[0][1]}/calls"}
    print(json.dumps(info), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()
    await fake.close()


async def _run(web_app: web.Application, *, access_log: bool = False) -> None:
    # our server writes the access line `serve` writes for each request (bot.logs.AccessLine); the bare app and the
    # fake Web API write none
    from bot.logs import AccessLine

    runner = web.AppRunner(web_app, **({"access_log_class": AccessLine} if access_log else {"access_log": None}))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(json.dumps({"port": port}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await runner.cleanup()


def start_process(kind: str, fake_url: str = "", channels: int = 0) -> tuple[subprocess.Popen, dict]:
    cmd = [sys.executable, __file__, "--serve", kind, "--fake-url", fake_url, "--channels", str(channels)]
    # the servers' logs (our access lines) go to a file, written as they would be by a deployed server
    log = open(Path(tempfile.gettempdir()) / f"server_bench-{kind}.log", "w")  # noqa: SIM115 - the child's
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT)
    log.close()
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"the {kind} process did not start (exit code {proc.wait()})")
    return proc, json.loads(line)


def start_server(kind: str, fake_url: str, channels: int) -> tuple[subprocess.Popen, str]:
    proc, info = start_process(kind, fake_url, channels)
    return proc, f"http://127.0.0.1:{info['port']}/slack/events"


def stop(proc: subprocess.Popen) -> None:
    """Ask a server to stop (close its stdin); terminate it if it does not within 10 s."""
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait(timeout=10)


# ------------------------------------------------------------------ load


async def load(session: aiohttp.ClientSession, url: str, concurrency: int, first: int, count: int):
    """Send `count` signed commands, `concurrency` at a time. Returns [(channel, sent_at, ack_seconds)]."""
    gate = asyncio.Semaphore(concurrency)
    results: list[tuple[str, float, float]] = []

    async def one(i: int) -> None:
        body, ctype = sp.slash_command(QUESTION, channel=channel(i))
        async with gate:
            headers = {"Content-Type": ctype, **sp.sign(body)}
            sent_at, started = time.time(), time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise SystemExit(f"{url}: HTTP {response.status} for request {i}")
            results.append((channel(i), sent_at, time.perf_counter() - started))

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(first, first + count)))
    return results, count / (time.perf_counter() - started)


async def card_times(session, calls_url: str, sent: list[tuple[str, float, float]]) -> dict[str, list[float]]:
    """Seconds from each command to its card, and to its chart under the card, at the fake Web API."""
    deadline = time.monotonic() + CARD_TIMEOUT
    wanted = {ch for ch, _, _ in sent}
    charts: dict[str, float] = {}
    cards: dict[str, float] = {}
    since = 0
    while True:
        async with session.get(calls_url, params={"since": str(since)}) as response:
            page = await response.json()
        since = page["next"]
        for c in page["calls"]:
            if c["path"].endswith("completeUploadExternal"):
                charts.setdefault(c["channel_id"], c["at"])
            else:
                cards.setdefault(c["channel"], c["at"])
        if wanted <= set(charts) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)  # the times are stamped by the fake on arrival: polling less often loses nothing
    missing = len(wanted - set(cards))
    if missing:
        print(f"  warning: {missing} of {len(wanted)} cards never arrived", file=sys.stderr)
    return {
        "card": [cards.get(ch, float("nan")) - at for ch, at, _ in sent],
        "chart": [charts.get(ch, float("nan")) - at for ch, at, _ in sent],
    }


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # after "(command name)", which may contain spaces


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children.setdefault(int(_stat(int(entry))[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found.extend(kids)
        todo.extend(kids)
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (Linux /proc; 0 where it cannot be read)."""
    total = 0.0
    for pid in pids:
        try:
            fields = _stat(pid)
            total += (int(fields[11]) + int(fields[12])) / _TICK
        except (OSError, IndexError, ValueError):
            continue
    return total


def cpu_snapshot(ours: subprocess.Popen, fake: subprocess.Popen, bare: subprocess.Popen) -> dict[str, float]:
    """CPU used so far per part of the run: our server's process, its compute processes, the fake Web API, the
    bare app and this load generator. On a 2-core machine they all share the cores the compute bound assumes."""
    return {
        "server": cpu_seconds([ours.pid]),
        "compute": cpu_seconds(_descendants(ours.pid)),
        "fake": cpu_seconds([fake.pid]),
        "bare": cpu_seconds([bare.pid]),
        "load": cpu_seconds([os.getpid()]),
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def compute_seconds(samples: int = 7) -> float:
    """One what-if's compute (baseline and scenario forecasts and the fan chart), timed in a warmed spawned
    process like the server's compute pool: the median of `samples`."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        pool.submit(_timed_answer).result()  # warm up: imports, font caches
        return statistics.median(pool.submit(_timed_answer).result() for _ in range(samples))


def _timed_answer() -> float:
    from bot.core.baselines.feature import sample_baseline
    from bot.core.scenarios.compute import compute_answer

    started = time.perf_counter()
    compute_answer(sample_baseline(), [{"driver": "win_rate", "from": 0.25, "to": 0.2}], True, False)
    return time.perf_counter() - started


async def main() -> int:
    total = BURST * (ROUNDS + 1)  # a warm-up burst first
    rounds = []
    cpus: list[dict[str, float]] = []
    server_ms: list[float] = []
    bound_one = compute_seconds()
    fake, fake_info = start_process("fake", channels=total)
    procs = [fake]
    try:
        ours, ours_url = start_server("ours", fake_info["url"], total)
        procs.append(ours)
        bare, bare_url = start_server("bare", fake_info["url"], 0)
        procs.append(bare)
        await asyncio.sleep(3.0)  # the compute pool warms up after the server prints its port
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            # one burst to each server first, not counted: the first burst a process serves pays for its imports,
            # caches and connections (a bare app's first burst ran at a quarter of its later rate)
            await load(session, bare_url, BURST, 10_000 + BURST * ROUNDS, BURST)
            warm, _ = await load(session, ours_url, BURST, BURST * ROUNDS, BURST)
            if WORKER:
                await card_times(session, fake_info["calls"], warm)
            for r in range(ROUNDS):
                first = r * BURST
                bare_results, bare_rps = await load(session, bare_url, BURST, 10_000 + first, BURST)
                cpu_before = cpu_snapshot(ours, fake, bare)
                started = time.time()
                ours_results, ours_rps = await load(session, ours_url, BURST, first, BURST)
                if WORKER:
                    times = await card_times(session, fake_info["calls"], ours_results)
                else:
                    times = {"card": [float("nan")] * BURST, "chart": [float("nan")] * BURST}
                last = max(at + c for (_, at, _), c in zip(ours_results, times["card"], strict=True)) - started
                last_chart = max(at + c for (_, at, _), c in zip(ours_results, times["chart"], strict=True)) - started
                cpu_after = cpu_snapshot(ours, fake, bare)
                cpu = {k: cpu_after[k] - cpu_before[k] for k in cpu_after}
                cpus.append({k: v / (time.time() - started) for k, v in cpu.items()})  # cores in use, on average
                server_ms.append(cpu["server"] / BURST * 1000)  # the server's own CPU per card, its ack included
                acks = [s for _, _, s in ours_results]
                rounds.append(
                    {
                        "ratio": ours_rps / bare_rps,
                        "ours_rps": ours_rps,
                        "bare_rps": bare_rps,
                        "ack50": pct(acks, 0.5),
                        "ack99": pct(acks, 0.99),
                        "card50": pct(times["card"], 0.5),
                        "card95": pct(times["card"], 0.95),
                        "chart95": pct(times["chart"], 0.95),
                        "last": last,
                        "last_chart": last_chart,
                    }
                )
    finally:
        for proc in reversed(procs):
            stop(proc)

    bound = BURST * bound_one / EXECUTOR_WORKERS
    print(
        f"burst of {BURST} signed what-if commands, {ROUNDS} rounds; executor: {EXECUTOR} x{EXECUTOR_WORKERS}; "
        f"one what-if's compute: {bound_one * 1000:.0f} ms, so the compute bound for {BURST} is {bound:.1f} s"
    )
    print(
        f"{'round':>5} {'ours rps':>9} {'bare rps':>9} {'ratio':>6} {'ack p50':>8} {'ack p99':>8} "
        f"{'card p50':>9} {'card p95':>9} {'chart p95':>10} {'last card':>10} {'last chart':>11} {'/ bound':>8}"
    )
    for n, row in enumerate(rounds, start=1):
        print(
            f"{n:>5} {row['ours_rps']:>9.0f} {row['bare_rps']:>9.0f} {row['ratio']:>6.2f} "
            f"{row['ack50'] * 1000:>6.0f}ms {row['ack99'] * 1000:>6.0f}ms {row['card50']:>8.2f}s "
            f"{row['card95']:>8.2f}s {row['chart95']:>9.2f}s {row['last']:>9.2f}s {row['last_chart']:>10.2f}s "
            f"{row['last'] / bound:>8.2f}"
        )
    print("cores in use during each round (CPU seconds / wall seconds, from the first command to the last chart):")
    print(
        f"{'round':>5} " + " ".join(f"{k:>8}" for k in cpus[0]) + f" {'total':>8} {'of':>4} {'server CPU a card':>18}"
    )
    for n, (row, ms) in enumerate(zip(cpus, server_ms, strict=True), start=1):
        used = " ".join(f"{v:>8.2f}" for v in row.values())
        print(f"{n:>5} {used} {sum(row.values()):>8.2f} {os.cpu_count():>4} {ms:>15.0f} ms")
    median = {k: statistics.median(row[k] for row in rounds) for k in rounds[0]}
    failed = []
    if median["ratio"] < 0.7:
        failed.append(f"ack throughput ratio {median['ratio']:.2f} < 0.7")
    if median["ack99"] > 0.3:
        failed.append(f"ack p99 {median['ack99'] * 1000:.0f} ms > 300 ms")
    if median["last"] > 1.5 * bound:
        failed.append(f"last card {median['last']:.1f} s > 1.5 x the compute bound ({1.5 * bound:.1f} s)")
    if median["card50"] > 3.0:
        failed.append(f"card p50 {median['card50']:.2f} s > 3 s")
    print(
        "targets (medians of the rounds): ack ratio >= 0.7, ack p99 <= 300 ms, "
        "last card <= 1.5 x compute bound, card p50 <= 3 s"
    )
    for line in failed:
        print("MISSED:", line)
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=["ours", "bare", "fake"], help=argparse.SUPPRESS)
    parser.add_argument("--fake-url", help=argparse.SUPPRESS)
    parser.add_argument("--channels", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "ours":
        asyncio.run(serve_ours(args.fake_url, args.channels))
    elif args.serve == "bare":
        asyncio.run(serve_bare(args.fake_url))
    elif args.serve == "fake":
        asyncio.run(serve_fake(args.channels))
    else:
        sys.exit(asyncio.run(main()))
