"""Experts over time, on a pinned clock (`worker.run_once(now)`): one reminder at most and none after an answer or
"Can't help", expiry after the workspace's days, an expired invitation's buttons saying when it expired; and with
two estimates of one driver, the experts' median and the range of P(reach target) in the card's thread."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.app import build_services, create_web_app
from bot.core.baselines.feature import sample_baseline
from bot.core.formatting import pct
from engine.baseline import parse_baseline
from engine.changes import Change, apply_changes, current_value
from engine.forecast import forecast
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import SlackSender, slack_settings
from tests.fakes import slack_payloads as sp

SUNDAY = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
async def pinned(fake, database_url, aiohttp_client):
    services = build_services(slack_settings(fake, database_url), today=TODAY, coalesce_seconds=0.05, charts=False)
    client = await aiohttp_client(create_web_app(services, run_worker=False))
    env = SimpleNamespace(fake=fake, services=services, slack=SlackSender(client), worker=services.worker, now=SUNDAY)
    await env.worker.run_once(SUNDAY)
    fake.add_user("U_SAM", display_name="Sam")
    fake.add_user("U_KIM", display_name="Kim")
    yield env


async def _post(env, built) -> None:
    assert (await env.slack.post(built)).status == 200
    await env.worker.run_once(env.now)


async def _invite(env, who: list[str]) -> dict[str, dict]:
    """The what-if card, Dana's invitation of `who`; the DM posted to each, by user."""
    await _post(env, sp.slash_command("baseline sample"))
    await _post(env, sp.slash_command("what if new opps per rep per week is 9"))
    card = env.fake.calls("POST", "/api/chat.postMessage")[-1]
    await _post(env, sp.block_actions("expert.ask", {}, message_ts=card.reply["ts"]))
    view = env.fake.calls("POST", "/api/views.open")[-1].json["view"]
    meta = json.loads((json.loads(view) if isinstance(view, str) else view)["private_metadata"])["meta"]
    fields = {"who": who, "question": "Is 9 possible?", "driver": sp.select("new_opps_per_rep_week")}
    await _post(env, sp.view_submission("expert.invite", fields, meta))
    dms = {}
    for uid in who:
        [dm] = [r for r in env.fake.calls("POST", "/api/chat.postMessage") if r.json["channel"] == env.fake.dms[uid]]
        dms[uid] = dm
    return dms


def _value(dm) -> dict:
    return json.loads(dm.json["blocks"][-2]["elements"][0]["value"])


def _to(env, uid: str) -> list[str]:
    return [
        r.json["text"]
        for r in env.fake.calls("POST", "/api/chat.postMessage")
        if r.json["channel"] == env.fake.dms[uid]
    ]


async def test_one_reminder_none_after_cant_help_then_expiry(pinned):
    env = pinned
    dms = await _invite(env, ["U_SAM", "U_KIM"])
    kim = dms["U_KIM"]
    await _post(
        env,
        sp.block_actions(
            "expert.decline", _value(kim), message_ts=kim.reply["ts"], user="U_KIM", channel=env.fake.dms["U_KIM"]
        ),
    )
    await env.worker.run_once(SUNDAY + timedelta(days=4, hours=23))  # only the card's footer update is due
    assert not [t for t in _to(env, "U_SAM") if t.startswith("A reminder")]
    await env.worker.run_once(SUNDAY + timedelta(days=5))
    [reminder] = [t for t in _to(env, "U_SAM") if t.startswith("A reminder")]
    assert "Dana" in reminder and "Is 9 possible?" in reminder and "expires on Dec 6, 12:00 UTC" in reminder
    assert not [t for t in _to(env, "U_KIM") if t.startswith("A reminder")]  # Can't help: no reminder
    await env.worker.run_once(SUNDAY + timedelta(days=5, hours=1))
    assert len([t for t in _to(env, "U_SAM") if t.startswith("A reminder")]) == 1
    env.now = SUNDAY + timedelta(days=7)
    await env.worker.run_once(env.now)
    env.now += timedelta(seconds=1)
    await env.worker.run_once(env.now)  # the card's coalesced update
    assert "Sam expired, Kim can't help" in env.fake.calls("POST", "/api/chat.update")[-1].json["text"]
    sam = dms["U_SAM"]
    await _post(
        env,
        sp.block_actions(
            "expert.like", _value(sam), message_ts=sam.reply["ts"], user="U_SAM", channel=env.fake.dms["U_SAM"]
        ),
    )
    [notice] = [r.json["text"] for r in env.fake.calls("POST", "/api/chat.postEphemeral") if r.json["user"] == "U_SAM"]
    assert notice.startswith("This invitation expired on Dec 6, 12:00 UTC")


async def test_two_estimates_give_the_median_and_the_range_and_answered_experts_get_no_reminder(pinned):
    env = pinned
    dms = await _invite(env, ["U_SAM", "U_KIM"])
    for uid, value in (("U_SAM", "8"), ("U_KIM", "10 per rep per week")):
        meta = {"invitation_id": _value(dms[uid])["invitation_id"]}
        await _post(
            env, sp.view_submission("expert.estimate", {"value": value}, meta, user=uid, channel=env.fake.dms[uid])
        )
    base = parse_baseline(sample_baseline())

    def p(to: float) -> float:
        change = Change("new_opps_per_rep_week", current_value(base, "new_opps_per_rep_week"), to)
        return forecast(apply_changes(base, [change])).p_hit

    [median] = [r.json for r in env.fake.calls("POST", "/api/chat.postMessage") if "experts' median" in r.json["text"]]
    assert median["text"].startswith("New opportunities per rep per week at the experts' median, 9.0")
    line = next(x for x in median["text"].splitlines() if x.startswith("P(reach target)"))
    assert line.endswith(pct(p(9.0)))
    assert f"ranges from {pct(p(8.0))} to {pct(p(10.0))}" in median["text"]
    await env.worker.run_once(SUNDAY + timedelta(days=5))  # both answered: no reminder for either
    assert not [t for uid in ("U_SAM", "U_KIM") for t in _to(env, uid) if t.startswith("A reminder")]
