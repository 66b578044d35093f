"""The response_url fallback (bot.slack.respond) against the fake's response_url: Slack's 5 uses and 30 minutes,
only Slack's host, only for "the bot is not in the channel" refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.events import Place
from bot.slack.respond import INVITE_HINT, ResponseUrl, allowed_url

PLACE = Place("slack", "T_TEAM", "G_PRIVATE", None, False)


def _fallback(fake, *, age: timedelta = timedelta(0)) -> ResponseUrl:
    now = datetime.now(UTC)
    url = fake.response_url(issued_at=(now - age).timestamp())
    return ResponseUrl(url, now - age, clock=lambda: datetime.now(UTC), allowed_origin=fake.url)


async def test_answers_then_hints_once_and_stops_at_five_uses(fake):
    respond = _fallback(fake)
    assert await respond("channel_not_found", PLACE, "first answer", None)
    assert await respond("channel_not_found", PLACE, "second", None)
    assert await respond("not_in_channel", PLACE, "just for you", "U_DANA")
    assert await respond("not_in_channel", PLACE, "fourth", None)
    assert not await respond("not_in_channel", PLACE, "sixth use", None)  # Slack allows 5 posts per URL
    sent = [(r.json["response_type"], r.json["text"]) for r in fake.responses()]
    assert sent == [
        ("in_channel", "first answer"),
        ("ephemeral", INVITE_HINT),
        ("in_channel", "second"),
        ("ephemeral", "just for you"),
        ("in_channel", "fourth"),
    ]


async def test_an_old_url_or_another_refusal_is_not_used(fake):
    assert not await _fallback(fake, age=timedelta(minutes=31))("channel_not_found", PLACE, "late", None)
    assert not await _fallback(fake)("msg_too_long", PLACE, "too long", None)  # not a membership problem
    assert fake.responses() == []


async def test_the_fake_refuses_a_used_up_or_expired_url(fake):
    respond = _fallback(fake)
    respond.usable = lambda uses=1: True  # bypass the bot's own count to see what Slack (the fake) answers
    for n in range(6):
        await respond._post(f"post {n}", None, "in_channel")
    assert [r.reply for r in fake.requests if r.path.startswith("/commands/")][-1] == "used_url"
    late = _fallback(fake, age=timedelta(minutes=31))
    late.usable = lambda uses=1: True
    assert not await late._post("late", None, "in_channel")
    assert fake.requests[-1].reply == "expired_url"


def test_only_slacks_hook_host_is_posted_to():
    assert allowed_url("https://hooks.slack.com/commands/T1/2/abc")
    assert not allowed_url("https://hooks.slack.com.evil.example/commands/T1/2/abc")
    assert not allowed_url("http://hooks.slack.com/commands/T1/2/abc")
    assert not allowed_url("https://example.com/commands/x")
    assert allowed_url("http://127.0.0.1:5000/commands/x", "http://127.0.0.1:5000")
