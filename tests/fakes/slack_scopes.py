"""Which bot-token scopes each Slack Web API method needs: one table for the fake Web API (which answers
`missing_scope` outside the granted scopes, as Slack does) and for tests/test_platform_fidelity.py (which checks
every method the bot calls against manifests/slack.yaml).

From each method's reference page on docs.slack.dev ("Required scopes", bot token). A method needs ANY ONE of
the scopes listed for it; history methods need the one that matches the conversation type, so they map the
channel id prefix (C public, G private or group DM, D direct message) to the scope.
"""

from __future__ import annotations

__all__ = ["METHOD_SCOPES", "HISTORY_SCOPES", "needed_scopes"]

# method -> scopes, any one of which is enough; () = no scope needed (auth.test, views.open with a trigger)
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.getPermalink": (),
    "views.open": (),
    "views.update": (),
    "views.publish": (),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "files.info": ("files:read",),
    "reactions.add": ("reactions:write",),
    "reactions.remove": ("reactions:write",),
    "reactions.get": ("reactions:read",),
    "users.info": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "conversations.open": ("im:write", "mpim:write"),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.members": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.join": ("channels:join",),
    "conversations.history": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "conversations.replies": ("channels:history", "groups:history", "im:history", "mpim:history"),
}

# the conversation type decides which *:history scope a history call needs
HISTORY_SCOPES = {"C": "channels:history", "G": "groups:history", "D": "im:history"}


def needed_scopes(method: str, channel: str | None = None) -> tuple[str, ...]:
    """The scopes, any one of which lets the bot call `method` (on `channel` for history methods).
    KeyError for a method missing from the table: add it, with its scopes, before calling it."""
    scopes = METHOD_SCOPES[method]
    if method in ("conversations.history", "conversations.replies") and channel:
        return (HISTORY_SCOPES.get(channel[:1], scopes[0]),)
    return scopes
