"""The invitation's due work: one reminder, then expiry.

Owns the two job kinds the experts feature queues per invitation (`expert.remind` and `expert.expire`, keyed by
the invitation so each is queued once) and what they do when they come due. Each decides at run time whether it is
still wanted: an answered or declined invitation gets no reminder and does not expire; a reminder is sent at most
once (the `reminded_at` mark is taken in the database before the DM is sent).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.events import Place
from bot.core.experts.cards import expiry_label
from bot.core.formatting import message_text, user

if TYPE_CHECKING:
    from bot.core.turn import Turn
    from bot.worker import JobContext
    from storage import Job

__all__ = ["handlers", "schedule", "REMIND", "EXPIRE"]

REMIND = "expert.remind"
EXPIRE = "expert.expire"


async def schedule(turn: Turn, invitation: Any, remind_at: datetime) -> None:
    payload = {
        "invitation_id": invitation.id,
        "platform": turn.place.platform,
        "workspace": turn.place.workspace_id,
    }
    name = _name(invitation)
    await turn.later(REMIND, f"{REMIND}:{name}", payload, at=remind_at)
    await turn.later(EXPIRE, f"{EXPIRE}:{name}", payload, at=invitation.expires_at)


def _name(invitation: Any) -> str:
    """A key part naming this very invitation (an id alone may be handed out again after a row is deleted)."""
    return f"{invitation.workspace_id}:{invitation.id}:{invitation.created_at.timestamp():.6f}"


async def run_remind(job: Job, ctx: JobContext) -> None:
    storage, payload = ctx.worker.storage, job.payload
    workspace_id = job.workspace_id
    invitation = await storage.experts.get(workspace_id, payload["invitation_id"]) if workspace_id else None
    now = ctx.worker.clock()
    if invitation is None or invitation.status != "pending" or now >= invitation.expires_at:
        return
    if not await storage.experts.mark_reminded(workspace_id, invitation.id, now=now):
        return
    platform = payload["platform"]
    place = Place(platform, payload["workspace"], invitation.dm_channel_id or "", None, True)
    text = message_text(
        platform,
        f"A reminder: {user(invitation.inviter_name or invitation.inviter_id)} asked for your view on "
        f"“{user(invitation.question)}”. The invitation above expires on {expiry_label(invitation.expires_at)}; "
        "give your estimate, or press Can't help.",
    )
    await ctx.outbox(platform, workspace_id=workspace_id).dm(
        place, invitation.invitee_id, text, key=f"dm:expert:{_name(invitation)}:reminder"
    )


async def run_expire(job: Job, ctx: JobContext) -> None:
    storage = ctx.worker.storage
    workspace_id = job.workspace_id
    if workspace_id is None:
        return
    invitation = await storage.experts.get(workspace_id, job.payload["invitation_id"])
    if invitation is None or invitation.status != "pending":
        return
    if await storage.experts.set_status(workspace_id, invitation.id, "expired", now=ctx.worker.clock(), actor="bot"):
        # the card says who was asked and where each stands: "Kim expired"
        platform = job.payload["platform"]
        place = Place(platform, job.payload["workspace"], invitation.channel_id)
        outbox = ctx.outbox(platform, workspace_id=workspace_id)
        await ctx.worker.assistant.schedule_footer(workspace_id, invitation.sent_message_id, place, outbox)


def handlers() -> dict[str, Any]:
    return {REMIND: run_remind, EXPIRE: run_expire}
