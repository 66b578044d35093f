"""The composition root: /healthz against a real database, and which platforms get mounted and why not."""

from __future__ import annotations

from bot.app import build_services, create_web_app, platform_status
from bot.config import Settings, SlackSettings, TeamsSettings
from tests.db_fixtures import database_url, empty_database_url  # noqa: F401 (fixtures: sqlite and pg)


async def test_healthz_reports_the_database_and_slack_is_left_out_without_secrets(database_url, aiohttp_client):  # noqa: F811
    settings = Settings(database_url=database_url, teams=TeamsSettings(enabled=False))
    services = build_services(settings)
    client = await aiohttp_client(create_web_app(services, run_worker=False))
    response = await client.get("/healthz")
    assert response.status == 200
    # no worker has run yet: operators see that answers would not go out
    assert await response.json() == {
        "ok": True,
        "database": "ok",
        "worker_last_run": None,
        "jobs": {"queued": 0, "running": 0, "dead": 0},
    }
    await services.worker.run_once()
    beat = (await (await client.get("/healthz")).json())["worker_last_run"]
    assert beat is not None
    assert services.mounted == []
    assert services.status == [
        "Slack not mounted: SLACK_SIGNING_SECRET is not set",
        "Teams not mounted: TEAMS_ENABLED is false",
    ]


async def test_healthz_is_503_without_leaking_the_url_when_the_database_is_down(aiohttp_client, caplog):
    url = "postgresql+asyncpg://bot:s3cret-pw@127.0.0.1:1/nowhere"  # nothing listens on port 1
    services = build_services(Settings(database_url=url, teams=TeamsSettings(enabled=False)))
    client = await aiohttp_client(create_web_app(services))
    response = await client.get("/healthz")
    assert response.status == 503
    body = await response.text()
    assert "unavailable" in body and "s3cret" not in body and "s3cret" not in caplog.text


def test_platform_status_names_the_missing_variable():
    half = Settings(slack=SlackSettings(signing_secret="x"))
    assert "SLACK_BOT_TOKEN" in platform_status(half)["slack"]
    full = Settings(slack=SlackSettings(signing_secret="x", bot_token="xoxb-1"))
    assert platform_status(full) == {"slack": None, "teams": None}


def test_serve_computes_in_spawned_worker_processes():
    """`serve` answers with forecasts and charts from other processes, so the web process's GIL stays free."""
    import os

    from bot.app import compute_executor
    from bot.core.baselines.feature import sample_baseline
    from bot.core.scenarios.compute import compute_answer

    pool = compute_executor(1)
    try:
        answer = pool.submit(compute_answer, sample_baseline(), [], True).result(timeout=120)
        worker_pid = pool.submit(os.getpid).result(timeout=60)
    finally:
        pool.shutdown()
    assert answer.chart.startswith(b"\x89PNG") and 0 < answer.baseline.p_hit < 1
    assert worker_pid != os.getpid()
