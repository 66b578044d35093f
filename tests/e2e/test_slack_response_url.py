"""`/scenario` where the bot is not a member (issue 15): the answer comes through the command's response_url.

Slack refuses chat.postMessage in a private channel or group DM the bot was never added to (`channel_not_found`)
and in a public one it has not joined (`not_in_channel`), but a slash command can always be answered through its
response_url (30 minutes, 5 uses). The fake Web API enforces all of it; the answers are observed there.
"""

from __future__ import annotations

import asyncio
import json
import time

from tests.e2e.slack_helpers import settle
from tests.fakes import slack_payloads as sp

PRIVATE = "G_PRIVATE"
PUBLIC = "C_OTHER"
WAIT = 20.0


async def _command(env, text: str, channel: str, **kw) -> str:
    url = env.fake.response_url(**kw)
    response = await env.slack.post(sp.slash_command(text, channel=channel, response_url=url))
    assert response.status == 200
    await settle(env.services)
    return url


def _to(env, url: str) -> list:
    return [r for r in env.fake.requests if r.path == url.removeprefix(env.fake.url)]


async def test_S20_a_command_in_a_private_channel_the_bot_is_not_in_is_answered_through_its_response_url(slack_env):
    env = slack_env
    env.fake.leave(PRIVATE, private=True)
    await _command(env, "baseline sample", PRIVATE)
    url = await _command(env, "what if win rate drops to 20%", PRIVATE)

    refused = [r for r in env.fake.calls("POST", "/api/chat.postMessage") if r.json.get("channel") == PRIVATE]
    assert refused and all(r.reply["error"] == "channel_not_found" for r in refused)
    answers = [r for r in _to(env, url) if r.reply == "ok"]
    kinds = [r.json["response_type"] for r in answers]
    assert kinds == ["in_channel", "ephemeral"], kinds
    card, hint = answers
    assert "20%" in json.dumps(card.json["blocks"]) and card.json["text"]  # the scenario card, for everyone
    assert "/invite @Sales Scenario" in hint.json["text"]  # and how to add the bot, for the asker only
    assert env.fake.posted(PRIVATE) == []


async def test_a_public_channel_the_bot_has_not_joined_gets_the_answer_and_the_invite_hint(slack_env):
    env = slack_env
    env.fake.leave(PUBLIC)
    url = await _command(env, "help", PUBLIC)
    refused = [r for r in env.fake.calls("POST", "/api/chat.postMessage") if r.json.get("channel") == PUBLIC]
    assert [r.reply["error"] for r in refused] == ["not_in_channel"]
    answers = [r for r in _to(env, url) if r.reply == "ok"]
    assert [r.json["response_type"] for r in answers] == ["in_channel", "ephemeral"]
    # the bot never posts to a response_url where it can post to the channel
    before = len(env.fake.responses())
    await _command(env, "help", sp.CHANNEL)
    assert len(env.fake.responses()) == before


async def test_an_expired_response_url_delivers_nothing_and_nothing_is_retried(slack_env):
    env = slack_env
    env.fake.leave(PRIVATE, private=True)
    url = await _command(env, "help", PRIVATE, issued_at=time.time() - 31 * 60)
    await asyncio.sleep(0.05)
    # the bot received the command now, but Slack issued the URL 31 minutes ago: the fake refuses it
    assert [r.reply for r in _to(env, url)] == ["expired_url"]  # tried once, refused, not retried
    assert env.fake.responses() == []
