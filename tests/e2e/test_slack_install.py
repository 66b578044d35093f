"""Installed in many workspaces, end to end: the OAuth v2 install through /slack/install and /slack/oauth_redirect
(state checked), each workspace answered with its own token (also outside requests), tokens rotated before they
expire under a lock, Slack Connect events kept under the installing workspace, and an uninstall or revocation that
deletes the tokens and stops every send. Slack is tests/fakes/platform_server.py with its OAuth side."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from bot.app import build_services, create_web_app
from bot.slack.installations import TokenKeeper
from bot.slack.oauth import BOT_SCOPES
from bot.slack.routes import SLACK_APP
from storage import Secrets, Storage, make_engine
from storage.models import JobRow, WorkspaceRow
from storage.models_install import SlackBotRow
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import WORKER_OPTIONS, SlackSender, slack_settings
from tests.e2e.slack_install_helpers import KEY, finish_install, install, install_settings, start_install
from tests.fakes import slack_payloads as sp
from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET

POST = "/api/chat.postMessage"
SUNDAY = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MONDAY_0900_BERLIN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
async def env(fake, database_url, aiohttp_client):
    services = build_services(
        install_settings(fake, database_url),
        today=TODAY,
        coalesce_seconds=0.05,
        charts=False,
        worker_options=WORKER_OPTIONS,
    )
    app = create_web_app(services, run_worker=False)
    client = await aiohttp_client(app)
    yield SimpleNamespace(
        fake=fake, services=services, app=app, client=client, slack=SlackSender(client), worker=services.worker
    )


async def _bots(env) -> list[tuple[str, str]]:
    async with env.services.engine.connect() as conn:
        return sorted((await conn.execute(select(SlackBotRow.enterprise_id, SlackBotRow.team_id))).all())


async def _ask(env, text: str, *, team: str, at: datetime | None = None) -> None:
    response = await env.slack.post(sp.slash_command(text, team=team))
    assert response.status == 200 and await response.text() == ""  # acknowledged, nothing said in the ack
    await env.worker.run_once(at)


# ---------------------------------------------------------------- the install itself


async def test_two_workspaces_install_and_each_is_answered_with_its_own_token(env):
    started = await start_install(env.client)
    assert started.link.startswith(env.fake.url + "/oauth/v2/authorize?")  # Slack's host: the fake's, in tests
    assert started.query["client_id"] == [CLIENT_ID]
    assert sorted(started.query["scope"][0].split(",")) == sorted(BOT_SCOPES)
    done = await finish_install(env.client, code=env.fake.oauth.authorize(team="T_A"), state=started.state)
    assert done.status == 200 and "Thank you!" in await done.text()
    await install(env.client, env.fake, team="T_B", team_name="Beta Sales")
    assert await _bots(env) == [("", "T_A"), ("", "T_B")]
    async with env.services.engine.connect() as conn:
        names = dict((await conn.execute(select(WorkspaceRow.external_id, WorkspaceRow.name))).all())
    assert names == {"T_A": "Acme Sales", "T_B": "Beta Sales"}
    store = env.app[SLACK_APP].installation_store  # Bolt's view of our tables
    found = await store.async_find_installation(enterprise_id=None, team_id="T_A")
    assert (found.user_id, found.bot_user_id, found.team_name) == ("U_ADMIN", "U_BOT_T_A", "Acme Sales")
    assert found.bot_token == (await store.async_find_bot(enterprise_id=None, team_id="T_A")).bot_token
    assert found.bot_token in env.fake.oauth.tokens and found.bot_scopes == ["commands", "chat:write"]

    await _ask(env, "baseline sample", team="T_A")
    await _ask(env, "what if win rate drops to 20%", team="T_A")
    await _ask(env, "help", team="T_B")
    a_posts, b_posts = env.fake.calls_for("T_A", POST), env.fake.calls_for("T_B", POST)
    assert a_posts[-1].json["text"].startswith("what if win rate drops to 20%")
    assert "P(reach target)" in a_posts[-1].json["text"]
    assert b_posts and not any("P(reach target)" in p.json["text"] for p in b_posts)  # help, not T_A's answer
    assert env.fake.calls_for("T_TEAM", POST) == []  # no static token anywhere
    # the request path made no Web API call of its own: no auth.test per request
    assert [r.path for r in env.fake.requests if r.path == "/api/auth.test"] == ["/api/auth.test"] * 2  # installs


async def test_an_org_wide_install_answers_every_workspace_of_the_organisation(env):
    await install(env.client, env.fake, team=None, enterprise="E_ORG", org_wide=True, bot_user="U_BOT")
    assert await _bots(env) == [("E_ORG", "")]
    body = json.loads(sp.app_mention("what if we add 2 reps")[0])
    body.update(team_id="T_ONE", enterprise_id="E_ORG")
    body["authorizations"] = [
        {"enterprise_id": "E_ORG", "team_id": None, "user_id": "U_BOT", "is_bot": True, "is_enterprise_install": True}
    ]
    assert (await env.slack.post((json.dumps(body), sp.JSON))).status == 200
    await env.worker.run_once()
    [answer] = env.fake.calls_for("E_ORG", POST)  # answered, with the organisation's token
    assert answer.json["text"].startswith("Let's set up a baseline")  # the organisation has none yet
    assert await env.services.storage.workspaces.get("slack", "T_ONE") is None  # the org is the tenant


@pytest.mark.parametrize("case", ["missing", "forged", "reused", "expired"])
async def test_S17_a_bad_state_gets_the_failure_page_and_saves_nothing(env, case):
    if case == "reused":
        first = await start_install(env.client)
        await finish_install(env.client, code=env.fake.oauth.authorize(team="T_A"), state=first.state)
        state = first.state
    elif case == "expired":
        state = (await start_install(env.client)).state
        store = env.app[SLACK_APP].oauth_flow.settings.state_store
        store.clock = lambda: datetime.now(UTC) + timedelta(seconds=601)  # the person came back 10 minutes later
    else:
        state = None if case == "missing" else "forged-state-never-issued"
    code = env.fake.oauth.authorize(team="T_EVIL")
    response = await finish_install(env.client, code=code, state=state)
    assert response.status in (400, 401)
    assert "Oops, Something Went Wrong!" in await response.text()
    assert code in env.fake.oauth.codes  # never exchanged: Slack was not even asked
    assert ("", "T_EVIL") not in await _bots(env)
    assert await env.services.storage.workspaces.get("slack", "T_EVIL") is None


# ---------------------------------------------------------------- tokens outside requests


async def test_S15_a_nudge_rotates_a_token_ten_minutes_from_expiry_before_sending(env):
    env.fake.oauth.token_ttl = 11 * 60  # not due yet: the commands below do not rotate it
    await install(env.client, env.fake, team="T_A", rotation=True)
    await env.worker.run_once(SUNDAY)
    await _ask(env, "baseline sample", team="T_A", at=SUNDAY)
    await _ask(env, "nudge every Monday 09:00 Europe/Berlin", team="T_A", at=SUNDAY)
    assert env.fake.oauth.refreshes == 0
    [old] = await _bots_tokens(env)
    # two minutes later (for Slack and for us): the token now expires in 9 minutes
    env.fake.oauth.expire_in(old, 9 * 60)
    async with env.services.engine.begin() as conn:
        soon = datetime.now(UTC) + timedelta(minutes=9)
        await conn.execute(update(SlackBotRow).values(bot_token_expires_at=soon))
    sent_before = len(env.fake.calls_for("T_A", POST))
    await env.worker.run_once(MONDAY_0900_BERLIN)
    [nudge] = env.fake.calls_for("T_A", POST)[sent_before:]
    assert nudge.json["text"].startswith("Target check")
    assert env.fake.oauth.refreshes == 1
    [new] = await _bots_tokens(env)
    assert new != old and nudge.headers["Authorization"] == f"Bearer {new}"
    [refresh] = [r for r in env.fake.requests if r.path == "/api/oauth.v2.access" and r.json.get("grant_type")]
    assert refresh.at <= nudge.at  # rotated first, then sent


async def _bots_tokens(env, team: str = "T_A") -> list[str]:
    ws = await env.services.storage.workspaces.get("slack", team)
    return [b.bot_token for b in await env.services.storage.slack_installs.bots_of(ws.id)]


async def test_S14_two_instances_rotating_the_same_team_at_once_spend_one_refresh_token(env, database_url):
    """Two processes' worth of storage (separate engines and connection pools) and token keepers race for one due
    token while Slack takes its time answering: Slack sees one refresh, and both end with the same valid token. On
    PostgreSQL the row lock decides (any number of processes); on SQLite, where one process owns the file, the
    per-installation lock of that process does."""
    env.fake.oauth.token_ttl = 5 * 60  # due: within the 10 minutes
    await install(env.client, env.fake, team="T_A", rotation=True)
    env.fake.oauth.token_ttl = 12 * 3600  # the rotated token is good for 12 hours, as on Slack
    env.fake.slack_delay["oauth.v2.access"] = 0.3  # both are waiting on Slack at the same time
    instances = [Storage(make_engine(database_url), secrets=Secrets([KEY])) for _ in range(2)]
    keepers = [
        TokenKeeper(store, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=env.fake.slack_api_url)
        for store in instances
    ]
    try:
        tokens = await asyncio.gather(*(keeper.token_for("T_A") for keeper in keepers))
    finally:
        for store in instances:
            await store.dispose()
    refreshes = [r for r in env.fake.requests if r.path == "/api/oauth.v2.access" and r.json.get("grant_type")]
    assert len(refreshes) == 1 and env.fake.oauth.refreshes == 1
    assert tokens[0] == tokens[1] and tokens[0].startswith("xoxe.xoxb-")
    assert env.fake.oauth.check(f"Bearer {tokens[0]}") == (None, "T_A")  # valid at Slack


# ---------------------------------------------------------------- Slack Connect


async def test_S18_a_slack_connect_event_is_kept_under_the_installing_workspace(env):
    await install(env.client, env.fake, team="T_INSTALLED", bot_user="U_BOT")
    await _ask(env, "baseline sample", team="T_INSTALLED")
    # the channel is shared with T_SOURCE: the envelope names the source, `authorizations` the installation
    shared = sp.app_mention("what if win rate drops to 20%", team="T_INSTALLED", source_team="T_SOURCE")
    assert json.loads(shared[0])["team_id"] == "T_SOURCE"
    assert (await env.slack.post(shared)).status == 200
    await env.worker.run_once()
    answer = env.fake.calls_for("T_INSTALLED", POST)[-1]
    assert answer.json["text"].startswith("what if win rate drops to 20%")  # the installing workspace's baseline
    assert await env.services.storage.workspaces.get("slack", "T_SOURCE") is None
    installed = await env.services.storage.workspaces.get("slack", "T_INSTALLED")
    exported = await env.services.storage.workspace_data.export(installed)
    assert [s["question"] for s in exported["scenarios"]] == ["what if win rate drops to 20%"]


# ---------------------------------------------------------------- uninstall and revocation


def _uninstalled(team: str) -> tuple[str, str]:
    return sp.event_callback({"type": "app_uninstalled", "event_ts": "1700000000.000100"}, team=team)


def _revoked(team: str) -> tuple[str, str]:
    event = {"type": "tokens_revoked", "tokens": {"oauth": ["U_ADMIN"], "bot": [f"U_BOT_{team}"]}}
    return sp.event_callback({**event, "event_ts": "1700000000.000200"}, team=team)


@pytest.mark.parametrize(
    ("event", "reason"), [(_uninstalled, "app_uninstalled"), (_revoked, "tokens_revoked")], ids=lambda v: str(v)[:20]
)
async def test_S16_uninstall_deletes_the_tokens_cancels_pending_work_and_nothing_more_is_sent(env, event, reason):
    await install(env.client, env.fake, team="T_A")
    await install(env.client, env.fake, team="T_B")
    await _ask(env, "baseline sample", team="T_A")
    await _ask(env, "nudge every Monday 09:00 Europe/Berlin", team="T_A")
    # a card Slack refused for now (429): its send waits in the outbox, its job is queued for later
    env.fake.override(
        "POST", POST, status=429, json={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "30"}
    )
    await _ask(env, "what if win rate drops to 20%", team="T_A")
    # and a question recorded but not yet answered
    assert (await env.slack.post(sp.slash_command("what if we add 2 reps", team="T_A"))).status == 200
    sent_to_a = len([r for r in env.fake.requests if r.team == "T_A"])

    env.fake.oauth.revoke("T_A")  # Slack revokes the tokens, then tells us
    assert (await env.slack.post(event("T_A"))).status == 200
    assert await _bots(env) == [("", "T_B")]
    assert await env.services.storage.slack_installs.find_installer(None, "T_A") is None
    async with env.services.engine.connect() as conn:
        queued = (await conn.execute(select(JobRow.key).where(JobRow.status == "queued"))).scalars().all()
    assert queued == []
    pending = await env.services.storage.outbox.listing("pending")
    assert pending == []
    failed = await env.services.storage.outbox.listing("failed")
    assert [e.last_error for e in failed] == [f"cancelled: {reason}"]  # the card that waited for its retry

    for later in (timedelta(minutes=1), timedelta(days=1)):  # the retry's time, the nudge's time
        await env.worker.run_once(datetime.now(UTC) + later)
    await env.worker.run_once(MONDAY_0900_BERLIN + timedelta(days=7))
    assert len([r for r in env.fake.requests if r.team == "T_A"]) == sent_to_a  # not one more call with its token
    # the other workspace is untouched
    await _ask(env, "help", team="T_B")
    assert len(env.fake.calls_for("T_B", POST)) == 1


async def test_S16_with_one_slack_bot_token_an_uninstall_cancels_what_was_still_to_be_sent(
    fake, database_url, aiohttp_client
):
    services = build_services(slack_settings(fake, database_url), today=TODAY, charts=False)
    slack = SlackSender(await aiohttp_client(create_web_app(services, run_worker=False)))
    assert (await slack.post(sp.slash_command("help"))).status == 200  # recorded, not answered yet
    assert (await slack.post(_uninstalled(sp.TEAM))).status == 200
    await services.worker.run_once()
    assert fake.calls("POST", POST) == [] and fake.responses() == []
    async with services.engine.connect() as conn:
        [(status, error)] = (await conn.execute(select(JobRow.status, JobRow.last_error))).all()
    assert (status, error) == ("done", "cancelled: app_uninstalled")


async def test_no_token_code_or_client_secret_reaches_the_logs_even_at_debug(env, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    env.fake.oauth.token_ttl = 5 * 60  # rotated on first use
    started = await start_install(env.client)
    code = env.fake.oauth.authorize(team="T_A", rotation=True)
    await finish_install(env.client, code=code, state=started.state)
    again = await start_install(env.client)
    failed = await finish_install(env.client, code=code, state=again.state)  # a spent code: Bolt logs the failure
    assert failed.status == 401
    env.fake.oauth.token_ttl = 12 * 3600
    await _ask(env, "help", team="T_A")
    issued = [*env.fake.oauth.tokens, *env.fake.oauth.refresh_tokens]
    [refresh] = [r.json["refresh_token"] for r in env.fake.requests if r.json.get("grant_type")]
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "oauth.v2.access" in text  # the Web API calls were logged (at DEBUG), only without their secrets
    for secret in [*issued, refresh, code, CLIENT_SECRET, KEY]:
        assert secret not in text, f"{secret[:12]}... is in the logs"
