"""Teams installs per tenant, end to end through /api/messages and botbuilder: installationUpdate add/remove and
conversationUpdate with the bot added or removed are recorded; a removal deletes the stored conversation references
of that team (every channel) or chat, so the worker has nowhere to send there; another tenant is untouched."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from bot.app import build_services, create_web_app
from bot.config import Settings, SlackSettings, TeamsSettings
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import WORKER_OPTIONS, settle
from tests.fakes import teams_activities as ta

OTHER_TENANT = "0a0a0a0a-0000-4000-8000-0000000other"


@pytest.fixture
async def env(fake, database_url, aiohttp_client):
    settings = Settings(database_url=database_url, slack=SlackSettings(), teams=TeamsSettings(enabled=True))
    services = build_services(settings, today=TODAY, coalesce_seconds=0.05, worker_options=WORKER_OPTIONS)
    client = await aiohttp_client(create_web_app(services, run_worker=True))
    yield SimpleNamespace(fake=fake, services=services, client=client, url=fake.url + "/")


def _install(kind: str, *, url: str, action: str = "add", scope: str = "team", tenant: str = ta.TENANT) -> dict:
    """installationUpdate (action add/remove) or conversationUpdate (the bot added/removed), in a team's General
    channel or in the personal chat, shaped as Teams sends them."""
    base = ta.mention("", service_url=url) if scope == "team" else ta.personal("", service_url=url)
    activity = {k: v for k, v in base.items() if k not in ("text", "textFormat", "entities")}
    activity["type"] = kind
    activity["conversation"] = dict(activity["conversation"], tenantId=tenant)
    activity["channelData"] = copy.deepcopy(activity["channelData"])
    activity["channelData"]["tenant"] = {"id": tenant}
    if scope == "team":
        activity["conversation"]["id"] = ta.TEAM  # the team's General channel
        activity["channelData"]["channel"] = {"id": ta.TEAM}
    if kind == "installationUpdate":
        activity["action"] = action
    else:
        members = "membersAdded" if action == "add" else "membersRemoved"
        activity[members] = [{"id": ta.BOT_ID}]
        activity["channelData"]["eventType"] = "teamMemberAdded" if action == "add" else "teamMemberRemoved"
    return activity


async def _post(env, activity: dict) -> None:
    response = await env.client.post("/api/messages", json=activity)
    assert response.status in (200, 201), await response.text()
    await settle(env.services)


async def _state(env, tenant: str = ta.TENANT) -> tuple[list[tuple[str, str, bool]], list[str]]:
    storage = env.services.storage
    ws = await storage.workspaces.ensure("teams", tenant)
    installs = [
        (i["scope"], i["conversation_id"], i["removed_at"] is None) for i in await storage.teams_installs.listing(ws.id)
    ]
    references = sorted(c.channel_id for c in await storage.conversations.list(ws.id))
    return installs, references


@pytest.mark.parametrize("kind", ["installationUpdate", "conversationUpdate"])
async def test_removing_the_app_from_a_team_forgets_every_channel_of_it(env, kind):
    await _post(env, _install(kind, url=env.url))
    await _post(env, ta.mention("help", service_url=env.url))  # a question in another channel of the team
    await _post(env, _install("installationUpdate", url=env.url, scope="personal"))
    await _post(env, _install(kind, url=env.url, tenant=OTHER_TENANT))
    installs, references = await _state(env)
    assert installs == [("team", ta.TEAM, True), ("personal", "a:1personal-chat-dana", True)]
    assert references == sorted([ta.TEAM, ta.CHANNEL, "a:1personal-chat-dana"])

    await _post(env, _install(kind, url=env.url, action="remove"))
    installs, references = await _state(env)
    assert installs == [("team", ta.TEAM, False), ("personal", "a:1personal-chat-dana", True)]
    assert references == ["a:1personal-chat-dana"]  # the team's channels are forgotten, the personal chat is not
    assert await _state(env, OTHER_TENANT) == ([("team", ta.TEAM, True)], [ta.TEAM])  # another tenant: untouched


async def test_uninstalling_from_the_personal_chat_forgets_it_and_a_reinstall_is_recorded_again(env):
    await _post(env, _install("installationUpdate", url=env.url, scope="personal"))
    await _post(env, _install("installationUpdate", url=env.url, scope="personal", action="remove"))
    assert await _state(env) == ([("personal", "a:1personal-chat-dana", False)], [])
    await _post(env, _install("installationUpdate", url=env.url, scope="personal"))
    assert await _state(env) == ([("personal", "a:1personal-chat-dana", True)], ["a:1personal-chat-dana"])
    assert env.fake.connector_calls("POST") == []  # installs are recorded, never answered
