"""Slack edge benchmark: signed slash commands against our server and against a bare slack-bolt AsyncApp.

Owns the measurement behind the Slack adapter's performance targets (project issue #4):
- throughput of acknowledged slash commands, ours / bare Bolt (target >= 0.7 at each concurrency),
- ack latency p50/p99 of our server (target p99 <= 300 ms at concurrency 64 while what-if work runs),
- time from command to the card AND its chart at the fake Web API (target p50 <= 1.5 s).

Everything runs on loopback. Each server, and the fake Web API, runs in its own process (this script
re-invoked with --serve), so none shares an event loop or GIL with the load generator.
Request counts are bounded: 20 at concurrency 1, 128 at 16, 256 at 64, per server.

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
LEVELS = ((1, 20), (16, 128), (64, 256))  # (concurrency, requests): enough for a steady rate at 64
SEQUENTIAL = 10  # commands for the unloaded command -> card latency
CARD_TIMEOUT = 180.0  # seconds to wait for the last chart at the highest concurrency
QUESTION = "what if win rate drops to 20%"
TODAY = date(2026, 11, 16)
EXECUTOR = os.environ.get("BENCH_EXECUTOR", "process")  # as `serve` runs; "thread": in the server process
EXECUTOR_WORKERS = 2  # the sample baseline's as_of


def channel(i: int) -> str:
    return f"C_BENCH_{i:05d}"


# ------------------------------------------------------------------ server processes


async def serve_ours(fake_url: str, channels: int) -> None:
    from bot.app import build_services, create_web_app
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
    await _run(create_web_app(services))


async def serve_bare(fake_url: str) -> None:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(signing_secret=sp.SECRET, client=AsyncWebClient(token=TOKEN, base_url=fake_url), name="bare")

    @app.command("/scenario")
    async def command(ack) -> None:
        await ack()

    await _run(app.web_app(path="/slack/events"))


async def serve_fake() -> None:
    """The fake Web API in a process of its own, so answering our server's card and chart calls does not take
    CPU from the load generator (the bare app makes no such calls). GET /calls on a second port lists the
    card and chart calls with their times, for the command -> card latency."""
    fake = await FakePlatform.start()

    async def calls(_: web.Request) -> web.Response:
        wanted = {"/api/chat.postMessage", "/api/files.completeUploadExternal"}
        listed = [
            {"path": r.path, "at": r.at, "channel": r.json.get("channel"), "channel_id": r.json.get("channel_id")}
            for r in fake.requests
            if r.method == "POST" and r.path in wanted
        ]
        return web.json_response(listed)

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


async def _run(web_app: web.Application) -> None:
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(json.dumps({"port": port}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await runner.cleanup()


def start_process(kind: str, fake_url: str = "", channels: int = 0) -> tuple[subprocess.Popen, dict]:
    cmd = [sys.executable, __file__, "--serve", kind, "--fake-url", fake_url, "--channels", str(channels)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
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


async def card_times(session, calls_url: str, sent: list[tuple[str, float, float]]) -> list[float]:
    """Seconds from each command to its chart landing under its card (or the card, if it has no chart)."""
    deadline = time.monotonic() + CARD_TIMEOUT
    wanted = {ch for ch, _, _ in sent}
    charts: dict = {}
    cards: dict = {}
    done: dict = {}
    while time.monotonic() < deadline:
        async with session.get(calls_url) as response:
            listed = await response.json()
        charts = {c["channel_id"]: c["at"] for c in listed if c["path"].endswith("completeUploadExternal")}
        cards = {c["channel"]: c["at"] for c in listed if c["path"].endswith("chat.postMessage")}
        done = {ch: charts.get(ch) for ch in wanted if ch in charts}
        if len(done) == len(wanted):
            return [done[ch] - at for ch, at, _ in sent]
        await asyncio.sleep(0.1)
    missing = len(wanted) - len(done)
    print(f"  warning: {missing} of {len(wanted)} charts never arrived; using card times", file=sys.stderr)
    return [(charts.get(ch) or cards.get(ch, float("nan"))) - at for ch, at, _ in sent]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def sequential_cards(session, calls_url: str, url: str, first: int, count: int) -> list[float]:
    """Unloaded latency: one command at a time, each waiting for its card and chart before the next."""
    times = []
    for i in range(first, first + count):
        sent, _ = await load(session, url, 1, i, 1)
        times.extend(await card_times(session, calls_url, sent))
    return times


async def main() -> int:
    total = sum(n for _, n in LEVELS)
    rows = []
    fake, fake_info = start_process("fake")
    procs = [fake]
    try:
        ours, ours_url = start_server("ours", fake_info["url"], total + SEQUENTIAL)
        procs.append(ours)
        bare, bare_url = start_server("bare", fake_info["url"], 0)
        procs.append(bare)
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            first = 0
            for concurrency, count in LEVELS:
                bare_results, bare_rps = await load(session, bare_url, concurrency, 10_000 + first, count)
                started = time.time()
                ours_results, ours_rps = await load(session, ours_url, concurrency, first, count)
                acks = [s for _, _, s in ours_results]
                cards = await card_times(
                    session, fake_info["calls"], ours_results
                )  # also: the backlog drains before the next level
                backlog = max(at + c for (_, at, _), c in zip(ours_results, cards, strict=True)) - started
                bare_p50 = statistics.median(s for *_, s in bare_results)
                rows.append(
                    (concurrency, count, ours_rps, bare_rps, pct(acks, 0.5), pct(acks, 0.99), backlog, bare_p50)
                )
                first += count
            unloaded = await sequential_cards(session, fake_info["calls"], ours_url, first, SEQUENTIAL)
    finally:
        for proc in reversed(procs):
            stop(proc)

    print(f"executor: {EXECUTOR} x{EXECUTOR_WORKERS}; each command is a what-if answered with a card and a fan chart")
    print(
        f"{'conc':>4} {'reqs':>4} {'ours rps':>9} {'bare rps':>9} {'ratio':>6} {'ack p50':>8} {'ack p99':>8} "
        f"{'bare p50':>8} {'all cards in':>12}"
    )
    failed = []
    for conc, n, ours_rps, bare_rps, p50, p99, backlog, bare50 in rows:
        ratio = ours_rps / bare_rps
        print(
            f"{conc:>4} {n:>4} {ours_rps:>9.0f} {bare_rps:>9.0f} {ratio:>6.2f} {p50 * 1000:>6.0f}ms "
            f"{p99 * 1000:>6.0f}ms {bare50 * 1000:>6.0f}ms {backlog:>11.1f}s"
        )
        if ratio < 0.7:
            failed.append(f"throughput ratio {ratio:.2f} < 0.7 at concurrency {conc}")
        if conc == 64 and p99 > 0.3:
            failed.append(f"ack p99 {p99 * 1000:.0f} ms > 300 ms at concurrency 64")
    card50 = statistics.median(unloaded)
    print(
        f"command -> card + chart at the fake, one at a time (n={SEQUENTIAL}): "
        f"p50 {card50:.2f}s, max {max(unloaded):.2f}s"
    )
    if card50 > 1.5:
        failed.append(f"card+chart p50 {card50:.2f} s > 1.5 s")
    print("targets: throughput ratio >= 0.7; ack p99 <= 300 ms at concurrency 64; card+chart p50 <= 1.5 s")
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
        asyncio.run(serve_fake())
    else:
        sys.exit(asyncio.run(main()))
