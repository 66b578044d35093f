"""Teams activity -> neutral event, and the Teams ids the rest of the adapter derives from an activity.

Owns reading a Bot Framework `Activity` the way Teams sends it: the tenant (channelData.tenant.id, else
conversation.tenantId), the channel (channelData.channel.id for team channels, else the conversation id),
the thread root of a channel conversation ("19:...@thread.tacv2;messageid=<root>"), and which event a
message is: an @mention or personal-chat question (MessageReceived), an Action.Submit (ActionInvoked, or
FormSubmitted when the data names a form), a reply in a thread (ThreadReply), a reaction (ReactionChanged).
Pure functions over the activity; nothing here talks to the network or the database.
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.core.events import ActionInvoked, Actor, FormSubmitted, MessageReceived, Place, ReactionChanged, ThreadReply

__all__ = [
    "PLATFORM",
    "tenant_id",
    "base_conversation_id",
    "thread_root",
    "conversation_type",
    "place_of",
    "delivery_id",
    "message_event",
    "reaction_events",
    "conversation_id_for",
    "reference_of",
]

PLATFORM = "teams"
_MESSAGE_ID = ";messageid="
_TAGS = re.compile(r"<[^>]+>")
_MAX_DELIVERY_ID = 255
# Team channel ids end with these; group chats ("@thread.v2") and personal chats ("a:...") have no threads.
_CHANNEL_SUFFIXES = ("@thread.tacv2", "@thread.skype")


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def tenant_id(activity: Activity) -> str:
    """The Microsoft Entra tenant of the activity ("" when Teams did not say, e.g. the Emulator)."""
    tenant = _channel_data(activity).get("tenant") or {}
    if isinstance(tenant, dict) and tenant.get("id"):
        return str(tenant["id"])
    conversation = activity.conversation
    if conversation is None:
        return ""
    # Teams spells it "tenantId"; botbuilder's schema maps "tenantID", leaving Teams' key in additional_properties
    extra = getattr(conversation, "additional_properties", None) or {}
    return str(conversation.tenant_id or extra.get("tenantId") or "")


def team_id(activity: Activity) -> str | None:
    """The team an activity happened in (channelData.team.id), None in chats."""
    team = _channel_data(activity).get("team") or {}
    return str(team["id"]) if isinstance(team, dict) and team.get("id") else None


def base_conversation_id(activity: Activity) -> str:
    """The conversation id without a thread suffix: a channel's id, or the chat's id."""
    conversation_id = (activity.conversation.id if activity.conversation else "") or ""
    return conversation_id.split(_MESSAGE_ID, 1)[0]


def thread_root(activity: Activity) -> str | None:
    """The id of the thread's root post in a channel conversation, or None outside channel threads."""
    conversation_id = (activity.conversation.id if activity.conversation else "") or ""
    if _MESSAGE_ID not in conversation_id:
        return None
    return conversation_id.split(_MESSAGE_ID, 1)[1] or None


def conversation_type(activity: Activity) -> str:
    """ "channel", "personal" or "groupChat" (Teams' names); "personal" when the activity does not say."""
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None) if conversation else None
    if kind:
        return str(kind)
    if _channel_data(activity).get("channel"):
        return "channel"
    return "groupChat" if getattr(conversation, "is_group", False) else "personal"


def place_of(activity: Activity) -> Place:
    """Where the activity happened: tenant, channel (team channel id or chat id) and channel thread root."""
    kind = conversation_type(activity)
    channel = _channel_data(activity).get("channel") or {}
    channel_id = channel.get("id") if isinstance(channel, dict) else None
    return Place(
        PLATFORM,
        tenant_id(activity),
        str(channel_id or base_conversation_id(activity)),
        thread_root(activity) if kind == "channel" else None,
        is_dm=kind == "personal",
    )


def conversation_id_for(place: Place, thread_id: str | None) -> tuple[str, str | None]:
    """(conversation id, reply-to id) to post into `place`, in channel thread `thread_id` if given.

    Only team channels have threads; in chats the thread is ignored and the message goes to the chat."""
    if thread_id and place.channel_id.endswith(_CHANNEL_SUFFIXES):
        return f"{place.channel_id}{_MESSAGE_ID}{thread_id}", thread_id
    return place.channel_id, None


def _stamp(activity: Activity) -> str:
    """When the channel sent the activity (its `timestamp`), as text; "" when Teams did not say."""
    moment = activity.timestamp or activity.local_timestamp
    if moment is None:
        return ""
    return moment.isoformat() if hasattr(moment, "isoformat") else str(moment)


def _names(reactions: Any) -> str:
    return ",".join(sorted(str(getattr(r, "type", None) or "") for r in reactions or []))


def delivery_id(activity: Activity) -> str | None:
    """The inbox key of an activity: what makes this delivery distinct, so a redelivery of the same activity
    (Teams resends after 15 s) maps to the same key and a different action never does.

    A message's id is its own, but the activity types that act ON an existing message carry THAT message's id
    (Bot Framework activity spec: a messageReaction's id is the reacted-to message; the add and remove samples
    share one id; messageUpdate/messageDelete name the edited/deleted message). Keyed by id alone, the second
    person's like, every unlike and every second edit would be dropped as "duplicates". Those are keyed by the
    message, the person, what changed (reaction types added/removed, the edit/delete event type) and the
    activity's timestamp, which a redelivery repeats and a new action does not. Teams message ids are per
    conversation, so the conversation is part of every key."""
    kind = activity.type
    conversation = base_conversation_id(activity)
    if kind == "messageReaction":
        target = activity.reply_to_id or activity.id
        if not target:
            return None
        sender = activity.from_property
        who = (getattr(sender, "aad_object_id", None) or getattr(sender, "id", None) or "") if sender else ""
        change = f"+{_names(activity.reactions_added)}-{_names(activity.reactions_removed)}"
        key = f"{kind}:{conversation}:{target}:{who}:{change}:{_stamp(activity)}"
    elif kind in ("messageUpdate", "messageDelete"):
        if not activity.id:
            return None
        event_type = _channel_data(activity).get("eventType") or ""
        key = f"{kind}:{conversation}:{activity.id}:{event_type}:{_stamp(activity)}"
    else:
        if not activity.id:
            return None
        key = f"{kind}:{conversation}:{activity.id}"
    if len(key) > _MAX_DELIVERY_ID:
        key = f"{kind}:sha256:{hashlib.sha256(key.encode('utf-8')).hexdigest()}"
    return key


def _actor(activity: Activity) -> Actor:
    sender = activity.from_property
    user_id = (getattr(sender, "aad_object_id", None) or getattr(sender, "id", None) or "") if sender else ""
    name = str(getattr(sender, "name", None) or "") if sender else ""
    # the Teams client sends the person's IANA time zone with each activity (used for nudges and reminders)
    timezone = getattr(activity, "local_timezone", None)
    return Actor(PLATFORM, str(user_id), name, timezone if isinstance(timezone, str) and len(timezone) < 64 else "")


def _mentions_bot(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    for mention in TurnContext.get_mentions(activity):
        mentioned = (mention.additional_properties or {}).get("mentioned") or {}
        if bot_id and mentioned.get("id") == bot_id:
            return True
    return False


def _plain_text(activity: Activity) -> str:
    """The message text with the bot's mention removed, Teams' HTML tags dropped and entities decoded."""
    if activity.text is None:
        return ""
    text = TurnContext.remove_recipient_mention(activity) if activity.recipient else activity.text
    text = _TAGS.sub(" ", text or "")
    return " ".join(html.unescape(text).replace("\xa0", " ").split())


def _submit_event(activity: Activity, place: Place, did: str | None) -> ActionInvoked | FormSubmitted | None:
    value = activity.value if isinstance(activity.value, dict) else {}
    if isinstance(value.get("form_id"), str):
        metadata = value.get("metadata")
        # Adaptive Card inputs submit strings (a people picker: comma-separated ids, read by users_value)
        values: dict[str, Any] = {
            k: str(v) for k, v in value.items() if k not in ("form_id", "metadata") and v is not None
        }
        return FormSubmitted(
            _actor(activity),
            place,
            value["form_id"],
            values=values,
            metadata=metadata if isinstance(metadata, dict) else {},
            delivery_id=did,
        )
    if isinstance(value.get("action_id"), str):
        rest = {k: v for k, v in value.items() if k != "action_id"}
        return ActionInvoked(
            _actor(activity),
            place,
            value["action_id"],
            value=rest,
            # Teams sets replyToId to the card's activity id when a button on it is pressed
            message_id=activity.reply_to_id,
            delivery_id=did,
        )
    return None


def message_event(
    activity: Activity, *, change: str = "new"
) -> MessageReceived | ThreadReply | ActionInvoked | FormSubmitted | None:
    """The neutral event of a message activity, or None when it is not for the bot (a channel post without
    a mention, a bot's own message). `change` is "edited"/"deleted" for messageUpdate/messageDelete."""
    place = place_of(activity)
    did = delivery_id(activity)
    if change == "new" and isinstance(activity.value, dict):
        return _submit_event(activity, place, did)
    sender = activity.from_property
    if sender is not None and activity.recipient is not None and sender.id == activity.recipient.id:
        return None  # our own message echoed back
    kind = conversation_type(activity)
    mentioned = _mentions_bot(activity)
    text = _plain_text(activity)
    root = place.thread_id
    if kind == "channel" and root and root != activity.id:
        if mentioned and change == "edited":
            return None  # a question to the bot is not a comment, and editing it does not make it one
        if not mentioned or change == "deleted":
            # a reply in a channel thread; only the card's thread counts as comments (the feature checks the
            # root). A deletion carries no text to tell a question from a comment: deleting a comment that
            # does not exist changes nothing.
            return ThreadReply(
                _actor(activity), place, root, str(activity.id or ""), text=text, change=change, delivery_id=did
            )
    if change != "new":
        return None
    if kind == "personal":
        return MessageReceived(_actor(activity), place, text, via="dm", message_id=activity.id, delivery_id=did)
    if mentioned:
        return MessageReceived(_actor(activity), place, text, via="mention", message_id=activity.id, delivery_id=did)
    return None


def reaction_events(activity: Activity) -> list[ReactionChanged]:
    """One ReactionChanged per reaction added or removed; `message_id` is the reacted-to activity (replyToId)."""
    if not activity.reply_to_id:
        return []
    place, actor, did = place_of(activity), _actor(activity), delivery_id(activity)
    events = []
    for added, reactions in ((True, activity.reactions_added), (False, activity.reactions_removed)):
        for reaction in reactions or []:
            name = getattr(reaction, "type", None) or "like"
            events.append(ReactionChanged(actor, place, activity.reply_to_id, str(name), added, delivery_id=did))
    return events


def reference_of(activity: Activity) -> dict[str, Any]:
    """The conversation reference to store for proactive sends: the channel or chat itself (no thread
    suffix, so a proactive message starts a new post), the service URL, the bot and the tenant."""
    reference = TurnContext.get_conversation_reference(activity)
    data = reference.serialize()
    data.pop("activityId", None)
    conversation = dict(data.get("conversation") or {})
    conversation["id"] = base_conversation_id(activity)
    if not conversation.get("tenantId") and tenant_id(activity):
        conversation["tenantId"] = tenant_id(activity)
    data["conversation"] = conversation
    return data
