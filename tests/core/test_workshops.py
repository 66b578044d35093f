"""Workshops through the Assistant with a recording outbox (the console's path: forms are prompts), a real migrated
SQLite database and a fixed clock: the plan form and its Edit, the questions editor, the results' anonymity rules,
the CSV export (formula-safe; the CLI too), decisions sent to every participant, people's text kept literal."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime

import pytest

from bot.__main__ import main
from bot.core.cards import Form
from bot.core.events import ActionInvoked, FormSubmitted
from bot.core.workshops import decisions as decision_log
from bot.core.workshops.cards import results_card
from bot.core.workshops.results import summarise
from bot.slack.render import render_blocks
from storage.records import WorkshopAnswers, WorkshopQuestion
from tests.core.harness import chat, migrated_copy

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
VALUES = {
    "title": "=cmd|' /C calc'!A0 <!channel>",
    "goal": "Decide the Q1 focus accounts",
    "day": "2026-12-03",
    "start": "14:00",
    "end": "15:00",
    "tz": "Europe/Berlin",
    "who": ["U2", "U3"],
    "agenda": "Review - 30 min\nDecide - 45 min",
    "survey": "named",
}


@pytest.fixture
async def room(tmp_path):
    async with chat(migrated_copy(tmp_path, tmp_path.parent)) as c:
        c.assistant.clock = lambda: NOW
        yield c


async def _plan(c, values=None, metadata=None):
    await c.send(FormSubmitted(c.actor("U1"), c.place, "workshop_plan", dict(values or VALUES), metadata or {}))
    return c.outbox.last


async def test_the_console_gets_the_plan_form_and_the_findings_keep_peoples_text_literal(room):
    c = room
    await c.say("workshop", user="U1")
    form = c.outbox.last.message
    assert isinstance(form, Form) and form.form_id == "workshop_plan"
    assert [f.kind for f in form.fields if f.id in ("day", "start", "who", "survey", "delay")] == [
        "date", "time", "users", "select", "number",
    ]  # fmt: skip
    check = (await _plan(c)).message
    text = check.fallback_text()
    assert "agenda needs 75 min but the slot is 60 min" in text and "2 participants: invite at least 3" in text
    assert "It is named" in text
    blocks, _ = render_blocks(check)
    rendered = str(blocks)
    assert "<!channel>" not in rendered and "&lt;!channel&gt;" in rendered  # the title as typed, never a ping


async def test_edit_reopens_the_form_with_what_was_typed_and_replaces_the_same_draft(room):
    c = room
    first = (await _plan(c)).message
    w = first.buttons[0].value["w"]
    await c.send(ActionInvoked(c.actor("U2"), c.place, "card.workshop.edit", {"w": w}, trigger="t"))
    assert c.outbox.last.kind == "notify" and "Only the workshop's organiser" in c.outbox.last.message
    await c.send(ActionInvoked(c.actor("U1"), c.place, "card.workshop.edit", {"w": w}, trigger="t"))
    form = c.outbox.last.message
    assert {f.id: f.initial for f in form.fields}["agenda"] == VALUES["agenda"] and form.metadata == {"w": w}
    await _plan(c, {**VALUES, "who": ["U2", "U3", "U4"], "end": "16:00"}, form.metadata)
    again = c.outbox.last.message
    assert again.buttons[0].value["w"] == w and again.buttons[0].label == "Send invitations"
    stored = await c.storage.workshops.get(await c.workspace_id(), w)
    assert [p.user_id for p in stored.participants] == ["U2", "U3", "U4"]


async def test_the_organiser_edits_the_questions_with_per_line_errors_before_the_workshop(room):
    c = room
    w = (await _plan(c)).message.buttons[0].value["w"]
    await c.send(ActionInvoked(c.actor("U1"), c.place, "card.workshop.questions", {"w": w}, trigger="t"))
    form = c.outbox.last.message
    assert form.fields[0].initial.startswith("rating: Was the goal reached?")
    bad = "rating: Useful?\nchoice: Pace | only one"
    await c.send(FormSubmitted(c.actor("U1"), c.place, "workshop_questions", {"questions": bad}, {"w": w}))
    assert "Question line 2: a choice needs 2 to 10 options" in c.outbox.last.message
    good = "rating: Useful?\nnumber: Opps per rep per week? [new_opps_per_rep_week]"
    await c.send(FormSubmitted(c.actor("U1"), c.place, "workshop_questions", {"questions": good}, {"w": w}))
    assert "2 questions" in c.outbox.last.message
    stored = await c.storage.workshops.get(await c.workspace_id(), w)
    assert [q.kind for q in stored.questions] == ["rating", "number"]


def _answers(n: int) -> list[WorkshopAnswers]:
    return [WorkshopAnswers(f"U{i}", {"0": 1 + i % 5, "1": f"text {i}"}, NOW, NOW) for i in range(n)]


QUESTIONS = [WorkshopQuestion(0, "rating", "Goal reached?"), WorkshopQuestion(1, "text", "What went well?")]


def test_an_anonymous_summary_shows_nothing_below_three_answers_and_never_names():
    two = summarise(QUESTIONS, _answers(2), 5, anonymous=True)
    assert not two.shown and two.ratings == [] and two.texts == []
    three = summarise(QUESTIONS, _answers(3), 5, anonymous=True)
    assert three.ratings == [("Goal reached?", {1: 1, 2: 1, 3: 1, 4: 0, 5: 0})]
    assert three.texts == [("What went well?", [(None, "text 0"), (None, "text 1"), (None, "text 2")])]
    named = summarise(QUESTIONS, _answers(2), 5, anonymous=False)
    assert named.shown and named.texts[0][1] == [("U0", "text 0"), ("U1", "text 1")]


async def test_export_is_formula_safe_and_anonymous_and_the_cli_writes_the_same(room, tmp_path, capsys):
    c = room
    values = {**VALUES, "survey": "anonymous", "who": ["U2", "U3", "U4"]}
    w = (await _plan(c, values)).message.buttons[0].value["w"]
    ws = await c.workspace_id()
    assert await c.storage.workshops.mark_sent(ws, w, now=NOW)
    hostile = ['=HYPERLINK("http://evil")', "+1+1", "@SUM(A1)"]
    for user, text in zip(["U2", "U3", "U4"], hostile, strict=True):
        assert await c.storage.workshops.save_answer(ws, w, user, {"2": text, "0": 3}, now=NOW) == "new"
    await c.say("workshop export", user="U1")
    said = c.outbox.last.message
    assert "U2" not in said and "U3" not in said and "U4" not in said
    rows = list(csv.reader(io.StringIO(said.split("as CSV:\n", 1)[1])))
    assert rows[0][0] == "Response" and {r[3] for r in rows[1:]} == {"'" + h for h in hostile}
    url = str(c.storage.engine.url)
    args = ["workshop", "export", "--platform", "slack", "--workspace", "T1", "--db", url, "--workshop"]
    code = await asyncio.to_thread(main, [*args, str(w)])  # the CLI runs its own event loop
    assert code == 0 and capsys.readouterr().out == said.split("as CSV:\n", 1)[1]
    assert await asyncio.to_thread(main, [*args, "99"]) == 1
    assert "no workshop 99 in slack/T1" in capsys.readouterr().err


async def test_decisions_reach_every_participant_typed_or_from_the_decision_log(room):
    c = room
    w = (await _plan(c, {**VALUES, "who": ["U2", "U3", "U4"]})).message.buttons[0].value["w"]
    await c.send(ActionInvoked(c.actor("U1"), c.place, "card.workshop.send", {"w": w}))
    await c.say("workshop decisions: We hire 2 SDRs; Demo within 48 h", user="U2")
    assert "Only the workshop's organiser" in c.outbox.last.message
    await c.say("workshop decisions: We hire 2 SDRs; Demo within 48 h", user="U1")
    dms = [r for r in c.outbox.dms if r.message.title.startswith("Decisions")]
    assert sorted(r.user_id for r in dms) == ["U2", "U3", "U4"]
    assert "#2: Demo within 48 h" in dms[0].message.fallback_text()
    assert "Sent 2 decisions" in c.outbox.last.message

    await c.say("workshop decisions 3, 5", user="U1")
    assert "No decision #3" in c.outbox.last.message  # the real decision log: this workspace has none yet

    async def lookup(storage, workspace_id, numbers):  # what the decision log will provide
        return {3: "Focus on EMEA mid-market", 5: "Weekly pipeline review"}

    decision_log.use_decision_log(lookup)
    try:
        c.outbox.clear()
        await c.say("workshop decisions #3 #5", user="U1")
        [first, *_] = [r for r in c.outbox.dms if r.message.title.startswith("Decisions")]
        assert "#3: Focus on EMEA mid-market" in first.message.fallback_text() and len(c.outbox.dms) == 3
        await c.say("workshop decisions 4", user="U1")
        assert "No decision #4 in the decision log" in c.outbox.last.message
    finally:
        decision_log.use_decision_log(decision_log.decision_texts)


def test_the_results_card_says_too_few_answers_without_any_figure_that_could_point_at_someone():
    w = type("W", (), {"id": 1, "title": "Q1 plan"})()
    card = results_card(w, summarise(QUESTIONS, _answers(2), 5, anonymous=True), {}, final=True)
    assert "Too few answers to show" in card.fallback_text() and "average" not in card.fallback_text()


async def test_a_slack_mention_cannot_open_a_modal_so_it_is_told_to_use_the_slash_command(room):
    c = room
    await c.say("workshop", user="U1", via="mention")
    assert "Type “/scenario workshop” to open the workshop form" in c.outbox.last.message
    await c.say("workshop reslts", user="U1")  # a typo of results: no workshop sent here yet
    assert "No workshop was sent from this channel yet" in c.outbox.last.message


async def test_words_after_workshop_that_are_no_subcommand_become_the_title_of_the_form(room):
    c = room
    await c.say("workshop Q1 pipeline plan", user="U1")
    form = c.outbox.last.message
    assert isinstance(form, Form) and {f.id: f.initial for f in form.fields}["title"] == "Q1 pipeline plan"
    await c.say("workshop help", user="U1")
    assert "“/scenario workshop results”" in c.outbox.last.message
