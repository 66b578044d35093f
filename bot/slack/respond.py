"""Answering a slash command through its response_url when the bot cannot post in the channel.

Owns the fallback the durable outbox (bot.core.outbox) gets in a `/scenario` job: Slack lets a slash command be
answered through the `response_url` of its payload anywhere the command was typed (a private channel or a group
DM the bot was never added to), for 30 minutes and at most 5 times. chat.postMessage there answers
`not_in_channel` (public channels) or `channel_not_found` (private ones); this sends the refused answer through the
response_url instead (`in_channel`, so the channel sees it) and, once, tells the person who asked (ephemeral) that
the bot must be invited: likes, comments, charts and footer updates all need the bot in the channel.

Only Slack's own host is ever posted to (the URL comes from a signed request, but a token-free POST to an
arbitrary host is not something to trust a payload with); `allowed_origin` admits a test server.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.core.cards import Card
from bot.core.events import Place
from bot.slack.render import render_blocks

__all__ = ["ResponseUrl", "FALLBACK_CODES", "VALID_FOR", "MAX_USES", "INVITE_HINT", "allowed_url"]

log = logging.getLogger(__name__)

FALLBACK_CODES = frozenset({"not_in_channel", "channel_not_found"})  # the bot is not in the channel
VALID_FOR = timedelta(minutes=30)  # Slack: a response_url works for 30 minutes ...
MAX_USES = 5  # ... and at most 5 times
SLACK_HOOKS = "https://hooks.slack.com"
INVITE_HINT = (
    "I answered here through your /scenario command because I am not a member of this channel, so I cannot post, "
    "see likes or comments, or show charts here. To use me fully, add me: type `/invite @Sales Scenario` in this "
    "channel (or open the channel's details, Integrations, Add apps)."
)


def allowed_url(url: str, allowed_origin: str | None = None) -> bool:
    """Whether `url` is Slack's response_url host (or the configured test origin)."""
    parts = urlsplit(url or "")
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin == SLACK_HOOKS and parts.path.startswith(("/commands/", "/actions/")):
        return True
    return bool(allowed_origin) and origin == allowed_origin


class ResponseUrl:
    """The `fallback` of one slash command's job: `ResponseUrl(url, issued_at, clock=...)`."""

    def __init__(
        self,
        url: str,
        issued_at: datetime,
        *,
        clock: Any,
        allowed_origin: str | None = None,
        client: AsyncWebhookClient | None = None,
    ) -> None:
        self.url = url
        self.issued_at = issued_at
        self.clock = clock
        self.allowed_origin = allowed_origin
        self.hook = client or AsyncWebhookClient(url, timeout=10)
        self.uses = 0
        self.hinted = False

    def usable(self, uses: int = 1) -> bool:
        if not allowed_url(self.url, self.allowed_origin):
            return False
        return self.uses + uses <= MAX_USES and self.clock() - self.issued_at < VALID_FOR

    async def __call__(self, code: str, place: Place, message: Card | str, user_id: str | None) -> bool:
        """The outbox's fallback: deliver a refused post (in the channel) or notice (to the person)."""
        if code not in FALLBACK_CODES:
            return False
        if not self.usable():
            log.warning(
                "slack response_url unusable (uses=%s, issued %s): answer lost (channel=%s)",
                self.uses,
                self.issued_at.isoformat(),
                place.channel_id,
            )
            return False
        if isinstance(message, Card):
            blocks, text = render_blocks(message)
        else:
            blocks, text = None, message
        delivered = await self._post(text, blocks, "ephemeral" if user_id else "in_channel")
        if delivered and not self.hinted and self.usable():
            self.hinted = True  # once per command: the next answers of the same command need no second hint
            await self._post(INVITE_HINT, None, "ephemeral")
        return delivered

    async def _post(self, text: str, blocks: list[dict[str, Any]] | None, response_type: str) -> bool:
        self.uses += 1
        try:
            response = await self.hook.send(
                text=text, blocks=blocks, response_type=response_type, replace_original=False
            )
        except Exception as error:  # a lost fallback is logged; the send had already failed for good
            log.error("slack response_url post failed: %s", type(error).__name__)
            return False
        if response.status_code != 200:
            log.error("slack response_url post refused: HTTP %s %s", response.status_code, (response.body or "")[:40])
            return False
        return True
