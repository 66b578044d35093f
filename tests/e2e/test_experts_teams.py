"""Experts end to end on Teams: Bot Framework activities over real HTTP (Action.Submit on the cards, the input
cards the forms become, a reaction in the personal chat), the real worker, and every effect observed at the fake
Bot Connector: the 1:1 chat created (POST /v3/conversations), the DM card posted there, the channel card updated
(PUT), the comment and the estimate card in the card's thread; and a person without the app gets the inviter a
message saying how to add it."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.core.baselines.feature import sample_baseline
from bot.core.formatting import pct
from engine.baseline import parse_baseline
from engine.changes import Change, apply_changes, current_value
from engine.forecast import forecast
from storage.models import ExpertInvitationRow
from tests.e2e.slack_helpers import settle
from tests.e2e.test_teams_e2e import teams_env  # noqa: F401 (the fixture)
from tests.fakes import teams_activities as ta

QUESTION = "what if new opps per rep per week is 9"
SAM = {"id": "29:user-sam", "name": "Sam Expert", "aadObjectId": "00000000-0000-4000-8000-0000000005a3"}
LEE = {"id": "29:user-lee", "name": "Lee Park", "aadObjectId": "00000000-0000-4000-8000-00000000011e"}


async def _post(env, activity: dict) -> None:
    response = await env.client.post("/api/messages", json=activity)
    await response.read()
    assert response.status in (200, 201), response.status
    await settle(env.services)


def _card(recorded) -> dict:
    [attachment] = recorded.json["attachments"]
    return attachment["content"]


def _text(recorded) -> str:
    return json.dumps(recorded.json, ensure_ascii=False)


def _posts(env) -> list:
    return env.fake.connector_calls("POST")


def _personal(user: dict, chat: str, **fields) -> dict:
    """An activity in `user`'s 1:1 chat with the bot (`chat` as the bot created it)."""
    activity = ta.personal("", service_url="", user=user)
    activity.pop("text")
    activity["conversation"]["id"] = chat
    activity.update(fields)
    return activity


async def _submit_form(env, data: dict, reply_to: str, make, **inputs) -> None:
    """Press a button whose form is posted as an input card, then submit that card with `inputs`."""
    before = len(_posts(env))
    await _post(env, make(data, reply_to))
    form_post = next(r for r in _posts(env)[before:] if r.reply and "Input." in _text(r))
    [submit] = _card(form_post)["actions"]
    await _post(env, make({**submit["data"], **inputs}, form_post.reply["id"]))


def _footer(env) -> str:
    card = _card(env.fake.connector_calls("PUT")[-1])
    return next((b["text"] for b in card["body"] if b.get("id") == "footer"), "")


async def test_invite_like_comment_estimate_and_chain_over_bot_framework(teams_env):  # noqa: F811
    env = teams_env
    url = env.url
    await _post(env, ta.mention("baseline sample", service_url=url))
    asked = ta.mention(QUESTION, service_url=url)
    await _post(env, asked)
    root = asked["id"]
    card_post = next(r for r in _posts(env) if QUESTION in _text(r) and r.reply)
    card_id = card_post.reply["id"]
    actions = {a["data"]["action_id"]: a["data"] for a in _card(card_post)["actions"]}

    def in_channel(user):
        def make(value, reply_to):
            return ta.submit(value, reply_to=reply_to, root=root, service_url=url, user=user)

        return make

    env.fake.teams_without_app.add("aad-no-app")
    await _submit_form(
        env, actions["expert.ask"], card_id, in_channel(ta.USER),
        who=f"{SAM['aadObjectId']},aad-no-app", question="Is 9 really possible?", driver="new_opps_per_rep_week",
    )  # fmt: skip
    created = env.fake.calls("POST", "/v3/conversations")
    assert [c.json["members"][0]["id"] for c in created] == [SAM["aadObjectId"], "aad-no-app"]
    sam_chat = env.fake.personal_chats[SAM["aadObjectId"]]
    [dm] = [r for r in _posts(env) if r.path.startswith(f"/v3/conversations/{sam_chat}/")]
    assert "Dana Rep asked you" in _text(dm) and "Is 9 really possible?" in _text(dm)
    said = " ".join(_text(r) for r in _posts(env))
    assert "Scenario app is not installed for them" in said and "Teams → Apps" in said
    assert "Experts: 1 asked, 0 answered" in _footer(env)
    dm_id = dm.reply["id"]
    dm_actions = {a["data"]["action_id"]: a["data"] for a in _card(dm)["actions"]}
    assert len(dm_actions) == 5

    def in_dm(user, chat):
        def make(value, reply_to):
            return _personal(user, chat, serviceUrl=url, value=value, replyToId=reply_to)

        return make

    reaction = _personal(SAM, sam_chat, serviceUrl=url, type="messageReaction", replyToId=dm_id, id=dm_id)
    reaction["reactionsAdded"] = [{"type": "like"}]
    await _post(env, reaction)
    assert "1 like" in _footer(env)

    await _submit_form(env, dm_actions["expert.comment"], dm_id, in_dm(SAM, sam_chat), text="8 is the most")
    relay = next(r for r in _posts(env) if "(expert, via DM)" in _text(r))
    assert relay.path.startswith(f"/v3/conversations/{ta.CHANNEL};messageid={root}/")
    assert relay.json["text"] == "Sam Expert (expert, via DM): 8 is the most"
    assert "1 comment" in _footer(env)

    await _submit_form(env, dm_actions["expert.estimate"], dm_id, in_dm(SAM, sam_chat), value="8 per rep per week")
    estimate = next(r for r in _posts(env) if "Estimate by Sam Expert" in _text(r))
    base = parse_baseline(sample_baseline())
    change = Change("new_opps_per_rep_week", current_value(base, "new_opps_per_rep_week"), 8.0)
    expected = pct(forecast(apply_changes(base, [change])).p_hit)
    line = next(x for x in _card(estimate)["fallbackText"].splitlines() if x.startswith("P(reach target)"))
    assert line.endswith(expected) and estimate.path.startswith(f"/v3/conversations/{ta.CHANNEL};messageid={root}/")
    assert "Experts: 1 asked, 1 answered" in _footer(env)
    updated = json.dumps(_card(env.fake.connector_calls("PUT")[-1]), ensure_ascii=False)
    assert f"Sam Expert: 8.0 opps/rep/week → {expected}" in updated  # named as Teams named him when he acted

    await _submit_form(env, dm_actions["expert.invite"], dm_id, in_dm(SAM, sam_chat), who=LEE["aadObjectId"])
    lee_chat = env.fake.personal_chats[LEE["aadObjectId"]]
    [lee_dm] = [r for r in _posts(env) if r.path.startswith(f"/v3/conversations/{lee_chat}/")]
    assert "Dana Rep asked Sam Expert, who asked you" in _text(lee_dm)

    # the refusals reach the person who tried, in their own chat
    await _submit_form(env, dm_actions["expert.invite"], dm_id, in_dm(SAM, sam_chat), who=SAM["aadObjectId"])
    assert any("You cannot invite yourself" in _text(r) for r in _posts(env) if sam_chat in r.path)
    await _submit_form(env, actions["expert.ask"], card_id, in_channel(ta.USER), who=LEE["aadObjectId"])
    # Teams' people picker gives ids only: a person not yet seen by the bot is named by their id
    assert any(f"{LEE['aadObjectId']} is already invited to this card" in _text(r) for r in _posts(env))
    workspace = await env.services.storage.workspaces.ensure("teams", ta.TENANT)
    await env.services.storage.experts.set_settings(workspace.id, actor="test", max_depth=2)
    lee_actions = {a["data"]["action_id"]: a["data"] for a in _card(lee_dm)["actions"]}
    lee_make = in_dm(LEE, lee_chat)
    await _submit_form(env, lee_actions["expert.invite"], lee_dm.reply["id"], lee_make, who="aad-kim")
    assert any(
        "already 2 deep, the most this workspace allows (2)" in _text(r) for r in _posts(env) if lee_chat in r.path
    )
    async with env.services.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(ExpertInvitationRow))).scalar_one() == 2
