"""SlackSender: the worker's way to Slack, outside any request (the core's PlatformSender port).

Owns the Web API calls a job makes (chat.postMessage with the outbox key in the message's `metadata`,
files_upload_v2 for a card's chart or a shared file (a decisions export), chat.update, chat.postEphemeral,
conversations.open for DMs, chat.getPermalink (a card linking another), users.info's admin flags (who may give
roles), and the history lookup that settles a send whose outcome was lost) and how each failure is classified
for the durable outbox: 429 is "not sent" with Slack's Retry-After; a refused connection is "not sent"; a 5xx, a
timeout or a dropped connection is "unknown" (Slack may have posted it); an error code that no retry can fix
(channel gone, access revoked) is "refused". The client has no retry handlers of its own: retries are the
worker's, with backoff, so a Retry-After never blocks anything but the job that got it. Errors are logged by the
outbox with the error code only, never the response text (it can echo what was sent) or the token.

Installed in many workspaces, each call is made with the token of the workspace it is for: `tokens(tenant)` (the
TokenKeeper) gives the installation's current token, rotated first when it is about to expire; a workspace where the
app is no longer installed is refused ("not_installed"), a refresh token Slack refused too (reinstall needed).
With one SLACK_BOT_TOKEN (`tokens` None) every call uses the client's token, as before.

Also owns display names: Slack payloads carry a user id and no trustworthy name, so `display_name` asks
users.info (profile display_name, else real_name) and keeps the answer in a small LRU cache with a TTL (names
change rarely; a relay of ten comments must not make ten calls).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.cards import Card, Chart, Form
from bot.core.events import Place
from bot.core.jobs import SendError
from bot.core.ports import Sent
from bot.slack.client import KeepAliveWebClient
from bot.slack.installations import TokenUnavailable
from bot.slack.render import render_blocks

__all__ = ["SlackSender", "METADATA_EVENT", "worker_client"]

METADATA_EVENT = "scenario_bot_send"  # message metadata event_type carrying the outbox key
# Error codes that no retry can fix: the message is given up (the outbox row is marked failed).
REFUSED = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "msg_too_long",
        "invalid_blocks",
        "invalid_blocks_format",
        "no_text",
        "restricted_action",
        "cant_update_message",
        "message_not_found",
        "user_not_found",
        "ekm_access_denied",
        "team_access_not_granted",
        "invalid_arguments",
    }
)
_LOOKBACK_SECONDS = 300.0
NAME_TTL_SECONDS = 3600.0  # a renamed person shows the new name within the hour
NAME_CACHE_SIZE = 2048

log = logging.getLogger(__name__)


def worker_client(token: str, api_url: str, *, timeout: int = 15) -> KeepAliveWebClient:
    """A client without slack_sdk's own retries: a 429 or a 5xx goes back to the worker, which retries the job
    after Retry-After or a backoff instead of sleeping (or re-posting blindly) inside the call."""
    return KeepAliveWebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=[])


def _retry_after(error: SlackApiError) -> float | None:
    headers = getattr(error.response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def _classify(error: BaseException) -> SendError:
    if isinstance(error, SlackApiError):
        response = error.response
        status = getattr(response, "status_code", 0) or 0
        code = (response.get("error") if response is not None else None) or f"http_{status}"
        if status == 429 or code == "ratelimited":
            return SendError("not_sent", "ratelimited", _retry_after(error) or 1.0)
        if code in REFUSED:
            return SendError("refused", code)
        return SendError("unknown", code if status < 500 else f"http_{status}")
    if isinstance(error, aiohttp.ClientConnectorError):
        return SendError("not_sent", "connection_refused")  # no connection: nothing was sent
    if isinstance(error, TimeoutError | aiohttp.ClientError | SlackClientError | OSError):
        return SendError("unknown", type(error).__name__)
    return SendError("unknown", type(error).__name__)


class SlackSender:
    platform = "slack"
    can_reconcile = True
    charts_by_url = False  # image blocks need a public URL: the PNG is uploaded under the card (upload_chart)

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        clock: Callable[[], float] = time.monotonic,
        tokens: Callable[[str], Awaitable[str | None]] | None = None,
    ) -> None:
        self.client = client
        self.clock = clock
        self.tokens = tokens
        self._names: OrderedDict[tuple[str, str], tuple[str, float]] = OrderedDict()
        self.name_lookups = 0  # users.info calls made (tests and benchmarks read it)

    async def display_name(self, workspace_external_id: str, user_id: str) -> str | None:
        """The name Slack shows for `user_id` (profile display_name, else real_name), or None if unknown."""
        key = (workspace_external_id, user_id)
        cached = self._names.get(key)
        if cached is not None and cached[1] > self.clock():
            self._names.move_to_end(key)
            return cached[0]
        self.name_lookups += 1
        try:
            client = await self.client_for(workspace_external_id)
            response = await self._call(client.users_info, user=user_id)
        except SendError as error:
            log.warning("slack users.info failed: %s (user=%s)", error.code, user_id)
            return None
        found = response.get("user") or {}
        profile = found.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or found.get("real_name") or ""
        if not name:
            return None
        self._names[key] = (name, self.clock() + NAME_TTL_SECONDS)
        self._names.move_to_end(key)
        while len(self._names) > NAME_CACHE_SIZE:
            self._names.popitem(last=False)
        return name

    async def person(self, workspace_external_id: str, user_id: str) -> dict[str, Any] | None:
        """users.info's `user` object (team_id, enterprise_user, is_bot, deleted, profile), or None when Slack
        does not know the id. Used before inviting someone, so a Slack Connect guest or a bot is never DMed."""
        try:
            client = await self.client_for(workspace_external_id)
            response = await self._call(client.users_info, user=user_id)
        except SendError as error:
            if error.code == "user_not_found":
                return None
            raise
        found = response.get("user") or None
        if found:
            profile = found.get("profile") or {}
            name = profile.get("display_name") or profile.get("real_name") or found.get("real_name") or ""
            if name:
                self._names[(workspace_external_id, user_id)] = (name, self.clock() + NAME_TTL_SECONDS)
        return found

    async def client_for(self, workspace_external_id: str) -> AsyncWebClient:
        """The client carrying the token of this workspace (or organisation); SendError when there is none."""
        if self.tokens is None:
            return self.client
        try:
            token = await self.tokens(workspace_external_id)
        except TokenUnavailable as error:
            raise SendError("refused" if error.for_good else "not_sent", error.code) from None
        if token is None:
            raise SendError("refused", "not_installed")
        base = self.client
        if isinstance(base, KeepAliveWebClient):
            base.ensure_session()  # every workspace's client shares the one session, so its connections are reused
        return AsyncWebClient(
            token=token, base_url=base.base_url, timeout=base.timeout, session=base.session, retry_handlers=[]
        )

    async def _call(self, method: Any, **kwargs: Any) -> Any:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        try:
            return await method(**kwargs)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            raise _classify(error) from None

    async def post(
        self, place: Place, message: Card | str, *, thread_id: str | None, key: str, chart_url: str | None
    ) -> Sent:
        if isinstance(message, Card):
            blocks, text = render_blocks(message)
        else:
            blocks, text = None, message
        client = await self.client_for(place.workspace_id)
        response = await self._call(
            client.chat_postMessage,
            channel=place.channel_id,
            text=text,
            blocks=blocks,
            thread_ts=thread_id,
            unfurl_links=False,
            unfurl_media=False,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
        )
        channel = response.get("channel") or place.channel_id
        return Sent(response["ts"], Place(place.platform, place.workspace_id, channel, thread_id, place.is_dm))

    async def upload_chart(self, place: Place, chart: Chart, *, thread_id: str) -> None:
        # Threads do not nest: a card posted inside a thread gets its chart in that same thread.
        client = await self.client_for(place.workspace_id)
        await self._call(
            client.files_upload_v2,
            channel=place.channel_id,
            thread_ts=thread_id,
            content=chart.png,
            filename=chart.name,
            title=chart.name.rsplit(".", 1)[0].replace("-", " ").replace("_", " ") or "chart",
            alt_txt=chart.alt[:1000],
        )

    async def update(self, place: Place, message_id: str, card: Card, *, chart_url: str | None) -> None:
        blocks, text = render_blocks(card)
        client = await self.client_for(place.workspace_id)
        await self._call(
            client.chat_update,
            channel=place.channel_id,
            ts=message_id,
            text=text,
            blocks=blocks,
        )

    async def notify(self, place: Place, text: str, *, user_id: str | None) -> None:
        client = await self.client_for(place.workspace_id)
        if user_id is None:
            await self._call(
                client.chat_postMessage,
                channel=place.channel_id,
                text=text,
                thread_ts=place.thread_id,
            )
            return
        await self._call(
            client.chat_postEphemeral,
            channel=place.channel_id,
            user=user_id,
            text=text,
            thread_ts=place.thread_id,
        )

    async def post_form(self, place: Place, form: Form, trigger: Any) -> Sent:
        raise SendError("refused", "forms_open_in_the_request_path")

    async def find_sent(self, place: Place, key: str, *, thread_id: str | None, since: datetime | None) -> Sent | None:
        """The message carrying `key` in its metadata: in the thread (conversations.replies) or in the channel's
        history since shortly before the lost attempt (conversations.history)."""
        client = await self.client_for(place.workspace_id)
        if thread_id:
            response = await self._call(
                client.conversations_replies,
                channel=place.channel_id,
                ts=thread_id,
                include_all_metadata=True,
                limit=200,
            )
        else:
            oldest = f"{since.timestamp() - _LOOKBACK_SECONDS:.6f}" if since is not None else None
            response = await self._call(
                client.conversations_history,
                channel=place.channel_id,
                oldest=oldest,
                include_all_metadata=True,
                limit=200,
            )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT and (metadata.get("event_payload") or {}).get("key") == key:
                return Sent(
                    message["ts"], Place(place.platform, place.workspace_id, place.channel_id, thread_id, place.is_dm)
                )
        return None

    async def user_timezone(self, workspace_external_id: str, user_id: str) -> str | None:
        """The person's IANA time zone (users.info `tz`, needs users:read), or None when Slack does not say."""
        client = await self.client_for(workspace_external_id)
        response = await self._call(client.users_info, user=user_id)
        tz = (response.get("user") or {}).get("tz")
        return str(tz) if tz else None

    async def permalink(self, place: Place, message_id: str) -> str | None:
        """The message's URL (chat.getPermalink), to link a card from another message; None if Slack has none."""
        try:
            client = await self.client_for(place.workspace_id)
            response = await self._call(client.chat_getPermalink, channel=place.channel_id, message_ts=message_id)
        except SendError as error:
            log.warning("slack chat.getPermalink failed: %s", error.code)
            return None
        link = response.get("permalink")
        return str(link) if isinstance(link, str) and link.startswith("https://") else None

    async def is_admin(self, workspace_external_id: str, user_id: str) -> bool:
        """Whether `user_id` is an admin or owner of this workspace (users.info `is_admin` / `is_owner`; a guest
        from another organisation, whose `team_id` differs, is not an admin here). False when Slack cannot say."""
        try:
            client = await self.client_for(workspace_external_id)
            response = await self._call(client.users_info, user=user_id)
        except SendError as error:
            log.warning("slack users.info failed: %s (user=%s)", error.code, user_id)
            return False
        found = response.get("user") or {}
        # the workspace is a team id, or an enterprise id on an org-wide install (Enterprise Grid)
        home = {found.get("team_id"), (found.get("enterprise_user") or {}).get("enterprise_id")}
        if workspace_external_id not in home:
            return False
        return bool(found.get("is_admin") or found.get("is_owner") or found.get("is_primary_owner"))

    async def upload_file(self, place: Place, name: str, data: bytes, *, title: str, thread_id: str | None) -> None:
        """Share a file in the channel (files_upload_v2: get an upload URL, upload, complete into the channel)."""
        client = await self.client_for(place.workspace_id)
        await self._call(
            client.files_upload_v2,
            channel=place.channel_id,
            thread_ts=thread_id,
            content=data,
            filename=name,
            title=title,
        )

    async def open_dm(self, workspace_external_id: str, user_id: str) -> Place:
        client = await self.client_for(workspace_external_id)
        response = await self._call(client.conversations_open, users=user_id)
        channel = (response.get("channel") or {}).get("id", "")
        return Place("slack", workspace_external_id, channel, None, True)
