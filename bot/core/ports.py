"""Ports: what feature code may ask of a platform, without knowing which platform it is.

Owns the Outbox protocol each adapter implements (Slack: Web API calls; Teams: turn context or a stored
conversation reference; console: print) and the small result record of a send.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.cards import Card, Chart, Form
from bot.core.events import Place

__all__ = ["OnPosted", "Outbox", "PlatformSender", "Sent"]


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the platform accepted: its id there (Slack ts, Teams activity id) and where it went."""

    message_id: str
    place: Place
    # the card as it was posted, where the outbox changed it (its chart stored under a token): record this one
    card: Card | None = None


OnPosted = Callable[[Sent], Awaitable[None]]


class Outbox(Protocol):
    """How features talk back. Implementations must not raise platform-specific exceptions to callers
    for expected failures (log and return None instead); every method is async."""

    async def send(
        self, place: Place, message: Card | str, *, thread_id: str | None = None, on_posted: OnPosted | None = None
    ) -> Sent | None:
        """Post a card or text to `place` (in `thread_id` if given). The card's chart, if any, is
        published as the platform allows (Slack: uploaded under the card; Teams: an image URL). `on_posted` is
        awaited once the message is in the channel, before its chart: what people do with the card from then on
        (a reaction, a reply in its thread) can find it, however long the chart takes (a Slack outage of files.*).
        On a job's retry after the post, it is awaited again: it must be idempotent."""
        ...

    async def update(self, place: Place, message_id: str, card: Card) -> None:
        """Replace a message the bot posted earlier (Slack chat.update, Teams update_activity)."""
        ...

    async def open_form(self, place: Place, form: Form, trigger: object) -> None:
        """Show a form to the actor who pressed a button (Slack views.open with trigger_id)."""
        ...

    async def notify(self, place: Place, text: str, *, user_id: str | None = None) -> None:
        """A short notice, visible only to `user_id` where the platform supports it (Slack ephemeral)."""
        ...

    async def dm(self, place: Place, user_id: str, message: Card | str, *, key: str | None = None) -> Sent | None:
        """Send privately to `user_id` of `place`'s workspace, in the 1:1 conversation the bot opens with them
        (Slack conversations.open, Teams create_conversation). `key` makes it once-only (e.g. `dm:<invitation>`).
        None when the person cannot be reached (not in the workspace, the app not installed for them)."""
        ...


class PlatformSender(Protocol):
    """How the worker reaches a platform outside any request (bot.slack.sender, bot.teams.sender). Failures
    raise bot.core.jobs.SendError classified as not_sent / unknown / refused; the durable outbox
    (bot.core.outbox) decides what to do with each."""

    platform: str
    # True when a message whose outcome was lost can be looked up by its key (Slack message metadata)
    can_reconcile: bool
    # True when a card shows its chart by URL (Teams: PUBLIC_URL/charts/<token>.png), so the PNG is stored first;
    # False where the chart is uploaded as a file under the card (Slack) and a stored copy would never be read
    charts_by_url: bool

    async def post(
        self, place: Place, message: Card | str, *, thread_id: str | None, key: str, chart_url: str | None
    ) -> Sent:
        """Post a card or text; `key` travels with it where the platform can carry it (Slack metadata)."""
        ...

    async def upload_chart(self, place: Place, chart: Chart, *, thread_id: str) -> None:
        """Publish a card's chart under it where the platform uploads files (Slack); others do nothing."""
        ...

    async def update(self, place: Place, message_id: str, card: Card, *, chart_url: str | None) -> None: ...

    async def notify(self, place: Place, text: str, *, user_id: str | None) -> None: ...

    async def post_form(self, place: Place, form: Form, trigger: object) -> Sent:
        """Post a form as a message where the platform has no modal for bots (Teams input card); Slack refuses
        (its modals open in the request path)."""
        ...

    async def find_sent(self, place: Place, key: str, *, thread_id: str | None, since: datetime | None) -> Sent | None:
        """The message posted under `key` since the first attempt, if the platform has it (only when
        `can_reconcile`)."""
        ...

    async def open_dm(self, workspace_external_id: str, user_id: str) -> Place:
        """The 1:1 conversation with a user the bot has seen (Slack conversations.open; Teams create_conversation)."""
        ...
