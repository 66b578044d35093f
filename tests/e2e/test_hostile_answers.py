"""Hostile text through the whole stack (signed Slack requests, the real Assistant, SQLite and PostgreSQL):
NUL bytes in questions, replies and delivery ids are stored without them (PostgreSQL refuses the byte), and
absurd numbers get a plain refusal, never "inf" on a card and never a guess.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.e2e.slack_helpers import settle
from tests.fakes import slack_payloads as sp

WAIT = 30.0


def _posts(env) -> list:
    return env.fake.calls("POST", "/api/chat.postMessage")


async def _ask(env, question: str, **kw):
    before = len(_posts(env))
    response = await env.slack.post(sp.slash_command(question, **kw))
    assert response.status == 200, await response.text()
    posts = await env.fake.wait_for("POST", "/api/chat.postMessage", before + 1, timeout=WAIT)
    await settle(env.services)
    return posts[before].json


async def test_nul_bytes_in_a_question_a_reply_and_a_delivery_id_are_stripped(slack_env):
    env = slack_env
    await _ask(env, "baseline sample")
    card = await _ask(env, "what if we add 2\x00 reps", trigger_id="trig\x00ger")
    assert "P(reach target)" in card["text"], card["text"]
    mention = sp.app_mention("what if win rate is 20%\x00", event_id="Ev0\x00NUL")
    assert (await env.slack.post(mention)).status == 200
    await env.fake.wait_for("POST", "/api/chat.postMessage", 3, timeout=WAIT)
    await settle(env.services)
    ts = _posts(env)[-1].reply["ts"]
    reply = sp.thread_reply("nice\x00 one", thread_ts=ts, event_id="Ev0\x00REPLY")
    assert (await env.slack.post(reply)).status == 200
    await settle(env.services)
    async with env.services.engine.connect() as conn:
        deliveries = (await conn.execute(text("SELECT delivery_id FROM inbox"))).scalars().all()
        dead = (await conn.execute(text("SELECT count(*) FROM jobs WHERE status = 'dead'"))).scalar_one()
    assert "Ev0NUL" in deliveries and "Ev0REPLY" in deliveries
    assert not any("\x00" in d for d in deliveries)
    assert dead == 0


@pytest.mark.parametrize(
    "question",
    ["what if we hire " + "9" * 400 + " reps", "what if we hire 1e300 reps", "what if target is inf"],
)
async def test_absurd_numbers_get_a_plain_refusal_never_inf(slack_env, question):
    env = slack_env
    await _ask(env, "baseline sample")
    answer = await _ask(env, question)
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "is not a number I can plan with" in shown  # says which number, and what would work
    assert "P(reach target)" not in shown and "%" not in shown.split("Try one of these")[0]  # nothing computed
    assert "11 reps" not in shown  # 1e300 is not read as 11


async def test_a_drivers_button_from_another_channel_does_not_load_that_channels_scenario(tmp_path, tmp_path_factory):
    """A button's value names a scenario id; pressed (or forged) in another channel of the same workspace, it must
    not show that channel's question or its numbers."""
    from bot.core.baselines.feature import sample_baseline
    from bot.core.events import ActionInvoked, Place
    from bot.core.formatting import pct
    from bot.core.scenarios.cards import DRIVERS_ACTION
    from engine.baseline import parse_baseline
    from engine.changes import apply_changes, change_from_dict
    from engine.forecast import forecast
    from tests.core.harness import chat, migrated_copy

    async with chat(migrated_copy(tmp_path, tmp_path_factory.getbasetemp())) as c:
        other = Place(c.place.platform, c.place.workspace_id, "C_OTHER")
        await c.load_sample()
        await c.load_sample(other)
        await c.say("what if we add 2 reps")
        card_sent = c.outbox.sends[0]
        button = next(b for b in card_sent.card.buttons if b.action_id == DRIVERS_ACTION)
        await c.send(ActionInvoked(c.actor("U2"), other, DRIVERS_ACTION, dict(button.value), message_id="m-other"))
        shown = c.outbox.sends[-1]
        assert shown.place.channel_id == "C_OTHER"
        text = " ".join(getattr(block, "text", "") or "" for block in shown.card.blocks)
        base = parse_baseline(sample_baseline())
        scenario = apply_changes(base, [change_from_dict({"driver": "reps", "from": 10, "to": 12})])
        assert "add 2 reps" not in text
        assert pct(forecast(base).p_hit) in text and pct(forecast(scenario).p_hit) not in text
