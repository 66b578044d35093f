"""Slack payload -> neutral event: the one place that knows the shapes of Slack's inbound JSON.

Owns the translation of slash commands, Events API events (app_mention, DM and thread messages, edits,
deletions, reactions, files shared with the bot) and interactivity (block_actions, view_submission) into
bot.core.events records, the delivery ids the inbox deduplicates on, and the private_metadata format of our
modals. A shared file becomes a `SlackFile` (what to download); bot.slack.files downloads it after the ack.

Pure functions over plain dicts: no Bolt, no I/O, so every rule here is unit-tested directly. The tenant
(`workspace_id`) is passed in by the caller from Bolt's context (enterprise id, else team id), never read
from the event body: in Slack Connect channels the body's team is the *source* workspace.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.events import (
    ActionInvoked,
    Actor,
    FormSubmitted,
    MessageReceived,
    Place,
    ReactionChanged,
    ThreadReply,
)

__all__ = [
    "ACTION_PATTERN",
    "SlackFile",
    "file_events",
    "FORM_CALLBACK_PATTERN",
    "workspace_id",
    "delivery_id",
    "command_event",
    "mention_event",
    "message_event",
    "reaction_event",
    "action_event",
    "form_event",
    "form_metadata",
    "strip_mentions",
]

ACTION_PATTERN = re.compile(r"^(card|import|expert|decision)\.")
FORM_CALLBACK_PATTERN = re.compile(r"^form:(?P<form_id>.+)$")
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9_]+(?:\|[^>]*)?>")
# Message subtypes that are ordinary human messages for our purposes; everything else (joins, topic
# changes, bot messages, ...) is not a question or a comment.
_PLAIN_SUBTYPES = (None, "thread_broadcast", "file_share")
PLATFORM = "slack"


def workspace_id(enterprise_id: str | None, team_id: str | None) -> str:
    """The tenant key: the Enterprise Grid org when there is one (org-wide installs), else the workspace."""
    return enterprise_id or team_id or ""


def delivery_id(body: dict[str, Any]) -> str | None:
    """What the inbox deduplicates on: the Events API event_id (stable across Slack's retries); for
    interactivity a hash of type + action_ts/trigger_id + user; for slash commands the trigger_id."""
    if body.get("type") == "event_callback":
        return body.get("event_id") or None
    if body.get("command"):
        return f"cmd:{body['trigger_id']}" if body.get("trigger_id") else None
    kind = body.get("type")
    if kind in ("block_actions", "view_submission", "view_closed", "shortcut", "message_action"):
        actions = body.get("actions") or [{}]
        moment = actions[0].get("action_ts") or body.get("trigger_id") or (body.get("view") or {}).get("hash")
        user = (body.get("user") or {}).get("id", "")
        digest = hashlib.sha256(f"{kind}|{moment}|{user}".encode()).hexdigest()[:32]
        return f"ia:{digest}"
    return None


def strip_mentions(text: str, bot_user_id: str | None = None) -> str:
    """Remove the bot's `<@U123>` mention (and a leading mention, which addressed the bot) and collapse
    whitespace. Other people's mentions stay: "invite <@U_EXPERT>" needs them."""
    text = _LEADING_MENTION.sub(" ", text or "")
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return " ".join(text.split())


def _actor(user_id: str) -> Actor:
    # The id only. The names payloads carry are not display names: a slash command's `user_name` is deprecated
    # and an action's `user.name` is the legacy username (often the email's local part). The runtime resolves
    # the display name with users.info (profile.display_name, else real_name) when it needs one.
    return Actor(PLATFORM, user_id)


def _place(tenant: str, channel: str, thread: str | None = None) -> Place:
    # Slack DM channel ids start with "D"; group DMs ("G"/"C" mpim) behave like channels for us.
    return Place(PLATFORM, tenant, channel, thread, is_dm=channel.startswith("D"))


def command_event(body: dict[str, Any], tenant: str) -> MessageReceived:
    """`/scenario <text>`: the text is a subcommand or a question, answered in the channel."""
    return MessageReceived(
        actor=_actor(body.get("user_id", "")),
        place=_place(tenant, body.get("channel_id", "")),
        text=" ".join((body.get("text") or "").split()),
        via="command",
        delivery_id=delivery_id(body),
        trigger=body.get("trigger_id"),
    )


def mention_event(body: dict[str, Any], tenant: str, bot_user_id: str | None = None) -> MessageReceived | None:
    """`@scenario <question>` in a channel: answered in the message's thread."""
    event = body.get("event") or {}
    if event.get("bot_id") or not event.get("user"):
        return None
    ts = event.get("ts")
    return MessageReceived(
        actor=_actor(event["user"]),
        place=_place(tenant, event.get("channel", ""), event.get("thread_ts") or ts),
        text=strip_mentions(event.get("text", ""), bot_user_id),
        via="mention",
        message_id=ts,
        delivery_id=delivery_id(body),
    )


def _is_bot(message: dict[str, Any], bot_user_id: str | None) -> bool:
    return bool(message.get("bot_id")) or (bot_user_id is not None and message.get("user") == bot_user_id)


def _mentions_bot(message: dict[str, Any], bot_user_id: str | None) -> bool:
    """Does the message @mention the bot? Slack then ALSO sends it as `app_mention`, which makes it a question."""
    if not bot_user_id:
        return False
    return re.search(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", message.get("text") or "") is not None


def message_event(body: dict[str, Any], tenant: str, bot_user_id: str | None) -> MessageReceived | ThreadReply | None:
    """A `message` event: a DM question, or a comment (new, edited, deleted) in a thread. Top-level channel
    messages are not for us (mentions arrive as app_mention); the bot's own messages never count.

    One rule on Slack and Teams: a question to the bot is not a comment. A thread reply that @mentions the bot
    reaches us twice (`app_mention` and `message`); the app_mention is the question (mention_event) and this
    returns None for the message, also when it is edited. A deletion still counts: deleting a comment that
    does not exist changes nothing, and the reply may have been a comment before an edit added the mention."""
    event = body.get("event") or {}
    subtype = event.get("subtype")
    channel = event.get("channel", "")
    did = delivery_id(body)
    if subtype == "message_changed":
        inner = event.get("message") or {}
        thread, ts = inner.get("thread_ts"), inner.get("ts")
        if not thread or thread == ts or _is_bot(inner, bot_user_id) or not inner.get("user"):
            return None
        if event.get("channel_type") != "im" and _mentions_bot(inner, bot_user_id):
            return None
        return ThreadReply(
            _actor(inner["user"]),
            _place(tenant, channel, thread),
            thread,
            ts,
            text=inner.get("text", ""),
            change="edited",
            delivery_id=did,
        )
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        thread, ts = previous.get("thread_ts"), event.get("deleted_ts") or previous.get("ts")
        if not thread or thread == ts or _is_bot(previous, bot_user_id) or not previous.get("user"):
            return None
        return ThreadReply(
            _actor(previous["user"]), _place(tenant, channel, thread), thread, ts, change="deleted", delivery_id=did
        )
    if subtype not in _PLAIN_SUBTYPES or _is_bot(event, bot_user_id) or not event.get("user"):
        return None
    ts, thread = event.get("ts"), event.get("thread_ts")
    if thread and thread != ts:
        if event.get("channel_type") != "im" and _mentions_bot(event, bot_user_id):
            return None  # the app_mention Slack sends for the same message is the question
        return ThreadReply(
            _actor(event["user"]),
            _place(tenant, channel, thread),
            thread,
            ts,
            text=event.get("text", ""),
            change="new",
            delivery_id=did,
        )
    if event.get("channel_type") == "im":
        return MessageReceived(
            _actor(event["user"]),
            _place(tenant, channel),
            strip_mentions(event.get("text", ""), bot_user_id),
            via="dm",
            message_id=ts,
            delivery_id=did,
        )
    return None


@dataclass(frozen=True, slots=True)
class SlackFile:
    """A file someone gave the bot: who, where (the answer goes in `place`), and Slack's file object as the event
    carried it (`info`: id, name, size, url_private_download; sometimes only the id, then files.info is asked)."""

    actor: Actor
    place: Place
    file_id: str
    info: dict[str, Any] = field(default_factory=dict)
    message_id: str | None = None
    delivery_id: str | None = None


def file_events(body: dict[str, Any], tenant: str, bot_user_id: str | None) -> list[SlackFile]:
    """Files shared WITH the bot: a message with files in a DM (`message`, subtype file_share, channel_type im),
    or a channel message with files that @mentions it (`app_mention` carries the message's `files`). Files posted
    in a channel without a mention are not for us (nor is Slack's `file_shared` event, which fires for every file
    in every channel the bot is in, so the app does not subscribe to it)."""
    event = body.get("event") or {}
    files = [f for f in event.get("files") or [] if isinstance(f, dict) and f.get("id")]
    user = event.get("user")
    if not files or not user or _is_bot(event, bot_user_id):
        return []
    kind, channel, ts = event.get("type"), event.get("channel", ""), event.get("ts")
    if kind == "message" and event.get("subtype") in (None, "file_share") and event.get("channel_type") == "im":
        place = _place(tenant, channel, event.get("thread_ts"))
    elif kind == "app_mention":
        place = _place(tenant, channel, event.get("thread_ts") or ts)  # answered in the message's thread
    else:
        return []
    did = delivery_id(body)
    return [SlackFile(_actor(user), place, f["id"], dict(f), ts, f"{did}:{f['id']}" if did else None) for f in files]


def reaction_event(body: dict[str, Any], tenant: str, bot_user_id: str | None) -> ReactionChanged | None:
    """reaction_added / reaction_removed on a message (reactions on files are ignored)."""
    event = body.get("event") or {}
    item = event.get("item") or {}
    user = event.get("user")
    if item.get("type") != "message" or not item.get("ts") or not user or user == bot_user_id:
        return None
    return ReactionChanged(
        actor=_actor(user),
        place=_place(tenant, item.get("channel", "")),
        message_id=item["ts"],
        reaction=event.get("reaction", ""),
        added=event.get("type") == "reaction_added",
        delivery_id=delivery_id(body),
    )


def _value(raw: Any) -> dict[str, Any]:
    # Our buttons carry compact JSON; anything else (a select's value, a foreign button) is kept as text.
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return {"value": raw}
        return parsed if isinstance(parsed, dict) else {"value": parsed}
    return {}


def action_event(body: dict[str, Any], tenant: str) -> ActionInvoked | None:
    """A `card.*` button press. `trigger` is the trigger_id (valid 3 s) an outbox needs to open a modal."""
    action = next((a for a in body.get("actions") or [] if ACTION_PATTERN.match(a.get("action_id", ""))), None)
    if action is None:
        return None
    container = body.get("container") or {}
    user = body.get("user") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    return ActionInvoked(
        actor=_actor(user.get("id", "")),
        place=_place(tenant, channel, container.get("thread_ts")),
        action_id=action["action_id"],
        value=_value(action.get("value")),
        message_id=container.get("message_ts"),
        trigger=body.get("trigger_id"),
        delivery_id=delivery_id(body),
    )


def form_metadata(metadata: dict[str, Any], place: Place) -> str:
    """private_metadata for a modal: the form's metadata plus where it was opened, so the submission
    (which Slack sends without a channel) can be answered in the right place."""
    wrapped = {"meta": metadata, "channel": place.channel_id, "thread": place.thread_id}
    return json.dumps(wrapped, separators=(",", ":"), sort_keys=True)


def _state_value(element: dict[str, Any]) -> Any:
    """An input's submitted value by element type (api.slack.com/reference/interaction-payloads/views: each type
    reports under its own key): user ids as a list, a select's option value, a date or time as text."""
    if "selected_users" in element:
        users = element.get("selected_users")
        return [u for u in users if isinstance(u, str)] if isinstance(users, list) else []
    if "selected_option" in element:
        option = element.get("selected_option")
        return str(option.get("value") or "") if isinstance(option, dict) else ""
    for key in ("selected_date", "selected_time"):
        if key in element:
            return str(element.get(key) or "")
    value = element.get("value")
    return value if isinstance(value, str) else ""


def form_event(body: dict[str, Any], tenant: str) -> FormSubmitted | None:
    """A `form:<form_id>` modal submitted: values by field (action) id, metadata as the feature gave it."""
    view = body.get("view") or {}
    match = FORM_CALLBACK_PATTERN.match(view.get("callback_id") or "")
    if match is None:
        return None
    values: dict[str, Any] = {}
    for block in ((view.get("state") or {}).get("values") or {}).values():
        for field_id, element in (block or {}).items():
            values[field_id] = _state_value(element if isinstance(element, dict) else {})
    try:
        stored = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        stored = {}
    stored = stored if isinstance(stored, dict) else {}
    metadata = stored.get("meta") if isinstance(stored.get("meta"), dict) else {}
    user = body.get("user") or {}
    return FormSubmitted(
        actor=_actor(user.get("id", "")),
        place=_place(tenant, stored.get("channel") or "", stored.get("thread")),
        form_id=match["form_id"],
        values=values,
        metadata=metadata,
        delivery_id=delivery_id(body),
    )
