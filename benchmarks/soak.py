"""Soak test (reliability.md R2): minutes of mixed traffic with faults; nothing lost, resources flat.

    .venv/bin/python benchmarks/soak.py                        # 10 minutes on an SQLite file (serve only)
    .venv/bin/python benchmarks/soak.py --minutes 2 --database-url postgresql+asyncpg://postgres@127.0.0.1/test

The bot runs as operators run it: `python -m bot serve` (on SQLite it runs the worker too) and, on PostgreSQL,
a `python -m bot worker` process (in a fresh database created on that server and dropped afterwards). This
process plays Slack and Teams: the fake Web API and Bot Connector (tests/fakes/platform_server.py) and a load
generator sending, over real HTTP and signed as Slack signs, a mix of slash commands and @mentions (what-ifs),
reactions and thread replies on the cards the bot posted, and Teams @mentions and likes. Faults are injected
all along: 429s with Retry-After, 5xx, answers lost after the post took effect and dropped connections on
Slack; 429 and 502 on the Bot Connector (the ones Microsoft documents as not delivered). Halfway, the worker is
restarted (SIGTERM, then started again: on SQLite that is the serve process).

At the end, with the traffic stopped and the queue drained, it checks that nothing acknowledged was lost or
doubled (every acknowledged question has exactly one card, every acknowledged like and comment is in the
database), and that RSS, open file descriptors and database connections, sampled every --sample-seconds per
process, are flat (first/last/max printed; after a warm-up, the last sample within 25% or 40 MB of the first
RSS, 10 descriptors and 3 connections). Exit 0 when both hold, 1 otherwise; a lost card is followed by its jobs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from storage import make_engine, migrate  # noqa: E402
from tests.fakes import slack_payloads as sp  # noqa: E402
from tests.fakes import teams_activities as ta  # noqa: E402
from tests.fakes.platform_server import FakePlatform  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak_checks import Ledger, Proc, Series, children, fds, free_port, lost_and_doubled, rss_mb  # noqa: E402

TOKEN = "xoxb-soak-0000"
CHANNELS = [f"C_SOAK_{n}" for n in range(6)]  # Slack allows ~1 post/s per channel: spread the cards
USERS = [f"U_SOAK_{n:02d}" for n in range(12)]


# ------------------------------------------------------------------ the run


class Soak:
    def __init__(self, args: argparse.Namespace, fake: FakePlatform, url: str, workdir: Path) -> None:
        self.args, self.fake, self.url, self.workdir = args, fake, url, workdir
        self.pg = url.startswith("postgresql")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
        self.env.update(
            DATABASE_URL=url, PORT=str(self.port), LOG_LEVEL="WARNING", TEAMS_ENABLED="true",
            WORKER_LEASE_SECONDS="15", PUBLIC_URL="https://soak.example.com", SLACK_SIGNING_SECRET=sp.SECRET,
            SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=fake.slack_api_url, PYTHONPATH=str(ROOT),
        )  # fmt: skip
        self.procs: dict[str, Proc] = {}
        self.series: dict[str, Series] = {}
        self.ledger = Ledger()
        self.lifetimes: dict[str, int] = {}  # role -> how many times it was started
        self.teams_cards: list[tuple[str, str]] = []  # (card activity id, thread root)

    async def start(self, role: str) -> None:
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port)] if role == "web" else ["worker"]
        self.procs[role] = await Proc(role, args, self.env, self.workdir / f"{role}.log").start()
        self.lifetimes[role] = self.lifetimes.get(role, 0) + 1

    async def healthy(self, session: aiohttp.ClientSession) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                async with session.get(self.base + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
        raise SystemExit("the server did not start:\n" + (self.workdir / "web.log").read_text()[-3000:])

    async def sample(self) -> None:
        while True:
            connections = await self._db_connections()
            for role, proc in self.procs.items():
                if proc.proc is None or proc.proc.returncode is not None:
                    continue
                pid = proc.proc.pid
                try:
                    open_files = fds(pid)
                    values = {"rss MB": rss_mb(pid), "fds": len(open_files)}
                    values["children rss MB"] = sum(rss_mb(child) for child in children(pid))
                except FileNotFoundError:
                    continue
                if not self.pg:
                    database = str(make_url(self.url).database)
                    values["db connections"] = sum(1 for f in open_files if f == database)
                for metric, value in values.items():
                    key = f"{role}#{self.lifetimes[role]} {metric}"
                    self.series.setdefault(key, Series(key)).values.append(value)
            if connections is not None:
                key = f"server db connections (worker #{self.lifetimes.get('worker', 0)})"
                self.series.setdefault(key, Series(key)).values.append(connections)
            await asyncio.sleep(self.args.sample_seconds)

    async def _db_connections(self) -> int | None:
        if not self.pg:
            return None
        engine = make_engine(self.admin_url)
        try:
            async with engine.connect() as connection:
                query = "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
                return (await connection.execute(text(query), {"db": make_url(self.url).database})).scalar_one()
        finally:
            await engine.dispose()

    # -------------------------------------------------------------- traffic

    async def slack(self, session: aiohttp.ClientSession, built: tuple[str, str]) -> bool:
        body, content_type = built
        headers = {"Content-Type": content_type, **sp.sign(body, sp.SECRET, None)}
        started = time.perf_counter()
        try:
            async with session.post(self.base + "/slack/events", data=body.encode(), headers=headers) as response:
                answer = await response.text()
                ok = response.status == 200 and answer == ""
        except aiohttp.ClientError:
            ok = False
        self.ledger.acks.append((time.monotonic(), time.perf_counter() - started))
        self.ledger.refused += not ok
        return ok

    async def teams(self, session: aiohttp.ClientSession, activity: dict) -> bool:
        try:
            async with session.post(self.base + "/api/messages", json=activity) as response:
                await response.read()
                return response.status in (200, 201)
        except aiohttp.ClientError:
            return False

    def slack_cards(self, channel: str) -> list[dict]:
        """The what-if cards in `channel` (the baseline's card is not one people like or comment on)."""
        return [
            m
            for m in self.fake.posted(channel)
            if (m.get("text") or "").startswith("what if") and "P(reach target)" in m["text"]
        ]

    async def one_request(self, session: aiohttp.ClientSession, n: int) -> None:
        channel = random.choice(CHANNELS)
        question = f"what if win rate drops to {random.randint(10, 24)}%"
        cards = self.slack_cards(channel)
        roll = random.random()
        if roll < 0.25 or not cards:
            if await self.slack(session, sp.slash_command(question, channel=channel, user=random.choice(USERS))):
                self.ledger.cards[(channel, question)] = self.ledger.cards.get((channel, question), 0) + 1
        elif roll < 0.35:
            ts = f"{time.time():.6f}"
            self.fake.said(channel, ts, f"<@U_BOT> {question}", sp.USER)  # Slack has the mention before the event
            if await self.slack(session, sp.app_mention(question, channel=channel, ts=ts)):
                self.ledger.cards[(channel, question)] = self.ledger.cards.get((channel, question), 0) + 1
        elif roll < 0.6:
            card, user = random.choice(cards)["ts"], random.choice(USERS)
            if await self.slack(session, sp.reaction(item_ts=card, user=user, channel=channel)):
                self.ledger.likes.add((channel, card, user))
        elif roll < 0.8:
            card, reply = random.choice(cards)["ts"], f"{time.time():.6f}"
            self.fake.said(channel, reply, f"comment {n}", sp.USER, thread_ts=card)
            built = sp.thread_reply(f"comment {n}", thread_ts=card, ts=reply, channel=channel)
            if await self.slack(session, built):
                self.ledger.comments.add((channel, card, reply))
        elif roll < 0.9 or not self.teams_cards:
            activity = ta.mention(question, service_url=self.fake.url + "/")
            if n % 3 == 0:  # the Bot Connector refuses the answer once: throttled, or a 502 (documented: not sent)
                reply = f"/v3/conversations/{ta.CHANNEL};messageid={activity['id']}/activities/{activity['id']}"
                status, headers = (429, {"Retry-After": "1"}) if n % 2 else (502, {})
                self.fake.override("POST", reply, status=status, json={"error": {"code": "x"}}, headers=headers)
            if await self.teams(session, activity):
                self.ledger.cards[("teams", question)] = self.ledger.cards.get(("teams", question), 0) + 1
        else:
            card, root = random.choice(self.teams_cards)
            n_user = random.randrange(len(USERS))
            aad = f"00000000-0000-4000-8000-{n_user:012d}"  # the id the bot keys people by (aadObjectId)
            user = {"id": f"29:{USERS[n_user]}", "name": USERS[n_user], "aadObjectId": aad}
            like = ta.reaction(reply_to=card, root=root, service_url=self.fake.url + "/", user=user)
            if await self.teams(session, like):
                self.ledger.likes.add(("teams", card, aad))

    def inject_fault(self, n: int) -> None:
        kind = n % 5
        if kind == 0:
            self.fake.override("POST", "/api/chat.postMessage", status=429, json={"ok": False, "error": "ratelimited"},
                               headers={"Retry-After": "1"}, times=3)  # fmt: skip
        elif kind == 1:
            self.fake.override("POST", "/api/chat.update", status=500, json={"ok": False, "error": "internal_error"})
        elif kind == 2:
            self.fake.lose_answer("chat.postMessage")  # posted, then a 500: found in history, not posted again
        elif kind == 3:
            self.fake.lose_answer("chat.postMessage", drop=True)  # posted, then the connection drops
        else:
            self.fake.override("POST", "/api/chat.postMessage", status=503, json={"ok": False, "error": "fatal_error"})

    async def run(self) -> int:
        seconds = self.args.minutes * 60
        async with aiohttp.ClientSession() as session:
            await self.start("web")
            if self.pg:
                await self.start("worker")
            await self.healthy(session)
            for channel in CHANNELS:
                self.fake.join(channel)
                await self.slack(session, sp.slash_command("baseline sample", channel=channel))
            await self.teams(session, ta.mention("baseline sample", service_url=self.fake.url + "/"))
            # as people do: the first question comes after the baseline's answer (jobs run concurrently, so a
            # question sent at once could be answered before its channel has a baseline)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and (  # noqa: ASYNC110 - polling what the fake recorded
                any(not self.fake.posted(c) for c in CHANNELS) or not self.fake.connector_calls("POST")
            ):
                await asyncio.sleep(0.2)
            sampler = asyncio.create_task(self.sample())
            started, n, restarted = time.monotonic(), 0, False
            pending: set[asyncio.Task] = set()
            while (elapsed := time.monotonic() - started) < seconds:
                n += 1
                task = asyncio.create_task(self.one_request(session, n))
                pending.add(task)
                task.add_done_callback(pending.discard)
                if n % 15 == 0:
                    self.inject_fault(n // 15)
                if not restarted and elapsed > seconds / 2:
                    restarted = True
                    role = "worker" if self.pg else "web"
                    code = await self.procs[role].stop()
                    print(f"{elapsed:.0f} s: {role} restarted (SIGTERM: exit {code})", flush=True)
                    await self.start(role)
                    if role == "web":
                        await self.healthy(session)
                self.teams_cards = [(r.reply["id"], r.json["replyToId"]) for r in self.fake.connector_calls("POST")
                                    if (r.json.get("summary") or "").startswith("what if") and r.reply]  # fmt: skip
                await asyncio.sleep(random.expovariate(self.args.rate))
            await asyncio.gather(*pending, return_exceptions=True)
            print(f"{n} requests in {time.monotonic() - started:.0f} s; draining the queue", flush=True)
            self.fake._overrides.clear()
            drained = await self.drain()
            sampler.cancel()
            problems = await self.check()
            codes = {role: await proc.stop() for role, proc in self.procs.items()}
        return self.report(problems, codes, drained)

    async def drain(self) -> bool:
        engine = make_engine(self.url)
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                async with engine.connect() as connection:
                    busy = await connection.execute(
                        text("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")
                    )
                    if busy.scalar_one() == 0:
                        await asyncio.sleep(2)  # footer updates coalesce behind the last like
                        return True
                await asyncio.sleep(1)
            return False
        finally:
            await engine.dispose()

    async def check(self) -> list[str]:
        cards: dict[tuple[str, str], int] = {}
        for channel in CHANNELS:
            for message in self.slack_cards(channel):
                question = message["text"].splitlines()[0]
                cards[(channel, question)] = cards.get((channel, question), 0) + 1
        for r in self.fake.connector_calls("POST"):
            summary = r.json.get("summary") or ""
            if summary.startswith("what if") and r.reply:
                cards[("teams", summary.splitlines()[0])] = cards.get(("teams", summary.splitlines()[0]), 0) + 1
        engine = make_engine(self.url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    text(
                        "SELECT s.platform, s.channel_id, s.message_id, l.user_id FROM likes l "
                        "JOIN sent_messages s ON s.id = l.sent_message_id"
                    )
                )
                likes = {("teams" if p == "teams" else c, m, u) for p, c, m, u in rows.all()}
                rows = await connection.execute(
                    text(
                        "SELECT s.channel_id, s.message_id, c.message_id FROM comments c "
                        "JOIN sent_messages s ON s.id = c.sent_message_id WHERE c.deleted_at IS NULL"
                    )
                )
                comments = {(c, m, reply) for c, m, reply in rows.all()}
        finally:
            await engine.dispose()
        problems = lost_and_doubled(self.ledger, cards, likes, comments)
        self.notes = await self.diagnose([p for p in problems if p.startswith("card ")])
        return problems

    async def diagnose(self, lost_cards: list[str]) -> list[str]:
        """For each card that is not shown as often as acknowledged: its jobs and their sends, as operators see
        them in `python -m bot jobs` (what to look at first)."""
        notes = []
        engine = make_engine(self.url)
        try:
            async with engine.connect() as connection:
                for problem in lost_cards[:5]:
                    channel, question = problem.split("'")[1], problem.split("'")[3]
                    jobs = await connection.execute(
                        text(
                            "SELECT id, key, status, attempts, last_error FROM jobs "
                            "WHERE CAST(payload AS TEXT) LIKE :q AND CAST(payload AS TEXT) LIKE :c"
                        ),
                        {"q": f"%{question}%", "c": f"%{channel}%"},
                    )
                    for job_id, key, status, attempts, error in jobs.all():
                        sends = await connection.execute(
                            text("SELECT key, status, last_error FROM outbox WHERE key LIKE :k"), {"k": f"%{key}%"}
                        )
                        state = f"{status}, {attempts} attempts, last error {error}"
                        notes.append(f"  job {job_id} {key}: {state}; sends {sends.all()}")
        finally:
            await engine.dispose()
        return notes

    def report(self, problems: list[str], codes: dict[str, int], drained: bool) -> int:
        acks = sorted(s for _, s in self.ledger.acks)
        first = sorted(s for _, s in self.ledger.acks[: len(acks) // 3])
        last = sorted(s for _, s in self.ledger.acks[-(len(acks) // 3) :])
        p99 = lambda values: values[max(0, int(0.99 * len(values)) - 1)] if values else 0.0  # noqa: E731
        print(f"\nacknowledgements: {len(acks)} Slack requests, {self.ledger.refused} not acknowledged (restart, busy)")
        print(f"ack p50 {statistics.median(acks) * 1000:.0f} ms, p99 first third {p99(first) * 1000:.0f} ms, "
              f"last third {p99(last) * 1000:.0f} ms")  # fmt: skip
        acked = sum(self.ledger.cards.values())
        print(f"acknowledged: {acked} questions, {len(self.ledger.likes)} likes, {len(self.ledger.comments)} comments")
        print(f"queue drained: {drained}; exit codes at SIGTERM: {codes}")
        print("\nsamples (per process lifetime, after the first two):")
        flat = True
        for series in self.series.values():
            ok, line = series.verdict(warmup=2)
            flat &= ok
            print("  " + line)
        print("\nlost or doubled: " + ("none" if not problems else f"{len(problems)}"))
        for problem in problems[:20]:
            print("  " + problem)
        for note in getattr(self, "notes", []):
            print(note)
        verdict = not problems and flat and drained
        print(f"\nverdict: {'PASS' if verdict else 'FAIL'} (nothing lost: {not problems}, resources flat: {flat})")
        return 0 if verdict else 1


async def _admin(url: str, statement: str) -> None:
    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def main_async(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    admin = args.database_url
    if admin and admin.startswith("postgres"):
        name = f"soak_{uuid.uuid4().hex[:10]}"
        await _admin(admin, f'CREATE DATABASE "{name}"')
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    else:
        url, name = f"sqlite+aiosqlite:///{workdir / 'soak.db'}", None
    await asyncio.to_thread(migrate.upgrade, url)
    fake = await FakePlatform.start()
    print(f"soak: {args.minutes} min at ~{args.rate}/s on {'PostgreSQL' if name else 'SQLite'}; logs in {workdir}")
    soak = Soak(args, fake, url, workdir)
    soak.admin_url = admin or url
    try:
        return await soak.run()
    finally:
        for proc in soak.procs.values():  # after a failure too: no bot process outlives the soak
            await proc.stop()
        await fake.close()
        if name:
            await _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=2.0, help="requests per second, on average")
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default="", help="PostgreSQL server to create the soak database on")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
