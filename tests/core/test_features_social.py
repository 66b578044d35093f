"""Likes and comments on a posted card, through the Assistant, real SQLite and PostgreSQL and a RecordingOutbox."""

from __future__ import annotations

import pytest

from bot.core.baselines.feature import sample_baseline
from bot.core.cards import card_to_dict
from bot.core.events import ActionInvoked, Actor, FormSubmitted, ReactionChanged, ThreadReply
from bot.core.scenarios.cards import COMMENT_ACTION, LIKE_ACTION, scenario_card
from bot.core.scenarios.compute import compute_answer
from tests.core.harness import chat
from tests.db_fixtures import database_url, empty_database_url  # noqa: F401 (fixtures: sqlite and pg)

CARD_TS = "1700000000.000100"


@pytest.fixture
async def c(database_url):  # noqa: F811
    async with chat(database_url) as conversation:
        yield conversation


async def post_card(c) -> int:
    """A scenario card as the bot would have posted it in C1 (Slack ts CARD_TS); returns its record id."""
    answer = compute_answer(sample_baseline(), [{"driver": "win_rate", "from": 0.25, "to": 0.2}], False, False)
    card = scenario_card(
        question="what if win rate drops to 20%",
        interpretation=["win rate 25% → 20%"],
        baseline=answer.baseline,
        scenario=answer.scenario,
        chart_png=None,
    )
    ws = await c.workspace_id()
    sent = await c.storage.messages.record(
        ws, platform="slack", channel_id="C1", message_id=CARD_TS, kind="scenario", payload=card_to_dict(card)
    )
    return sent.id


def react(c, user: str, name: str = "+1", added: bool = True, message_id: str = CARD_TS) -> ReactionChanged:
    return ReactionChanged(c.actor(user), c.place, message_id, name, added)


async def test_reactions_and_the_like_button_count_people_once(c):
    await post_card(c)
    await c.send(react(c, "U1", "+1"))
    await c.send(react(c, "U2", "heart"))
    await c.send(ActionInvoked(c.actor("U1"), c.place, LIKE_ACTION, message_id=CARD_TS))
    # U1 likes twice (reaction + button) but counts once
    assert c.outbox.updates[-1].card.footer == "2 likes · 0 comments"
    assert c.outbox.updates[-1].message_id == CARD_TS
    assert c.outbox.updates[-1].place.channel_id == "C1"

    await c.send(react(c, "U2", "heart", added=False))
    assert c.outbox.updates[-1].card.footer == "1 like · 0 comments"
    await c.send(ActionInvoked(c.actor("U1"), c.place, LIKE_ACTION, message_id=CARD_TS))  # button off
    await c.send(react(c, "U1", "+1", added=False))
    assert c.outbox.updates[-1].card.footer == "0 likes · 0 comments"
    # the re-rendered card is still the scenario card, numbers and buttons intact
    card = c.outbox.updates[-1].card
    assert card.kind == "scenario" and "what if win rate drops to 20%" in card.title
    assert [b.action_id for b in card.buttons][:2] == [LIKE_ACTION, COMMENT_ACTION]
    assert not c.outbox.sends  # nothing posted, only updated


async def test_a_burst_of_reactions_gives_one_update_with_the_final_count(database_url):  # noqa: F811
    async with chat(database_url, coalesce_seconds=0.5) as c:
        await post_card(c)
        for n in range(10):
            await c.assistant.handle(react(c, f"U{n}"), c.outbox)  # no waiting in between: a burst
        await c.assistant.wait_idle()
        assert len(c.outbox.updates) == 1
        assert c.outbox.updates[0].card.footer == "10 likes · 0 comments"


async def test_thread_replies_are_comments_followed_through_edits_and_deletions(c):
    await post_card(c)
    thread = c.place.in_thread(CARD_TS)
    await c.send(ThreadReply(c.actor("U1"), thread, CARD_TS, "r1", "9 a week is a stretch"))
    await c.send(ThreadReply(c.actor("U2"), thread, CARD_TS, "r2", "agreed"))
    assert c.outbox.updates[-1].card.footer == "0 likes · 2 comments"
    await c.send(ThreadReply(c.actor("U1"), thread, CARD_TS, "r1", "8 a week is a stretch", change="edited"))
    assert c.outbox.updates[-1].card.footer == "0 likes · 2 comments"
    ws = await c.workspace_id()
    sent = await c.storage.messages.find(ws, "C1", CARD_TS)
    texts = sorted(x.text for x in await c.storage.comments.list(ws, sent.id))
    assert texts == ["8 a week is a stretch", "agreed"]
    await c.send(ThreadReply(c.actor("U2"), thread, CARD_TS, "r2", change="deleted"))
    assert c.outbox.updates[-1].card.footer == "0 likes · 1 comment"


async def test_replies_and_reactions_on_other_messages_are_ignored(c):
    await post_card(c)
    await c.send(ThreadReply(c.actor("U1"), c.place.in_thread("999.1"), "999.1", "r1", "unrelated chat"))
    await c.send(react(c, "U1", message_id="999.1"))
    assert c.outbox.records == []


async def test_comment_button_opens_a_form_and_its_text_is_posted_in_the_card_thread(c):
    card_id = await post_card(c)
    await c.send(ActionInvoked(c.actor("U3", "Dana"), c.place, COMMENT_ACTION, message_id=CARD_TS, trigger="trig-1"))
    form_record = c.outbox.forms[0]
    form = form_record.message
    assert form_record.trigger == "trig-1"
    assert form.metadata == {"sent_message_id": card_id}

    values = {form.fields[0].id: "  Pipeline looks thin in December  "}
    await c.send(FormSubmitted(Actor("slack", "U3", "Dana"), c.place, form.form_id, values, dict(form.metadata)))
    posted = c.outbox.sends[0]
    assert posted.message == "Dana: Pipeline looks thin in December"
    assert posted.thread_id == CARD_TS
    assert c.outbox.updates[-1].card.footer == "0 likes · 1 comment"
    ws = await c.workspace_id()
    (comment,) = await c.storage.comments.list(ws, card_id)
    assert (comment.author_id, comment.message_id) == ("U3", posted.message_id)


async def test_a_form_naming_another_workspaces_card_does_nothing(c):
    card_id = await post_card(c)
    other = c.place.__class__("slack", "T-OTHER", "C1")
    await c.send(
        FormSubmitted(Actor("slack", "U9"), other, "comment", {"text": "sneaky"}, {"sent_message_id": card_id})
    )
    assert c.outbox.records == []


async def test_replies_in_the_thread_of_a_mention_answer_count_on_that_card(c):
    """An @mention is answered in the mention's own thread; people reply there, naming the mention (not the
    card) as their parent, so the newest card in that thread takes the comment."""
    await c.load_sample()
    await c.say("what if win rate drops to 20%", via="mention")  # message id m1: the thread root
    (card_send,) = [s for s in c.outbox.sends if getattr(s.message, "kind", "") == "scenario"]
    assert card_send.thread_id == "m1"
    thread = c.place.in_thread("m1")
    await c.send(ThreadReply(c.actor("U2"), thread, "m1", "r1", "that looks too pessimistic"))
    assert c.outbox.updates[-1].message_id == card_send.message_id
    assert c.outbox.updates[-1].card.footer == "0 likes · 1 comment"

    # The Comment button on that card posts into the same thread (Slack cannot nest threads).
    await c.send(ActionInvoked(c.actor("U3", "Dana"), c.place, COMMENT_ACTION, message_id=card_send.message_id))
    form = c.outbox.forms[-1].message
    await c.send(
        FormSubmitted(
            Actor("slack", "U3", "Dana"), c.place, form.form_id, {form.fields[0].id: "ok"}, dict(form.metadata)
        )
    )
    assert c.outbox.sends[-1].thread_id == "m1"
    assert c.outbox.updates[-1].card.footer == "0 likes · 2 comments"
