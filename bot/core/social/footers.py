"""Card footers: re-render a posted card with its current like and comment counts.

Owns the one step the Assistant's coalesced footer update runs: read the stored card payload and the counts,
rebuild the card with a new footer (and the experts' count and estimates, bot.core.experts), and replace the
posted message through the outbox.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from bot.core.cards import card_from_dict
from bot.core.events import Place
from bot.core.experts.cards import with_experts
from bot.core.ports import Outbox
from bot.core.scenarios.cards import footer_text

if TYPE_CHECKING:
    from storage import Storage

__all__ = ["refresh"]


async def refresh(storage: Storage, outbox: Outbox, place: Place, workspace_id: int, sent_message_id: int) -> None:
    """Update the card recorded as `sent_message_id` with its current counts (no-op if it is gone)."""
    sent = await storage.messages.get(workspace_id, sent_message_id)
    if sent is None:
        return
    likes = await storage.likes.count(workspace_id, sent_message_id)
    comments = await storage.comments.count(workspace_id, sent_message_id)
    card = card_from_dict(sent.payload)
    card = dataclasses.replace(card, footer=footer_text(likes, comments))
    # experts asked about the card: their count in the footer and their estimates on the card
    invitations = await storage.experts.for_card(workspace_id, sent_message_id)
    if invitations:
        estimates = await storage.experts.estimates_for_card(workspace_id, sent_message_id)
        card = with_experts(card, invitations, estimates, _currency(sent.payload))
    where = Place(place.platform, place.workspace_id, sent.channel_id, sent.thread_id, place.is_dm)
    await outbox.update(where, sent.message_id, card)


def _currency(payload: dict[str, Any]) -> str:
    return str(payload.get("currency") or "USD")
