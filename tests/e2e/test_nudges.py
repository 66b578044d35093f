"""Nudges end to end: signed slash commands over real HTTP set the schedule; the worker, on a pinned clock, posts
the target check to the channel through the fake Web API once per due time; on PostgreSQL, three concurrent
`python -m bot worker --once --now T` processes post exactly one nudge per channel."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.app import build_services, create_web_app
from bot.core.nudges import feature as nudge_feature
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import BOT_TOKEN, SlackSender, slack_settings
from tests.fakes import slack_payloads as sp

ROOT = Path(__file__).resolve().parents[2]
SUNDAY = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MONDAY_0900_BERLIN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
async def pinned(fake, database_url, aiohttp_client):
    """The web app without a running worker: the test runs it with `run_once(now)` on its own clock."""
    services = build_services(slack_settings(fake, database_url), today=TODAY, coalesce_seconds=0.05, charts=False)
    client = await aiohttp_client(create_web_app(services, run_worker=False))
    env = SimpleNamespace(fake=fake, services=services, slack=SlackSender(client), worker=services.worker)
    await env.worker.run_once(SUNDAY)  # pins the clock before anything is queued
    yield env


def _nudges(fake, channel: str = sp.CHANNEL) -> list[dict]:
    return [m for m in fake.posted(channel) if (m.get("text") or "").startswith("Target check")]


async def _command(env, text: str, channel: str = sp.CHANNEL, user: str = sp.USER) -> str:
    before = len(env.fake.posted(channel))
    response = await env.slack.post(sp.slash_command(text, channel=channel, user=user))
    assert response.status == 200
    await env.worker.run_once(SUNDAY)
    return "\n".join(m.get("text") or "" for m in env.fake.posted(channel)[before:])


async def test_a_slash_command_sets_the_nudge_and_the_worker_posts_it_once_at_its_time(pinned):
    env = pinned
    await _command(env, "baseline sample")
    said = await _command(env, "nudge every Monday 09:00 Europe/Berlin")
    assert "next: Mon Nov 30, 09:00 Europe/Berlin" in said
    assert await env.worker.run_once(MONDAY_0900_BERLIN - timedelta(minutes=1)) == 0
    await env.worker.run_once(MONDAY_0900_BERLIN)
    [card] = _nudges(env.fake)
    assert "P(reach target)" in card["text"] and "First check of this period" in card["text"]
    assert any(b.get("type") == "actions" for b in card["blocks"])  # Like, Comment, Drivers, Ask a what-if
    await env.worker.run_once(MONDAY_0900_BERLIN)  # the same instant again: nothing new
    assert len(_nudges(env.fake)) == 1
    # a like on the nudge counts like on any scenario card
    assert (await env.slack.post(sp.reaction(item_ts=card["ts"], user="U_LEE"))).status == 200
    for step in range(1, 4):
        await env.worker.run_once(MONDAY_0900_BERLIN + timedelta(seconds=step))
    [update] = env.fake.calls("POST", "/api/chat.update")
    assert "1 like" in update.json["text"]


async def test_without_a_time_zone_the_slack_users_time_zone_is_used(pinned):
    env = pinned
    nudge_feature._tz_cache.clear()  # asked of Slack, not of an earlier test's cache
    said = await _command(env, "nudge every weekday at 8:30", user="U_LEE")
    assert "America/New_York (your time zone)" in said and "next: Mon Nov 30, 08:30 America/New_York" in said
    assert [r for r in env.fake.slack_calls() if r.path == "/api/users.info"]
    assert "Nudge: every weekday at 08:30 (America/New_York)" in await _command(env, "nudge")
    assert "Nudges stopped" in await _command(env, "nudge off")
    await env.worker.run_once(datetime(2026, 11, 30, 14, tzinfo=UTC))
    assert _nudges(env.fake) == []


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _env(fake, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env.update(
        DATABASE_URL=database_url,
        LOG_LEVEL="INFO",
        TEAMS_ENABLED="false",
        SLACK_SIGNING_SECRET=sp.SECRET,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=fake.slack_api_url,
    )
    return env


async def test_three_concurrent_worker_processes_post_exactly_one_nudge_per_channel(pinned, database_url, tmp_path):
    if _is_sqlite(database_url):
        pytest.skip("several worker processes need PostgreSQL: on SQLite one process owns the file")
    env = pinned
    channels = [sp.CHANNEL, "C_EMEA", "C_APAC", "C_NA", "C_LATAM"]
    for channel in channels:
        env.fake.join(channel)
        await _command(env, "baseline sample", channel=channel)
        await _command(env, "nudge every Monday 09:00 Europe/Berlin", channel=channel)
    now = MONDAY_0900_BERLIN.isoformat()
    logs = [tmp_path / f"worker{i}.log" for i in range(3)]
    procs = []
    for log in logs:
        with log.open("wb") as handle:
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "worker",
                    "--once",
                    "--now",
                    now,
                    env=_env(env.fake, database_url),
                    cwd=ROOT,
                    stdout=handle,
                    stderr=handle,
                )  # fmt: skip
            )
    codes = await asyncio.wait_for(asyncio.gather(*(p.wait() for p in procs)), 180)
    assert codes == [0, 0, 0], "\n".join(log.read_text(errors="replace")[-2000:] for log in logs)
    assert {channel: len(_nudges(env.fake, channel)) for channel in channels} == dict.fromkeys(channels, 1)
    await env.worker.run_once(MONDAY_0900_BERLIN)  # and once more in this process: still one each
    assert {channel: len(_nudges(env.fake, channel)) for channel in channels} == dict.fromkeys(channels, 1)
