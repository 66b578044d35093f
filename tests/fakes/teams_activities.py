"""Builders for the Bot Framework activities Teams posts to /api/messages (as JSON dicts).

Shapes follow what Teams sends (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/
conversation-messages): a channel conversation id carries the thread root as ";messageid=<root>", channelData
names the tenant, team and channel, an @mention is an `<at>` tag plus a mention entity, an Action.Submit is a
message with `value` and the card's id as replyToId, a reaction is `messageReaction` with replyToId.
Every builder takes `service_url`: the fake Bot Connector the bot must answer to.
"""

from __future__ import annotations

import itertools
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


def new_id() -> str:
    """A fresh Teams-style message id (epoch milliseconds)."""
    return str(1_700_000_000_000 + next(_ids))


def _base(service_url: str, activity_id: str, conversation: dict[str, Any], user: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": "2026-11-16T09:00:00.000Z",
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
    activity_id: str | None = None,
) -> dict[str, Any]:
    """A reaction (like, heart, ...) added to or removed from the message `reply_to` in thread `root`."""
    activity = _channel(service_url, activity_id or f"f:{new_id()}", root, user or USER)
    activity["type"] = "messageReaction"
    activity["replyToId"] = reply_to
    activity["reactionsAdded" if added else "reactionsRemoved"] = [{"type": kind}]
    return activity


def submit(
    value: dict[str, Any], *, reply_to: str, root: str, service_url: str, user: dict | None = None
) -> dict[str, Any]:
    """An Action.Submit pressed on the card `reply_to`: a message activity with `value` and no text."""
    activity = _channel(service_url, new_id(), root, user or USER)
    activity["replyToId"] = reply_to
    activity["value"] = value
    return activity
