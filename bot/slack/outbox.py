"""SlackOutbox: the core's Outbox port implemented with Slack Web API calls.

Owns how a neutral Card or text reaches Slack: chat.postMessage with Block Kit from bot.slack.render (and
the chart uploaded with files_upload_v2 into the card's thread, so it appears right under the card),
chat.update for re-rendered cards (likes/comments footers), views.open for forms, chat.postEphemeral for
notices. Slack errors are logged with ids and the error code only (never tokens or message text) and end
as None: a failed post must not crash the listener that asked for it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.cards import Card, Chart, Form, FormField
from bot.core.errors import log_failure
from bot.core.events import Place
from bot.core.ports import OnPosted, Sent
from bot.slack.render import render_blocks
from bot.slack.translate import form_metadata

__all__ = ["SlackOutbox", "build_modal"]

log = logging.getLogger(__name__)

# Slack's limits for modals (https://docs.slack.dev/reference/views/modal-views)
_MODAL_TITLE = 24
_MODAL_BUTTON = 24
_PRIVATE_METADATA = 3000
_LABEL = 2000
_PLACEHOLDER = 150
_OPTION_TEXT = 75
_OPTION_VALUE = 150


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(text, limit)}


def _element(field: FormField) -> dict[str, Any]:
    """The Block Kit input element for a field's kind (api.slack.com/reference/block-kit/block-elements)."""
    element: dict[str, Any] = {"action_id": field.id}
    initial = field.initial
    if field.kind == "users":
        element.update(type="multi_users_select", max_selected_items=field.max_selected)
        if initial:
            element["initial_users"] = list(initial)
    elif field.kind == "select":
        options = [
            {"text": _plain(o.label, _OPTION_TEXT), "value": o.value[:_OPTION_VALUE]} for o in field.options[:100]
        ]
        element.update(type="static_select", options=options)
        chosen = [o for o in options if o["value"] == initial]
        if chosen:
            element["initial_option"] = chosen[0]
    elif field.kind == "date":
        element["type"] = "datepicker"
        if initial:
            element["initial_date"] = str(initial)
    elif field.kind == "time":
        element["type"] = "timepicker"
        if initial:
            element["initial_time"] = str(initial)
    elif field.kind == "number":
        element.update(type="number_input", is_decimal_allowed=True)
        if initial:
            element["initial_value"] = str(initial)
    else:
        element.update(type="plain_text_input", multiline=field.multiline, max_length=field.max_length)
        if initial:
            element["initial_value"] = str(initial)[: field.max_length]
    if field.placeholder and field.kind in ("text", "number", "select", "users", "date", "time"):
        element["placeholder"] = _plain(field.placeholder, _PLACEHOLDER)
    return element


def build_modal(form: Form, place: Place) -> dict[str, Any]:
    """A modal whose submission comes back as view_submission with callback_id "form:<form_id>"."""
    metadata = form_metadata(form.metadata, place)
    if len(metadata) > _PRIVATE_METADATA:
        raise ValueError(f"form {form.form_id!r}: metadata is {len(metadata)} characters, Slack allows 3000")
    blocks = []
    for field in form.fields:
        block: dict[str, Any] = {
            "type": "input",
            "block_id": f"field:{field.id}",
            "label": {"type": "plain_text", "text": _clip(field.label, _LABEL)},
            "element": _element(field),
        }
        if field.optional:
            block["optional"] = True
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": f"form:{form.form_id}",
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": _clip(form.title, _MODAL_TITLE)},
        "submit": {"type": "plain_text", "text": _clip(form.submit_label, _MODAL_BUTTON)},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


class SlackOutbox:
    """Outbox over one AsyncWebClient (the app's client, which carries the bot token and 429 retries)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send(
        self, place: Place, message: Card | str, *, thread_id: str | None = None, on_posted: OnPosted | None = None
    ) -> Sent | None:
        thread = thread_id or place.thread_id
        if isinstance(message, Card):
            blocks, text = render_blocks(message)
        else:
            blocks, text = None, message
        response = await self._call(
            "chat.postMessage",
            place,
            self.client.chat_postMessage,
            channel=place.channel_id,
            text=text,
            blocks=blocks,
            thread_ts=thread,
            unfurl_links=False,
            unfurl_media=False,
        )
        if response is None:
            return None
        ts = response["ts"]
        channel = response.get("channel") or place.channel_id
        sent_place = Place(place.platform, place.workspace_id, channel, thread, place.is_dm)
        sent = Sent(ts, sent_place)
        if on_posted is not None:
            await on_posted(sent)
        if isinstance(message, Card) and message.chart is not None:
            # Threads do not nest: a card posted inside a thread gets its chart in that same thread.
            await self._upload_chart(sent_place, message.chart, thread or ts)
        return sent

    async def _upload_chart(self, place: Place, chart: Chart, thread_ts: str) -> None:
        await self._call(
            "files_upload_v2",
            place,
            self.client.files_upload_v2,
            channel=place.channel_id,
            thread_ts=thread_ts,
            content=chart.png,
            filename=chart.name,
            title=chart.name.rsplit(".", 1)[0].replace("-", " ").replace("_", " ") or "chart",
            alt_txt=_clip(chart.alt, 1000),
        )

    async def update(self, place: Place, message_id: str, card: Card) -> None:
        blocks, text = render_blocks(card)
        await self._call(
            "chat.update",
            place,
            self.client.chat_update,
            channel=place.channel_id,
            ts=message_id,
            text=text,
            blocks=blocks,
        )

    async def open_form(self, place: Place, form: Form, trigger: Any) -> None:
        if not trigger:
            log.warning("slack views.open skipped: no trigger_id (channel=%s form=%s)", place.channel_id, form.form_id)
            return
        try:
            view = build_modal(form, place)
        except ValueError as error:
            log.error("slack views.open skipped: %s", error)
            return
        await self._call("views.open", place, self.client.views_open, trigger_id=trigger, view=view)

    async def notify(self, place: Place, text: str, *, user_id: str | None = None) -> None:
        if user_id is None:
            await self._call(
                "chat.postMessage",
                place,
                self.client.chat_postMessage,
                channel=place.channel_id,
                text=text,
                thread_ts=place.thread_id,
            )
            return
        await self._call(
            "chat.postEphemeral",
            place,
            self.client.chat_postEphemeral,
            channel=place.channel_id,
            user=user_id,
            text=text,
            thread_ts=place.thread_id,
        )

    async def _call(self, name: str, place: Place, method, **kwargs: Any):
        """Run one Web API call; on failure log ids + Slack's error code and return None."""
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        try:
            return await method(**kwargs)
        except SlackApiError as error:
            # error.response["error"] is Slack's short code (e.g. channel_not_found); the full response text
            # is not logged because it can echo what we sent.
            code = error.response.get("error") if error.response is not None else "unknown"
            status = error.response.status_code if error.response is not None else "?"
            log.error(
                "slack %s failed: %s (status=%s team=%s channel=%s)",
                name,
                code,
                status,
                place.workspace_id,
                place.channel_id,
            )
        except (TimeoutError, SlackClientError, OSError) as error:
            log.error(
                "slack %s failed: %s (team=%s channel=%s)",
                name,
                type(error).__name__,
                place.workspace_id,
                place.channel_id,
            )
        except Exception as error:  # an SDK bug must not crash the caller either
            log_failure(
                log, error, "slack %s, unexpectedly (team=%s channel=%s)", name, place.workspace_id, place.channel_id
            )
        return None
