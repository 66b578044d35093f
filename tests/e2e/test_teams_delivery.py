"""Teams deliveries the Bot Framework makes more than once, and proactive sends after a restart, over real HTTP into
create_web_app (anonymous mode) with the fake Bot Connector:

- T6: a card button (Action.Submit, what our cards use; see bot/teams/render.py) delivered twice with one
  activity id: each delivery answered at once, one like recorded, one footer update.
- T9: a fresh process (new services on the same database, nothing in memory) sends proactively from the stored
  conversation references: a scheduled nudge to the channel, and a 1:1 chat created for a person; the tenant
  id travels with each.
- L2: when the Bot Connector refuses a send, the error log names ids and the status, never the card's text or a
  token.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import text

from bot.app import build_services, create_web_app
from bot.config import Settings, SlackSettings, TeamsSettings
from bot.core.events import Place
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import BOT_TOKEN, settle
from tests.fakes import slack_payloads as sp
from tests.fakes import teams_activities as ta


def _settings(fake, url: str) -> Settings:
    return Settings(
        database_url=url,
        slack=SlackSettings(bot_token=BOT_TOKEN, signing_secret=sp.SECRET, api_url=fake.slack_api_url),
        teams=TeamsSettings(enabled=True),
    )


async def _process(fake, url: str, aiohttp_client, **options) -> SimpleNamespace:
    """One bot process's worth of state: services and a web app, without a running worker."""
    services = build_services(_settings(fake, url), today=TODAY, charts=False, **options)
    client = await aiohttp_client(create_web_app(services, run_worker=False))
    return SimpleNamespace(services=services, client=client, worker=services.worker, url=fake.url + "/")


async def _post(env, activity: dict) -> tuple[int, float]:
    started = time.perf_counter()
    response = await env.client.post("/api/messages", json=activity)
    await response.read()
    return response.status, time.perf_counter() - started


def _card(recorded) -> dict:
    return recorded.json["attachments"][0]["content"]


async def test_T6_a_card_button_delivered_twice_is_answered_each_time_and_counted_once(
    fake, sqlite_url, aiohttp_client
):
    env = await _process(fake, sqlite_url, aiohttp_client, coalesce_seconds=0.0)
    assert (await _post(env, ta.mention("baseline sample", service_url=env.url)))[0] == 201
    await env.worker.run_once()
    question = ta.mention("what if win rate drops to 20%", service_url=env.url)
    assert (await _post(env, question))[0] == 201
    await env.worker.run_once()
    [card_post] = [r for r in fake.connector_calls("POST") if (r.json.get("summary") or "").startswith("what if")]
    card_id = card_post.reply["id"]
    like = next(a["data"] for a in _card(card_post)["actions"] if a["data"]["action_id"] == "card.like")
    press = ta.submit(like, reply_to=card_id, root=question["id"], service_url=env.url)
    first, again = await _post(env, press), await _post(env, press)  # Teams redelivers what it thinks timed out
    assert first[0] == again[0] == 201 and max(first[1], again[1]) < 5.0
    await env.worker.run_once()
    await env.worker.run_once()  # the footer update coalesces behind the like
    async with env.services.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM likes"))).scalar_one() == 1
    [update] = fake.connector_calls("PUT")
    assert "1 like" in json.dumps(_card(update))


async def test_T9_after_a_restart_proactive_sends_use_the_stored_references_and_carry_the_tenant(
    fake, sqlite_url, aiohttp_client
):
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    first = await _process(fake, sqlite_url, aiohttp_client)
    await first.worker.run_once(sunday)  # pins the clock before anything is queued
    for said in ("baseline sample", "nudge every Monday 09:00 Europe/Berlin"):
        assert (await _post(first, ta.mention(said, service_url=first.url)))[0] == 201
        await first.worker.run_once(sunday)
    assert "next: Mon Nov 30, 09:00 Europe/Berlin" in fake.connector_calls("POST")[-1].json["text"]
    await first.services.engine.dispose()
    before = len(fake.connector_calls("POST"))

    # a new process: its own services and adapter, nothing but the database in common with the first
    second = await _process(fake, sqlite_url, aiohttp_client)
    await second.worker.run_once(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00 in Berlin
    [nudge] = fake.connector_calls("POST")[before:]
    assert nudge.path == f"/v3/conversations/{ta.CHANNEL}/activities"  # a new post in the channel
    assert nudge.json["conversation"]["tenantID"] == ta.TENANT  # botbuilder's spelling of ConversationAccount's
    assert nudge.json["summary"].startswith("Target check")

    sender = second.worker.senders["teams"]
    chat = await sender.open_dm(ta.TENANT, ta.USER["id"])
    [created] = fake.calls("POST", "/v3/conversations")
    assert created.json["channelData"]["tenant"]["id"] == ta.TENANT and created.json["tenantID"] == ta.TENANT
    assert created.json["members"] == [{"id": ta.USER["id"]}]
    sent = await sender.post(chat, "Your target check is ready.", thread_id=None, key="t9", chart_url=None)
    assert sent.message_id and chat.is_dm
    [dm] = [r for r in fake.connector_calls("POST") if r.path == f"/v3/conversations/{chat.channel_id}/activities"]
    assert dm.json["text"] == "Your target check is ready." and dm.json["conversation"]["tenantID"] == ta.TENANT
    # and the chat is remembered: a third process can write to it without creating it again
    workspace = await second.services.storage.workspaces.ensure("teams", ta.TENANT)
    stored = await second.services.storage.conversations.get_reference(workspace.id, chat.channel_id)
    assert stored is not None and stored.kind == "personal"


async def test_L2_a_refused_teams_send_is_logged_with_ids_not_text_or_tokens(fake, sqlite_url, aiohttp_client, caplog):
    env = await _process(fake, sqlite_url, aiohttp_client)
    assert (await _post(env, ta.personal("help", service_url=env.url)))[0] == 201
    fake.override(
        "POST",
        "/v3/conversations/a:1personal-chat-dana/activities",
        status=403,
        json={"error": {"code": "BotDisabledByAdmin", "message": "internal detail ZX-42"}},
    )
    caplog.set_level(logging.DEBUG)
    await env.worker.run_once()
    place = Place("teams", ta.TENANT, "a:1personal-chat-dana")
    assert place.channel_id in caplog.text  # the conversation, by id
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("bot.")]
    assert errors and any("http_403" in line for line in errors), errors
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert "What you can ask" not in ours and "what if" not in ours.lower()  # the help card's text
    assert "ZX-42" not in ours and BOT_TOKEN not in caplog.text  # the platform's own words stay out too
    await settle(env.services)
