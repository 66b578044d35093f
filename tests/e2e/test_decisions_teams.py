"""Decisions end to end over Bot Framework activities (Teams, anonymous mode, the fake Bot Connector): Decide on a
scenario card liked by one person and commented on by another is refused to a non-manager and to another tenant,
opens an input card for the asker (people picker for the owner), and its submission posts the decision card in the
channel, a note in the scenario's thread and one DM per participant (a 1:1 created with create_conversation), none
twice when the job runs again. Mark done by the owner updates the decision card."""

from __future__ import annotations

import copy
import json

from sqlalchemy import text

from tests.e2e.slack_helpers import settle
from tests.e2e.test_teams_e2e import _card, _post, _post_card, _replies, teams_env  # noqa: F401 (fixture)
from tests.fakes import teams_activities as ta

LEE = {"id": "29:user-lee", "name": "Lee Park", "aadObjectId": "00000000-0000-4000-8000-0000000011ee"}
SAM = {"id": "29:user-sam", "name": "Sam Expert", "aadObjectId": "00000000-0000-4000-8000-000000005a11"}


def _other_tenant(activity: dict) -> dict:
    forged = copy.deepcopy(activity)
    forged["conversation"]["tenantId"] = "99999999-0000-4000-8000-0000000other"
    forged["channelData"]["tenant"] = {"id": "99999999-0000-4000-8000-0000000other"}
    return forged


def _dm_posts(env) -> dict[str, int]:
    return {
        member: len([r for r in _replies(env) if r.path.startswith(f"/v3/conversations/{conv}/")])
        for member, conv in env.fake.personal_chats.items()
    }


async def test_decide_in_teams_posts_the_card_and_dms_each_participant_once(teams_env):  # noqa: F811
    env = teams_env
    root, card_id = await _post_card(env)
    assert await _post(env, ta.reaction(reply_to=card_id, root=root, service_url=env.url, user=LEE)) == 201
    assert await _post(env, ta.thread_reply("9 opps is a stretch", root=root, service_url=env.url, user=SAM)) == 201
    [sent] = [r for r in _replies(env) if (r.reply or {}).get("id") == card_id]
    decide = next(a["data"] for a in _card(sent)["actions"] if a["data"]["action_id"] == "decision.decide")

    # Lee did not ask and is no manager: told who can decide, no form
    before = len(_replies(env))
    await _post(env, ta.submit(decide, reply_to=card_id, root=root, service_url=env.url, user=LEE))
    said = [r.json.get("text") or "" for r in _replies(env)[before:]]
    assert len(said) == 1 and "manager role" in said[0]
    # another tenant naming this card: not a card it knows
    await _post(env, _other_tenant(ta.submit(decide, reply_to=card_id, root=root, service_url=env.url)))
    assert not any(r.json.get("attachments") for r in _replies(env)[before:])

    # Dana asked: the input card, with the people picker for the owner
    n = len(_replies(env))
    await _post(env, ta.submit(decide, reply_to=card_id, root=root, service_url=env.url))
    form_post = _replies(env)[n]
    form = _card(form_post)
    inputs = {b["id"]: b for b in form["body"] if b["type"].startswith("Input.")}
    assert inputs["owner"].get("choices.data", {}).get("dataset") == "graph.microsoft.com/users"
    [submit] = form["actions"]
    values = {**submit["data"], "kind": "keep", "text": "We keep the plan", "owner": LEE["aadObjectId"]}
    # the forged tenant submits the same form: nothing is recorded
    forged = _other_tenant(ta.submit({**values, "due": "2026-12-15"}, reply_to=form_post.reply["id"], root=root,
                                     service_url=env.url))  # fmt: skip
    await _post(env, forged)
    storage = env.services.storage
    ws = await storage.workspaces.get("teams", ta.TENANT)
    assert await storage.decisions.list(ws.id, ta.CHANNEL) == []

    n = len(_replies(env))
    await _post(env, ta.submit({**values, "due": "2026-12-15"}, reply_to=form_post.reply["id"], root=root,
                               service_url=env.url))  # fmt: skip
    new = _replies(env)[n:]
    # a new post in the channel (not a reply in a thread)
    [card_post] = [r for r in new if r.path == f"/v3/conversations/{ta.CHANNEL}/activities"]
    assert _card(card_post)["body"][0]["text"].startswith("Decision: keep the plan")
    body = json.dumps(_card(card_post), ensure_ascii=False)
    assert "We keep the plan" in body and "what if win rate drops to 20%" in body and "Dec 15, 2026" in body
    assert any("the decision card is posted in the channel" in (r.json.get("text") or "") for r in new)
    assert _dm_posts(env) == {LEE["aadObjectId"]: 1, SAM["aadObjectId"]: 1}  # Dana decided: not her

    # the job runs again: nothing twice
    count = len(_replies(env))
    async with storage.engine.begin() as conn:
        await conn.execute(text("UPDATE jobs SET status = 'queued' WHERE kind = 'event'"))
    await settle(env.services)
    assert len(_replies(env)) == count and _dm_posts(env) == {LEE["aadObjectId"]: 1, SAM["aadObjectId"]: 1}

    # Mark done by the owner updates the decision card in place
    [decision] = await storage.decisions.list(ws.id, ta.CHANNEL)
    done = {"action_id": "decision.done", "decision_id": decision.id}
    await _post(env, ta.submit(done, reply_to=card_post.reply["id"], root=root, service_url=env.url, user=LEE))
    [update] = [r for r in env.fake.connector_calls("PUT") if r.path.endswith(card_post.reply["id"])]
    assert "done on" in json.dumps(_card(update))
