"""Slack payload -> neutral event: what the bot sees for each thing a Slack user does."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from bot.core.events import ActionInvoked, FormSubmitted, MessageReceived, ReactionChanged, ThreadReply
from bot.slack import translate
from tests.fakes import slack_payloads as sp

BOT = "U_BOT"


def _json(built: tuple[str, str]) -> dict:
    body, ctype = built
    if ctype == sp.JSON:
        return json.loads(body)
    fields = dict(parse_qsl(body))
    return json.loads(fields["payload"]) if "payload" in fields else fields


def test_slash_command_keeps_the_question_and_the_channel():
    body = _json(sp.slash_command("  what if   win rate drops to 20% ", trigger_id="111.222.abc"))
    event = translate.command_event(body, "T_TEAM")
    assert isinstance(event, MessageReceived)
    assert event.text == "what if win rate drops to 20%"
    assert event.via == "command"
    assert (event.place.workspace_id, event.place.channel_id, event.place.is_dm) == ("T_TEAM", sp.CHANNEL, False)
    assert event.actor.user_id == sp.USER
    assert event.delivery_id == "cmd:111.222.abc"


def test_mention_strips_the_bot_and_answers_in_the_thread():
    body = _json(sp.app_mention("what if we add 2 reps", ts="1700000000.000200"))
    event = translate.mention_event(body, "T_TEAM")
    assert event.text == "what if we add 2 reps"
    assert event.place.thread_id == "1700000000.000200"  # a new thread under the question
    assert event.delivery_id == body["event_id"]
    in_thread = _json(sp.app_mention("and 3?", ts="1700000000.000900", thread_ts="1700000000.000200"))
    assert translate.mention_event(in_thread, "T_TEAM").place.thread_id == "1700000000.000200"


def test_dm_is_a_question_but_bot_messages_are_not():
    event = translate.message_event(_json(sp.dm_message("help")), "T_TEAM", BOT)
    assert isinstance(event, MessageReceived) and event.via == "dm" and event.place.is_dm
    assert translate.message_event(_json(sp.dm_message("beep", bot=True)), "T_TEAM", BOT) is None
    own = _json(sp.dm_message("I am the bot", user=BOT))
    assert translate.message_event(own, "T_TEAM", BOT) is None


def test_thread_reply_edit_and_delete_are_comments_on_the_parent():
    new = translate.message_event(_json(sp.thread_reply("too optimistic", thread_ts="100.1", ts="100.5")), "T", BOT)
    assert isinstance(new, ThreadReply)
    assert (new.parent_message_id, new.message_id, new.change, new.text) == ("100.1", "100.5", "new", "too optimistic")
    edited = translate.message_event(_json(sp.message_changed("fixed", ts="100.5", thread_ts="100.1")), "T", BOT)
    assert (edited.change, edited.message_id, edited.text) == ("edited", "100.5", "fixed")
    deleted = translate.message_event(_json(sp.message_deleted(ts="100.5", thread_ts="100.1")), "T", BOT)
    assert (deleted.change, deleted.message_id, deleted.parent_message_id) == ("deleted", "100.5", "100.1")


def test_channel_chatter_and_the_bots_own_thread_posts_are_ignored():
    top_level = json.loads(sp.thread_reply("hi all", thread_ts="100.1", ts="100.1")[0])  # a thread parent
    top_level["event"].pop("thread_ts")
    assert translate.message_event(top_level, "T", BOT) is None
    bot_reply = _json(sp.thread_reply("chart", thread_ts="100.1", user=BOT))
    assert translate.message_event(bot_reply, "T", BOT) is None
    join = _json(sp.thread_reply("joined", thread_ts="100.1"))
    join["event"]["subtype"] = "channel_join"
    assert translate.message_event(join, "T", BOT) is None


def test_reactions_added_and_removed_point_at_the_card():
    added = translate.reaction_event(_json(sp.reaction(item_ts="100.1")), "T_TEAM", BOT)
    assert isinstance(added, ReactionChanged) and added.added and added.message_id == "100.1"
    removed = translate.reaction_event(_json(sp.reaction(item_ts="100.1", added=False)), "T_TEAM", BOT)
    assert removed.added is False and removed.reaction == "thumbsup"
    assert translate.reaction_event(_json(sp.reaction(item_ts="100.1", user=BOT)), "T_TEAM", BOT) is None


def test_card_button_becomes_an_action_with_its_value_and_trigger():
    body = _json(sp.block_actions("card.decide", {"scenario": 7}, message_ts="100.1", trigger_id="trig-1"))
    event = translate.action_event(body, "T_TEAM")
    assert isinstance(event, ActionInvoked)
    assert (event.action_id, event.value, event.message_id, event.trigger) == (
        "card.decide",
        {"scenario": 7},
        "100.1",
        "trig-1",
    )
    assert event.delivery_id.startswith("ia:")
    foreign = _json(sp.block_actions("other.button", "x", message_ts="100.1"))
    assert translate.action_event(foreign, "T_TEAM") is None


def test_form_submission_round_trips_metadata_and_place():
    from bot.core.events import Place

    metadata = translate.form_metadata({"scenario": 7}, Place("slack", "T_TEAM", "C_SALES", "100.1"))
    body = _json(sp.view_submission("invite", {"who": "<@U_EXPERT>", "note": "please look"}))
    body["view"]["private_metadata"] = metadata
    event = translate.form_event(body, "T_TEAM")
    assert isinstance(event, FormSubmitted)
    assert event.form_id == "invite" and event.metadata == {"scenario": 7}
    assert event.values == {"who": "<@U_EXPERT>", "note": "please look"}
    assert (event.place.channel_id, event.place.thread_id) == ("C_SALES", "100.1")
    body["view"]["private_metadata"] = "not json"
    assert translate.form_event(body, "T_TEAM").metadata == {}


def test_tenant_is_the_enterprise_when_there_is_one():
    assert translate.workspace_id("E_ORG", "T_TEAM") == "E_ORG"
    assert translate.workspace_id(None, "T_TEAM") == "T_TEAM"


def test_retries_share_a_delivery_id_and_distinct_clicks_do_not():
    body = _json(sp.reaction(item_ts="1.1", event_id="Ev123"))
    assert translate.delivery_id(body) == translate.delivery_id(dict(body)) == "Ev123"
    a = _json(sp.block_actions("card.x", {}, message_ts="1.1"))
    b = _json(sp.block_actions("card.x", {}, message_ts="1.1", user="U_OTHER"))
    assert translate.delivery_id(a) != translate.delivery_id(b)


def test_only_the_bots_mention_is_stripped():
    assert translate.strip_mentions("<@U_BOT> invite <@U_EXPERT> please", "U_BOT") == "invite <@U_EXPERT> please"
    assert translate.strip_mentions("what if <@U_BOT|scenario> 2 more reps", "U_BOT") == "what if 2 more reps"


def test_a_thread_reply_mentioning_the_bot_is_a_question_and_not_also_a_comment():
    # Slack sends the same reply twice: as app_mention and as a message.channels `message`
    ts, thread = "100.7", "100.1"
    mention = _json(sp.app_mention("what if we add 2 reps", ts=ts, thread_ts=thread))
    message = _json(sp.thread_reply("<@U_BOT> what if we add 2 reps", thread_ts=thread, ts=ts))
    question = translate.mention_event(mention, "T", BOT)
    assert isinstance(question, MessageReceived) and question.place.thread_id == thread
    assert translate.message_event(message, "T", BOT) is None
    labelled = _json(sp.thread_reply("<@U_BOT|scenario> and 3?", thread_ts=thread, ts="100.8"))
    assert translate.message_event(labelled, "T", BOT) is None
    edited = _json(sp.message_changed("<@U_BOT> what if we add 3 reps", ts=ts, thread_ts=thread))
    assert translate.message_event(edited, "T", BOT) is None
    # someone else's mention keeps a comment a comment
    other = _json(sp.thread_reply("<@U_LEE> agree?", thread_ts=thread, ts="100.9"))
    assert isinstance(translate.message_event(other, "T", BOT), ThreadReply)


def test_names_in_payloads_are_not_taken_as_display_names():
    # slash `user_name` is deprecated and an action's `user.name` is the legacy username: the id is kept, and the
    # runtime asks users.info for the display name
    command = translate.command_event(_json(sp.slash_command("help")), "T_TEAM")
    action = translate.action_event(_json(sp.block_actions("card.like", {}, message_ts="1.1")), "T_TEAM")
    form = translate.form_event(_json(sp.view_submission("comment", {"text": "hi"})), "T_TEAM")
    for event in (command, action, form):
        assert (event.actor.user_id, event.actor.name) == (sp.USER, "")
