"""Experts end to end on Slack: signed button presses and modal submissions over real HTTP, the real worker, and
every effect observed at the fake Web API (conversations.open, chat.postMessage in the DM and in the card's
thread, chat.update of the channel card, ephemeral refusals). Also S19 (a Slack Connect guest, another
enterprise's member or a bot is refused before any DM or row) and forged ids from another workspace."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.core.baselines.feature import sample_baseline
from bot.core.formatting import pct
from engine.baseline import parse_baseline
from engine.changes import Change, apply_changes, current_value
from engine.forecast import forecast
from storage.models import CommentRow, ExpertInvitationRow, LikeRow
from tests.e2e.slack_helpers import settle
from tests.fakes import slack_payloads as sp

QUESTION = "what if new opps per rep per week is 9"


async def _command(env, text: str) -> None:
    assert (await env.slack.post(sp.slash_command(text))).status == 200
    await settle(env.services)


async def _card(env) -> dict:
    """The sample baseline and a what-if card in C_SALES; its chat.postMessage body and reply."""
    await _command(env, "baseline sample")
    await _command(env, QUESTION)
    return next(r for r in reversed(env.fake.calls("POST", "/api/chat.postMessage")) if QUESTION in r.json["text"])


async def _press(env, action: str, value: dict, *, ts: str, user: str, channel: str = sp.CHANNEL, team=sp.TEAM):
    body = sp.block_actions(action, value, message_ts=ts, user=user, channel=channel, team=team)
    assert (await env.slack.post(body)).status == 200
    await settle(env.services)


async def _form(env, action: str, value: dict, *, ts: str, user: str, channel: str = sp.CHANNEL) -> dict:
    """Press a button that opens a modal; return the modal's form metadata (as the submission will carry it)."""
    before = len(env.fake.calls("POST", "/api/views.open"))
    await _press(env, action, value, ts=ts, user=user, channel=channel)
    opened = env.fake.calls("POST", "/api/views.open")
    assert len(opened) == before + 1 and opened[-1].reply["ok"], opened[-1].reply
    view = opened[-1].json["view"]
    view = json.loads(view) if isinstance(view, str) else view
    return json.loads(view["private_metadata"])["meta"]


async def _submit(env, form_id: str, values: dict, meta: dict, *, user: str, channel: str, team: str = sp.TEAM):
    body = sp.view_submission(form_id, values, meta, user=user, channel=channel, team=team)
    assert (await env.slack.post(body)).status == 200
    await settle(env.services)


def _ephemeral(env, user: str) -> str:
    return "\n".join(
        r.json["text"] for r in env.fake.calls("POST", "/api/chat.postEphemeral") if r.json["user"] == user
    )


def _dm_posts(env, channel: str) -> list:
    return [
        r for r in env.fake.calls("POST", "/api/chat.postMessage") if r.json["channel"] == channel and r.reply["ok"]
    ]


def _footer(env) -> str:
    update = env.fake.calls("POST", "/api/chat.update")[-1]
    return update.json["text"]


async def _count(env, model) -> int:
    async with env.services.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(model))).scalar_one()


def _engine_p(to: float) -> str:
    base = parse_baseline(sample_baseline())
    change = Change("new_opps_per_rep_week", current_value(base, "new_opps_per_rep_week"), to)
    return pct(forecast(apply_changes(base, [change])).p_hit)


async def test_invite_like_comment_estimate_chain_and_refusals(slack_env):
    env = slack_env
    env.fake.add_user("U_SAM", display_name="Sam", real_name="Sam Finance", title="Finance")
    env.fake.add_user("U_KIM", display_name="Kim", real_name="Kim Ops")
    card = await _card(env)
    ts = card.reply["ts"]
    assert any(e.get("action_id") == "expert.ask" for b in card.json["blocks"] for e in b.get("elements") or [])

    meta = await _form(env, "expert.ask", {}, ts=ts, user="U_DANA")
    values = {"who": ["U_SAM"], "question": "Is 9 new opportunities per rep per week really possible?"}
    await _submit(
        env,
        "expert.invite",
        {**values, "driver": sp.select("new_opps_per_rep_week")},
        meta,
        user="U_DANA",
        channel=sp.CHANNEL,
    )
    # the DM: conversation opened, card posted with who asked, the question and the card's headline figure
    assert [r.json["users"] for r in env.fake.calls("POST", "/api/conversations.open")] == ["U_SAM"]
    sam_dm = env.fake.dms["U_SAM"]
    [invitation] = _dm_posts(env, sam_dm)
    assert "Dana asked you" in invitation.json["text"] and "really possible?" in invitation.json["text"]
    assert "P(reach target)" in invitation.json["text"]
    assert "Invited Sam" in _ephemeral(env, "U_DANA")
    assert "Experts: 1 asked, 0 answered" in _footer(env)
    dm_ts = invitation.reply["ts"]
    invitation_id = json.loads(invitation.json["blocks"][-2]["elements"][0]["value"])["invitation_id"]

    # the expert's reaction in the DM likes the channel card
    assert (await env.slack.post(sp.reaction(item_ts=dm_ts, user="U_SAM", channel=sam_dm))).status == 200
    await settle(env.services)
    assert "1 like" in _footer(env)
    await _press(env, "expert.like", {"invitation_id": invitation_id}, ts=dm_ts, user="U_SAM", channel=sam_dm)
    assert "1 like ·" in _footer(env)  # the button and the reaction are one person: still one like

    # a DM comment goes to the card's thread and counts as a comment of the card
    value = {"invitation_id": invitation_id}
    meta = await _form(env, "expert.comment", value, ts=dm_ts, user="U_SAM", channel=sam_dm)
    await _submit(env, "expert.comment", {"text": "9 is *a stretch* <!channel>"}, meta, user="U_SAM", channel=sam_dm)
    [relay] = [r for r in env.fake.calls("POST", "/api/chat.postMessage") if "(expert, via DM)" in r.json["text"]]
    assert relay.json["channel"] == sp.CHANNEL and relay.json["thread_ts"] == ts
    assert relay.json["text"].startswith("Sam (expert, via DM): ") and "<!channel>" not in relay.json["text"]
    assert "1 comment" in _footer(env)

    # the estimate: read in the asked driver's language, answered with the engine's P in the thread
    meta = await _form(env, "expert.estimate", value, ts=dm_ts, user="U_SAM", channel=sam_dm)
    await _submit(env, "expert.estimate", {"value": "banana"}, meta, user="U_SAM", channel=sam_dm)
    assert "could not read a value for new opportunities" in _ephemeral(env, "U_SAM")
    await _submit(
        env, "expert.estimate", {"value": "I think 8 per rep per week is the most"}, meta, user="U_SAM", channel=sam_dm
    )
    [estimate] = [
        r
        for r in env.fake.calls("POST", "/api/chat.postMessage")
        if r.json["text"].startswith("Estimate by Sam (Finance): I think 8")
    ]
    assert estimate.json["thread_ts"] == ts
    line = next(x for x in estimate.json["text"].splitlines() if x.startswith("P(reach target)"))
    assert line.endswith(_engine_p(8.0)), (line, _engine_p(8.0))
    assert f"Sam (Finance): 8.0 opps/rep/week → {_engine_p(8.0)}" in _footer(env)
    assert "Experts: 1 asked, 1 answered" in _footer(env)

    # the expert invites a second person, whose DM names both
    meta = await _form(env, "expert.invite", value, ts=dm_ts, user="U_SAM", channel=sam_dm)
    await _submit(
        env,
        "expert.invite",
        {"who": ["U_LEE"], "question": "Can marketing give 8?"},
        meta,
        user="U_SAM",
        channel=sam_dm,
    )
    [lee_dm] = _dm_posts(env, env.fake.dms["U_LEE"])
    assert "Dana asked Sam, who asked you" in lee_dm.json["text"]
    assert "Experts: 2 asked, 1 answered" in _footer(env)
    assert "Sam (Finance) answered, lee asked" in _footer(env)  # who was asked, and where each stands

    # refusals, each told to the person who tried: duplicate, self-invite, depth cap
    await _submit(
        env,
        "expert.invite",
        {"who": ["U_SAM"], "question": "again"},
        {"sent_message_id": meta_card(env)},
        user="U_DANA",
        channel=sp.CHANNEL,
    )
    assert "Sam (Finance) is already invited to this card" in _ephemeral(env, "U_DANA")
    await _submit(env, "expert.invite", {"who": ["U_SAM"], "question": "me"}, meta, user="U_SAM", channel=sam_dm)
    assert "You cannot invite yourself" in _ephemeral(env, "U_SAM")
    workspace = await env.services.storage.workspaces.ensure("slack", sp.TEAM)
    await env.services.storage.experts.set_settings(workspace.id, actor="test", max_depth=2)
    lee_value = json.loads(lee_dm.json["blocks"][-2]["elements"][0]["value"])
    lee_ts, lee_channel = lee_dm.reply["ts"], env.fake.dms["U_LEE"]
    meta = await _form(env, "expert.invite", lee_value, ts=lee_ts, user="U_LEE", channel=lee_channel)
    await _submit(env, "expert.invite", {"who": ["U_KIM"], "question": "?"}, meta, user="U_LEE", channel=lee_channel)
    assert "already 2 deep, the most this workspace allows (2)" in _ephemeral(env, "U_LEE")
    assert "U_KIM" not in env.fake.dms and await _count(env, ExpertInvitationRow) == 2


def meta_card(env) -> int:
    """The channel card's id, as the Ask an expert form carried it."""
    opened = [r for r in env.fake.calls("POST", "/api/views.open") if "Ask an expert" in json.dumps(r.json)]
    view = opened[0].json["view"]
    view = json.loads(view) if isinstance(view, str) else view
    return json.loads(view["private_metadata"])["meta"]["sent_message_id"]


async def test_S19_a_slack_connect_guest_another_enterprise_or_a_bot_is_refused_without_dm_or_row(slack_env):
    env = slack_env
    env.fake.add_user("U_GUEST", display_name="Gus", team_id="T_OTHER")
    env.fake.add_user("U_ORG", display_name="Olga", team_id="T_ORG", enterprise_id="E_OTHER")
    env.fake.add_user("U_BOTTY", display_name="Botty", is_bot=True)
    ts = (await _card(env)).reply["ts"]
    meta = await _form(env, "expert.ask", {}, ts=ts, user="U_DANA")
    await _submit(
        env,
        "expert.invite",
        {"who": ["U_GUEST", "U_ORG", "U_BOTTY"], "question": "?"},
        meta,
        user="U_DANA",
        channel=sp.CHANNEL,
    )
    said = _ephemeral(env, "U_DANA")
    assert "Gus belongs to another Slack organisation" in said and "Olga belongs to another Slack organisation" in said
    assert "Botty is a bot" in said
    assert env.fake.calls("POST", "/api/conversations.open") == []
    assert await _count(env, ExpertInvitationRow) == 0


async def test_forged_ids_from_another_workspace_change_nothing(slack_env):
    env = slack_env
    env.fake.add_user("U_SAM", display_name="Sam")
    ts = (await _card(env)).reply["ts"]
    meta = await _form(env, "expert.ask", {}, ts=ts, user="U_DANA")
    await _submit(env, "expert.invite", {"who": ["U_SAM"], "question": "?"}, meta, user="U_DANA", channel=sp.CHANNEL)
    [invitation] = _dm_posts(env, env.fake.dms["U_SAM"])
    value = json.loads(invitation.json["blocks"][-2]["elements"][0]["value"])
    posts, updates = (
        len(env.fake.calls("POST", "/api/chat.postMessage")),
        len(env.fake.calls("POST", "/api/chat.update")),
    )
    evil = "T_EVIL"  # a request signed right, from another workspace, naming workspace A's card and invitation
    await _press(env, "card.like", {}, ts=ts, user="U_SAM", team=evil)
    await _press(
        env, "expert.like", value, ts=invitation.reply["ts"], user="U_SAM", channel=env.fake.dms["U_SAM"], team=evil
    )
    await _submit(env, "comment", {"text": "forged"}, meta, user="U_SAM", channel=sp.CHANNEL, team=evil)
    await _submit(env, "expert.comment", {"text": "forged"}, value, user="U_SAM", channel=sp.CHANNEL, team=evil)
    await _submit(
        env, "expert.invite", {"who": ["U_LEE"], "question": "?"}, meta, user="U_DANA", channel=sp.CHANNEL, team=evil
    )
    await _submit(env, "expert.estimate", {"value": "8"}, value, user="U_SAM", channel=sp.CHANNEL, team=evil)
    assert await _count(env, LikeRow) == 0 and await _count(env, CommentRow) == 0
    assert await _count(env, ExpertInvitationRow) == 1
    assert len(env.fake.calls("POST", "/api/chat.postMessage")) == posts
    assert len(env.fake.calls("POST", "/api/chat.update")) == updates


async def test_hostile_form_values_are_bounded_and_shown_as_typed(slack_env):
    env = slack_env
    env.fake.add_user("U_SAM", display_name="Sam")
    ts = (await _card(env)).reply["ts"]
    meta = await _form(env, "expert.ask", {}, ts=ts, user="U_DANA")
    question = "<!channel> *now* <https://evil.example|click> " + "x" * 5000
    values = {"who": ["U_SAM", "U" + "9" * 400], "question": question, "driver": sp.select("no-such-driver")}
    await _submit(env, "expert.invite", values, meta, user="U_DANA", channel=sp.CHANNEL)
    [dm] = _dm_posts(env, env.fake.dms["U_SAM"])
    text = json.dumps(dm.json["blocks"])
    assert "<!channel>" not in text and "<https://evil" not in text and "&lt;!channel&gt;" in text
    assert "x" * 900 in text and "x" * 1000 not in text  # the question is kept to 1,000 characters
    assert "They ask about" in text  # an unknown driver choice falls back to the card's own driver
    assert await _count(env, ExpertInvitationRow) == 1
