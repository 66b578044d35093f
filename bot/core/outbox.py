"""The durable outbox: the Outbox port features use inside a job, sending each message once under its key.

Owns how a send becomes an outbox row and reaches the platform through a PlatformSender, exactly once per
idempotency key however often the job runs (retries, a second worker after a crash):
- every call gets a key, `<job scope>:<n>` for the n-th send of the job unless the feature names one, so a job
  that runs again replays its sends in order and skips the ones already `sent` (returning the same message id);
- the row is marked `sending` and committed before the platform is called; the platform's id is recorded after;
- a 429 or a refused connection (surely not delivered) puts the row back to `pending` and raises RetryLater with
  the platform's Retry-After; the job runs again then;
- a send whose outcome was lost (timeout, dropped connection, 5xx; or a row left `sending` by a killed worker) is
  `unknown` and is never blindly posted again: where the platform can be asked (Slack: the key rides in the
  message's metadata and is looked up in the channel's history) the message is found or, if absent, sent; where
  it cannot (Teams), the row stays `unknown`, nothing is posted twice, and operators see it (`python -m bot jobs`);
- a refusal for good (channel gone, access revoked) marks the row `failed`; the send returns None as a failed
  post always has, and the feature goes on. A job may give the outbox a `fallback` (Slack: a slash command's
  response_url, for a channel the bot is not in): it is offered each refused post or notice once, after the row
  is marked failed, so a rerun of the job never delivers it twice.
Where a card shows its chart by URL (Teams), the chart is stored (storage.charts) before the card is sent, so the
card and every later re-render of it (footer updates) point at the same image; Slack gets the PNG uploaded under the
card instead, as its own keyed send, and stores no copy (nothing would read it: 50-60 KB a card kept 90 days).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from bot.core.cards import Card, Chart, Form
from bot.core.errors import log_failure
from bot.core.events import Actor, Place
from bot.core.jobs import RetryLater, SendError
from bot.core.ports import OnPosted, Outbox, PlatformSender, Sent

if TYPE_CHECKING:
    from storage import OutboxEntry, Storage

__all__ = ["DurableOutbox", "Fallback", "display_name"]

log = logging.getLogger(__name__)
T = TypeVar("T")

# `fallback(code, place, message, user_id)`: deliver a post (or a notice for `user_id`) the platform refused with
# error `code` some other way; True when it did. Called at most once per outbox key.
Fallback = Callable[[str, Place, Card | str, str | None], Awaitable[bool]]


class DurableOutbox:
    """`DurableOutbox(storage, sender, scope=..., workspace_id=..., clock=..., public_url=...)`: one per job run."""

    def __init__(
        self,
        storage: Storage,
        sender: PlatformSender,
        *,
        scope: str,
        workspace_id: int | None,
        clock: Callable[[], datetime],
        public_url: str = "",
        forms: Outbox | None = None,
        fallback: Fallback | None = None,
    ) -> None:
        self.storage = storage
        self.sender = sender
        self.scope = scope
        self.workspace_id = workspace_id
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.forms = forms  # a live outbox that can still open a form (never in a job: a trigger expires in 3 s)
        self.fallback = fallback  # set by a job that has another way to answer (bot.slack.jobs: response_url)
        self._n = 0

    def _key(self, key: str | None) -> str:
        self._n += 1
        return key or f"{self.scope}:{self._n}"

    def chart_url(self, chart: Chart | None) -> str | None:
        if chart is None or not chart.token or not self.public_url:
            return None
        return f"{self.public_url}/charts/{chart.token}.png"

    async def _store_chart(self, card: Card) -> Card:
        chart = card.chart
        if chart is None or chart.token or not chart.png or not self.sender.charts_by_url:
            return card
        token = await self.storage.charts.put(self.workspace_id, chart.png)
        return _with_token(card, token)

    # ------------------------------------------------------------------ the Outbox protocol

    async def send(
        self,
        place: Place,
        message: Card | str,
        *,
        thread_id: str | None = None,
        key: str | None = None,
        on_posted: OnPosted | None = None,
    ) -> Sent | None:
        key = self._key(key)
        thread = thread_id or place.thread_id
        entry = await self._begin(key, "post", place, thread)
        if entry.status == "sent":
            if isinstance(message, Card) and entry.chart_token:
                message = _with_token(message, entry.chart_token)
            where = Place(
                place.platform, place.workspace_id, entry.remote_channel or place.channel_id, thread, place.is_dm
            )
            sent: Sent | None = Sent(entry.remote_id or "", where)
        elif entry.status == "failed":
            return None
        else:
            if isinstance(message, Card):
                message = (
                    _with_token(message, entry.chart_token) if entry.chart_token else await self._store_chart(message)
                )
            sent = await self._deliver_post(key, entry, place, message, thread)
        if sent is None:
            return None
        if isinstance(message, Card):
            sent = dataclasses.replace(sent, card=message)
        if on_posted is not None:
            await on_posted(sent)
        if isinstance(message, Card) and message.chart is not None and message.chart.png:
            await self._chart(f"{key}:chart", sent, message.chart, thread)
        return sent

    async def _deliver_post(
        self, key: str, entry: OutboxEntry, place: Place, message: Card | str, thread: str | None
    ) -> Sent | None:
        chart = message.chart if isinstance(message, Card) else None
        token = chart.token if chart else None
        if entry.status in ("sending", "unknown"):
            # a previous attempt handed this message over and never heard back: it may be in the channel
            if not self.sender.can_reconcile:
                await self.storage.outbox.unknown(key, error=entry.last_error or "outcome lost")
                log.error("outbox %s: outcome of an earlier send is unknown; not posting again", key)
                return None
            found = await self._call(key, self.sender.find_sent(place, key, thread_id=thread, since=entry.attempted_at))
            if found is not None:
                await self._mark_sent(key, found, token)
                return found
            await self.storage.outbox.sending(key, now=self.clock(), chart_token=token)  # not there: send it now
        sent = await self._call(
            key,
            self.sender.post(place, message, thread_id=thread, key=key, chart_url=self.chart_url(chart)),
            post=True,
            refused=lambda code: self._fall_back(key, code, place, message, None),
        )
        if sent is None:
            return None
        await self._mark_sent(key, sent, token)
        return sent

    async def _chart(self, key: str, card_sent: Sent, chart: Chart, thread: str | None) -> None:
        entry = await self._begin(key, "chart", card_sent.place, thread)
        if entry.status in ("sent", "failed"):
            return
        if entry.status in ("sending", "unknown"):
            # a chart upload is not looked up: a lost one is better than the same chart twice
            await self.storage.outbox.unknown(key, error=entry.last_error or "outcome lost")
            return
        ok = await self._call_done(
            key, self.sender.upload_chart(card_sent.place, chart, thread_id=thread or card_sent.message_id)
        )
        if ok:
            await self.storage.outbox.sent(key, remote_id=card_sent.message_id, remote_channel=None, now=self.clock())

    async def update(self, place: Place, message_id: str, card: Card, *, key: str | None = None) -> None:
        key = self._key(key)
        entry = await self._begin(key, "update", place, place.thread_id)
        if entry.status in ("sent", "failed"):
            return
        # an update replaces the message: sending it twice shows the same thing, so a lost outcome is retried
        card = await self._store_chart(card)
        ok = await self._call_done(
            key, self.sender.update(place, message_id, card, chart_url=self.chart_url(card.chart)), post=False
        )
        if ok:
            await self.storage.outbox.sent(key, remote_id=message_id, remote_channel=place.channel_id, now=self.clock())

    async def notify(self, place: Place, text: str, *, user_id: str | None = None, key: str | None = None) -> None:
        key = self._key(key)
        entry = await self._begin(key, "notify", place, place.thread_id)
        if entry.status in ("sent", "failed"):
            return
        if entry.status in ("sending", "unknown"):
            await self.storage.outbox.unknown(key, error=entry.last_error or "outcome lost")
            return
        ok = await self._call_done(
            key,
            self.sender.notify(place, text, user_id=user_id),
            refused=lambda code: self._fall_back(key, code, place, text, user_id),
        )
        if ok:
            await self.storage.outbox.sent(key, remote_id="-", remote_channel=place.channel_id, now=self.clock())

    async def dm(self, place: Place, user_id: str, message: Card | str, *, key: str | None = None) -> Sent | None:
        """A private message to `user_id`: the 1:1 conversation is opened first (idempotent on both platforms;
        skipped when this key was already sent), then the message is a keyed send like any other. A person the
        bot cannot reach (refused for good) is recorded as a failed row under the key, so a rerun does not ask
        again, and gives None."""
        key = self._key(key)
        entry = await self.storage.outbox.get(key)
        if entry is not None and entry.status == "failed":
            return None
        if entry is not None and entry.status == "sent" and entry.remote_channel:
            where = Place(place.platform, place.workspace_id, entry.remote_channel, None, True)
            return await self.send(where, message, key=key)
        try:
            where = await self.sender.open_dm(place.workspace_id, user_id)
        except SendError as error:
            if error.outcome != "refused":
                raise RetryLater(error.code, error.retry_after) from None
            await self._begin(key, "post", dataclasses.replace(place, channel_id=f"@{user_id}", is_dm=True), None)
            await self.storage.outbox.failed(key, error=error.code)
            log.warning("outbox %s: cannot open a DM (%s); not retried", key, error.code)
            return None
        return await self.send(where, message, key=key)

    async def send_file(
        self, place: Place, name: str, data: bytes, *, title: str, thread_id: str | None = None, key: str | None = None
    ) -> bool:
        """Share a file in `place` where the platform takes files from a bot (Slack: files_upload_v2), once per key.
        False when this platform's sender cannot share files (the feature then says it another way)."""
        upload = getattr(self.sender, "upload_file", None)
        if upload is None:
            return False
        key = self._key(key)
        entry = await self._begin(key, "file", place, thread_id)
        if entry.status in ("sent", "failed"):
            return entry.status == "sent"
        if entry.status in ("sending", "unknown"):
            # an upload is not looked up: a lost one is asked for again by the person, never posted twice
            await self.storage.outbox.unknown(key, error=entry.last_error or "outcome lost")
            return True
        ok = await self._call_done(key, upload(place, name, data, title=title, thread_id=thread_id))
        if not ok:
            return True  # refused for good: recorded and logged; the feature has nothing better to offer
        await self.storage.outbox.sent(key, remote_id="-", remote_channel=place.channel_id, now=self.clock())
        return True

    async def open_form(self, place: Place, form: Form, trigger: object, *, key: str | None = None) -> None:
        """A form: Slack opens it in the request path (a live outbox in `forms`, trigger valid 3 s); where the
        platform posts forms as messages (a Teams input card) it is a keyed send like any other."""
        if self.forms is not None:
            await self.forms.open_form(place, form, trigger)
            return
        key = self._key(key)
        entry = await self._begin(key, "form", place, place.thread_id)
        if entry.status in ("sent", "failed", "sending", "unknown"):
            return
        sent = await self._call(key, self.sender.post_form(place, form, trigger))
        if sent is not None:
            await self._mark_sent(key, sent)

    # ------------------------------------------------------------------ helpers

    async def _begin(self, key: str, operation: str, place: Place, thread: str | None) -> OutboxEntry:
        """The row for `key` as it was; a `pending` one is marked `sending` in the same write."""
        return await self.storage.outbox.begin(
            key,
            workspace_id=self.workspace_id,
            platform=place.platform,
            operation=operation,
            channel_id=place.channel_id,
            thread_id=thread,
            now=self.clock(),
        )

    async def _mark_sent(self, key: str, sent: Sent, chart_token: str | None = None) -> None:
        await self.storage.outbox.sent(
            key,
            remote_id=sent.message_id,
            remote_channel=sent.place.channel_id,
            now=self.clock(),
            chart_token=chart_token,
        )

    async def _fall_back(self, key: str, code: str, place: Place, message: Card | str, user_id: str | None) -> None:
        if self.fallback is None:
            return
        try:
            delivered = await self.fallback(code, place, message, user_id)
        except Exception as error:  # the fallback is best effort: the send has already failed for good
            log_failure(log, error, "outbox %s: fallback", key)
            return
        if delivered:
            await self.storage.outbox.failed(key, error=f"{code}; delivered by the fallback")
            log.info("outbox %s: refused (%s), delivered by the fallback instead", key, code)

    async def _call_done(
        self,
        key: str,
        call: Awaitable[None],
        *,
        post: bool = True,
        refused: Callable[[str], Awaitable[None]] | None = None,
    ) -> bool:
        """`_call` for a platform call that returns nothing: whether it went through."""
        return await self._call(key, _then_true(call), post=post, refused=refused) is not None

    async def _call(
        self,
        key: str,
        call: Awaitable[T],
        *,
        post: bool = True,
        refused: Callable[[str], Awaitable[None]] | None = None,
    ) -> T | None:
        """Await a platform call; classify its failure (None: it did not go through).
        `refused(code)` runs after a refusal has been recorded (the row is `failed` first: at most once)."""
        try:
            value = await call
        except SendError as error:
            if error.outcome == "refused":
                await self.storage.outbox.failed(key, error=error.code)
                log.error("outbox %s: refused by the platform (%s); not retried", key, error.code)
                if refused is not None:
                    await refused(error.code)
                return None
            if error.outcome == "unknown" and post:
                await self.storage.outbox.unknown(key, error=error.code)
            else:
                await self.storage.outbox.not_sent(key, error=error.code)
            raise RetryLater(error.code, error.retry_after) from None
        return value


async def _then_true(call: Awaitable[None]) -> bool:
    await call
    return True


async def display_name(outbox: Outbox, actor: Actor, workspace_external_id: str) -> str:
    """The name to show for `actor` on a card or relay: the platform's own (Teams gives it with each activity),
    else the sender's look-up (Slack users.info, cached), else the user id."""
    if actor.name:
        return actor.name
    sender = getattr(outbox, "sender", None)
    lookup = getattr(sender, "display_name", None)
    if lookup is not None:
        name: str | None
        try:
            name = await lookup(workspace_external_id, actor.user_id)
        except Exception as error:  # a name is decoration: the id will do
            log.warning("display name look-up failed: %s", type(error).__name__)
            name = None
        if name:
            return name
    return actor.user_id


def _with_token(card: Card, token: str) -> Card:
    blocks = tuple(dataclasses.replace(b, token=token) if isinstance(b, Chart) else b for b in card.blocks)
    return dataclasses.replace(card, blocks=blocks)
