"""Teams activity -> neutral event: what each kind of activity becomes, and where it is placed."""

from __future__ import annotations

from botbuilder.schema import Activity

from bot.core.events import ActionInvoked, FormSubmitted, MessageReceived, Place, ReactionChanged, ThreadReply
from bot.teams import translate
from tests.fakes import teams_activities as ta

URL = "http://127.0.0.1:1/"


def _read(data: dict) -> Activity:
    return Activity().deserialize(data)


def test_channel_mention_is_a_question_without_the_mention_placed_in_the_channel_and_tenant():
    event = translate.message_event(_read(ta.mention("what if   win rate&nbsp;drops to 20%", service_url=URL)))
    assert isinstance(event, MessageReceived)
    assert event.text == "what if win rate drops to 20%"
    assert event.via == "mention" and event.actor.name == "Dana Rep"
    assert event.actor.user_id == ta.USER["aadObjectId"]
    assert event.place.workspace_id == ta.TENANT and event.place.channel_id == ta.CHANNEL
    assert event.place.thread_id == event.message_id  # a new post is its own thread root


def test_personal_chat_is_a_dm_keyed_by_the_chat():
    event = translate.message_event(_read(ta.personal("help", service_url=URL)))
    assert isinstance(event, MessageReceived) and event.via == "dm" and event.place.is_dm
    assert event.place.channel_id == "a:1personal-chat-dana" and event.place.thread_id is None


def test_reply_in_a_thread_is_a_comment_on_the_root_and_a_new_post_without_mention_is_ignored():
    reply = translate.message_event(_read(ta.thread_reply("too optimistic", root="1700", service_url=URL)))
    assert isinstance(reply, ThreadReply)
    assert reply.parent_message_id == "1700" and reply.text == "too optimistic" and reply.change == "new"
    post = ta.thread_reply("lunch?", root="x", service_url=URL)
    post["conversation"]["id"] = f"{ta.CHANNEL};messageid={post['id']}"
    assert translate.message_event(_read(post)) is None


def test_edited_and_deleted_thread_replies_keep_their_ids():
    data = ta.thread_reply("edited text", root="1700", service_url=URL, activity_id="1800")
    edited = translate.message_event(_read(data), change="edited")
    deleted = translate.message_event(_read(data), change="deleted")
    assert isinstance(edited, ThreadReply) and edited.change == "edited" and edited.message_id == "1800"
    assert isinstance(deleted, ThreadReply) and deleted.change == "deleted"


def test_mention_inside_a_thread_is_a_question_answered_in_that_thread():
    event = translate.message_event(_read(ta.mention("help", service_url=URL, root="1700")))
    assert isinstance(event, MessageReceived) and event.place.thread_id == "1700"


def test_submit_is_an_action_on_the_card_and_a_form_submit_names_the_form():
    action = translate.message_event(
        _read(ta.submit({"action_id": "card.like", "scenario_id": 4}, reply_to="card-1", root="r", service_url=URL))
    )
    assert isinstance(action, ActionInvoked)
    assert action.action_id == "card.like" and action.value == {"scenario_id": 4} and action.message_id == "card-1"
    value = {"form_id": "comment", "metadata": {"sent_message_id": 3}, "text": "hi"}
    form = translate.message_event(_read(ta.submit(value, reply_to="f", root="r", service_url=URL)))
    assert isinstance(form, FormSubmitted)
    assert form.form_id == "comment" and form.values == {"text": "hi"} and form.metadata == {"sent_message_id": 3}


def test_reactions_point_at_the_reacted_message():
    added = translate.reaction_events(_read(ta.reaction(reply_to="card-1", root="r", service_url=URL)))
    removed = translate.reaction_events(_read(ta.reaction(reply_to="card-1", root="r", service_url=URL, added=False)))
    assert [(e.message_id, e.reaction, e.added) for e in added + removed] == [
        ("card-1", "like", True),
        ("card-1", "like", False),
    ]
    assert all(isinstance(e, ReactionChanged) and e.place.channel_id == ta.CHANNEL for e in added)


def test_tenant_falls_back_to_the_conversation_and_delivery_ids_fit_the_inbox():
    data = ta.personal("hi", service_url=URL)
    del data["channelData"]
    activity = _read(data)
    assert translate.tenant_id(activity) == ta.TENANT
    data["conversation"]["id"] = "a:" + "x" * 400
    key = translate.delivery_id(_read(data))
    assert key is not None and len(key) <= 255
    other = dict(data, conversation={**data["conversation"], "id": "a:other"})
    assert translate.delivery_id(_read(other)) != key  # the same message id in another chat is another delivery


def test_posting_into_a_channel_thread_and_into_a_chat():
    channel = Place("teams", ta.TENANT, ta.CHANNEL)
    assert translate.conversation_id_for(channel, "1700") == (f"{ta.CHANNEL};messageid=1700", "1700")
    assert translate.conversation_id_for(channel, None) == (ta.CHANNEL, None)
    group = Place("teams", ta.TENANT, "19:group-chat@thread.v2")
    assert translate.conversation_id_for(group, "1700") == ("19:group-chat@thread.v2", None)


def test_stored_reference_points_at_the_channel_not_the_thread():
    reference = translate.reference_of(_read(ta.mention("hi", service_url=URL, root="1700")))
    assert reference["conversation"]["id"] == ta.CHANNEL
    assert reference["conversation"]["tenantId"] == ta.TENANT
    assert reference["serviceUrl"] == URL and reference["bot"]["id"] == ta.BOT_ID
    assert "activityId" not in reference


def test_reactions_on_one_card_are_distinct_deliveries_and_a_redelivery_is_not():
    # Teams gives every reaction on a card the card's id: the inbox key must tell people and toggles apart
    dana = ta.reaction(reply_to="card-1", root="r", service_url=URL)
    assert dana["id"] == "card-1"
    lee = ta.reaction(reply_to="card-1", root="r", service_url=URL, user={"id": "29:lee", "name": "Lee"})
    unlike = ta.reaction(reply_to="card-1", root="r", service_url=URL, added=False)
    like_again = ta.reaction(reply_to="card-1", root="r", service_url=URL)
    keys = [translate.delivery_id(_read(a)) for a in (dana, lee, unlike, like_again)]
    assert len(set(keys)) == 4, keys
    assert translate.delivery_id(_read(dict(dana))) == keys[0]  # the same activity sent again: one delivery
    assert all(len(k) <= 255 for k in keys)


def test_every_edit_of_a_reply_is_a_distinct_delivery():
    first = ta.edit("v2", message_id="1800", root="1700", service_url=URL)
    second = ta.edit("v3", message_id="1800", root="1700", service_url=URL)
    gone = ta.delete(message_id="1800", root="1700", service_url=URL)
    keys = {translate.delivery_id(_read(a)) for a in (first, second, gone)}
    assert len(keys) == 3
    assert translate.delivery_id(_read(dict(first))) == translate.delivery_id(_read(first))
    edited = translate.message_event(_read(second), change="edited")
    assert isinstance(edited, ThreadReply) and (edited.message_id, edited.text) == ("1800", "v3")
    deleted = translate.message_event(_read(gone), change="deleted")
    assert isinstance(deleted, ThreadReply) and deleted.change == "deleted" and deleted.message_id == "1800"


def test_a_question_to_the_bot_in_a_thread_is_not_a_comment_even_when_edited():
    question = ta.mention("what if we add 2 reps", service_url=URL, root="1700")
    assert isinstance(translate.message_event(_read(question)), MessageReceived)
    question["type"] = "messageUpdate"
    assert translate.message_event(_read(question), change="edited") is None


def test_the_persons_local_time_zone_travels_with_the_event():
    activity = ta.personal("nudge every Monday 9:00", service_url=URL)
    activity["localTimezone"] = "Europe/Berlin"  # what the Teams client sends with each activity
    event = translate.message_event(_read(activity))
    assert event.actor.timezone == "Europe/Berlin"
    assert translate.message_event(_read(ta.personal("help", service_url=URL))).actor.timezone == ""
