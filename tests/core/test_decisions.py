"""Decisions through the Assistant (real SQLite/PostgreSQL, real engine, a RecordingOutbox): who may decide, the
form's checks, the decision card and its DMs, Mark done, the manager role, adopting a scenario as the baseline,
the list and the formula-safe CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from bot.core.baselines.feature import sample_baseline
from bot.core.decisions.cards import ADOPT_ACTION, ADOPT_CONFIRM_ACTION, DECIDE_FORM, DONE_ACTION
from bot.core.decisions.export import HEADER
from bot.core.decisions.feature import validate
from bot.core.events import ActionInvoked, FormSubmitted, ReactionChanged, ThreadReply
from bot.core.formatting import pct
from bot.core.scenarios.cards import DECIDE_ACTION
from engine.baseline import parse_baseline
from engine.forecast import forecast
from tests.core.harness import TODAY, chat
from tests.db_fixtures import database_url, empty_database_url  # noqa: F401 (fixtures: sqlite and pg)

ASKER, LIKER, COMMENTER, OTHER, ADMIN = "U_ASK", "U_LIKE", "U_TALK", "U_OTHER", "U_ADMIN"
DUE = "2026-12-15"


@pytest.fixture
async def c(database_url):  # noqa: F811
    async with chat(database_url) as conversation:
        await conversation.load_sample()
        yield conversation


async def _card(c) -> str:
    """The asker's what-if card, liked by one person and commented on by another; its message id."""
    await c.say("what if win rate drops to 20%", user=ASKER)
    card_id = c.outbox.sends[-1].message_id
    await c.send(ReactionChanged(c.actor(LIKER), c.place, card_id, "+1", True))
    await c.send(ThreadReply(c.actor(COMMENTER), c.place, card_id, "r1", "9 new opps is a stretch"))
    c.outbox.clear()
    return card_id


async def _decide(c, card_id: str, user: str = ASKER, **values) -> None:
    ws = await c.workspace_id()
    sent = await c.storage.messages.find(ws, "C1", card_id)
    fields = {"kind": "adopt", "text": "We go with the lower win rate", "owner": [LIKER], "due": DUE, **values}
    await c.send(FormSubmitted(c.actor(user), c.place, DECIDE_FORM, fields, {"sent_message_id": sent.id}))


def _notices(c) -> list[str]:
    return [r.message for r in c.outbox.of("notify")]


def test_the_form_values_are_checked_field_by_field():
    ok, problems = validate({"kind": "keep", "text": " Keep  it ", "owner": "aad-1", "due": "2026-11-16"}, TODAY)
    assert problems == [] and ok == {"kind": "keep", "text": "Keep it", "owner": "aad-1", "due": TODAY}
    _, problems = validate({"kind": "maybe", "text": "  ", "owner": [], "due": "next friday"}, TODAY)
    assert [p.split(":")[0] for p in problems] == ["Decision", "What was decided", "Owner", "Due date"]
    assert "is not a date" in problems[3] and "2026-12-15" in problems[3]
    _, problems = validate({"kind": "other", "text": "x", "owner": ["U1", "U2"], "due": "2026-11-15"}, TODAY)
    assert problems[0] == "Owner: pick exactly one person (got 2)"
    assert problems[1].startswith("Due date: Nov 15, 2026 is in the past; pick today (Nov 16, 2026)")
    _, problems = validate({"kind": "keep", "text": "x" * 1001, "owner": "U1", "due": "2026-12-01"}, TODAY)
    assert problems == ["What was decided: at most 1,000 characters (got 1,001); say it shorter"]


async def test_the_asker_decides_the_card_is_posted_and_each_participant_gets_one_dm(c):
    card_id = await _card(c)
    await c.send(ActionInvoked(c.actor(ASKER), c.place, DECIDE_ACTION, message_id=card_id, trigger="t"))
    [form] = c.outbox.forms
    assert [f.id for f in form.message.fields] == ["kind", "text", "owner", "due"]
    await _decide(c, card_id)
    [posted] = [r for r in c.outbox.sends if getattr(r.message, "kind", "") == "decision"]
    text = posted.card.fallback_text()
    assert posted.thread_id is None and "We go with the lower win rate" in text
    assert "what if win rate drops to 20%" in text and "Due: Dec 15, 2026" in text and "Status: open" in text
    assert pct(forecast(parse_baseline(sample_baseline())).p_hit) in text
    assert sorted(r.user_id for r in c.outbox.dms) == sorted([COMMENTER, LIKER])  # not the asker, each once
    assert [b.label for b in posted.card.buttons] == ["Make it the baseline", "Mark done"]
    assert "I told the 2 people who took part by DM" in _notices(c)[-1]


async def test_anyone_else_is_refused_until_an_admin_makes_them_manager(c):
    card_id = await _card(c)
    await c.send(ActionInvoked(c.actor(OTHER), c.place, DECIDE_ACTION, message_id=card_id, trigger="t"))
    assert c.outbox.forms == [] and "Only the person who asked this scenario" in _notices(c)[-1]
    await _decide(c, card_id, user=OTHER)  # a submission without the button: refused as well
    ws = await c.workspace_id()
    assert await c.storage.decisions.list(ws, "C1") == []
    # Slack sends "@lee" as typed (no escaping): who that is cannot be told, and the answer says what works
    await c.say("role @lee manager", user=ASKER)
    assert "I could not tell who “@lee” is" in c.outbox.sends[-1].text and "member ID" in c.outbox.sends[-1].text
    # without a way to ask Slack (no sender here) nobody counts as an admin
    await c.say("role U_OTHER manager", user=ASKER)
    assert "Only a workspace admin or owner" in c.outbox.sends[-1].text
    assert not await c.storage.roles.has(ws, OTHER, "manager", "C1")
    # the console's operator is the admin
    c.place = c.place.__class__("console", "T1", "C1")
    await c.load_sample()
    await c.say(f"role {OTHER} manager")
    assert "now has the manager role" in c.outbox.sends[-1].text
    await c.say("what if win rate drops to 20%", user=ASKER)
    console_card = c.outbox.sends[-1].message_id
    await c.send(ActionInvoked(c.actor(OTHER), c.place, DECIDE_ACTION, message_id=console_card, trigger="t"))
    assert c.outbox.forms
    await c.say(f"role {OTHER} none")
    assert "no longer has the manager role" in c.outbox.sends[-1].text


async def test_bad_input_records_nothing_and_says_which_field(c):
    card_id = await _card(c)
    await _decide(c, card_id, text=" ", due="2026-11-01")
    ws = await c.workspace_id()
    assert await c.storage.decisions.list(ws, "C1") == [] and c.outbox.dms == []
    notice = _notices(c)[-1]
    assert notice.startswith("The decision was not recorded") and "What was decided" in notice and "past" in notice


async def test_mark_done_by_the_owner_only_then_listed_and_exported_formula_safe(c):
    card_id = await _card(c)
    await _decide(c, card_id, text='=HYPERLINK("http://evil")', kind="keep")
    ws = await c.workspace_id()
    [decision] = await c.storage.decisions.list(ws, "C1")
    done = ActionInvoked(c.actor(OTHER), c.place, DONE_ACTION, {"decision_id": decision.id})
    await c.send(done)
    assert "Only the owner of decision" in _notices(c)[-1]
    await c.send(ActionInvoked(c.actor(LIKER), c.place, DONE_ACTION, {"decision_id": decision.id}))
    [update] = c.outbox.updates
    assert "Status: done on" in update.card.fallback_text() and update.card.buttons == ()
    await c.say("decisions")
    listed = c.outbox.sends[-1].card.fallback_text()
    assert f"#{decision.id} *done*" in listed and "owner U_LIKE" in listed and "Dec 15, 2026" in listed
    await c.say("decisions exprot")  # a typo still exports
    body = "\n".join(b.text for b in c.outbox.sends[-1].card.blocks)
    rows = list(csv.reader(io.StringIO(body.replace("\x0e", "").replace("\x0f", ""))))
    assert tuple(rows[0]) == HEADER and rows[1][3] == '\'=HYPERLINK("http://evil")' and rows[1][9] == "done"


async def test_adopting_saves_the_scenario_as_the_next_baseline_version_once(c):
    card_id = await _card(c)
    await _decide(c, card_id)
    ws = await c.workspace_id()
    [decision] = await c.storage.decisions.list(ws, "C1")
    await c.send(ActionInvoked(c.actor(OTHER), c.place, ADOPT_ACTION, {"decision_id": decision.id}))
    assert "Only the person who decided" in _notices(c)[-1]
    await c.send(ActionInvoked(c.actor(ASKER), c.place, ADOPT_ACTION, {"decision_id": decision.id}))
    confirm = c.outbox.sends[-1]
    assert confirm.card.buttons[0].label == "Yes, save it as version 2"
    assert (await c.storage.baselines.latest(ws, "C1")).version == 1  # nothing saved before the confirmation
    press = ActionInvoked(c.actor(ASKER), c.place, ADOPT_CONFIRM_ACTION, {"decision_id": decision.id})
    await c.send(press)
    latest = await c.storage.baselines.latest(ws, "C1")
    assert latest.version == 2 and latest.data["win_rate"] == 0.2
    assert "Baseline v2 saved" in c.outbox.sends[-1].text and "win rate 25% → 20%" in c.outbox.sends[-1].text
    await c.send(press)  # pressed again: no third version
    assert (await c.storage.baselines.latest(ws, "C1")).version == 2
    assert "already the channel's baseline v2" in _notices(c)[-1]


async def test_a_card_of_another_workspace_cannot_be_decided(c):
    card_id = await _card(c)
    ws = await c.workspace_id()
    sent = await c.storage.messages.find(ws, "C1", card_id)
    other = c.place.__class__("slack", "T_OTHER", "C1")
    fields = {"kind": "adopt", "text": "forged", "owner": [ASKER], "due": DUE}
    await c.send(FormSubmitted(c.actor(ASKER), other, DECIDE_FORM, fields, {"sent_message_id": sent.id}))
    await c.send(ActionInvoked(c.actor(ASKER), other, DECIDE_ACTION, message_id=card_id, trigger="t"))
    assert c.outbox.forms == [] and c.outbox.dms == []
    assert await c.storage.decisions.list(ws, "C1") == []


def test_peoples_text_on_a_decision_card_is_never_markup_on_slack_or_teams():
    from datetime import UTC, datetime

    from bot.core.decisions.cards import decision_card
    from bot.slack.render import render_blocks
    from bot.teams.render import render_adaptive
    from storage.records import Decision

    hostile = "<!channel> *boss* <https://evil|click>"
    decision = Decision(
        1, 1, "C1", None, 1, None, "U1", "adopt", hostile, "U2", date(2026, 12, 15), "open", None, None, None, None,
        datetime.now(UTC),
    )  # fmt: skip
    card = decision_card(
        decision, question="<@U123> q", figures=None, decider="<!here>", owner="Lee", scenario_link=None
    )
    slack = json.dumps(render_blocks(card)[0])
    assert "<!channel>" not in slack and "<!here>" not in slack and "<@U123>" not in slack
    assert "&lt;!channel&gt;" in slack and "<https://evil" not in slack
    teams = json.dumps(render_adaptive(card)["body"])
    assert "\\\\<!channel\\\\>" in teams and "[click]" not in teams


async def test_invited_experts_hear_of_the_decision_too_whether_they_answered_or_not(c):
    from datetime import UTC, datetime, timedelta

    card_id = await _card(c)
    ws = await c.workspace_id()
    sent = await c.storage.messages.find(ws, "C1", card_id)
    for expert in ("U_EXPERT", LIKER):  # the liker was also invited: still one DM
        await c.storage.experts.invite(
            ws,
            sent_message_id=sent.id,
            channel_id="C1",
            inviter_id=ASKER,
            inviter_name="Asker",
            invitee_id=expert,
            invitee_name=expert,
            parent_id=None,
            depth=1,
            question="Is 20% realistic?",
            driver="win_rate",
            expires_at=datetime.now(UTC) + timedelta(days=7),
            max_per_card=50,
        )
    await _decide(c, card_id)
    assert sorted(r.user_id for r in c.outbox.dms) == sorted([COMMENTER, LIKER, "U_EXPERT"])


async def test_a_workshop_reads_decisions_by_their_number_within_the_workspace(c):
    from bot.core.decisions.lookup import decision_texts

    card_id = await _card(c)
    await _decide(c, card_id)
    ws = await c.workspace_id()
    [decision] = await c.storage.decisions.list(ws, "C1")
    found = await decision_texts(c.storage, ws, [decision.id, decision.id + 99])
    assert found == {decision.id: "Adopt this scenario: We go with the lower win rate (due Dec 15, 2026, open)"}
    assert await decision_texts(c.storage, ws + 1, [decision.id]) == {}  # another workspace's number: nothing


async def test_the_log_is_listed_however_the_command_is_punctuated(c):
    from bot.core.router import first_word

    assert [first_word(t) for t in ("decisions?", "Help!", "baseline: show", "  ", "what if x")] == [
        "decisions",
        "help",
        "baseline",
        "",
        "what",
    ]
    card_id = await _card(c)
    await _decide(c, card_id)
    c.outbox.clear()
    await c.say("decisions?", user=OTHER)
    [listed] = c.outbox.sends
    assert (
        listed.card.title == "Decisions in this channel"
        and "We go with the lower win rate" in listed.card.fallback_text()
    )
