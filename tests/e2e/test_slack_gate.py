"""The Slack edge over real HTTP with a recording assistant: signature gate, inbox + job, nothing done before the
ack but recording, tenant.

These pin the HTTP contract of POST /slack/events independently of the features behind it; the full
stack (real Assistant, real database) is exercised in test_slack_e2e.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.slack.routes import mount
from tests.e2e.slack_helpers import SlackSender, slack_settings
from tests.fakes import slack_payloads as sp


class RecordingAssistant:
    """Assistant-shaped: records the deliveries the edge accepts (each becomes a job) and the events they carry."""

    def __init__(self, delay: float = 0.0) -> None:
        self.events: list = []
        self.claimed: set[str] = set()
        self.claims: list[tuple[str, str, str | None]] = []
        self.delay = delay
        self.fail_claims = False

    async def handle(self, event, outbox) -> None:
        self.events.append(event)
        await asyncio.sleep(self.delay)
        await outbox.send(event.place, f"answer to {type(event).__name__}")

    async def claim(self, platform: str, delivery_id: str, workspace_external_id: str | None = None) -> bool:
        if self.fail_claims:
            raise ConnectionRefusedError("database down")
        self.claims.append((platform, delivery_id, workspace_external_id))
        if delivery_id in self.claimed:
            return False
        self.claimed.add(delivery_id)
        return True

    async def accept(self, platform, delivery_id, workspace_external_id=None, event=None, **kw) -> bool:
        first = await self.claim(platform, delivery_id, workspace_external_id)
        if first and event is not None:
            self.events.append(event)  # what the worker will handle, after the ack
        return first

    def immediate(self, event) -> bool:
        return False


@pytest.fixture
def assistant():
    return RecordingAssistant()


@pytest.fixture
async def slack(fake, assistant):
    app = web.Application()
    mount(app, settings=slack_settings(fake), assistant=assistant)
    client = TestClient(TestServer(app))
    await client.start_server()
    sender = SlackSender(client)
    sender.app = app
    yield sender
    await client.close()


async def _drain(slack) -> None:
    await asyncio.sleep(0)  # the edge does nothing after the ack: what it accepted is already recorded


BAD_REQUESTS = {
    "forged signature": dict(secret="not-the-secret"),
    "stale timestamp": dict(age=301),
    "future timestamp": dict(age=-301),
    "missing headers": dict(signed=False),
    "non-numeric timestamp": dict(headers={"X-Slack-Request-Timestamp": "12a4"}),
    "v1 signature": dict(headers={"X-Slack-Signature": "v1=" + "0" * 64}),
}


@pytest.mark.parametrize("case", BAD_REQUESTS)
@pytest.mark.parametrize("kind", ["event", "command", "action"])
async def test_S1_S2_S4_unsigned_or_badly_signed_requests_are_401_and_do_nothing(slack, fake, assistant, case, kind):
    built = {
        "event": sp.reaction(item_ts="1.1"),
        "command": sp.slash_command("what if we add 2 reps"),
        "action": sp.block_actions("card.decide", {"s": 1}, message_ts="1.1"),
    }[kind]
    response = await slack.post(built, **BAD_REQUESTS[case])
    assert response.status == 401
    assert await response.json() == {"error": "invalid request"}
    await _drain(slack)
    assert assistant.claims == [] and assistant.events == []
    assert fake.requests == []  # not even auth.test: Bolt never saw the request


# Slack's published example (api.slack.com/authentication/verifying-requests-from-slack; slack-sdk's
# tests/slack_sdk/signature/test_signature_verifier.py uses the same vector).
KNOWN_SECRET = b"8f742231b10e8888abcd99yyyzzz85a5"
KNOWN_TIMESTAMP = "1531420618"
KNOWN_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
KNOWN_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


@pytest.mark.parametrize(("skew", "valid"), [(0, True), (299, True), (-299, True), (301, False), (-301, False)])
def test_S2_slacks_known_answer_vector_and_the_replay_window_on_an_injected_clock(monkeypatch, skew, valid):
    from types import SimpleNamespace

    from bot.slack import routes

    now = int(KNOWN_TIMESTAMP) + skew
    monkeypatch.setattr(routes, "time", SimpleNamespace(time=lambda: now, perf_counter=time.perf_counter))
    assert routes._valid_signature(KNOWN_SECRET, KNOWN_BODY, KNOWN_TIMESTAMP, KNOWN_SIGNATURE) is valid
    # one byte of the body, the secret or the signature changed: never valid, whatever the clock
    assert not routes._valid_signature(KNOWN_SECRET, KNOWN_BODY + b"x", KNOWN_TIMESTAMP, KNOWN_SIGNATURE)
    assert not routes._valid_signature(b"0" + KNOWN_SECRET[1:], KNOWN_BODY, KNOWN_TIMESTAMP, KNOWN_SIGNATURE)
    assert not routes._valid_signature(KNOWN_SECRET, KNOWN_BODY, KNOWN_TIMESTAMP, KNOWN_SIGNATURE[:-1] + "4")


async def test_S3_a_body_changed_or_reserialised_after_signing_is_rejected(slack, assistant):
    body, ctype = sp.app_mention("what if we add 2 reps")
    headers = sp.sign(body)
    response = await slack.post((body.replace("2 reps", "3 reps"), ctype), headers=headers, signed=False)
    assert response.status == 401
    # the same JSON serialised again (other spacing and key order): equal as data, not as bytes
    reserialised = json.dumps(json.loads(body), indent=1, sort_keys=True)
    assert reserialised != body and json.loads(reserialised) == json.loads(body)
    assert (await slack.post((reserialised, ctype), headers=headers, signed=False)).status == 401
    assert assistant.claims == []
    assert (await slack.post((body, ctype), headers=headers, signed=False)).status == 200  # the bytes signed


async def test_S5_ssl_check_needs_a_signature_too(slack):
    built = ("ssl_check=1&token=abc", sp.FORM)
    assert (await slack.post(built, secret="forged")).status == 401
    assert (await slack.post(built)).status == 200


async def test_S6_url_verification_echoes_the_challenge_only_when_signed(slack):
    response = await slack.post(sp.url_verification("c-123"))
    assert response.status == 200
    assert json.loads(await response.text()) == {"challenge": "c-123"}
    assert (await slack.post(sp.url_verification("c-123"), signed=False)).status == 401


async def test_rejected_requests_never_log_the_message_text(slack, caplog):
    caplog.set_level(logging.DEBUG)
    await slack.post(sp.app_mention("confidential: we lose Acme"), secret="forged")
    await slack.post(sp.app_mention("confidential: we lose Acme"), timestamp=int(time.time()) - 3600)
    assert caplog.records, "the rejection should be logged"
    assert not [r for r in caplog.records if "confidential" in r.getMessage()]


async def test_S7_one_event_id_four_times_with_retry_headers_is_acked_each_time_and_processed_once(
    slack, fake, assistant
):
    built = sp.reaction(item_ts="1.1", event_id="Ev0RETRY")
    first = await slack.post(built)
    retries = [
        await slack.post(built, headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"})
        for n in (1, 2, 3)
    ]
    assert [first.status, *[r.status for r in retries]] == [200, 200, 200, 200]
    await _drain(slack)
    assert len(assistant.events) == 1  # one job: the worker answers it once
    assert assistant.events[0].delivery_id == "Ev0RETRY"


async def test_S10_inbox_down_answers_500_so_slack_retries_and_the_retry_is_processed_once(slack, assistant):
    assistant.fail_claims = True
    response = await slack.post(sp.reaction(item_ts="1.1", event_id="Ev0DBDOWN"))
    assert response.status == 500
    assistant.fail_claims = False
    assert (
        await slack.post(sp.reaction(item_ts="1.1", event_id="Ev0DBDOWN"), headers={"X-Slack-Retry-Num": "1"})
    ).status == 200
    await _drain(slack)
    assert [e.delivery_id for e in assistant.events] == ["Ev0DBDOWN"]


async def test_slack_connect_events_belong_to_the_installing_workspace(slack, assistant):
    await slack.post(sp.reaction(item_ts="1.1", team="T_TEAM", source_team="T_SOURCE"))
    await _drain(slack)
    [event] = assistant.events
    assert event.place.workspace_id == "T_TEAM"
    assert assistant.claims[0][2] == "T_TEAM"


async def test_channel_chatter_is_not_claimed_or_handled(slack, assistant):
    chatter = json.loads(sp.thread_reply("lunch?", thread_ts="1.1")[0])
    chatter["event"].pop("thread_ts")
    assert (await slack.post((json.dumps(chatter), sp.JSON))).status == 200
    await _drain(slack)
    assert assistant.claims == [] and assistant.events == []


async def test_slash_command_is_recorded_and_acked_without_any_platform_call(slack, fake, assistant):
    status, seconds, _ = await slack.post_timed(sp.slash_command("what if win rate is 20%"))
    assert status == 200 and seconds < 0.5
    [event] = assistant.events
    assert event.text == "what if win rate is 20%"
    assert fake.calls("POST", "/api/chat.postMessage") == []  # the answer is the worker's, after the ack


async def test_view_submission_is_acked_with_an_empty_body_and_handled(slack, assistant):
    response = await slack.post(sp.view_submission("invite", {"who": "U_EXPERT"}, {"scenario": 3}))
    assert response.status == 200 and await response.text() == ""
    await _drain(slack)
    [event] = assistant.events
    assert event.form_id == "invite" and event.values == {"who": "U_EXPERT"}
    assert event.metadata == {"scenario": 3} and event.place.channel_id == sp.CHANNEL
