"""Social: the discussion around a posted card. Reactions are likes, thread replies are comments.

Owns: reactions on a recorded card (likes by reaction name), the Like button (a toggle), the Comment button
(a form whose text is posted in the card's thread and recorded as the submitter's comment), thread replies
(new, edited and deleted comments), and scheduling the card's footer update after every change. Reactions
and replies on messages that are not our cards are ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.cards import Form, FormField
from bot.core.events import ActionInvoked, FormSubmitted, Place, ReactionChanged, ThreadReply
from bot.core.experts.answers import on_dm_reaction
from bot.core.formatting import message_text, user
from bot.core.outbox import display_name
from bot.core.router import Router
from bot.core.scenarios.cards import COMMENT_ACTION, LIKE_ACTION
from bot.core.turn import Turn

if TYPE_CHECKING:
    from storage import SentMessage

__all__ = ["register", "COMMENT_FORM", "COMMENT_FIELD"]

COMMENT_FORM = "comment"
COMMENT_FIELD = "text"


async def _card_of(turn: Turn, message_id: str | None) -> SentMessage | None:
    """The recorded card posted as `message_id` in this channel, or None."""
    if not message_id:
        return None
    return await turn.storage.messages.find(turn.workspace_id, turn.place.channel_id, message_id)


async def _card_of_thread(turn: Turn, parent_id: str) -> SentMessage | None:
    """The card a thread reply comments on: the card itself when the thread hangs under it, else the newest
    card the bot posted inside that thread (an @mention is answered in the mention's own thread)."""
    sent = await _card_of(turn, parent_id)
    if sent is not None:
        return sent
    return await turn.storage.messages.latest_in_thread(turn.workspace_id, turn.place.channel_id, parent_id)


async def on_reaction(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, ReactionChanged)
    sent = await _card_of(turn, event.message_id)
    if sent is None:
        await on_dm_reaction(turn)  # a reaction on an expert's invitation DM likes the channel card
        return
    likes = turn.storage.likes
    change = likes.add if event.added else likes.remove
    if await change(turn.workspace_id, sent.id, event.actor.user_id, event.reaction):
        await turn.footer_changed(sent.id)


async def on_like(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, ActionInvoked)
    sent = await _card_of(turn, event.message_id)
    if sent is None:
        return
    await turn.storage.likes.toggle_button(turn.workspace_id, sent.id, event.actor.user_id)
    await turn.footer_changed(sent.id)


async def on_comment_button(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, ActionInvoked)
    sent = await _card_of(turn, event.message_id)
    if sent is None:
        await turn.outbox.notify(
            turn.place, "That card is no longer known to me, so it cannot take comments.", user_id=event.actor.user_id
        )
        return
    form = Form(
        form_id=COMMENT_FORM,
        title="Comment on this scenario",
        fields=(FormField(COMMENT_FIELD, "Your comment", placeholder="e.g. 9 new opps per rep is a stretch"),),
        submit_label="Post comment",
        metadata={"sent_message_id": sent.id},
    )
    await turn.outbox.open_form(turn.place, form, event.trigger)


async def on_comment_form(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, FormSubmitted)
    raw_id = event.metadata.get("sent_message_id")
    sent = await turn.storage.messages.get(turn.workspace_id, raw_id) if isinstance(raw_id, int) else None
    if sent is None:
        return
    text = (event.values.get(COMMENT_FIELD) or "").strip()
    if not text:
        await turn.outbox.notify(
            turn.place, "The comment was empty, so nothing was posted.", user_id=event.actor.user_id
        )
        return
    card_place = Place(
        event.place.platform, event.place.workspace_id, sent.channel_id, sent.message_id, event.place.is_dm
    )
    # Slack events carry an id and no name: the sender looks it up (users.info, cached)
    name = await display_name(turn.outbox, event.actor, turn.place.workspace_id)
    # A card that itself sits in a thread (an @mention's answer) takes its comments in that same thread.
    thread = sent.thread_id or sent.message_id
    # relayed under the bot's name: the comment and the name are shown as typed, never as mentions or links
    relay = message_text(card_place.platform, f"{user(name)}: {user(text)}")
    posted = await turn.outbox.send(card_place, relay, thread_id=thread)
    if posted is None:
        return
    await turn.storage.comments.upsert(
        turn.workspace_id, sent.id, author_id=event.actor.user_id, message_id=posted.message_id, text=text
    )
    await turn.footer_changed(sent.id)


async def on_thread_reply(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, ThreadReply)
    sent = await _card_of_thread(turn, event.parent_message_id)
    if sent is None:
        return
    comments = turn.storage.comments
    if event.change == "deleted":
        await comments.delete(turn.workspace_id, sent.id, event.message_id)
    else:
        await comments.upsert(
            turn.workspace_id, sent.id, author_id=event.actor.user_id, message_id=event.message_id, text=event.text
        )
    await turn.footer_changed(sent.id)


def register(router: Router) -> None:
    router.reaction(on_reaction)
    router.thread_reply(on_thread_reply)
    router.action(LIKE_ACTION, on_like)
    router.action(COMMENT_ACTION, on_comment_button, opens_form=True)
    router.form(COMMENT_FORM, on_comment_form)
