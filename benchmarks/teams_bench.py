"""Teams edge benchmark: message activities against our server and against a bare botbuilder echo bot.

Owns the measurement behind the Teams adapter (project issue #5): throughput and latency p50/p99 of
POST /api/messages at concurrency 1 and 16. Two latencies per request: the acknowledgement (ours records the
activity and its job, then answers 201; the echo bot replies inside the turn) and the time until the reply
reached the Bot Connector (ours: sent by the in-process worker), which is what a person feels. Three servers:
- bare:  a botbuilder CloudAdapter + ActivityHandler that echoes the text (the SDK's own floor),
- help:  ours answering `@Scenario help` (auth gate, inbox, reference storage, router, Adaptive Card),
- what-if: ours answering a what-if (plus two engine forecasts and the fan chart, in the executor).
"ours/bare" compares `help` with the echo bot: the cost of our edge, not of the engine.

Everything runs on loopback in anonymous mode (no app id). Each server runs in its own process (this
script re-invoked with --serve); the load generator and the fake Bot Connector live in this process.

    .venv/bin/python benchmarks/teams_bench.py          # prints a table
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

from tests.fakes import teams_activities as ta  # noqa: E402
from tests.fakes.platform_server import FakePlatform  # noqa: E402

LEVELS = ((1, 20), (16, 64))  # (concurrency, requests)
TODAY = date(2026, 11, 16)  # the sample baseline's as_of
QUESTIONS = {"help": "help", "what-if": "what if win rate drops to 20%"}


# ------------------------------------------------------------------ server processes


async def serve_ours() -> None:
    from bot.app import build_services, create_web_app
    from bot.config import Settings, TeamsSettings
    from bot.core.baselines.feature import sample_baseline
    from storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='teams-bench-')}/bench.db"
    upgrade(url)
    settings = Settings(database_url=url, public_url="https://bench.example.com", teams=TeamsSettings())
    services = build_services(settings, today=TODAY)
    workspace = await services.storage.workspaces.ensure("teams", ta.TENANT)
    await services.storage.baselines.save(workspace.id, ta.CHANNEL, sample_baseline(), created_by="bench")
    await _run(create_web_app(services, run_worker=True))  # as `serve` runs on SQLite: its worker in-process


async def serve_bare() -> None:
    from botbuilder.core import ActivityHandler, TurnContext
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    from bot.config import TeamsSettings

    class Echo(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(f"echo: {turn_context.activity.text}")

    adapter, bot = CloudAdapter(ConfigurationBotFrameworkAuthentication(TeamsSettings().botbuilder_config())), Echo()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    await _run(app)


async def _run(web_app: web.Application) -> None:
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(json.dumps({"port": runner.addresses[0][1]}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await runner.cleanup()


def start_server(kind: str) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, __file__, "--serve", kind]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"the {kind} server did not start (exit code {proc.wait()})")
    return proc, f"http://127.0.0.1:{json.loads(line)['port']}/api/messages"


# ------------------------------------------------------------------ load


async def load(session, url: str, text: str, fake: FakePlatform, concurrency: int, count: int):
    """Post `count` @mentions, `concurrency` at a time. Returns ([ack seconds], [seconds to the reply], rps)."""
    gate = asyncio.Semaphore(concurrency)
    acks: list[float] = []
    sent: dict[str, float] = {}

    async def one() -> None:
        activity = ta.mention(text, service_url=fake.url + "/")
        async with gate:
            started = time.perf_counter()
            sent[activity["id"]] = time.time()
            async with session.post(url, json=activity) as response:
                await response.read()
                if response.status not in (200, 201):
                    raise SystemExit(f"{url}: HTTP {response.status}")
            acks.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    rps = count / (time.perf_counter() - started)
    replies: dict[str, float] = {}
    deadline = time.monotonic() + 120
    while len(replies) < count and time.monotonic() < deadline:
        for call in fake.connector_calls("POST"):
            reply_to = call.path.rsplit("/", 1)[-1]
            if reply_to in sent and reply_to not in replies:
                replies[reply_to] = call.at
        await asyncio.sleep(0.02)
    return acks, [replies[i] - at for i, at in sent.items() if i in replies], rps


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main() -> int:
    fake = await FakePlatform.start()
    rows = []
    procs: list[subprocess.Popen] = []
    try:
        ours, ours_url = start_server("ours")
        bare, bare_url = start_server("bare")
        procs = [ours, bare]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await load(session, ours_url, "help", fake, 1, 3)  # warm-up: imports, first DB connection
            await load(session, bare_url, "hi", fake, 1, 3)
            for concurrency, count in LEVELS:
                measured = {"bare": await load(session, bare_url, "hi", fake, concurrency, count)}
                for name, text in QUESTIONS.items():
                    measured[name] = await load(session, ours_url, text, fake, concurrency, count)
                    assert len(measured[name][1]) == count, f"{len(measured[name][1])} replies for {count} requests"
                rows.append((concurrency, count, measured))
    finally:
        for proc in procs:
            proc.stdin.close()
            proc.wait(timeout=30)
        await fake.close()

    print(
        f"{'conc':>4} {'reqs':>4} {'server':>8} {'rps':>6} {'ack p50':>8} {'ack p99':>8} "
        f"{'reply p50':>9} {'reply p99':>9}"
    )
    for concurrency, count, measured in rows:
        for name, (acks, replies, rps) in measured.items():
            print(
                f"{concurrency:>4} {count:>4} {name:>8} {rps:>6.0f} {pct(acks, 0.5) * 1000:>6.0f}ms "
                f"{pct(acks, 0.99) * 1000:>6.0f}ms {pct(replies, 0.5) * 1000:>7.0f}ms "
                f"{pct(replies, 0.99) * 1000:>7.0f}ms"
            )
        ratio = measured["help"][2] / measured["bare"][2]
        print(f"{concurrency:>4} {count:>4} {'ours/bare':>8} {ratio:>6.2f}  (help vs echo throughput)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=["ours", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "ours":
        asyncio.run(serve_ours())
    elif args.serve == "bare":
        asyncio.run(serve_bare())
    else:
        sys.exit(asyncio.run(main()))
