"""An invited expert's answers, from the buttons of their DM: Like, Comment, Give my estimate, Can't help, and a
reaction on the DM itself.

Owns finding the invitation a button names (in this workspace, and only for the person invited: anyone else's
press changes nothing), refusing an expired one ("this invitation expired on ..."), counting a DM like on the
channel card (likes are per person, so a like in the channel and one in the DM are one like), relaying a DM comment
to the card's thread as "<name> (expert, via DM): text" and storing it as a comment of the card. Estimates are
`experts.estimates`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.cards import Form, FormField
from bot.core.events import ActionInvoked, FormSubmitted, ReactionChanged
from bot.core.experts import estimates
from bot.core.experts.cards import COMMENT, DECLINE, ESTIMATE, LIKE, expiry_label
from bot.core.formatting import message_text, user
from bot.core.outbox import display_name
from bot.core.router import Router
from bot.core.turn import Turn

__all__ = ["register", "own_invitation", "remember_name", "expired", "expired_text", "on_dm_reaction", "COMMENT_FORM"]

COMMENT_FORM = "expert.comment"
DM_SOURCE = "dm:"  # a like from a reaction on the DM: its own source, so removing it leaves channel likes alone


def expired(invitation: Any, now: datetime) -> bool:
    return bool(invitation.status == "expired" or (invitation.status == "pending" and now >= invitation.expires_at))


def expired_text(invitation: Any) -> str:
    return f"This invitation expired on {expiry_label(invitation.expires_at)}, so it cannot take answers any more."


async def _notify(turn: Turn, text: str) -> None:
    await turn.outbox.notify(turn.place, message_text(turn.place.platform, text), user_id=turn.event.actor.user_id)


async def remember_name(turn: Turn, invitation: Any) -> Any:
    """Keep the name the platform gives with the invitee's own action (Teams sends it; the people picker gave only
    an id), so the card's estimates and later chains name them; the invitation as it is now."""
    name = turn.event.actor.name
    if not name or name == invitation.invitee_name:
        return invitation
    await turn.storage.experts.rename_invitee(turn.workspace_id, invitation.id, name)
    return await turn.storage.experts.get(turn.workspace_id, invitation.id) or invitation


async def own_invitation(turn: Turn, raw: Any = None, *, allow_expired: bool = False) -> Any:
    """The invitation a button (or form) names, if it is this workspace's and the actor's own and not expired;
    else None (the actor is told why when it is theirs but expired, or someone else's)."""
    event = turn.event
    if raw is None:
        raw = (event.value if isinstance(event, ActionInvoked) else getattr(event, "metadata", {})).get("invitation_id")
    invitation = await turn.storage.experts.get(turn.workspace_id, raw) if isinstance(raw, int) else None
    if invitation is None:
        return None  # not this workspace's (a forged id): nothing to say, nothing changes
    if invitation.invitee_id != event.actor.user_id:
        await _notify(turn, "This invitation was sent to someone else, so only they can answer it.")
        return None
    if not allow_expired and expired(invitation, turn.now()):
        await _notify(turn, expired_text(invitation))
        return None
    return invitation


async def _card(turn: Turn, invitation: Any) -> Any:
    return await turn.storage.messages.get(turn.workspace_id, invitation.sent_message_id)


async def _footer(turn: Turn, sent: Any) -> None:
    from bot.core.experts.feature import channel_place

    await turn.services.schedule_footer(turn.workspace_id, sent.id, channel_place(turn, sent), turn.outbox)


async def on_like(turn: Turn) -> None:
    invitation = await own_invitation(turn)
    if invitation is None or (sent := await _card(turn, invitation)) is None:
        return
    await remember_name(turn, invitation)
    await turn.storage.likes.toggle_button(turn.workspace_id, sent.id, turn.event.actor.user_id)
    await _footer(turn, sent)


async def on_dm_reaction(turn: Turn) -> bool:
    """A reaction on an invitation DM likes (or unlikes) the channel card; True when the message was one."""
    event = turn.event
    assert isinstance(event, ReactionChanged)
    storage = turn.storage
    invitation = await storage.experts.find_by_dm(turn.workspace_id, turn.place.channel_id, event.message_id)
    if invitation is None:
        return False
    if invitation.invitee_id != event.actor.user_id or expired(invitation, turn.now()):
        return True
    sent = await _card(turn, invitation)
    if sent is None:
        return True
    change = storage.likes.add if event.added else storage.likes.remove
    if await change(turn.workspace_id, sent.id, event.actor.user_id, DM_SOURCE + event.reaction):
        await _footer(turn, sent)
    return True


async def on_comment_button(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, ActionInvoked)
    invitation = await own_invitation(turn)
    if invitation is None:
        return
    form = Form(
        form_id=COMMENT_FORM,
        title="Comment on the scenario",
        fields=(FormField("text", "Your comment (posted in the card's thread)", placeholder="e.g. 8 is the most"),),
        submit_label="Post comment",
        metadata={"invitation_id": invitation.id},
    )
    await turn.outbox.open_form(turn.place, form, event.trigger)


async def on_comment_form(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, FormSubmitted)
    invitation = await own_invitation(turn)
    if invitation is None or (sent := await _card(turn, invitation)) is None:
        return
    await remember_name(turn, invitation)
    text = str(event.values.get("text") or "").strip()
    if not text:
        await _notify(turn, "The comment was empty, so nothing was posted. Press Comment again to write one.")
        return
    name = await display_name(turn.outbox, event.actor, turn.place.workspace_id)
    from bot.core.experts.feature import channel_place

    where = channel_place(turn, sent)
    relay = message_text(where.platform, f"{user(name)} (expert, via DM): {user(text)}")
    posted = await turn.outbox.send(where, relay, thread_id=sent.thread_id or sent.message_id)
    if posted is None:
        await _notify(turn, "I could not post your comment in the card's thread; please try again later.")
        return
    await turn.storage.comments.upsert(
        turn.workspace_id, sent.id, author_id=event.actor.user_id, message_id=posted.message_id, text=text
    )
    await _footer(turn, sent)
    await _notify(turn, "Your comment is posted in the card's thread.")


async def on_decline(turn: Turn) -> None:
    invitation = await own_invitation(turn)
    if invitation is None:
        return
    await remember_name(turn, invitation)
    changed = await turn.storage.experts.set_status(
        turn.workspace_id, invitation.id, "declined", now=turn.now(), actor=turn.event.actor.user_id
    )
    if not changed:
        await _notify(turn, "You already answered this invitation; thank you.")
        return
    await _notify(
        turn,
        "Noted: you can't help with this one, and you will get no reminder. You can still invite someone "
        "who can (Invite someone else).",
    )
    sent = await _card(turn, invitation)
    if sent is not None:
        await _footer(turn, sent)


def register(router: Router) -> None:
    router.action(LIKE, on_like)
    router.action(COMMENT, on_comment_button, opens_form=True)
    router.form(COMMENT_FORM, on_comment_form)
    router.action(DECLINE, on_decline)
    router.action(ESTIMATE, estimates.on_estimate_button, opens_form=True)
    router.form(estimates.ESTIMATE_FORM, estimates.on_estimate_form)
