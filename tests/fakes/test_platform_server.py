"""The fake platform refuses what Slack and the Bot Connector refuse, and remembers what it accepted: each rule
is driven through the real slack_sdk client (or plain HTTP for the Connector), as the bot would call it."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import parse_qsl

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes import slack_payloads as sp
from tests.fakes import teams_activities as ta
from tests.fakes.platform_server import TEAMS_MAX_ACTIONS


def _client(fake) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-fake", base_url=fake.slack_api_url)


async def _error(call) -> tuple[str, dict]:
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value.response["error"], raised.value.response.data


async def test_posting_needs_membership_except_in_dms(fake):
    client = _client(fake)
    assert (await client.chat_postMessage(channel=sp.CHANNEL, text="hi"))["ok"]
    assert (await client.chat_postMessage(channel="D_ANYONE", text="hi"))["ok"]
    assert (await _error(client.chat_postMessage(channel="C_ELSEWHERE", text="hi")))[0] == "not_in_channel"
    fake.leave("G_SECRET", private=True)
    assert (await _error(client.chat_postMessage(channel="G_SECRET", text="hi")))[0] == "channel_not_found"
    fake.leave(sp.CHANNEL)
    assert (await _error(client.chat_update(channel=sp.CHANNEL, ts="1.1", text="x")))[0] == "not_in_channel"
    fake.scopes.add("chat:write.public")  # lifts membership for posting in public channels only
    assert (await client.chat_postMessage(channel=sp.CHANNEL, text="hi"))["ok"]
    assert (await _error(client.chat_postMessage(channel="G_SECRET", text="hi")))[0] == "channel_not_found"


async def test_a_method_outside_the_manifest_scopes_is_refused_as_slack_does(fake):
    client = _client(fake)
    assert (await client.users_info(user="U_DANA"))["ok"]  # users:read is declared
    fake.scopes.discard("im:write")
    error, data = await _error(client.conversations_open(users="U_DANA"))  # without im:write
    assert error == "missing_scope" and data["needed"] == "im:write,mpim:write"
    assert "chat:write" in data["provided"].split(",")
    error, data = await _error(client.conversations_history(channel="G_PRIVATE"))
    assert (error, data["needed"]) == ("missing_scope", "groups:history")
    fake.scopes.discard("chat:write")
    assert (await _error(client.chat_postMessage(channel=sp.CHANNEL, text="x")))[0] == "missing_scope"


async def test_trigger_ids_expire_after_three_seconds_and_work_once(fake):
    client = _client(fake)
    view = {"type": "modal", "callback_id": "form:x", "title": {"type": "plain_text", "text": "X"}, "blocks": []}
    fresh = sp.issue_trigger()
    assert (await client.views_open(trigger_id=fresh, view=view))["ok"]
    assert (await _error(client.views_open(trigger_id=fresh, view=view)))[0] == "exchanged_trigger_id"
    stale = sp.issue_trigger(at=time.time() - 3.5)
    assert (await _error(client.views_open(trigger_id=stale, view=view)))[0] == "expired_trigger_id"
    assert (await _error(client.views_open(trigger_id="12345.678.abc", view=view)))[0] == "invalid_trigger_id"
    # the payload builders issue real triggers
    body = dict(parse_qsl(sp.slash_command("help")[0]))
    assert (await client.views_open(trigger_id=body["trigger_id"], view=view))["ok"]


async def test_bursts_above_the_channel_rate_get_429_with_retry_after_and_are_not_stored(fake):
    fake.post_burst, fake.post_rate = 3, 1.0
    client = _client(fake)
    for i in range(3):
        assert (await client.chat_postMessage(channel=sp.CHANNEL, text=f"m{i}"))["ok"]
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=sp.CHANNEL, text="one too many")
    assert raised.value.response.status_code == 429
    assert int(raised.value.response.headers["Retry-After"]) >= 1
    assert [m["text"] for m in fake.posted(sp.CHANNEL)] == ["m0", "m1", "m2"]
    assert (await client.chat_postMessage(channel="D_OTHER", text="another channel has its own bucket"))["ok"]
    await asyncio.sleep(1.05)  # one token refilled
    assert (await client.chat_postMessage(channel=sp.CHANNEL, text="later"))["ok"]


async def test_history_returns_what_was_posted_with_metadata_only_when_asked(fake):
    client = _client(fake)
    tagged = {"event_type": "scenario_post", "event_payload": {"idem_key": "card:7"}}
    first = await client.chat_postMessage(channel=sp.CHANNEL, text="card", metadata=tagged)
    second = await client.chat_postMessage(channel=sp.CHANNEL, text="plain")
    await client.chat_postMessage(channel=sp.CHANNEL, text="reply", thread_ts=first["ts"])
    history = await client.conversations_history(channel=sp.CHANNEL, include_all_metadata=True)
    assert [m["text"] for m in history["messages"]] == ["plain", "card"]  # newest first, no thread replies
    assert history["messages"][1]["metadata"] == tagged and "metadata" not in history["messages"][0]
    bare = await client.conversations_history(channel=sp.CHANNEL)
    assert all("metadata" not in m for m in bare["messages"])
    only_older = await client.conversations_history(channel=sp.CHANNEL, latest=second["ts"])
    assert [m["text"] for m in only_older["messages"]] == ["card"]
    both = await client.conversations_history(channel=sp.CHANNEL, latest=second["ts"], inclusive=True, limit=1)
    assert [m["text"] for m in both["messages"]] == ["plain"] and both["has_more"]
    rest = await client.conversations_history(
        channel=sp.CHANNEL,
        latest=second["ts"],
        inclusive=True,
        limit=1,
        cursor=both["response_metadata"]["next_cursor"],
    )
    assert [m["text"] for m in rest["messages"]] == ["card"]
    thread = await client.conversations_replies(channel=sp.CHANNEL, ts=first["ts"])
    assert [m["text"] for m in thread["messages"]] == ["card", "reply"]
    assert (await _error(client.conversations_replies(channel=sp.CHANNEL, ts="1.000001")))[0] == "thread_not_found"


async def test_a_failed_post_is_not_stored_but_a_lost_answer_is(fake):
    client = _client(fake)
    fake.override("POST", "/api/chat.postMessage", status=503, json={"ok": False, "error": "service_unavailable"})
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel=sp.CHANNEL, text="never arrived")
    assert fake.posted(sp.CHANNEL) == []
    fake.lose_answer("chat.postMessage")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(
            channel=sp.CHANNEL, text="arrived", metadata={"event_type": "k", "event_payload": {"idem": "1"}}
        )
    assert raised.value.response.status_code == 500
    fake.lose_answer("chat.postMessage", drop=True)
    with pytest.raises((aiohttp.ClientError, asyncio.TimeoutError)):
        await AsyncWebClient(token="xoxb-fake", base_url=fake.slack_api_url, retry_handlers=[]).chat_postMessage(
            channel=sp.CHANNEL, text="arrived too"
        )
    history = await client.conversations_history(channel=sp.CHANNEL, include_all_metadata=True)
    assert [m["text"] for m in history["messages"]] == ["arrived too", "arrived"]
    assert history["messages"][1]["metadata"]["event_payload"] == {"idem": "1"}


async def test_dm_channels_are_stable_per_user_and_users_info_has_names_and_time_zones(fake):
    fake.scopes.add("im:write")
    client = _client(fake)
    fake.add_user("U_KIM", display_name="", real_name="Kim Lee", tz="Asia/Seoul", tz_offset=32400)
    one = (await client.conversations_open(users="U_KIM"))["channel"]["id"]
    assert one.startswith("D") and (await client.conversations_open(users="U_KIM"))["channel"]["id"] == one
    assert (await client.conversations_open(users="U_DANA"))["channel"]["id"] == sp.DM_CHANNEL
    assert (await client.chat_postMessage(channel=one, text="you are invited"))["ok"]
    user = (await client.users_info(user="U_KIM"))["user"]
    assert (user["profile"]["display_name"], user["profile"]["real_name"], user["tz"], user["tz_offset"]) == (
        "",
        "Kim Lee",
        "Asia/Seoul",
        32400,
    )
    assert (await _error(client.users_info(user="U_NOBODY")))[0] == "user_not_found"


async def _connector(fake, path: str, activity: dict, method: str = "POST") -> tuple[int, dict | None]:
    async with aiohttp.ClientSession() as session, session.request(method, fake.url + path, json=activity) as r:
        text = await r.text()
        return r.status, json.loads(text) if text else None


def _card(actions: int, version: str = "1.5") -> dict:
    content = {
        "type": "AdaptiveCard",
        "version": version,
        "body": [],
        "actions": [{"type": "Action.Submit", "title": f"b{i}", "data": {}} for i in range(actions)],
    }
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": content}],
    }


async def test_the_connector_refuses_cards_teams_cannot_show_in_full(fake):
    path = f"/v3/conversations/{ta.CHANNEL};messageid=1700/activities/1700"
    status, reply = await _connector(fake, path, _card(TEAMS_MAX_ACTIONS))
    assert status == 201 and reply["id"]
    status, reply = await _connector(fake, path, _card(TEAMS_MAX_ACTIONS + 1))
    assert status == 400 and reply["error"]["code"] == "BadArgument" and "'b6'" in reply["error"]["message"]
    status, _ = await _connector(fake, f"/v3/conversations/{ta.CHANNEL}/activities/99", _card(2, "1.6"), "PUT")
    assert status == 400
    assert len(fake.card_violations) == 2
    fake.strict_cards = False  # what Teams really does: accept, and drop the 7th button
    status, _ = await _connector(fake, path, _card(TEAMS_MAX_ACTIONS + 1))
    assert status == 201 and len(fake.card_violations) == 3


async def test_the_connector_returns_ids_as_the_service_does(fake):
    path = f"/v3/conversations/{ta.CHANNEL};messageid=1700/activities/1700"
    status, reply = await _connector(fake, path, {"type": "message", "text": "hi"})
    assert status == 201 and reply["id"].isdigit()
    split = dict(_card(1), text="and some text")  # sent as two messages: no single id to return
    assert await _connector(fake, path, split) == (202, None)
    fake.connector_returns_ids = False
    assert await _connector(fake, path, {"type": "message", "text": "hi"}) == (202, None)


async def test_reactions_and_edits_carry_the_message_they_act_on(fake):
    like = ta.reaction(reply_to="1800", root="1700", service_url=fake.url + "/")
    other = ta.reaction(reply_to="1800", root="1700", service_url=fake.url + "/", user={"id": "29:lee", "name": "Lee"})
    edit = ta.edit("v2", message_id="1801", root="1700", service_url=fake.url + "/")
    assert like["id"] == other["id"] == like["replyToId"] == "1800" and edit["id"] == "1801"
    assert like["timestamp"] < other["timestamp"] < edit["timestamp"]


async def test_a_dropped_answer_retried_by_the_sdk_posts_the_message_twice(fake):
    # slack_sdk's default connection-error retry resends chat.postMessage after a dropped connection: Slack had
    # already posted it, so people see it twice (reliability.md 1.5). The fake shows it as Slack would.
    client = AsyncWebClient(token="xoxb-fake", base_url=fake.slack_api_url)  # default retry handlers
    fake.lose_answer("chat.postMessage", drop=True)
    assert (await client.chat_postMessage(channel=sp.CHANNEL, text="nudge"))["ok"]
    assert [m["text"] for m in fake.posted(sp.CHANNEL)] == ["nudge", "nudge"]
