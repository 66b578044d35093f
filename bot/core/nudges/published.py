"""Keeping what the bot published: one call for every card that states the channel's P(reach target).

Owns `record_published`, which stores the chance a card showed for the channel's baseline (not a what-if's
hypothetical chance) with the baseline version, the time and the period, for the track record. It never stops an
answer: a failure to record is logged and the card stays posted.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from bot.core.turn import Turn

if TYPE_CHECKING:
    from engine.forecast import Forecast
    from storage import BaselineVersion

__all__ = ["record_published"]

log = logging.getLogger(__name__)


async def record_published(turn: Turn, stored: BaselineVersion, forecast: Forecast | None, kind: str, key: str) -> None:
    if forecast is None:
        return
    clock = getattr(turn.services, "clock", None)
    now = clock() if callable(clock) else datetime.now(UTC)
    try:
        await turn.storage.forecasts.record(
            turn.workspace_id,
            turn.place.channel_id,
            kind=kind,
            p_hit=float(forecast.p_hit),
            as_of=date.fromisoformat(str(stored.data["as_of"])),
            period_end=date.fromisoformat(str(stored.data["period_end"])),
            published_at=now,
            baseline_id=stored.id,
            baseline_version=stored.version,
            target=forecast.target,
            key=key,
        )
    except (KeyError, ValueError) as error:  # a baseline without readable dates: nothing to score it against
        log.warning("published forecast not recorded: %s", type(error).__name__)
