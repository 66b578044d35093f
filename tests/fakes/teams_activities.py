"""Builders for the Bot Framework activities Teams posts to /api/messages (as JSON dicts).

Shapes follow what Teams sends (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/
conversation-messages and .../subscribe-to-conversation-events): a channel conversation id carries the thread root
as ";messageid=<root>", channelData names the tenant, team and channel, an @mention is an `<at>` tag plus a mention
entity, an Action.Submit is a message with `value` and the card's id as replyToId.

Activities that act ON an existing message carry THAT message's id, as Teams sends them: a `messageReaction`'s
`id` is the reacted-to message's id (replyToId too; the add and remove samples in the Teams docs share one id),
and `messageUpdate` (channelData.eventType "editMessage") / `messageDelete` ("softDeleteMessage") carry the
edited/deleted message's id. What tells two such activities apart is who, what and `timestamp`: every builder
stamps the current time, strictly increasing, so two builds are two distinct activities and re-posting the same
dict is a redelivery. Every builder takes `service_url`: the fake Bot Connector the bot must answer to.
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "TENANT",
    "TEAM",
    "CHANNEL",
    "BOT_ID",
    "BOT_NAME",
    "USER",
    "mention",
    "personal",
    "thread_reply",
    "reaction",
    "edit",
    "delete",
    "submit",
    "new_id",
]

TENANT = "72f988bf-0000-4000-8000-00000000tnt1"
TEAM = "19:team-general@thread.tacv2"
CHANNEL = "19:sales-forecast@thread.tacv2"
BOT_ID = "28:00000000-0000-4000-8000-0000000000b0"
BOT_NAME = "Scenario"
USER = {"id": "29:user-dana", "name": "Dana Rep", "aadObjectId": "00000000-0000-4000-8000-00000000da1a"}
_ids = itertools.count(1)
_last_stamp = [0]


def stamp() -> str:
    """Now as Teams writes activity timestamps (UTC, milliseconds), strictly increasing across calls."""
    millis = max(int(time.time() * 1000), _last_stamp[0] + 1)
    _last_stamp[0] = millis
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_id() -> str:
    """A fresh Teams-style message id (epoch milliseconds)."""
    return str(1_700_000_000_000 + next(_ids))


def _base(service_url: str, activity_id: str, conversation: dict[str, Any], user: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": stamp(),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": dict(user),
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "locale": "en-US",
    }


def _channel(service_url: str, activity_id: str, root: str, user: dict[str, str]) -> dict[str, Any]:
    conversation = {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": TENANT,
        "id": f"{CHANNEL};messageid={root}",
    }
    activity = _base(service_url, activity_id, conversation, user)
    activity["channelData"] = {
        "teamsChannelId": CHANNEL,
        "teamsTeamId": TEAM,
        "channel": {"id": CHANNEL},
        "team": {"id": TEAM},
        "tenant": {"id": TENANT},
    }
    return activity


def mention(
    text: str, *, service_url: str, activity_id: str | None = None, root: str | None = None, user: dict | None = None
) -> dict[str, Any]:
    """`@Scenario <text>` posted in the channel (a new post unless `root` names the thread it replies in)."""
    activity_id = activity_id or new_id()
    activity = _channel(service_url, activity_id, root or activity_id, user or USER)
    tag = f"<at>{BOT_NAME}</at>"
    activity["text"] = f"{tag} {text}"
    activity["textFormat"] = "plain"
    activity["entities"] = [{"type": "mention", "text": tag, "mentioned": {"id": BOT_ID, "name": BOT_NAME}}]
    return activity


def personal(
    text: str, *, service_url: str, activity_id: str | None = None, user: dict | None = None
) -> dict[str, Any]:
    """A message in the personal (1:1) chat with the bot."""
    conversation = {"conversationType": "personal", "tenantId": TENANT, "id": "a:1personal-chat-dana"}
    activity = _base(service_url, activity_id or new_id(), conversation, user or USER)
    activity["text"] = text
    activity["channelData"] = {"tenant": {"id": TENANT}}
    return activity


def thread_reply(
    text: str, *, root: str, service_url: str, activity_id: str | None = None, user: dict | None = None
) -> dict[str, Any]:
    """A human reply without a mention in the thread rooted at `root` (delivered thanks to the RSC permission)."""
    activity = _channel(service_url, activity_id or new_id(), root, user or USER)
    activity["text"] = text
    activity["textFormat"] = "plain"
    return activity


def reaction(
    *,
    reply_to: str,
    root: str,
    service_url: str,
    added: bool = True,
    kind: str = "like",
    user: dict | None = None,
) -> dict[str, Any]:
    """A reaction (like, heart, ...) added to or removed from the message `reply_to` in thread `root`. Its id is
    `reply_to` (the reacted-to message), as Teams sends it: only sender, reaction and timestamp differ."""
    activity = _channel(service_url, reply_to, root, user or USER)
    activity["type"] = "messageReaction"
    activity["replyToId"] = reply_to
    activity["reactionsAdded" if added else "reactionsRemoved"] = [{"type": kind}]
    return activity


def edit(text: str, *, message_id: str, root: str, service_url: str, user: dict | None = None) -> dict[str, Any]:
    """`messageUpdate`: the thread reply `message_id` edited to `text` (the activity's id is the edited message's)."""
    activity = thread_reply(text, root=root, service_url=service_url, activity_id=message_id, user=user)
    activity["type"] = "messageUpdate"
    activity["channelData"]["eventType"] = "editMessage"
    return activity


def delete(*, message_id: str, root: str, service_url: str, user: dict | None = None) -> dict[str, Any]:
    """`messageDelete`: the thread reply `message_id` deleted (no text; the id is the deleted message's)."""
    activity = _channel(service_url, message_id, root, user or USER)
    activity["type"] = "messageDelete"
    activity["channelData"]["eventType"] = "softDeleteMessage"
    return activity


def submit(
    value: dict[str, Any], *, reply_to: str, root: str, service_url: str, user: dict | None = None
) -> dict[str, Any]:
    """An Action.Submit pressed on the card `reply_to`: a message activity with `value` and no text."""
    activity = _channel(service_url, new_id(), root, user or USER)
    activity["replyToId"] = reply_to
    activity["value"] = value
    return activity
