"""The durable outbox against platform faults, on a pinned clock (`worker.run_once(now)`), so waits are exact and
cost nothing: Slack's 429 with and without Retry-After (S11, S12) and the Bot Connector's 429, 412, 502, 504 and
ambiguous 500 (T8).

Requests go over real HTTP into create_web_app without a running worker; the fake platform answers the canned
failures. "One message" is counted where people would see it (the fake stores a post only when it accepted it).
SQLite only: the retry rules live in the worker and the outbox, not in the database (jobs and the outbox on
PostgreSQL are covered by test_durable_work.py and tests/storage).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.app import build_services, create_web_app
from bot.config import Settings, SlackSettings, TeamsSettings
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import BOT_TOKEN, SlackSender, slack_settings
from tests.fakes import slack_payloads as sp
from tests.fakes import teams_activities as ta

RATELIMITED = {"ok": False, "error": "ratelimited"}


@pytest.fixture
async def slack(fake, sqlite_url, aiohttp_client):
    services = build_services(slack_settings(fake, sqlite_url), today=TODAY, charts=False)
    client = await aiohttp_client(create_web_app(services, run_worker=False))
    yield SimpleNamespace(fake=fake, services=services, slack=SlackSender(client), worker=services.worker)


def _helps(fake) -> list:
    """chat.postMessage calls carrying the help answer (refused or not)."""
    return [r for r in fake.calls("POST", "/api/chat.postMessage") if "what if" in (r.json.get("text") or "")]


async def _the_job(services):
    [job] = await services.storage.jobs.listing(None, 50)  # the one request's job
    return job


async def test_S11_a_429_with_retry_after_2_is_retried_after_2_seconds_and_posted_once(slack):
    env = slack
    t0 = datetime.now(UTC) + timedelta(seconds=1)
    env.fake.override("POST", "/api/chat.postMessage", status=429, json=RATELIMITED, headers={"Retry-After": "2"})
    assert (await env.slack.post(sp.slash_command("help"))).status == 200
    await env.worker.run_once(t0)
    assert len(_helps(env.fake)) == 1 and env.fake.posted(sp.CHANNEL) == []  # refused, nothing shown
    # meanwhile requests are acknowledged at once: the Retry-After is the job's, not the request path's
    started = time.perf_counter()
    assert (await env.slack.post(sp.slash_command("nudge"))).status == 200
    assert time.perf_counter() - started < 1.0
    await env.worker.run_once(t0 + timedelta(seconds=1.9))
    assert len(_helps(env.fake)) == 1  # not before Retry-After
    await env.worker.run_once(t0 + timedelta(seconds=2))
    shown = [m for m in env.fake.posted(sp.CHANNEL) if "what if" in (m.get("text") or "")]
    assert len(shown) == 1 and len(_helps(env.fake)) == 2
    for later in (3, 10, 60):  # and never again
        await env.worker.run_once(t0 + timedelta(seconds=later))
    assert len(_helps(env.fake)) == 2


@pytest.mark.parametrize("retry_after", ["1", None], ids=["retry-after", "no-retry-after"])
async def test_S12_a_persistent_429_is_tried_a_bounded_number_of_times_with_growing_waits(slack, retry_after):
    env = slack
    headers = {"Retry-After": retry_after} if retry_after else {}
    env.fake.override("POST", "/api/chat.postMessage", status=429, json=RATELIMITED, headers=headers, times=10_000)
    t0 = datetime.now(UTC) + timedelta(seconds=1)
    assert (await env.slack.post(sp.slash_command("help"))).status == 200
    await env.worker.run_once(t0)
    job = await _the_job(env.services)
    attempts_at = [t0]
    while job.status == "queued":
        # the row is back to pending (surely not sent), and nothing runs before the job's time: no hot loop
        [entry] = await env.services.storage.outbox.listing(None, 10)
        assert entry.status == "pending", entry
        calls = len(_helps(env.fake))
        await env.worker.run_once(job.run_at - timedelta(seconds=0.2))
        assert len(_helps(env.fake)) == calls
        await env.worker.run_once(job.run_at)
        attempts_at.append(job.run_at)
        job = await _the_job(env.services)
        assert len(attempts_at) <= job.max_attempts, "more attempts than the job allows"
    assert job.status == "dead" and job.attempts == job.max_attempts and job.last_error == "ratelimited"
    assert len(_helps(env.fake)) == job.max_attempts and env.fake.posted(sp.CHANNEL) == []
    waits = [(b - a).total_seconds() for a, b in zip(attempts_at, attempts_at[1:], strict=False)]
    assert min(waits) >= 0.5 and waits[-1] > 4 * waits[0], waits  # at least Retry-After/backoff, and growing


# ------------------------------------------------------------------ Teams: the Bot Connector's answers


@pytest.fixture
async def teams(fake, sqlite_url, aiohttp_client):
    settings = Settings(
        database_url=sqlite_url,
        slack=SlackSettings(bot_token=BOT_TOKEN, signing_secret=sp.SECRET, api_url=fake.slack_api_url),
        teams=TeamsSettings(enabled=True),  # anonymous: no token endpoint is called
    )
    services = build_services(settings, today=TODAY, charts=False)
    client = await aiohttp_client(create_web_app(services, run_worker=False))
    yield SimpleNamespace(fake=fake, services=services, client=client, worker=services.worker, url=fake.url + "/")


PERSONAL = "/v3/conversations/a:1personal-chat-dana/activities"


async def _ask_teams(env) -> datetime:
    response = await env.client.post("/api/messages", json=ta.personal("help", service_url=env.url))
    assert response.status == 201
    return datetime.now(UTC) + timedelta(seconds=1)


def _posts(env) -> list:
    return env.fake.connector_calls("POST")


def _created(env) -> list:
    return [r for r in _posts(env) if r.reply and r.reply.get("id")]


@pytest.mark.parametrize("status", [429, 412, 502, 504])
async def test_T8_a_refused_post_is_retried_on_backoff_and_shown_once(teams, status):
    env = teams
    headers = {"Retry-After": "2"} if status == 429 else {}
    env.fake.override("POST", PERSONAL, status=status, json={"error": {"code": "Throttled"}}, headers=headers)
    t0 = await _ask_teams(env)
    await env.worker.run_once(t0)
    assert len(_posts(env)) == 1 and _created(env) == []
    job = await _the_job(env.services)
    wait = (job.run_at - t0).total_seconds()
    assert wait >= (2 if status == 429 else 0.5), wait  # Retry-After, else the backoff with jitter
    await env.worker.run_once(job.run_at - timedelta(seconds=0.1))
    assert len(_posts(env)) == 1
    await env.worker.run_once(job.run_at)
    await env.worker.run_once(job.run_at + timedelta(minutes=5))
    assert len(_posts(env)) == 2 and len(_created(env)) == 1


async def test_T8_an_ambiguous_500_is_never_posted_again(teams, caplog):
    env = teams
    env.fake.override("POST", PERSONAL, status=500, json={"error": {"code": "ServiceError"}})
    t0 = await _ask_teams(env)
    for minutes in range(0, 30, 3):
        await env.worker.run_once(t0 + timedelta(minutes=minutes))
    assert len(_posts(env)) == 1  # the Connector may have created it: creation is not idempotent
    [entry] = await env.services.storage.outbox.listing("unknown", 10)
    assert entry.last_error == "http_500"
    assert "not posting again" in caplog.text
