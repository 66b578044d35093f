"""Ports: what feature code may ask of a platform, without knowing which platform it is.

Owns the Outbox protocol each adapter implements (Slack: Web API calls; Teams: turn context or a stored
conversation reference; console: print) and the small result record of a send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.cards import Card, Form
from bot.core.events import Place

__all__ = ["Outbox", "Sent"]


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the platform accepted: its id there (Slack ts, Teams activity id) and where it went."""

    message_id: str
    place: Place


class Outbox(Protocol):
    """How features talk back. Implementations must not raise platform-specific exceptions to callers
    for expected failures (log and return None instead); every method is async."""

    async def send(self, place: Place, message: Card | str, *, thread_id: str | None = None) -> Sent | None:
        """Post a card or text to `place` (in `thread_id` if given). The card's chart, if any, is
        published as the platform allows (Slack: uploaded under the card; Teams: an image URL)."""
        ...

    async def update(self, place: Place, message_id: str, card: Card) -> None:
        """Replace a message the bot posted earlier (Slack chat.update, Teams update_activity)."""
        ...

    async def open_form(self, place: Place, form: Form, trigger: Any) -> None:
        """Show a form to the actor who pressed a button (Slack views.open with trigger_id)."""
        ...

    async def notify(self, place: Place, text: str, *, user_id: str | None = None) -> None:
        """A short notice, visible only to `user_id` where the platform supports it (Slack ephemeral)."""
        ...
