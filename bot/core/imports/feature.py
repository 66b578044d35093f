"""CSV import in the chat: a shared file becomes a preview card; "Use as baseline" stores it, "Cancel" drops it.

Owns the FileShared event (from any adapter: Slack uploads, the console's `/import PATH`), the `import`
command (how to import, the formats), and the two buttons. The file is parsed in the executor against the
channel's latest baseline (bot.core.imports.flow); a file that cannot be imported gets an error card and
leaves nothing pending; otherwise a pending import is stored (24 h) and the preview posted. Accepting stores
the candidate as a new baseline version and marks the import in one transaction (storage.imports.accept),
so pressing twice, pressing after Cancel or after expiry says so and stores nothing.

Switching a driver between its fitted and its current value, and re-fitting over another history window
("import window N"), live in bot.core.imports.refit.

Who may decide: anyone in the channel, as with `set` (the channel's baseline belongs to the channel); the
confirmation and the audit log name who did it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from bot.core.baselines.feature import latest, sample_baseline
from bot.core.baselines.freshness import engine_data
from bot.core.events import ActionInvoked, Event, FileShared
from bot.core.formatting import mark_user, message_text, pct, user
from bot.core.imports.cards import (
    import_error_card,
    import_mapping_card,
    import_preview_card,
)
from bot.core.imports.flow import PreparedImport, csv_file_problem, prepare_import
from bot.core.outbox import display_name
from bot.core.scenarios.compute import compute_answer
from bot.core.turn import Turn

if TYPE_CHECKING:
    from storage import ImportDecision, PendingImport

__all__ = ["on_file", "on_accept", "on_cancel", "GONE", "EXPIRED", "CANCELLED", "STALE", "refuse"]

GONE = "I do not know that import any more (it belongs to another channel or was removed). Upload the file again."
EXPIRED = "This preview expired (previews are kept for 24 hours), so nothing was stored. Upload the file again."
CANCELLED = "This import was cancelled, so it cannot be used any more. Upload the file again to import it."
STALE = (
    "This preview is out of date: a driver or the history window was changed since, so nothing was stored. "
    "Press *Use as baseline* on the newest preview of this import."
)


async def _who(turn: Turn) -> str:
    # Slack events carry an id and no name: the sender looks it up (users.info, cached)
    return await display_name(turn.outbox, turn.event.actor, turn.place.workspace_id)


def _say(turn: Turn, text: str) -> str:
    """A plain message echoing a file or person's name, written safely for this platform."""
    return message_text(turn.place.platform, text)


async def on_file(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, FileShared)
    thread_id = turn.place.thread_id
    problem = csv_file_problem(event.name, max(event.size, len(event.data)))
    if problem:
        await turn.reply(_say(turn, mark_user(problem, event.name)), thread_id=thread_id)
        return
    stored = await latest(turn)
    today = turn.services.today or date.today()
    label = f"this channel's baseline v{stored.version}" if stored is not None else "the sample team"
    prepared = await turn.run(
        _prepare, event.data, event.name, None if stored is None else stored.data, today, sample_baseline(), label
    )
    if prepared.problem is not None or prepared.candidate is None:
        card = (
            import_mapping_card(prepared.preview, prepared.problem or "")
            if prepared.needs_mapping
            else import_error_card(prepared.preview, prepared.problem or "")
        )
        await turn.reply(card, thread_id=thread_id)
        return
    pending = await turn.storage.imports.create(
        turn.workspace_id,
        turn.place.channel_id,
        created_by=event.actor.user_id,
        source_name=event.name,
        candidate=prepared.candidate,
        preview=prepared.preview,
        fit=prepared.fit,
    )
    await turn.reply(import_preview_card(prepared.preview, pending.id, rev=0), thread_id=thread_id)


def _prepare(
    data: bytes, name: str, base: dict[str, Any] | None, today: date, fallback: dict[str, Any] | None, label: str
) -> PreparedImport:
    # keyword arguments do not travel through run_in_executor: this keeps the executor call one plain function
    return prepare_import(data, name=name, base=base, today=today, fallback=fallback, base_label=label)


def _import_id(event: ActionInvoked) -> int | None:
    raw = event.value.get("import_id")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


def _rev(event: Event) -> int | None:
    """The choices' revision the pressed card showed (None on cards from before per-driver choices)."""
    raw = event.value.get("rev") if isinstance(event, ActionInvoked) else None
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


async def pending_here(turn: Turn) -> PendingImport | None:
    """The pending import the button names, if it belongs to this channel (ids are per workspace)."""
    event = turn.event
    assert isinstance(event, ActionInvoked)
    import_id = _import_id(event)
    if import_id is None:
        return None
    pending = await turn.storage.imports.get(turn.workspace_id, import_id)
    return pending if pending is not None and pending.channel_id == turn.place.channel_id else None


async def refuse(turn: Turn, decision: ImportDecision) -> None:
    """Tell the actor privately why a decided, expired, unknown or out-of-date import changed nothing."""
    if decision.outcome == "already_accepted":
        baseline_id = decision.pending.baseline_id if decision.pending is not None else None
        saved = await turn.storage.baselines.get(turn.workspace_id, baseline_id) if baseline_id is not None else None
        version = f" v{saved.version}" if saved is not None else ""
        text = f"This import is already the channel's baseline{version}; nothing changed."
    elif decision.outcome == "already_cancelled":
        text = CANCELLED
    elif decision.outcome == "expired":
        text = EXPIRED
    elif decision.outcome == "stale":
        text = STALE
    else:
        text = GONE
    await turn.outbox.notify(turn.place, text, user_id=turn.event.actor.user_id)


async def _mark(turn: Turn, pending: PendingImport | None, decided: str) -> None:
    """Replace the preview's buttons with what happened, so nobody presses them again."""
    message_id = turn.event.message_id if isinstance(turn.event, ActionInvoked) else None
    if message_id and pending is not None:
        await turn.outbox.update(
            turn.place, message_id, import_preview_card(pending.preview, pending.id, decided=decided)
        )


async def on_accept(turn: Turn) -> None:
    pending = await pending_here(turn)
    if pending is None:
        await turn.outbox.notify(turn.place, GONE, user_id=turn.event.actor.user_id)
        return
    before = await latest(turn)
    decision = await turn.storage.imports.accept(
        turn.workspace_id,
        pending.id,
        actor=turn.event.actor.user_id,
        note=f"CSV import: {pending.source_name}",
        rev=_rev(turn.event),
    )
    if not decision.done:
        await refuse(turn, decision)
        return
    saved = decision.baseline
    assert saved is not None, "an accepted import has stored its baseline version"
    after = await turn.run(compute_answer, engine_data(saved.data), [], False, False)
    was = ""
    if before is not None:
        previous = await turn.run(compute_answer, engine_data(before.data), [], False, False)
        if previous.baseline is not None:
            was = f" (was {pct(previous.baseline.p_hit)} with v{before.version})"
    chance = f" P(reach target) is now {pct(after.baseline.p_hit)}{was}." if after.baseline is not None else ""
    await _mark(turn, decision.pending, f"Used as baseline v{saved.version} by {await _who(turn)}")
    await turn.reply(
        _say(
            turn,
            f"Baseline v{saved.version} saved from {user(pending.source_name)} by {user(await _who(turn))}: "
            f"{saved.deal_count:,} open deals.{chance}",
        ),
        thread_id=turn.answer_thread(),
    )


async def on_cancel(turn: Turn) -> None:
    pending = await pending_here(turn)
    if pending is None:
        await turn.outbox.notify(turn.place, GONE, user_id=turn.event.actor.user_id)
        return
    decision = await turn.storage.imports.cancel(turn.workspace_id, pending.id, actor=turn.event.actor.user_id)
    if not decision.done:
        await refuse(turn, decision)
        return
    await _mark(turn, decision.pending, f"Cancelled by {await _who(turn)}: nothing was stored")
    cancelled = _say(turn, f"Import of {user(pending.source_name)} cancelled; nothing was stored.")
    await turn.outbox.notify(turn.place, cancelled, user_id=turn.event.actor.user_id)
