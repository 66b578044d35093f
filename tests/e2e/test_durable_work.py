"""Durable work, in one process: acknowledged commands become jobs, and every card reaches Slack exactly once
through rate limits, server errors, lost answers and a minute-long outage; a job that always fails ends dead
without holding up the others; a footer update keeps the card's chart.

Signed requests go over real HTTP into create_web_app; the worker is either the in-process one (real time) or
driven with `run_once(now)` on a pinned clock. The fake Web API stores a message only when it really posted it,
so "once" is counted on what Slack would show. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.app import build_services, create_web_app
from bot.core.jobs import RetryLater
from storage import NewJob
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import SlackSender, settle, slack_settings
from tests.fakes import slack_payloads as sp

WAIT = 60.0


def _cards(fake, channel: str = sp.CHANNEL) -> dict[str, int]:
    """How many cards Slack shows per question (the card's first line is the question)."""
    counts: dict[str, int] = {}
    for message in fake.posted(channel):
        question = (message.get("text") or "").splitlines()[0] if message.get("text") else ""
        if question.startswith("what if") and "P(reach target)" in message["text"]:
            counts[question] = counts.get(question, 0) + 1
    return counts


async def _wait_cards(fake, expected: int, channel: str = sp.CHANNEL, seconds: float = WAIT) -> dict[str, int]:
    deadline = asyncio.get_running_loop().time() + seconds
    while sum(_cards(fake, channel).values()) < expected:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{sum(_cards(fake, channel).values())} of {expected} cards after {seconds}s")
        await asyncio.sleep(0.05)
    return _cards(fake, channel)


async def _sample(env) -> None:
    assert (await env.slack.post(sp.slash_command("baseline sample"))).status == 200
    await settle(env.services)


QUESTIONS = [f"what if we add {n} reps" for n in range(1, 11)]


async def _ask_all(env, questions=QUESTIONS) -> None:
    responses = await asyncio.gather(*(env.slack.post(sp.slash_command(q)) for q in questions))
    assert [r.status for r in responses] == [200] * len(questions)


@pytest.fixture
async def pinned(fake, database_url, aiohttp_client):
    """The web app without a running worker: the test runs it with `run_once(now)` on its own clock."""
    # no charts: these tests are about delivery; drawing one per attempt would be most of their time
    services = build_services(slack_settings(fake, database_url), today=TODAY, coalesce_seconds=0.05, charts=False)
    client = await aiohttp_client(create_web_app(services, run_worker=False))
    yield SimpleNamespace(fake=fake, services=services, slack=SlackSender(client), worker=services.worker)


async def test_rate_limits_then_server_errors_every_card_arrives_once(pinned):
    env = pinned
    t0 = datetime.now(UTC) + timedelta(seconds=1)
    assert (await env.slack.post(sp.slash_command("baseline sample"))).status == 200
    await env.worker.run_once(t0)
    # Slack rate-limits the next 20 posts (Retry-After: 1), then fails 10 with a 500 it did not act on
    for _ in range(20):
        env.fake.override("POST", "/api/chat.postMessage", status=429, json={"ok": False, "error": "ratelimited"},
                          headers={"Retry-After": "1"})  # fmt: skip
    env.fake.override(
        "POST", "/api/chat.postMessage", status=500, json={"ok": False, "error": "internal_error"}, times=10
    )  # noqa: E501
    await _ask_all(env)
    for second in range(0, 600, 2):  # the worker's clock: retries come due after Retry-After or the backoff
        await env.worker.run_once(t0 + timedelta(seconds=second))
        if sum(_cards(env.fake).values()) >= len(QUESTIONS) and not (await env.services.storage.jobs.counts()).get(
            "queued"
        ):
            break
    assert _cards(env.fake) == dict.fromkeys(QUESTIONS, 1)
    assert (await env.services.storage.jobs.counts()).get("dead", 0) == 0
    refused = [r for r in env.fake.calls("POST", "/api/chat.postMessage") if r.reply is None]
    assert len(refused) == 30  # every canned failure was really met, and retried


async def test_S13_a_post_whose_answer_was_lost_is_looked_up_not_posted_twice(slack_env):
    env = slack_env
    await _sample(env)
    env.fake.lose_answer("chat.postMessage", times=3)  # posted, then 500: maybe delivered, as far as we know
    env.fake.lose_answer("chat.postMessage", drop=True, times=2)  # posted, then the connection drops
    await _ask_all(env, QUESTIONS[:5])
    cards = await _wait_cards(env.fake, 5)
    await settle(env.services)
    await asyncio.sleep(0.3)
    assert _cards(env.fake) == cards == dict.fromkeys(QUESTIONS[:5], 1)
    lookups = [r for r in env.fake.requests if r.path == "/api/conversations.history"]
    assert len(lookups) >= 5 and all(r.json.get("include_all_metadata") in (True, "true", "1") for r in lookups)


async def test_a_minute_long_outage_delays_the_cards_and_loses_none(pinned):
    env = pinned
    t0 = datetime.now(UTC) + timedelta(seconds=1)
    assert (await env.slack.post(sp.slash_command("baseline sample"))).status == 200
    await env.worker.run_once(t0)
    await _ask_all(env, QUESTIONS[:4])
    env.fake.override(
        "POST", "/api/chat.postMessage", status=503, json={"ok": False, "error": "service_unavailable"}, times=10_000
    )  # noqa: E501
    for second in range(0, 61, 3):  # Slack is down for a minute; the worker keeps trying on its backoff
        await env.worker.run_once(t0 + timedelta(seconds=second))
    assert _cards(env.fake) == {}
    counts = await env.services.storage.jobs.counts()
    assert counts.get("queued") == 4 and not counts.get("dead"), counts  # waiting, not given up
    env.fake._overrides.clear()  # Slack is back
    for second in range(61, 600, 15):
        await env.worker.run_once(t0 + timedelta(seconds=second))
    assert _cards(env.fake) == dict.fromkeys(QUESTIONS[:4], 1)
    assert (await env.services.storage.jobs.counts()).get("queued", 0) == 0


async def test_a_job_that_always_fails_ends_dead_and_does_not_block_the_others(pinned, database_url, caplog):
    env = pinned
    calls = []

    async def always_fails(job, ctx) -> None:
        calls.append(job.attempts)
        raise RetryLater("broken_on_purpose")

    env.worker.handlers["test.broken"] = always_fails
    now = datetime.now(UTC) + timedelta(seconds=1)
    await env.services.storage.jobs.enqueue(NewJob("test.broken", "test:broken:1", {}, max_attempts=4), now=now)
    assert (await env.slack.post(sp.slash_command("baseline sample"))).status == 200
    await env.worker.run_once(now)  # the channel has its baseline before the questions come
    await _ask_all(env, QUESTIONS[:3])
    for minute in range(0, 30):
        await env.worker.run_once(now + timedelta(minutes=minute))
    assert _cards(env.fake) == dict.fromkeys(QUESTIONS[:3], 1)
    dead = await env.services.storage.jobs.get("test:broken:1")
    assert dead.status == "dead" and dead.attempts == 4 and calls == [1, 2, 3, 4]
    assert dead.last_error == "broken_on_purpose"
    assert f"job {dead.id} dead after 4 attempts" in caplog.text and "test:broken:1" in caplog.text
    listing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "jobs", "--status", "dead", "--db", database_url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await listing.communicate()
    assert listing.returncode == 0, err.decode()
    text = out.decode()
    assert "dead 1" in text and "test:broken:1" in text and "broken_on_purpose" in text


async def test_a_footer_update_keeps_the_chart(slack_env):
    env = slack_env
    await _sample(env)
    await _ask_all(env, QUESTIONS[:1])
    await settle(env.services)
    [card] = [m for m in env.fake.posted(sp.CHANNEL) if m["text"].startswith("what if")]
    posted_blocks = [b.get("block_id") for b in card["blocks"]]
    assert "chart" in posted_blocks
    assert (await env.slack.post(sp.reaction(item_ts=card["ts"], user="U_DANA"))).status == 200
    await settle(env.services)
    [update] = env.fake.calls("POST", "/api/chat.update")
    blocks = json.loads(update.json["blocks"]) if isinstance(update.json["blocks"], str) else update.json["blocks"]
    assert [b.get("block_id") for b in blocks] == posted_blocks  # title, text, chart, ..., footer: nothing lost
    assert "1 like" in json.dumps(blocks)
