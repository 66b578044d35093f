"""Changing a CSV import before accepting it: switch a driver between fitted and current, or re-fit the window.

Owns the `import.driver.<driver>` buttons (value {"import_id", "driver", "use": "fitted"|"keep"}: setting, not flipping,
so a double click or a retried delivery lands in the same state) and the "import window N" command (N weeks,
4..260), which re-fits the channel's newest pending import over the new window. Both recompute the candidate
baseline and the preview in the executor (bot.core.imports.choices.refit) from the state kept with the import,
then store candidate, preview and choices in one transaction (storage.imports.rechoose) that refuses a change
computed from older choices; the button updates its card in place, the command posts the new preview. Accepting
a card older than the stored choices is refused (bot.core.imports.feature), so what is stored is what the
newest card shows. A decided, expired or unknown import changes nothing and says so.
"""

from __future__ import annotations

from typing import Any

from bot.core.events import ActionInvoked
from bot.core.imports.cards import import_preview_card
from bot.core.imports.choices import DRIVERS, refit, window_problem
from bot.core.imports.feature import GONE, pending_here, refuse
from bot.core.turn import Turn
from engine.baseline import BaselineError
from storage import ImportDecision, PendingImport

__all__ = ["on_driver", "on_window", "NO_PENDING", "TOO_OLD", "RACED"]

NO_PENDING = (
    "There is no import waiting for a decision in this channel, so there is nothing to re-fit (nothing was "
    "remembered). Upload a CSV export first, then e.g. “/scenario import window 26”."
)
TOO_OLD = (
    "This preview was made before drivers could be switched or re-fitted; upload the file again to change them "
    "(or press Use as baseline to store it as shown)."
)
RACED = "Someone changed this import at the same moment, so nothing changed. Press again on the newest preview."


def _refit(
    candidate: dict[str, Any],
    preview: dict[str, Any],
    fit: dict[str, Any],
    window: int | None,
    driver: str | None,
    use: str | None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    # keyword arguments do not travel through run_in_executor: one plain positional function
    return refit(candidate, preview, fit, window_weeks=window, driver=driver, use=use)


def _rev_of(stored: PendingImport) -> int:
    """The choices' revision a re-chosen import is at (its fit always carries one after `rechoose`)."""
    return int((stored.fit or {}).get("rev") or 0)


async def _rechoose(
    turn: Turn,
    pending: PendingImport,
    *,
    window: int | None = None,
    driver: str | None = None,
    use: str | None = None,
) -> PendingImport | None:
    """Recompute and store; the stored import, or None after telling the actor why nothing changed."""
    actor = turn.event.actor.user_id
    if pending.status != "pending":
        await refuse(turn, ImportDecision(f"already_{pending.status}", pending))
        return None
    if pending.fit is None:
        await turn.outbox.notify(turn.place, TOO_OLD, user_id=actor)
        return None
    history = await turn.storage.imports.history(turn.workspace_id, pending.id)
    try:
        candidate, preview, fit = await turn.run(
            _refit, pending.candidate, pending.preview, {**pending.fit, "history": history or []}, window, driver, use
        )
    except BaselineError as exc:
        text = "With that choice the baseline would not be valid, so nothing changed: " + "; ".join(exc.problems)
        await turn.outbox.notify(turn.place, text, user_id=actor)
        return None
    decision = await turn.storage.imports.rechoose(
        turn.workspace_id,
        pending.id,
        rev=int(pending.fit.get("rev") or 0),
        candidate=candidate,
        preview=preview,
        fit=fit,
        actor=actor,
    )
    if decision.outcome == "stale":
        await turn.outbox.notify(turn.place, RACED, user_id=actor)
        return None
    if not decision.done:
        await refuse(turn, decision)
        return None
    return decision.pending


async def on_driver(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, ActionInvoked)
    pending = await pending_here(turn)
    driver = event.value.get("driver")
    if pending is None or driver not in DRIVERS:
        await turn.outbox.notify(turn.place, GONE, user_id=event.actor.user_id)
        return
    use = event.value.get("use")
    stored = await _rechoose(turn, pending, driver=driver, use=use if use in ("fitted", "keep") else None)
    if stored is None:
        return
    card = import_preview_card(stored.preview, stored.id, rev=_rev_of(stored))
    if event.message_id:
        await turn.outbox.update(turn.place, event.message_id, card)
    else:
        await turn.reply(card, thread_id=turn.answer_thread())


async def on_window(turn: Turn, weeks: str) -> None:
    """`import window N`: re-fit the channel's newest pending import over the last N weeks."""
    problem = window_problem(weeks)
    if problem:
        await turn.reply(problem, thread_id=turn.answer_thread())
        return
    pending = await turn.storage.imports.latest_pending(turn.workspace_id, turn.place.channel_id)
    if pending is None:
        await turn.reply(NO_PENDING, thread_id=turn.answer_thread())
        return
    stored = await _rechoose(turn, pending, window=int(weeks))
    if stored is not None:
        card = import_preview_card(stored.preview, stored.id, rev=_rev_of(stored))
        await turn.reply(card, thread_id=turn.answer_thread())
