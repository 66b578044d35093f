"""GET /metrics over real HTTP: Prometheus text with requests and acks by platform, job run time, engine time,
jobs by status and outbox retries from the database; no label ever holds a user, channel or workspace id."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_services, create_web_app
from tests.db_fixtures import *  # noqa: F403 (the database fixtures)
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import WORKER_OPTIONS, SlackSender, settle, slack_settings
from tests.fakes import slack_payloads as sp


@pytest.fixture
async def env(fake, database_url, aiohttp_client):
    services = build_services(
        slack_settings(fake, database_url), today=TODAY, coalesce_seconds=0.05, worker_options=WORKER_OPTIONS
    )
    client = await aiohttp_client(create_web_app(services, run_worker=True))
    env = type("Env", (), {})()
    env.services, env.client, env.fake, env.slack = services, client, fake, SlackSender(client)
    return env


async def scrape(client) -> dict[tuple[str, tuple], float]:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_requests_acks_jobs_and_engine_time_are_counted(env):
    before = await scrape(env.client)
    assert (await env.slack.post(sp.slash_command("baseline sample"))).status == 200
    assert (await env.slack.post(sp.slash_command("what if we add 2 reps"))).status == 200
    assert (await env.slack.post(sp.slash_command("x"), secret="forged")).status == 401
    await env.fake.wait_for("POST", "/api/chat.postMessage", 2, timeout=30)
    await settle(env.services)
    after = await scrape(env.client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("bot_requests_total", platform="slack", outcome="acked") == 2
    assert delta("bot_requests_total", platform="slack", outcome="unauthorized") == 1
    assert delta("bot_ack_seconds_count", platform="slack") == 2
    # slash commands are `slack.command` jobs (they carry their response_url), other deliveries `event` jobs
    answered = delta("bot_job_seconds_count", kind="event", outcome="ok")
    answered += delta("bot_job_seconds_count", kind="slack.command", outcome="ok")
    assert answered >= 2
    assert sum(v for (name, _), v in after.items() if name == "bot_engine_seconds_count") > sum(
        v for (name, _), v in before.items() if name == "bot_engine_seconds_count"
    )
    assert value(after, "bot_jobs", status="done") >= 2 and value(after, "bot_jobs", status="dead") == 0
    assert value(after, "bot_outbox_messages", status="sent") >= 2
    assert ("bot_outbox_retries", ()) in after and ("bot_job_retries", ()) in after
    assert value(after, "bot_database_up") == 1


async def test_labels_do_not_grow_with_users_or_channels(env):
    await env.slack.post(sp.slash_command("help"))
    first = {key for key in await scrape(env.client) if not key[0].startswith("bot_engine")}
    for n in range(20):
        await env.slack.post(sp.slash_command("help", user=f"U_{n}", channel=f"C_{n}", team=f"T_{n}"))
    await settle(env.services)
    later = {key for key in await scrape(env.client) if not key[0].startswith("bot_engine")}
    grown = {
        key
        for key in later - first
        if key[0]
        not in (
            "bot_job_seconds_bucket",
            "bot_job_seconds_count",
            "bot_job_seconds_sum",
            "bot_job_seconds_created",
            "bot_outbox_messages",
            "bot_jobs",
        )
    }
    assert grown == set()
    shown = " ".join(str(labels) for _, labels in later)
    assert "U_1" not in shown and "C_1" not in shown and "T_1" not in shown


async def test_metrics_answer_when_the_database_does_not():
    import bot.metrics as metrics

    broken = type("Broken", (), {"connect": lambda self: (_ for _ in ()).throw(ConnectionRefusedError("down"))})()
    body, ok = await metrics.render(broken)
    assert not ok
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    assert families["bot_database_up"].samples[0].value == 0
    assert "bot_requests" in families  # this process's counters still answer


async def test_healthz_keeps_its_json(env):
    response = await env.client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["ok"] is True and body["database"] == "ok"
    assert set(body) >= {"worker_last_run", "jobs"}
