"""Decisions end to end over signed HTTP (Slack): a scenario card liked by one person and commented on by another;
Decide refused to a non-manager and to a forged workspace, opened for the asker; the decision card in the channel
linked to the scenario (chat.getPermalink) and one DM to each participant, none twice when the job runs again;
adopting makes the next baseline version; the list, Mark done by the owner, the CSV (formula-safe) by command and
by the operator CLI. The worker runs on a pinned clock (`run_once`)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from bot.__main__ import main
from bot.app import build_services, create_web_app
from bot.core.decisions.export import HEADER
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import SlackSender, slack_settings
from tests.fakes import slack_payloads as sp

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LEE, SAM = "U_LEE", "U_EXPERT"  # Lee likes the card, Sam comments; Dana (sp.USER) asks
DECISION = "=SUM(A1) we keep 10 reps and push win rate"  # a formula-looking decision: exported as text


@pytest.fixture
async def env(fake, database_url, aiohttp_client):
    services = build_services(slack_settings(fake, database_url), today=TODAY, coalesce_seconds=0.05, charts=False)
    client = await aiohttp_client(create_web_app(services, run_worker=False))
    env = SimpleNamespace(fake=fake, services=services, slack=SlackSender(client), worker=services.worker)
    await env.worker.run_once(NOW)
    yield env


async def _post(env, built) -> None:
    assert (await env.slack.post(built)).status == 200
    await env.worker.run_once(NOW)


def _posts(env, channel: str = sp.CHANNEL) -> list[dict]:
    return env.fake.posted(channel)


def _dms(env) -> dict[str, int]:
    counts: dict[str, int] = {}
    for user, channel in env.fake.dms.items():
        if n := len(env.fake.posted(channel)):
            counts[user] = n
    return counts


async def _decide(env, ts: str, **values) -> tuple[str, str]:
    fields = {"kind": sp.select("adopt"), "text": DECISION, "owner": [LEE], "due": sp.date("2026-12-15"), **values}
    ws = await env.services.storage.workspaces.get("slack", sp.TEAM)
    card = await env.services.storage.messages.find(ws.id, sp.CHANNEL, ts)
    return sp.view_submission("decision", fields, {"sent_message_id": card.id})


async def test_decide_posts_the_card_dms_each_participant_once_and_the_log_exports_formula_safe(
    env, database_url, tmp_path, capsys
):
    fake, storage = env.fake, env.services.storage
    await _post(env, sp.slash_command("baseline sample"))
    await _post(env, sp.slash_command("what if win rate drops to 20%"))
    card = next(m for m in _posts(env) if "win rate" in (m.get("text") or "") and m.get("blocks"))
    ts = card["ts"]
    assert "decision.decide" in json.dumps(card["blocks"])
    await _post(env, sp.reaction(item_ts=ts, user=LEE))
    await _post(env, sp.thread_reply("9 new opps per rep is a stretch", thread_ts=ts, user=SAM))

    # Lee neither asked nor is a manager: a notice only he sees, no form
    await env.slack.post(sp.block_actions("decision.decide", {"scenario_id": 1}, message_ts=ts, user=LEE))
    [refusal] = fake.calls("POST", "/api/chat.postEphemeral")
    assert refusal.json["user"] == LEE and "manager role" in refusal.json["text"]
    assert fake.calls("POST", "/api/views.open") == []
    # a forged workspace names the real card: nothing opens, nothing is stored
    await env.slack.post(sp.block_actions("decision.decide", {}, message_ts=ts, team="T_OTHER"))
    forged = await _decide(env, ts)
    await _post(env, (forged[0].replace(sp.TEAM, "T_OTHER"), forged[1]))
    assert fake.calls("POST", "/api/views.open") == []
    # Dana asked: the form opens; a due date in the past is refused with the reason, nothing stored
    await env.slack.post(sp.block_actions("decision.decide", {}, message_ts=ts))
    [opened] = fake.calls("POST", "/api/views.open")
    assert opened.reply["ok"] is True, opened.reply  # a modal Slack accepts
    assert [b["block_id"] for b in opened.json["view"]["blocks"]] == [
        "field:kind",
        "field:text",
        "field:owner",
        "field:due",
    ]
    before = len(_posts(env))
    await _post(env, await _decide(env, ts, due=sp.date("2026-11-01")))
    assert "Due date: Nov 1, 2026 is in the past" in fake.calls("POST", "/api/chat.postEphemeral")[-1].json["text"]
    assert len(_posts(env)) == before and _dms(env) == {}

    await _post(env, await _decide(env, ts))
    [decision_card] = [m for m in _posts(env)[before:] if m.get("text", "").startswith("Decision: adopt")]
    assert "thread_ts" not in decision_card  # top level
    body = json.dumps(decision_card["blocks"])
    assert f"https://fake.slack.com/archives/{sp.CHANNEL}/p{ts.replace('.', '')}" in body
    assert "what if win rate drops to 20%" in body and "Dec 15, 2026" in body
    assert _dms(env) == {LEE: 1, SAM: 1}  # Dana decided: no DM to her
    dm_text = fake.posted(fake.dms[SAM])[0]["text"]
    assert "took part" in dm_text and "=SUM(A1)" in dm_text

    # the job runs again (a second worker after a crash): nothing is posted or DMed twice
    posts_before = len(_posts(env))
    async with storage.engine.begin() as conn:
        await conn.execute(text("UPDATE jobs SET status = 'queued' WHERE kind = 'event'"))
    await env.worker.run_once(NOW)
    assert len(_posts(env)) == posts_before and _dms(env) == {LEE: 1, SAM: 1}
    ws = await storage.workspaces.get("slack", sp.TEAM)
    [decision] = await storage.decisions.list(ws.id, sp.CHANNEL)

    # adopt: a confirmation first, then the next baseline version
    value = {"decision_id": decision.id}
    await _post(env, sp.block_actions("decision.adopt", value, message_ts=decision_card["ts"]))
    assert (await storage.baselines.latest(ws.id, sp.CHANNEL)).version == 1
    await _post(env, sp.block_actions("decision.adopt_confirm", value, message_ts=decision_card["ts"]))
    assert (await storage.baselines.latest(ws.id, sp.CHANNEL)).version == 2
    assert any("Baseline v2 saved" in (m.get("text") or "") for m in _posts(env))

    # the list; Mark done by the owner (Lee) updates the decision card
    await _post(env, sp.slash_command("decisions"))
    assert f"#{decision.id}" in _posts(env)[-1]["text"] and "open" in _posts(env)[-1]["text"]
    await _post(env, sp.block_actions("decision.done", value, message_ts=decision_card["ts"], user=LEE))
    updated = [u for u in fake.calls("POST", "/api/chat.update") if u.json["ts"] == decision_card["ts"]]
    assert "Status: done on Nov 29, 2026" in updated[-1].json["text"]

    # the export: a CSV file shared in the channel, and the same bytes from the operator CLI
    await _post(env, sp.slash_command("decisions export"))
    [complete] = fake.calls("POST", "/api/files.completeUploadExternal")
    assert complete.json["channel_id"] == sp.CHANNEL
    uploaded = [r.body for r in fake.requests if r.path.startswith("/upload/")][-1]
    rows = list(csv.reader(io.StringIO(uploaded.decode("utf-8-sig"))))
    assert tuple(rows[0]) == HEADER and rows[1][3] == "'" + DECISION and rows[1][9] == "done" and rows[1][12] == "2"
    out = tmp_path / "decisions.csv"
    argv = ["decisions", "export", "--platform", "slack", "--workspace", sp.TEAM, "--channel", sp.CHANNEL]
    # the CLI runs its own event loop, as it does in an operator's shell
    assert await asyncio.to_thread(main, [*argv, "--db", database_url, "--out", str(out)]) == 0
    assert out.read_bytes() == uploaded
    assert await asyncio.to_thread(main, [*argv, "--db", database_url]) == 0
    assert list(csv.reader(io.StringIO(capsys.readouterr().out))) == rows


async def test_only_a_workspace_admin_gives_the_manager_role_and_a_manager_may_decide(env):
    fake = env.fake
    fake.add_user("U_BOSS", display_name="Boss", is_owner=True)
    await _post(env, sp.slash_command("baseline sample"))
    await _post(env, sp.slash_command("what if we add 2 reps"))
    ts = next(m for m in _posts(env) if m.get("blocks") and "decision.decide" in json.dumps(m["blocks"]))["ts"]
    # Lee is no admin (users.info says so): nothing changes
    await _post(env, sp.app_mention(f"role <@{SAM}> manager", user=LEE))
    assert "Only a workspace admin or owner" in _posts(env)[-1]["text"]
    # the owner names Lee by mention (the way Slack sends an @mention) and by member id
    await _post(env, sp.app_mention(f"role <@{LEE}|lee> manager", user="U_BOSS"))
    assert "now has the manager role in every channel" in _posts(env)[-1]["text"]
    await _post(env, sp.slash_command("roles", user=LEE))
    assert LEE in _posts(env)[-1]["text"]
    await env.slack.post(sp.block_actions("decision.decide", {}, message_ts=ts, user=LEE))
    [opened] = fake.calls("POST", "/api/views.open")
    assert opened.reply["ok"] is True  # a modal Slack accepts
    await _post(env, sp.slash_command(f"role {LEE} none", user="U_BOSS"))
    assert "no longer has the manager role" in _posts(env)[-1]["text"]
    await env.slack.post(sp.block_actions("decision.decide", {}, message_ts=ts, user=LEE))
    assert (
        len(fake.calls("POST", "/api/views.open")) == 1
        and "manager role" in (fake.calls("POST", "/api/chat.postEphemeral")[-1].json["text"])
    )
