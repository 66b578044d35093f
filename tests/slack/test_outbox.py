"""SlackOutbox against the fake Web API over real HTTP: what reaches Slack for each Outbox call."""

from __future__ import annotations

import json
import logging

import pytest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.cards import Card, Chart, Fact, Facts, Form, FormField, Text
from bot.core.events import Place
from bot.slack.outbox import SlackOutbox

TOKEN = "xoxb-test-secret-token"
PLACE = Place("slack", "T_TEAM", "C_SALES")
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture
def outbox(fake):
    client = AsyncWebClient(
        token=TOKEN, base_url=fake.slack_api_url, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
    )
    return SlackOutbox(client)


def _card(chart: bool = False) -> Card:
    blocks = [Text("Win rate 25% -> 20%"), Facts((Fact("P(reach target)", "41%"),))]
    if chart:
        blocks.append(Chart(PNG, "Bookings fan chart: P50 1.9M by Dec 31", name="forecast.png"))
    return Card("What if the win rate drops?", tuple(blocks), footer="0 likes · 0 comments", kind="scenario")


async def test_card_is_posted_with_blocks_and_text_and_the_chart_lands_in_its_thread(fake, outbox):
    sent = await outbox.send(PLACE, _card(chart=True))
    [post] = fake.calls("POST", "/api/chat.postMessage")
    assert post.headers["Authorization"] == f"Bearer {TOKEN}"
    assert post.json["channel"] == "C_SALES" and "41%" in post.json["text"]
    assert any("41%" in json.dumps(block) for block in post.json["blocks"])
    assert sent is not None and sent.message_id and sent.place.channel_id == "C_SALES"
    [upload] = fake.calls("POST", "/api/files.getUploadURLExternal")
    assert upload.json["filename"] == "forecast.png" and upload.json["alt_txt"].startswith("Bookings fan chart")
    [raw] = [r for r in fake.requests if r.path.startswith("/upload/")]
    assert raw.body == PNG
    [complete] = fake.calls("POST", "/api/files.completeUploadExternal")
    assert complete.json["channel_id"] == "C_SALES" and complete.json["thread_ts"] == sent.message_id


async def test_reply_in_a_thread_keeps_the_chart_in_that_thread(fake, outbox):
    sent = await outbox.send(PLACE, _card(chart=True), thread_id="1700000000.000001")
    assert fake.calls("POST", "/api/chat.postMessage")[0].json["thread_ts"] == "1700000000.000001"
    assert fake.calls("POST", "/api/files.completeUploadExternal")[0].json["thread_ts"] == "1700000000.000001"
    assert sent.place.thread_id == "1700000000.000001"


async def test_update_rerenders_the_card_in_place(fake, outbox):
    card = Card("What if?", (Text("x"),), footer="2 likes · 1 comment")
    await outbox.update(PLACE, "1700000000.000100", card)
    [update] = fake.calls("POST", "/api/chat.update")
    assert update.json["ts"] == "1700000000.000100" and update.json["channel"] == "C_SALES"
    assert "2 likes" in json.dumps(update.json["blocks"])


async def test_form_opens_a_modal_whose_metadata_comes_back(fake, outbox):
    form = Form(
        "invite", "Invite an expert to weigh in", (FormField("who", "Who?", multiline=False),), metadata={"scenario": 7}
    )
    await outbox.open_form(PLACE.in_thread("1.2"), form, "trigger-123")
    [opened] = fake.calls("POST", "/api/views.open")
    view = opened.json["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert opened.json["trigger_id"] == "trigger-123"
    assert view["callback_id"] == "form:invite"
    assert len(view["title"]["text"]) <= 24
    assert json.loads(view["private_metadata"]) == {"meta": {"scenario": 7}, "channel": "C_SALES", "thread": "1.2"}
    assert view["blocks"][0]["element"] == {
        "type": "plain_text_input",
        "action_id": "who",
        "multiline": False,
        "max_length": 3000,
    }


async def test_notify_is_ephemeral_to_the_user(fake, outbox):
    await outbox.notify(PLACE, "Only you can see this", user_id="U_DANA")
    [eph] = fake.calls("POST", "/api/chat.postEphemeral")
    assert eph.json["user"] == "U_DANA" and eph.json["text"] == "Only you can see this"


async def test_rate_limited_post_is_retried_after_retry_after(fake, outbox):
    fake.override(
        "POST",
        "/api/chat.postMessage",
        status=429,
        headers={"Retry-After": "0"},
        json={"ok": False, "error": "ratelimited"},
    )
    sent = await outbox.send(PLACE, "hello")
    assert sent is not None
    assert len(fake.calls("POST", "/api/chat.postMessage")) == 2


async def test_L2_slack_errors_are_logged_with_ids_not_tokens_or_text(fake, outbox, caplog):
    fake.override("POST", "/api/chat.postMessage", json={"ok": False, "error": "channel_not_found"})
    caplog.set_level(logging.DEBUG)
    assert await outbox.send(PLACE, "secret plan: cut 3 reps") is None
    errors = [r.getMessage() for r in caplog.records if r.name == "bot.slack.outbox"]
    assert errors == ["slack chat.postMessage failed: channel_not_found (status=200 team=T_TEAM channel=C_SALES)"]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.name.startswith("bot.") and "secret plan" in r.getMessage()]
    assert TOKEN not in everything


async def test_S20_a_chart_upload_refused_not_in_channel_still_returns_the_posted_card(fake, outbox):
    fake.override("POST", "/api/files.getUploadURLExternal", json={"ok": False, "error": "not_in_channel"})
    sent = await outbox.send(PLACE, _card(chart=True))
    assert sent is not None
    assert not fake.calls("POST", "/api/files.completeUploadExternal")


async def test_unreachable_slack_returns_none_instead_of_raising(outbox):
    outbox.client.base_url = "http://127.0.0.1:9/api/"  # discard port: connection refused
    outbox.client.retry_handlers = []
    assert await outbox.send(PLACE, "hello") is None


async def test_slack_sdk_writes_no_request_or_response_at_debug_level(fake, caplog):
    # slack_sdk logs each call's parameters (the card's text) and each response body at DEBUG; our clients keep
    # that logger at INFO, so LOG_LEVEL=DEBUG does not copy what people wrote into the logs
    from bot.slack.client import KeepAliveWebClient

    client = KeepAliveWebClient(token=TOKEN, base_url=fake.slack_api_url)
    caplog.set_level(logging.DEBUG)  # the root logger: everything that is enabled reaches caplog
    try:
        sent = await SlackOutbox(client).send(PLACE, _card(chart=True))
    finally:
        await client.close()
    assert sent is not None
    assert "41%" not in caplog.text and "Win rate" not in caplog.text
    assert not [r for r in caplog.records if r.name.startswith("slack_sdk") and r.levelno < logging.INFO]
