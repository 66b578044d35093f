"""TeamsOutbox: the core's Outbox port implemented over a botbuilder TurnContext.

Owns how a neutral Card or text reaches Teams: an Adaptive Card attachment (bot.teams.render) with the
card's plain-text fallback as the activity summary (notifications, screen readers), posted through the
turn's connector client into the place's conversation (a channel thread when the place has one); update
replaces the card in place (PUT to the same activity id); forms are input cards; notices are plain text
(Teams has no ephemeral messages). Charts are published as a URL under PUBLIC_URL (bot.teams.charts) or,
without PUBLIC_URL, left out with their alt text kept. Connector failures are logged with ids and the HTTP
status only and end as None: a failed post must not crash the feature that asked for it.

The turn's connector client stays usable after the turn has answered Teams, so coalesced footer updates
(which run a moment later) reuse the outbox of the reaction or reply that caused them.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from botbuilder.core import CardFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ConversationAccount
from msrest.exceptions import ClientException, HttpOperationError

from bot.core.cards import Card, Chart, Form
from bot.core.events import Place
from bot.core.ports import Sent
from bot.teams.charts import ChartStore, ShownImage
from bot.teams.render import render_adaptive, render_form
from bot.teams.translate import conversation_id_for

__all__ = ["TeamsOutbox"]

log = logging.getLogger(__name__)


class TeamsOutbox:
    """Outbox over one turn. `charts` and `public_url` publish chart images; without a public URL the
    card shows the chart's alt text instead."""

    def __init__(self, context: TurnContext, *, charts: ChartStore | None = None, public_url: str = "") -> None:
        self.context = context
        self.charts = charts
        self.public_url = public_url.rstrip("/")

    # ------------------------------------------------------------------ the Outbox protocol

    async def send(self, place: Place, message: Card | str, *, thread_id: str | None = None) -> Sent | None:
        thread = thread_id or place.thread_id
        conversation_id, reply_to = conversation_id_for(place, thread)
        shown = None
        if isinstance(message, Card):
            image_url, shown = self._publish_chart(message)
            activity = self._card_activity(render_adaptive(message, image_url=image_url), message.fallback_text())
        else:
            activity = self._activity(text=message)
        response = await self._post(activity, place, conversation_id, reply_to)
        if response is None or not getattr(response, "id", None):
            return None
        if shown is not None and self.charts is not None:
            self.charts.remember(_key(place, response.id), shown)
        return Sent(response.id, place.in_thread(thread if reply_to else None))

    async def update(self, place: Place, message_id: str, card: Card) -> None:
        conversation_id, _ = conversation_id_for(place, place.thread_id)
        activity = self._card_activity(self._render_again(place, message_id, card), card.fallback_text())
        activity.id = message_id
        activity.conversation = ConversationAccount(id=conversation_id)
        try:
            await self.context.adapter.update_activity(self.context, activity)
        except Exception as error:
            self._log_failure("update_activity", error, place)

    async def open_form(self, place: Place, form: Form, trigger: Any) -> None:
        # Teams has no modal for a plain bot message: the form is an input card in the same place
        conversation_id, reply_to = conversation_id_for(place, place.thread_id)
        activity = self._card_activity(render_form(form), form.title)
        await self._post(activity, place, conversation_id, reply_to)

    async def notify(self, place: Place, text: str, *, user_id: str | None = None) -> None:
        # no ephemeral messages in Teams: the notice is visible to everyone in the conversation
        conversation_id, reply_to = conversation_id_for(place, place.thread_id)
        await self._post(self._activity(text=text), place, conversation_id, reply_to)

    # ------------------------------------------------------------------ helpers

    def _publish_chart(self, card: Card) -> tuple[str | None, ShownImage | None]:
        chart = card.chart
        if chart is None or self.charts is None or not self.public_url:
            return None, None
        token = self.charts.put(chart.png)
        url = f"{self.public_url}/charts/{token}.png"
        return url, ShownImage(url, chart.alt, card.blocks.index(chart))

    def _render_again(self, place: Place, message_id: str, card: Card) -> dict[str, Any]:
        """A stored card comes back without its chart PNG: put the image it showed back where it was."""
        shown = self.charts.shown(_key(place, message_id)) if self.charts is not None else None
        if shown is None or card.chart is not None:
            return render_adaptive(card)
        blocks = list(card.blocks)
        blocks.insert(min(shown.index, len(blocks)), Chart(b"", shown.alt))
        return render_adaptive(dataclasses.replace(card, blocks=tuple(blocks)), image_url=shown.url)

    def _activity(self, **fields: Any) -> Activity:
        incoming = self.context.activity
        return Activity(
            type=ActivityTypes.message,
            channel_id=incoming.channel_id,
            service_url=incoming.service_url,
            from_property=incoming.recipient,
            **fields,
        )

    def _card_activity(self, content: dict[str, Any], summary: str) -> Activity:
        return self._activity(attachments=[CardFactory.adaptive_card(content)], summary=summary[:1000])

    async def _post(self, activity: Activity, place: Place, conversation_id: str, reply_to: str | None):
        tenant = place.workspace_id or None
        activity.conversation = ConversationAccount(id=conversation_id, tenant_id=tenant)
        activity.reply_to_id = reply_to
        try:
            [response] = await self.context.adapter.send_activities(self.context, [activity])
        except Exception as error:
            self._log_failure("send_activity", error, place)
            return None
        return response

    def _log_failure(self, operation: str, error: Exception, place: Place) -> None:
        # the status code and ids only: the response body can echo the message we sent
        if isinstance(error, HttpOperationError):
            status = getattr(error.response, "status_code", "?")
            log.error(
                "teams %s failed: HTTP %s (tenant=%s channel=%s)",
                operation,
                status,
                place.workspace_id,
                place.channel_id,
            )
        elif isinstance(error, ClientException | OSError | TimeoutError):
            log.error(
                "teams %s failed: %s (tenant=%s channel=%s)",
                operation,
                type(error).__name__,
                place.workspace_id,
                place.channel_id,
            )
        else:  # an SDK bug must not crash the caller either
            log.exception(
                "teams %s failed unexpectedly: %s (tenant=%s channel=%s)",
                operation,
                type(error).__name__,
                place.workspace_id,
                place.channel_id,
            )


def _key(place: Place, message_id: str) -> str:
    return f"{place.workspace_id}|{place.channel_id}|{message_id}"
