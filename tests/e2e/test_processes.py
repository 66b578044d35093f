"""Durable work across real processes: `python -m bot serve` and `python -m bot worker` as operators run them,
against the fake Web API and Bot Connector of this test process.

- A server killed with SIGKILL right after acknowledging 20 commands, then started again: all 20 cards arrive,
  none twice (a post that was in flight at the kill is found by its key, not posted again).
- On PostgreSQL, a web process and two workers share a burst of 24 commands: each card is posted exactly once.
- A Teams card's footer is updated by a worker process, long after the turn that asked for the card.
- On SQLite a second process on the same file is refused with a clear message, and SIGTERM stops the owner
  cleanly (its worker stops, the process exits 0).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.slack_helpers import BOT_TOKEN
from tests.fakes import slack_payloads as sp
from tests.fakes import teams_activities as ta

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 90.0
HAS_PROC = Path("/proc").is_dir()  # Linux: a process's children are found there


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc; none elsewhere)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/stat") if HAS_PROC else []:
        try:
            if int(entry.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting to be reaped has exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class Bot:
    """One `python -m bot ...` process with its output in a file (shown when a test fails)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> Bot:
        handle = self.log.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *self.args, env=self.env, cwd=ROOT, stdout=handle, stderr=handle
        )
        handle.close()
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.kill()
                await self.proc.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


def _env(fake, database_url: str, port: int, *, slack: bool = True, teams: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env.update(
        DATABASE_URL=database_url,
        PORT=str(port),
        LOG_LEVEL="INFO",
        TEAMS_ENABLED="true" if teams else "false",
        WORKER_LEASE_SECONDS="5",  # what a killed process held is claimed again after 5 s
        PUBLIC_URL="https://scenario.example.com",
    )
    if slack:
        env.update(SLACK_SIGNING_SECRET=sp.SECRET, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.slack_api_url)
    return env


async def _healthy(port: int, bots: list[Bot]) -> None:
    deadline = time.monotonic() + START_SECONDS
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            for bot in bots:
                if bot.proc is not None and bot.proc.returncode is not None:
                    raise AssertionError(f"{bot.args} exited {bot.proc.returncode}:\n{bot.output()}")
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("the server did not start:\n" + "\n".join(b.output() for b in bots))


async def _post_signed(session: aiohttp.ClientSession, port: int, built: tuple[str, str]) -> int:
    body, content_type = built
    headers = {"Content-Type": content_type, **sp.sign(body, sp.SECRET, None)}
    async with session.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers) as r:
        await r.read()
        return r.status


def _cards(fake, channels: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for channel in channels:
        for message in fake.posted(channel):
            first = (message.get("text") or "").splitlines()[0] if message.get("text") else ""
            if first.startswith("what if") and "P(reach target)" in message["text"]:
                counts[first] = counts.get(first, 0) + 1
    return counts


async def _wait_cards(fake, channels: list[str], expected: int, bots: list[Bot], seconds: float) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    while sum(_cards(fake, channels).values()) < expected:
        if time.monotonic() > deadline:
            logs = "\n".join(b.output() for b in bots)
            raise AssertionError(f"{sum(_cards(fake, channels).values())} of {expected} cards:\n{logs}")
        await asyncio.sleep(0.1)
    return _cards(fake, channels)


async def _until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # noqa: ASYNC110 - polling what the fake recorded
        await asyncio.sleep(0.1)


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


async def _start(fake, database_url, tmp_path, port, *, workers: int, name: str, teams: bool = False) -> list[Bot]:
    env = _env(fake, database_url, port, teams=teams)
    bots = [await Bot(["serve", "--host", "127.0.0.1", "--port", str(port)], env, tmp_path / f"{name}-web.log").start()]
    if not _is_sqlite(database_url):  # on PostgreSQL the web process only records; workers answer
        for n in range(workers):
            bots.append(await Bot(["worker"], env, tmp_path / f"{name}-worker{n}.log").start())
    await _healthy(port, bots)
    return bots


async def test_D1_a_server_killed_after_acknowledging_20_commands_loses_none_and_doubles_none(
    fake, database_url, tmp_path
):
    port = _free_port()
    bots = await _start(fake, database_url, tmp_path, port, workers=1, name="first")
    questions = [f"what if we add {n} reps" for n in range(1, 21)]
    try:
        async with aiohttp.ClientSession() as session:
            assert await _post_signed(session, port, sp.slash_command("baseline sample")) == 200
            await fake.wait_for("POST", "/api/chat.postMessage", 1, timeout=60)
            fake.slack_delay["chat.postMessage"] = 0.4  # posts are in flight when the process dies
            statuses = await asyncio.gather(*(_post_signed(session, port, sp.slash_command(q)) for q in questions))
            assert statuses == [200] * 20
        compute = [pid for bot in bots for pid in _children(bot.proc.pid)]
        for bot in bots:
            bot.kill()  # SIGKILL: no shutdown, no finishing, no releasing
        for bot in bots:
            await bot.proc.wait()
        at_kill = sum(_cards(fake, [sp.CHANNEL]).values())
        await asyncio.sleep(1.0)  # posts the fake was still working on land now, unanswered: the ambiguous case
        fake.slack_delay.clear()
        bots = await _start(fake, database_url, tmp_path, port, workers=1, name="second")
        cards = await _wait_cards(fake, [sp.CHANNEL], 20, bots, seconds=120)
        await asyncio.sleep(2.0)  # anything that would post a second time has had its chance
        cards = _cards(fake, [sp.CHANNEL])
        assert at_kill < 20, "the kill came after all the work: nothing was tested"
        assert cards == dict.fromkeys(questions, 1)
        # the killed server's compute processes (about 110 MB each) went with it, within a few seconds
        assert compute or not HAS_PROC, "the server had no compute processes to check"
        assert [pid for pid in compute if _alive(pid)] == []
    finally:
        for bot in bots:
            await bot.stop()


async def test_D1_two_workers_share_a_burst_of_commands_and_post_each_card_once(fake, database_url, tmp_path):
    if _is_sqlite(database_url):
        pytest.skip("several processes need PostgreSQL: on SQLite one process owns the file (tested below)")
    channels = ["C_SALES", "C_EMEA", "C_APAC", "C_AMER"]  # Slack allows ~1 post/s per channel after a burst
    for channel in channels:
        fake.join(channel)
    port = _free_port()
    bots = await _start(fake, database_url, tmp_path, port, workers=2, name="burst")
    questions = [(channels[n % 4], f"what if we add {n} reps") for n in range(1, 25)]
    try:
        async with aiohttp.ClientSession() as session:
            for channel in channels:
                assert await _post_signed(session, port, sp.slash_command("baseline sample", channel=channel)) == 200
            await fake.wait_for("POST", "/api/chat.postMessage", 4, timeout=60)
            statuses = await asyncio.gather(
                *(_post_signed(session, port, sp.slash_command(q, channel=c)) for c, q in questions)
            )
            assert statuses == [200] * len(questions)
        await _wait_cards(fake, channels, len(questions), bots, seconds=240)
        await asyncio.sleep(2.0)
        assert _cards(fake, channels) == {q: 1 for _, q in questions}
        workers_that_worked = [b for b in bots[1:] if "failed" not in b.output()]
        assert len(workers_that_worked) == 2
    finally:
        for bot in bots:
            await bot.stop()


async def test_D3_R1_a_second_process_on_the_same_sqlite_file_is_refused_and_sigterm_stops_the_owner_cleanly(
    fake, database_url, tmp_path
):
    if not _is_sqlite(database_url):
        pytest.skip("PostgreSQL runs any number of processes (tested above)")
    port = _free_port()
    bots = await _start(fake, database_url, tmp_path, port, workers=0, name="owner")
    try:
        second = await Bot(["worker", "--once"], _env(fake, database_url, port), tmp_path / "second.log").start()
        assert await asyncio.wait_for(second.proc.wait(), 60) == 2
        assert "is already used by a bot process" in second.output() and "PostgreSQL" in second.output()
        assert "Traceback" not in second.output()
        [owner] = bots
        await owner.stop()  # SIGTERM, as a deployment stops it: the worker inside stops and the process exits 0
        assert owner.proc.returncode == 0, owner.output()
        assert "stopped" in owner.output() and "Traceback" not in owner.output()
    finally:
        for bot in bots:
            await bot.stop()


async def test_a_teams_card_footer_is_updated_by_a_worker_process_after_the_turn(fake, database_url, tmp_path):
    if _is_sqlite(database_url):
        pytest.skip("a separate worker process needs PostgreSQL (on SQLite serve's own worker does it)")
    port = _free_port()
    env = _env(fake, database_url, port, slack=False, teams=True)
    web = await Bot(["serve", "--host", "127.0.0.1", "--port", str(port)], env, tmp_path / "web.log").start()
    bots = [web]
    try:
        await _healthy(port, bots)
        url = fake.url + "/"
        async with aiohttp.ClientSession() as session:

            async def post(activity: dict) -> int:
                async with session.post(f"http://127.0.0.1:{port}/api/messages", json=activity) as response:
                    await response.read()
                    return response.status

            assert await post(ta.mention("baseline sample", service_url=url)) == 201
            await asyncio.sleep(1.0)
            assert fake.connector_calls("POST") == []  # the web process answers nothing itself
            bots.append(await Bot(["worker"], env, tmp_path / "worker.log").start())
            await _until(lambda: len(fake.connector_calls("POST")) >= 2, 90)  # the baseline's answer
            question = ta.mention("what if win rate drops to 20%", service_url=url)
            assert await post(question) == 201

            def what_if_cards() -> list:
                return [r for r in fake.connector_calls("POST") if (r.json.get("summary") or "").startswith("what if")]

            await _until(lambda: bool(what_if_cards()), 90)
            posted = [(r.json.get("summary") or r.json.get("text") or "")[:80] for r in fake.connector_calls("POST")]
            assert len(what_if_cards()) == 1, (posted, bots[-1].output())
            [card] = what_if_cards()
            card_id = card.reply["id"]
            assert await post(ta.reaction(reply_to=card_id, root=question["id"], service_url=url)) == 201
            await _until(lambda: bool(fake.connector_calls("PUT")), 60)
        if not fake.connector_calls("PUT"):
            jobs = await Bot(["jobs"], env, tmp_path / "jobs.log").start()
            await jobs.proc.wait()
            raise AssertionError(f"no footer update\n{jobs.output()}\n{bots[-1].output()}\n{fake.requests[-3:]}")
        [update] = fake.connector_calls("PUT")
        assert update.path.endswith(f"/activities/{card_id}")
        body = update.json["attachments"][0]["content"]["body"]
        assert any(b.get("id") == "footer" and "1 like" in b["text"] for b in body)
        assert any(b["type"] == "Image" for b in body)  # the chart is still there, served from the database
    finally:
        for bot in bots:
            await bot.stop()


async def test_worker_once_at_an_instant_runs_what_is_due_then_and_each_due_time_once(
    fake, sqlite_url, tmp_path, aiohttp_client
):
    """`python -m bot worker --once --now T` (cron deployments): a scheduled question fires at its local time,
    a second run at the same instant posts nothing, and after three missed weeks one run catches up. On SQLite:
    the command is the same on PostgreSQL, where schedules fired by concurrent processes are tested in
    tests/e2e/test_nudges.py and the firing rules on both databases in tests/storage/test_jobs.py."""
    database_url = sqlite_url
    from bot.app import build_services, create_web_app
    from bot.core.events import Actor, MessageReceived, Place
    from bot.core.jobs import event_to_dict
    from tests.e2e.conftest import TODAY
    from tests.e2e.slack_helpers import SlackSender, slack_settings

    services = build_services(slack_settings(fake, database_url), today=TODAY)
    client = await aiohttp_client(create_web_app(services, run_worker=False))
    assert (await SlackSender(client).post(sp.slash_command("baseline sample"))).status == 200  # queued only
    question = MessageReceived(
        Actor("slack", sp.USER), Place("slack", sp.TEAM, sp.CHANNEL), "what if win rate drops to 20%", via="command"
    )
    await services.storage.schedules.put(
        "check:C_SALES", kind="event", cron="0 9 * * 1", timezone="Europe/Berlin",
        payload={"event": event_to_dict(question)}, next_run_at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
    )  # fmt: skip
    env = _env(fake, database_url, _free_port())

    async def once(now: str) -> None:
        run = await Bot(["worker", "--once", "--now", now], env, tmp_path / "once.log").start()
        assert await asyncio.wait_for(run.proc.wait(), 120) == 0, run.output()

    await once("2026-11-30T08:59:00+01:00")  # before the check: only the queued command is answered
    assert _cards(fake, [sp.CHANNEL]) == {} and len(fake.posted(sp.CHANNEL)) >= 1
    await once("2026-11-30T09:00:00+01:00")  # Monday 09:00 in Berlin
    assert _cards(fake, [sp.CHANNEL]) == {"what if win rate drops to 20%": 1}
    await once("2026-11-30T09:00:00+01:00")  # the same instant again (a retried cron run): nothing new
    assert _cards(fake, [sp.CHANNEL]) == {"what if win rate drops to 20%": 1}
    await once("2026-12-21T10:00:00+01:00")  # three Mondays missed: one catch-up, not three
    assert _cards(fake, [sp.CHANNEL]) == {"what if win rate drops to 20%": 2}
    schedule = await services.storage.schedules.get("check:C_SALES")
    assert schedule.next_run_at == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)
    await services.engine.dispose()
