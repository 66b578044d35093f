"""Hostile requests at the Teams edge over real HTTP: a body that cannot be read is a 400 whatever the
Authorization header says (deeply nested JSON raised RecursionError, a 500, before), and a locked database
answers 503 at once instead of holding the Bot Connector's request for the 15 s busy timeout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time

import pytest
from aiohttp import web

from bot.config import Settings, SlackSettings, TeamsSettings
from tests.e2e.slack_helpers import BOT_TOKEN
from tests.e2e.test_teams_auth import APP_ID, secured  # noqa: F401 (the fixture)
from tests.fakes import slack_payloads as sp
from tests.fakes import teams_activities as ta

UNREADABLE = {
    "JSON nested 100 000 deep": (
        b'{"type":"message","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "application/json",
    ),
    "a byte that is not UTF-8": (b'{"type":"message","text":"\xff"}', "application/json"),
    "an unknown charset": (b'{"type":"message"}', "application/json; charset=x-no-such"),
    "a JSON list": (b'[{"type":"message"}]', "application/json"),
}


@pytest.mark.parametrize("case", UNREADABLE)
@pytest.mark.parametrize("authorization", ["Bearer not.a.jwt", "Bearer " + "A" * 2000])
async def test_unreadable_bodies_are_400_whatever_the_authorization(secured, case, authorization, caplog):  # noqa: F811
    body, content_type = UNREADABLE[case]
    caplog.set_level(logging.ERROR)
    response = await secured.client.post(
        "/api/messages", data=body, headers={"Authorization": authorization, "Content-Type": content_type}
    )
    assert response.status in (400, 401), await response.text()
    assert "error" in await response.json()
    assert not [r for r in caplog.records if r.exc_info], "no traceback is logged"


async def test_a_locked_database_answers_503_at_once_and_records_nothing(fake, sqlite_url, aiohttp_client):
    """The real Assistant and storage behind the Teams route, on a SQLite file another process holds the write
    lock of: a 503 at the bound (0.5 s here, so the test does not wait ACK_SECONDS; that ACK_SECONDS itself is
    well under the Bot Connector's 15 s is asserted below)."""
    from bot.app import build_services
    from bot.teams import routes

    settings = Settings(
        database_url=sqlite_url,
        slack=SlackSettings(bot_token=BOT_TOKEN, signing_secret=sp.SECRET, api_url=fake.slack_api_url),
        teams=TeamsSettings(enabled=True),  # anonymous: no token to validate
    )
    services = build_services(settings)
    app = web.Application()
    routes.mount(app, settings=settings, assistant=services.assistant, ack_seconds=0.5)
    app.on_cleanup.append(lambda _: services.engine.dispose())  # as create_web_app's cleanup does
    client = await aiohttp_client(app)

    assert routes.ACK_SECONDS < 15
    warm = await client.post("/api/messages", json=ta.mention("what if we add 1 rep", service_url=fake.url + "/"))
    assert warm.status == 201
    locker = sqlite3.connect(sqlite_url.removeprefix("sqlite+aiosqlite:///"), isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        response = await client.post(
            "/api/messages", json=ta.mention("what if we add 2 reps", service_url=fake.url + "/")
        )
        seconds = time.perf_counter() - started
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert response.status == 503 and seconds < 0.5 + 1, (response.status, seconds)
    assert "deliver it again" in json.loads(await response.text())["error"]
    await asyncio.sleep(0.5)  # the cancelled write finishes its rollback
    assert sum((await services.storage.jobs.counts()).values()) == 1
