"""Neutral events: what a person did, translated once at the platform edge (Slack, Teams, console).

Owns the small frozen records that feature code sees. Nothing here knows a platform SDK: an adapter turns
a Slack payload or a Teams activity into one of these, and the same features then serve every platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "Actor",
    "Place",
    "MessageReceived",
    "ThreadReply",
    "ReactionChanged",
    "ActionInvoked",
    "FormSubmitted",
    "FileShared",
    "Event",
]

Platform = Literal["slack", "teams", "console"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted: a user id on a platform, with a display name and an IANA time zone when the platform gave them
    (Teams sends the person's `localTimezone` with every activity; Slack is asked with users.info)."""

    platform: str
    user_id: str
    name: str = ""
    timezone: str = ""


@dataclass(frozen=True, slots=True)
class Place:
    """Where it happened. `workspace_id` is the tenant (Slack enterprise/team id, Teams tenant id);
    `channel_id` keys the channel's baseline (Slack channel id, Teams channel id or personal chat id).
    `thread_id` is the thread to answer in (Slack thread ts, Teams root activity id), if any."""

    platform: str
    workspace_id: str
    channel_id: str
    thread_id: str | None = None
    is_dm: bool = False

    def in_thread(self, thread_id: str | None) -> Place:
        return Place(self.platform, self.workspace_id, self.channel_id, thread_id, self.is_dm)


@dataclass(frozen=True, slots=True)
class MessageReceived:
    """A question or command addressed to the bot (slash command, @mention, DM, console line).

    `text` has the bot mention and the command name stripped. `via` says how it arrived:
    "command", "mention", "dm" or "console"."""

    actor: Actor
    place: Place
    text: str
    via: str = "mention"
    message_id: str | None = None
    delivery_id: str | None = None
    trigger: Any = None  # a slash command's trigger_id (Slack, valid 3 s): lets a command open a form at once


@dataclass(frozen=True, slots=True)
class ThreadReply:
    """A human message in the thread of a message the bot posted: a comment on a card.

    `change` is "new", "edited" or "deleted"; `parent_message_id` is the card's message id."""

    actor: Actor
    place: Place
    parent_message_id: str
    message_id: str
    text: str = ""
    change: str = "new"
    delivery_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReactionChanged:
    """A reaction added to or removed from a message (`message_id` as the platform names it)."""

    actor: Actor
    place: Place
    message_id: str
    reaction: str
    added: bool
    delivery_id: str | None = None


@dataclass(frozen=True, slots=True)
class ActionInvoked:
    """A button pressed on a card: `action_id` from the Button, `value` its value dict.

    `message_id` is the card's message id; `trigger` is an opaque platform handle an outbox may need
    to open a form (Slack trigger_id); feature code passes it through untouched."""

    actor: Actor
    place: Place
    action_id: str
    value: dict[str, Any] = field(default_factory=dict)
    message_id: str | None = None
    trigger: object = None  # opaque: only the adapter that made it reads it
    delivery_id: str | None = None


@dataclass(frozen=True, slots=True)
class FormSubmitted:
    """A form (Slack modal, Teams input card, console prompt) submitted: `values` by field id,
    `metadata` as the feature put it in the Form."""

    actor: Actor
    place: Place
    form_id: str
    values: dict[str, Any] = field(default_factory=dict)  # a string per field; a list of user ids for "users"
    metadata: dict[str, Any] = field(default_factory=dict)
    delivery_id: str | None = None


@dataclass(frozen=True, slots=True)
class FileShared:
    """A file given to the bot (a CSV uploaded in a DM or with an @mention, `/import PATH` at the console).

    The adapter has already downloaded it: `data` is its content (at most the importer's size limit), `size`
    the size the platform reported, `name` its file name. `message_id` is the message it came with, if any."""

    actor: Actor
    place: Place
    name: str
    data: bytes = field(repr=False)
    size: int
    delivery_id: str | None = None
    message_id: str | None = None


Event = MessageReceived | ThreadReply | ReactionChanged | ActionInvoked | FormSubmitted | FileShared
