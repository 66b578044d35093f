"""TeamsSender: the worker's way to Teams, outside any turn (the core's PlatformSender port).

Owns proactive sends over botbuilder's CloudAdapter: the conversation reference stored per tenant and channel
(storage.conversations, saved by bot.teams.handler on every message and install) is continued with
`continue_conversation(reference, callback, app_id)`, and inside that turn the card is posted (an Adaptive Card
from bot.teams.render with the plain-text fallback as summary; a channel thread when the place has one), replaced
in place (PUT to the same activity id: footer updates, from any process, long after the turn that posted it), or
a notice is posted (Teams has no ephemeral messages). A 1:1 with a user the bot has seen starts with
`create_conversation` (tenant, service URL and bot id from the tenant's stored references).

Failures are classified for the durable outbox as Microsoft documents them: 429, 412, 502 and 504 are "not
sent" (retry with backoff); 500, 503, timeouts and dropped connections "unknown" (the Bot Connector may have
created the activity, and creation is not idempotent, so it is never blindly re-posted); other 4xx "refused".
Charts are image URLs under PUBLIC_URL/charts/<token>.png, stored in the database (any web process serves them).

A post the Connector accepts without an activity id (202 for an activity it split, or the open bug where channel
sends return no id) is visible but cannot be updated or matched to reactions: it is given up as refused
(`no_activity_id`, so it is never posted again), and for a card the bot says so in the same place (NO_ID_NOTICE),
so nobody waits for likes or footers that cannot come.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from botbuilder.core import CardFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import ClientException, HttpOperationError

from bot.core.cards import Card, Chart, Form
from bot.core.events import Place
from bot.core.jobs import SendError
from bot.core.ports import Sent
from bot.teams.render import render_adaptive, render_form
from bot.teams.translate import PLATFORM, conversation_id_for

__all__ = ["TeamsSender", "classify", "NO_ID_NOTICE"]

log = logging.getLogger(__name__)

_NOT_SENT = {429, 412, 502, 504}
_UNKNOWN = {408, 500, 503}
NO_ID_NOTICE = (
    "Teams did not tell me the id of the card above, so I cannot count its likes or comments or update it. "
    "Ask again (or mention me in a new post) for a card that can."
)


def classify(error: BaseException) -> SendError:
    if isinstance(error, SendError):
        return error
    if isinstance(error, HttpOperationError):
        status = getattr(error.response, "status_code", 0) or 0
        if status in _NOT_SENT:
            after = None
            headers = getattr(error.response, "headers", None) or {}
            try:
                after = float(headers.get("Retry-After")) if headers.get("Retry-After") else None
            except (TypeError, ValueError):
                after = None
            return SendError("not_sent", f"http_{status}", after)
        if status in _UNKNOWN or status >= 500:
            return SendError("unknown", f"http_{status}")
        return SendError("refused", f"http_{status}")
    if isinstance(error, ConnectionRefusedError):
        return SendError("not_sent", "connection_refused")
    if isinstance(error, ClientException | OSError | TimeoutError):
        cause = error.__cause__ or error.__context__
        if isinstance(cause, ConnectionRefusedError) or "Connection refused" in str(error):
            return SendError("not_sent", "connection_refused")
        return SendError("unknown", type(error).__name__)
    return SendError("unknown", type(error).__name__)


class TeamsSender:
    platform = PLATFORM
    can_reconcile = False  # the Bot Connector cannot be asked whether an activity was created
    charts_by_url = True  # an Adaptive Card's Image is a URL

    def __init__(self, adapter: CloudAdapter, storage: Any, *, app_id: str = "") -> None:
        self.adapter = adapter
        self.storage = storage
        self.app_id = app_id

    async def _reference(self, place: Place) -> ConversationReference:
        workspace = await self.storage.workspaces.ensure(PLATFORM, place.workspace_id)
        stored = await self.storage.conversations.get_reference(workspace.id, place.channel_id)
        if stored is None:
            raise SendError("refused", "no_conversation_reference")
        return ConversationReference().deserialize(stored.reference)

    async def _in_conversation(self, place: Place, work: Any) -> Any:
        """Run `work(turn_context)` in a continued conversation; failures are classified."""
        reference = await self._reference(place)
        result: dict[str, Any] = {}

        async def callback(turn_context: TurnContext) -> None:
            # caught here, not left to the adapter: its on_turn_error would log the failure and return normally,
            # and a refused post (429, 412, 5xx) would look like one accepted without an id
            try:
                result["value"] = await work(turn_context)
            except Exception as error:
                result["error"] = error

        try:
            await self.adapter.continue_conversation(reference, callback, self.app_id)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            raise classify(error) from None
        if "error" in result:
            raise classify(result["error"]) from None
        return result.get("value")

    @staticmethod
    def _activity(context: TurnContext, **fields: Any) -> Activity:
        incoming = context.activity
        return Activity(
            type=ActivityTypes.message,
            channel_id=incoming.channel_id,
            service_url=incoming.service_url,
            from_property=incoming.recipient,
            **fields,
        )

    def _card(self, context: TurnContext, card: Card, chart_url: str | None) -> Activity:
        content = render_adaptive(card, image_url=chart_url)
        return self._activity(
            context, attachments=[CardFactory.adaptive_card(content)], summary=card.fallback_text()[:1000]
        )

    async def _post(self, place: Place, thread_id: str | None, build: Any, *, card: bool = False) -> Sent:
        conversation_id, reply_to = conversation_id_for(place, thread_id)

        async def work(context: TurnContext) -> Any:
            activity = build(context)
            activity.conversation = ConversationAccount(id=conversation_id, tenant_id=place.workspace_id or None)
            activity.reply_to_id = reply_to
            [response] = await context.adapter.send_activities(context, [activity])
            return response

        response = await self._in_conversation(place, work)
        message_id = getattr(response, "id", None)
        if not message_id:
            # the threaded-reply endpoint may answer without an id: the message is there, but cannot be updated
            log.warning("teams post accepted without an activity id (conversation %s): not tracked", conversation_id)
            if card:
                with contextlib.suppress(SendError):
                    await self._in_conversation(
                        place, lambda ctx: self._send(ctx, self._activity(ctx, text=NO_ID_NOTICE), place, thread_id)
                    )
            raise SendError("refused", "no_activity_id")
        return Sent(message_id, place.in_thread(thread_id if reply_to else None))

    @staticmethod
    async def _send(context: TurnContext, activity: Activity, place: Place, thread_id: str | None) -> Any:
        conversation_id, reply_to = conversation_id_for(place, thread_id)
        activity.conversation = ConversationAccount(id=conversation_id, tenant_id=place.workspace_id or None)
        activity.reply_to_id = reply_to
        [response] = await context.adapter.send_activities(context, [activity])
        return response

    # ------------------------------------------------------------------ PlatformSender

    async def post(
        self, place: Place, message: Card | str, *, thread_id: str | None, key: str, chart_url: str | None
    ) -> Sent:
        if isinstance(message, Card):
            return await self._post(place, thread_id, lambda ctx: self._card(ctx, message, chart_url), card=True)
        return await self._post(place, thread_id, lambda ctx: self._activity(ctx, text=message))

    async def upload_chart(self, place: Place, chart: Chart, *, thread_id: str) -> None:
        return None  # Teams shows the chart inside the card (an image URL)

    async def update(self, place: Place, message_id: str, card: Card, *, chart_url: str | None) -> None:
        conversation_id, _ = conversation_id_for(place, place.thread_id)

        async def work(context: TurnContext) -> None:
            activity = self._card(context, card, chart_url)
            activity.id = message_id
            activity.conversation = ConversationAccount(id=conversation_id, tenant_id=place.workspace_id or None)
            await context.adapter.update_activity(context, activity)

        await self._in_conversation(place, work)

    async def notify(self, place: Place, text: str, *, user_id: str | None) -> None:
        # no ephemeral messages in Teams: the notice is visible to everyone in the conversation
        await self._post(place, place.thread_id, lambda ctx: self._activity(ctx, text=text))

    async def post_form(self, place: Place, form: Form, trigger: Any) -> Sent:
        # Teams has no modal for a plain bot message: the form is an input card in the same place
        def build(ctx: TurnContext) -> Activity:
            return self._activity(ctx, attachments=[CardFactory.adaptive_card(render_form(form))], summary=form.title)

        return await self._post(place, place.thread_id, build)

    async def find_sent(self, place: Place, key: str, *, thread_id: str | None, since: Any) -> Sent | None:
        return None

    async def open_dm(self, workspace_external_id: str, user_id: str) -> Place:
        """A 1:1 chat with `user_id` (an AAD object id or Teams user id the bot has seen in this tenant)."""
        workspace = await self.storage.workspaces.ensure(PLATFORM, workspace_external_id)
        references = await self.storage.conversations.list(workspace.id)
        if not references:
            raise SendError("refused", "no_conversation_reference")
        known = references[0].reference
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(**{k: v for k, v in (known.get("bot") or {}).items() if k in ("id", "name")}),
            members=[ChannelAccount(id=user_id)],
            tenant_id=workspace_external_id,
            channel_data={"tenant": {"id": workspace_external_id}},
        )
        created: dict[str, Any] = {}

        async def callback(turn_context: TurnContext) -> None:
            reference = TurnContext.get_conversation_reference(turn_context.activity)
            created["reference"] = reference

        try:
            await self.adapter.create_conversation(
                self.app_id, callback, parameters, known.get("channelId") or "msteams", known.get("serviceUrl"), None
            )
        except Exception as error:
            raise classify(error) from None
        reference = created.get("reference")
        if reference is None or not reference.conversation:
            raise SendError("unknown", "no_conversation")
        chat_id = reference.conversation.id
        data = reference.serialize()
        data.pop("activityId", None)
        await self.storage.conversations.save_reference(workspace.id, chat_id, "personal", data)
        return Place(PLATFORM, workspace_external_id, chat_id, None, True)
