"""Teams end to end: Bot Framework activities over real HTTP into create_web_app(services, run_worker=True) with
the real Assistant, engine and database (anonymous mode: no app id); every reply observed where Teams would see it,
at the fake Bot Connector (POST /v3/conversations/{id}/activities[/{replyToId}], PUT for updates).

Runs on SQLite always and on PostgreSQL too when TEST_DATABASE_URL is set (the `database_url` fixture).
"""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace

import pytest

from bot.app import build_services, create_web_app
from bot.config import Settings, SlackSettings, TeamsSettings
from bot.core.baselines.feature import sample_baseline
from bot.core.formatting import pct
from engine.baseline import parse_baseline
from engine.changes import Change, apply_changes, current_value
from engine.forecast import forecast
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import BOT_TOKEN, WORKER_OPTIONS, SlackSender, settle
from tests.fakes import slack_payloads as sp
from tests.fakes import teams_activities as ta

WHAT_IF = "what if win rate drops to 20%"
THREAD = f"{ta.CHANNEL};messageid="


@pytest.fixture
async def teams_env(fake, database_url, aiohttp_client):
    settings = Settings(
        database_url=database_url,
        public_url="https://scenario.example.com",
        slack=SlackSettings(bot_token=BOT_TOKEN, signing_secret=sp.SECRET, api_url=fake.slack_api_url),
        teams=TeamsSettings(enabled=True),  # no APP_ID: anonymous mode, no token endpoint is ever called
    )
    services = build_services(settings, today=TODAY, coalesce_seconds=0.05, worker_options=WORKER_OPTIONS)
    app = create_web_app(services, run_worker=True)
    assert "teams" in services.mounted, services.status
    client = await aiohttp_client(app)
    yield SimpleNamespace(fake=fake, services=services, client=client, url=fake.url + "/")


async def _post(env, activity: dict, *, wait: bool = True) -> int:
    """POST the activity; with `wait`, also wait until the worker has answered it (and updated footers)."""
    response = await env.client.post("/api/messages", json=activity)
    await response.read()
    if wait:
        await settle(env.services)
    return response.status


def _replies(env) -> list:
    return env.fake.connector_calls("POST")


def _card(recorded) -> dict:
    [attachment] = recorded.json["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def _footer(card: dict) -> str:
    return next((b["text"] for b in card["body"] if b.get("id") == "footer"), "")


async def _ask(env, text: str) -> tuple[dict, str, str]:
    """@mention the bot with `text` as a new channel post; return (the activity sent, its card, its reply)."""
    before = len(_replies(env))
    activity = ta.mention(text, service_url=env.url)
    assert await _post(env, activity) == 201
    await settle(env.services)  # the worker answers after the acknowledgement
    replies = _replies(env)
    assert len(replies) > before, "no reply"
    return activity, replies[before].json, replies[before].reply["id"]


async def _post_card(env) -> tuple[str, str]:
    """Load the sample baseline, ask the what-if; return (thread root, card activity id)."""
    await _ask(env, "baseline sample")
    activity, _, card_id = await _ask(env, WHAT_IF)
    return activity["id"], card_id


async def _settle(env) -> None:
    await settle(env.services)


async def test_what_if_mention_gets_an_adaptive_card_with_the_engines_probabilities(teams_env):
    env = teams_env
    await _ask(env, "baseline sample")
    before = len(_replies(env))
    activity, sent, _ = await _ask(env, WHAT_IF)
    reply = _replies(env)[before]
    # answered in the mention's thread, as a reply to the mention
    assert reply.path == f"/v3/conversations/{THREAD}{activity['id']}/activities/{activity['id']}"
    card = _card(reply)
    base = parse_baseline(sample_baseline())
    change = Change("win_rate", current_value(base, "win_rate"), 0.20)
    expected_base, expected_scenario = pct(forecast(base).p_hit), pct(forecast(apply_changes(base, [change])).p_hit)
    line = next(x for x in card["fallbackText"].splitlines() if x.startswith("P(reach target)"))
    assert expected_base in line and expected_scenario in line
    assert expected_scenario in json.dumps(card["body"])
    assert "win rate 25% → 20%" in json.dumps(card["body"], ensure_ascii=False)
    # the chart is an image Teams can fetch from PUBLIC_URL, and the server really serves it
    [image] = [b for b in card["body"] if b["type"] == "Image"]
    assert image["url"].startswith("https://scenario.example.com/charts/") and image["altText"]
    png = await env.client.get(image["url"].removeprefix("https://scenario.example.com"))
    assert png.status == 200 and png.content_type == "image/png" and (await png.read()).startswith(b"\x89PNG")
    assert (await env.client.get("/charts/not-a-token.png")).status == 404
    assert sent["summary"].startswith(WHAT_IF)


async def test_T5_T7_likes_and_a_thread_reply_update_the_card_footer_and_a_redelivery_counts_once(teams_env):
    env = teams_env
    root, card_id = await _post_card(env)
    updates = lambda: env.fake.connector_calls("PUT")  # noqa: E731

    async def step(activity: dict, expected: str) -> None:
        before = len(updates())
        assert await _post(env, activity) == 201
        await _settle(env)
        assert len(updates()) == before + 1, "the card was not updated"
        update = updates()[-1]
        assert update.path == f"/v3/conversations/{THREAD}{root}/activities/{card_id}"
        assert expected in _footer(_card(update)), _footer(_card(update))

    like = ta.reaction(reply_to=card_id, root=root, service_url=env.url)
    await step(like, "1 like")
    # Teams redelivers an activity it thinks timed out: the same id is processed once, the card stays at 1 like
    n_updates = len(updates())
    assert await _post(env, like) == 201
    await _settle(env)
    await asyncio.sleep(0.1)
    assert len(updates()) == n_updates
    await step(ta.thread_reply("too optimistic", root=card_id, service_url=env.url), "1 comment")
    # The card answers an @mention inside the mention's thread: a reply there (root = the question) is a
    # comment on the newest card in that thread.
    await step(ta.thread_reply("agree, win rate is the risk", root=root, service_url=env.url), "2 comments")
    # the image survives the footer update (re-rendered from the stored card, which has no PNG)
    assert any(b["type"] == "Image" for b in _card(updates()[-1])["body"])


async def test_T7_reaction_on_a_message_that_is_not_a_card_is_ignored(teams_env):
    env = teams_env
    await _post_card(env)
    assert await _post(env, ta.reaction(reply_to="1234", root="1234", service_url=env.url)) == 201
    await _settle(env)
    assert env.fake.connector_calls("PUT") == []


async def test_personal_chat_question_is_answered_in_the_chat(teams_env):
    env = teams_env
    assert await _post(env, ta.personal("help", service_url=env.url)) == 201
    [reply] = _replies(env)
    assert reply.path == "/v3/conversations/a:1personal-chat-dana/activities"
    assert _card(reply)["body"][0]["text"]


async def test_channel_post_without_mention_gets_no_answer(teams_env):
    env = teams_env
    post = ta.thread_reply("lunch anyone?", root="x", service_url=env.url)
    post["conversation"]["id"] = f"{ta.CHANNEL};messageid={post['id']}"  # a new top-level post
    assert await _post(env, post) == 201
    assert _replies(env) == []


async def test_slack_is_answered_while_a_teams_turn_is_running(teams_env):
    env = teams_env
    await _ask(env, "baseline sample")
    slow = ta.mention(WHAT_IF, service_url=env.url)
    # the connector takes 1.5 s to accept the card: the Teams turn is still running meanwhile
    env.fake.override(
        "POST",
        f"/v3/conversations/{THREAD}{slow['id']}/activities/{slow['id']}",
        delay=1.5,
        status=201,
        json={"id": "1800000000999"},
    )
    teams = asyncio.create_task(_post(env, slow))
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    response = await SlackSender(env.client).post(sp.slash_command("help"))
    slack_seconds = time.perf_counter() - started
    assert response.status == 200 and slack_seconds < 0.5, f"slack waited {slack_seconds:.2f}s"
    assert not teams.done()
    assert await teams == 201


async def test_card_buttons_like_and_comment_through_an_input_card(teams_env):
    env = teams_env
    root, card_id = await _post_card(env)
    [sent] = [r for r in _replies(env) if r.reply["id"] == card_id]
    actions = {a["data"]["action_id"]: a["data"] for a in _card(sent)["actions"]}
    like, comment = actions["card.like"], actions["card.comment"]

    assert await _post(env, ta.submit(like, reply_to=card_id, root=root, service_url=env.url)) == 201
    await _settle(env)
    assert "1 like" in _footer(_card(env.fake.connector_calls("PUT")[-1]))

    n_replies = len(_replies(env))
    assert await _post(env, ta.submit(comment, reply_to=card_id, root=root, service_url=env.url)) == 201
    form_post = _replies(env)[n_replies]
    form = _card(form_post)
    [field] = [b for b in form["body"] if b["type"] == "Input.Text"]
    [submit] = form["actions"]
    value = {**submit["data"], field["id"]: "9 new opps per rep is a stretch"}
    form_id = form_post.reply["id"]
    assert await _post(env, ta.submit(value, reply_to=form_id, root=root, service_url=env.url)) == 201
    await _settle(env)
    posted = [r.json.get("text") for r in _replies(env)]
    assert "Dana Rep: 9 new opps per rep is a stretch" in posted
    assert "1 comment" in _footer(_card(env.fake.connector_calls("PUT")[-1]))


async def test_every_message_stores_the_conversation_reference_for_proactive_sends(teams_env):
    env = teams_env
    assert await _post(env, ta.mention("help", service_url=env.url, root="1700")) == 201
    storage = env.services.storage
    workspace = await storage.workspaces.ensure("teams", ta.TENANT)
    stored = await storage.conversations.get_reference(workspace.id, ta.CHANNEL)
    assert stored is not None and stored.kind == "channel"
    assert stored.reference["conversation"]["id"] == ta.CHANNEL  # the channel itself: a proactive post starts a thread
    assert stored.reference["serviceUrl"] == env.url and stored.reference["bot"]["id"] == ta.BOT_ID


async def test_a_database_failure_while_recording_is_a_503_so_teams_delivers_again(teams_env, monkeypatch, caplog):
    env = teams_env

    async def broken(*args, **kwargs):
        raise RuntimeError("database exploded with secret xoxb-123")

    monkeypatch.setattr(env.services.assistant, "accept", broken)
    response = await env.client.post("/api/messages", json=ta.mention("help", service_url=env.url))
    assert response.status == 503
    assert "Traceback" not in await response.text() and "xoxb-123" not in await response.text()
    assert "RuntimeError" in caplog.text and "xoxb-123" not in caplog.text
    assert _replies(env) == []


async def test_a_failure_while_answering_gets_a_short_apology_not_a_traceback(teams_env, monkeypatch, caplog):
    env = teams_env

    async def broken(turn):
        raise RuntimeError("feature exploded with secret xoxb-123")

    monkeypatch.setattr(env.services.assistant.router, "route", lambda event: broken)
    assert await _post(env, ta.mention("help", service_url=env.url)) == 201
    [reply] = _replies(env)
    text = json.dumps(reply.json)
    assert "problem on my side" in text and "Traceback" not in text and "xoxb-123" not in text
    assert "RuntimeError" in caplog.text and "xoxb-123" not in caplog.text


async def test_installing_in_a_team_stores_the_channel_reference(teams_env):
    env = teams_env
    update = ta.mention("", service_url=env.url)
    update.update(type="conversationUpdate", text=None, entities=None)
    update["conversation"]["id"] = ta.CHANNEL
    update["membersAdded"] = [{"id": ta.BOT_ID}, {"id": "29:someone-else"}]
    update["channelData"]["eventType"] = "teamMemberAdded"
    assert await _post(env, update) in (200, 201)
    workspace = await env.services.storage.workspaces.ensure("teams", ta.TENANT)
    stored = await env.services.storage.conversations.get_reference(workspace.id, ta.CHANNEL)
    assert stored is not None and stored.reference["conversation"]["id"] == ta.CHANNEL
    assert env.fake.requests == []  # no member lookups, no greeting
