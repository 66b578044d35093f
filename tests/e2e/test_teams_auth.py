"""Teams authentication gate over real HTTP: with an app id configured, a request without a valid Bot Framework
token is a 401 whatever is wrong with it (never a 500), and nothing is stored or sent.

Tokens are signed with a locally generated RSA key whose JWKS the fake server serves as the Bot Framework
OpenID metadata (botbuilder's ChannelValidation is pointed at it), so validation really runs, offline.
"""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest
from botframework.connector.auth import ChannelValidation
from sqlalchemy import func, select

from bot.app import build_services, create_web_app
from bot.config import Settings, SlackSettings, TeamsSettings
from storage.models import Base
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import BOT_TOKEN, WORKER_OPTIONS, SlackSender, settle
from tests.fakes import jwt_keys
from tests.fakes import slack_payloads as sp
from tests.fakes import teams_activities as ta

APP_ID = "00000000-0000-4000-8000-0000000a99id"


@pytest.fixture
async def secured(fake, database_url, aiohttp_client, monkeypatch):
    fake.jwks = jwt_keys.jwks()
    monkeypatch.setattr(
        ChannelValidation, "open_id_metadata_endpoint", fake.url + "/openid/.well-known/openidconfiguration"
    )
    settings = Settings(
        database_url=database_url,
        slack=SlackSettings(bot_token=BOT_TOKEN, signing_secret=sp.SECRET, api_url=fake.slack_api_url),
        teams=TeamsSettings(APP_ID=APP_ID, APP_PASSWORD="not-a-real-password"),
    )
    services = build_services(settings, today=TODAY, coalesce_seconds=0.05, worker_options=WORKER_OPTIONS)
    client = await aiohttp_client(create_web_app(services, run_worker=True))
    yield SimpleNamespace(fake=fake, services=services, client=client, url=fake.url + "/")


async def _row_counts(env) -> dict[str, int]:
    counts = {}
    async with env.services.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == "worker_beats":  # the worker's heartbeat, not data a request wrote
                continue
            counts[table.name] = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
    return counts


def _headers(env, case: str) -> dict[str, str]:
    good = dict(audience=APP_ID, service_url=env.url)
    tokens = {
        "garbage token": "Bearer not.a.jwt",
        "not a bearer token": "Basic dXNlcjpwYXNz",
        "wrong audience": "Bearer " + jwt_keys.token(**{**good, "audience": "someone-elses-bot"}),
        "wrong issuer": "Bearer " + jwt_keys.token(**good, issuer="https://evil.example.com"),
        "expired": "Bearer " + jwt_keys.token(**good, expires_in=-3600),
        "bad signature": "Bearer " + jwt_keys.token(**good, key="other"),
        "unknown key id": "Bearer " + jwt_keys.token(**good, kid="no-such-key"),
        "service url not in token": "Bearer " + jwt_keys.token(**{**good, "service_url": "https://evil.example/"}),
    }
    return {} if case == "missing header" else {"Authorization": tokens[case]}


CASES = [
    "missing header",
    "garbage token",
    "not a bearer token",
    "wrong audience",
    "wrong issuer",
    "expired",
    "bad signature",
    "unknown key id",
    "service url not in token",
]


@pytest.mark.parametrize("case", CASES)
async def test_T1_T2_requests_without_a_valid_token_are_401_and_change_nothing(secured, case):
    env = secured
    before = await _row_counts(env)
    for activity in (
        ta.mention("what if win rate drops to 20%", service_url=env.url),
        ta.reaction(reply_to="1", root="1", service_url=env.url),
    ):
        response = await env.client.post("/api/messages", json=activity, headers=_headers(env, case))
        assert response.status == 401, await response.text()
        assert "Traceback" not in await response.text()
    await settle(env.services)
    assert await _row_counts(env) == before
    assert env.fake.connector_calls("POST") == [] and env.fake.connector_calls("PUT") == []


async def test_a_correctly_signed_token_is_accepted(secured):
    env = secured
    # a reaction on a message that is not a card: accepted and processed, but nothing to send (no AAD token needed)
    activity = ta.reaction(reply_to="1", root="1", service_url=env.url)
    headers = {"Authorization": "Bearer " + jwt_keys.token(audience=APP_ID, service_url=env.url)}
    response = await env.client.post("/api/messages", json=activity, headers=headers)
    assert response.status == 201, await response.text()
    # the keys really came from the OpenID metadata the fake serves
    assert env.fake.calls("GET", "/openid/keys")


async def test_T2_bad_requests_are_4xx_not_500(secured):
    env = secured
    headers = {"Authorization": "Bearer " + jwt_keys.token(audience=APP_ID, service_url=env.url)}
    no_type = await env.client.post(
        "/api/messages", data=b"{}", headers={**headers, "Content-Type": "application/json"}
    )
    assert no_type.status == 400 and "type" in (await no_type.json())["error"]
    not_json = await env.client.post(
        "/api/messages", data=b"{", headers={**headers, "Content-Type": "application/json"}
    )
    assert not_json.status == 400
    no_content_type = await env.client.post("/api/messages", data=b"hello", headers=headers)
    assert no_content_type.status == 415


async def test_T4_slack_is_answered_while_token_keys_are_slow_to_fetch(secured):
    env = secured
    # the OpenID metadata endpoint hangs for 1.5 s: botbuilder fetches it with a blocking requests.get,
    # which must run off the event loop so Slack (and everything else) keeps being served
    env.fake.override("GET", "/openid/.well-known/openidconfiguration", delay=1.5, status=500)
    headers = {"Authorization": "Bearer " + jwt_keys.token(audience=APP_ID, service_url=env.url)}
    teams = asyncio.create_task(
        env.client.post("/api/messages", json=ta.reaction(reply_to="1", root="1", service_url=env.url), headers=headers)
    )
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    response = await SlackSender(env.client).post(sp.slash_command("help"))
    seconds = time.perf_counter() - started
    assert response.status == 200 and seconds < 0.5, f"slack waited {seconds:.2f}s"
    assert not teams.done()
    assert (await teams).status == 401  # the keys could not be fetched: not authenticated
