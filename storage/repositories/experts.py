"""Expert invitations and estimates: who was asked about which scenario card, by whom (the chain), and what
they answered.

Nobody is invited twice to the same card: the (card, invitee) unique key settles it, also when two people invite
the same person at the same instant (INSERT ... ON CONFLICT DO NOTHING, never check-then-insert). The per-card
limit is counted in the same write transaction, which takes turns per card (SQLite's write lock, PostgreSQL's
advisory lock), so fifty parallel invitations cannot make fifty-one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update

from storage.models import ExpertEstimateRow, ExpertInvitationRow, ExpertSettingsRow, utcnow
from storage.records import Estimate, ExpertSettings, Invitation
from storage.repositories._base import Database, add_audit, as_utc, owns_message, rowcount

__all__ = ["ExpertRepository", "DUPLICATE", "CARD_FULL", "NO_CARD"]

DUPLICATE = "duplicate"  # the person is already invited to this card
CARD_FULL = "card_full"  # the card has its limit of invitations
NO_CARD = "no_card"  # the card is not in this workspace


def _invitation(row: ExpertInvitationRow) -> Invitation:
    return Invitation(
        id=row.id,
        workspace_id=row.workspace_id,
        sent_message_id=row.sent_message_id,
        channel_id=row.channel_id,
        inviter_id=row.inviter_id,
        inviter_name=row.inviter_name,
        invitee_id=row.invitee_id,
        invitee_name=row.invitee_name,
        parent_id=row.parent_id,
        depth=row.depth,
        question=row.question,
        driver=row.driver,
        status=row.status,
        dm_channel_id=row.dm_channel_id,
        dm_message_id=row.dm_message_id,
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        reminded_at=as_utc(row.reminded_at),
        answered_at=as_utc(row.answered_at),
    )


class ExpertRepository:
    def __init__(self, db: Database):
        self._db = db

    # ------------------------------------------------------------------ invitations

    async def invite(
        self,
        workspace_id: int,
        *,
        sent_message_id: int,
        channel_id: str,
        inviter_id: str,
        inviter_name: str,
        invitee_id: str,
        invitee_name: str,
        parent_id: int | None,
        depth: int,
        question: str,
        driver: str | None,
        expires_at: datetime,
        max_per_card: int,
    ) -> Invitation | str:
        """The new pending invitation, or why there is none: DUPLICATE, CARD_FULL or NO_CARD."""
        async with self._db.write() as session:
            if not await owns_message(session, workspace_id, sent_message_id):
                return NO_CARD
            await self._db.serialize(session, workspace_id, f"experts:{sent_message_id}")
            count = await session.scalar(
                select(func.count()).where(
                    ExpertInvitationRow.workspace_id == workspace_id,
                    ExpertInvitationRow.sent_message_id == sent_message_id,
                )
            )
            existing = await session.scalar(
                select(ExpertInvitationRow.id).where(
                    ExpertInvitationRow.sent_message_id == sent_message_id,
                    ExpertInvitationRow.invitee_id == invitee_id,
                )
            )
            # this look-up only orders the answers (a duplicate is named as such, not as "card full"); the unique
            # key and ON CONFLICT below are what keep two concurrent invitations of one person to one row
            if existing is not None:
                return DUPLICATE
            if int(count or 0) >= max_per_card:
                return CARD_FULL
            now = utcnow()
            result = await session.execute(
                self._db.insert(ExpertInvitationRow)
                .values(
                    workspace_id=workspace_id,
                    sent_message_id=sent_message_id,
                    channel_id=channel_id,
                    inviter_id=inviter_id,
                    inviter_name=inviter_name,
                    invitee_id=invitee_id,
                    invitee_name=invitee_name,
                    parent_id=parent_id,
                    depth=depth,
                    question=question,
                    driver=driver,
                    status="pending",
                    created_at=now,
                    expires_at=expires_at,
                )
                .on_conflict_do_nothing(index_elements=["sent_message_id", "invitee_id"])
            )
            if rowcount(result) != 1:  # invited by someone else a moment ago (PostgreSQL, no lock on SQLite needed)
                return DUPLICATE
            row = await session.scalar(
                select(ExpertInvitationRow).where(
                    ExpertInvitationRow.sent_message_id == sent_message_id,
                    ExpertInvitationRow.invitee_id == invitee_id,
                )
            )
            assert row is not None
            add_audit(
                session,
                workspace_id,
                actor=inviter_id,
                action="expert.invited",
                object_type="sent_message",
                object_id=sent_message_id,
                detail={"invitee": invitee_id, "depth": depth, "parent": parent_id},
            )
            return _invitation(row)

    async def withdraw(self, workspace_id: int, invitation_id: int) -> bool:
        """Remove an invitation whose DM could not be delivered (so the person can be invited again later)."""
        async with self._db.write() as session:
            row = await session.scalar(self._by_id(workspace_id, invitation_id))
            if row is None:
                return False
            await session.delete(row)
            return True

    async def set_dm(self, workspace_id: int, invitation_id: int, *, channel_id: str, message_id: str) -> None:
        """Where the invitation's DM went (a reaction there is found by it)."""
        async with self._db.write() as session:
            await session.execute(
                update(ExpertInvitationRow)
                .where(ExpertInvitationRow.workspace_id == workspace_id, ExpertInvitationRow.id == invitation_id)
                .values(dm_channel_id=channel_id, dm_message_id=message_id)
            )

    async def rename_invitee(self, workspace_id: int, invitation_id: int, name: str) -> None:
        """The invitee's name as the platform gave it when they acted (a people picker gives ids only)."""
        async with self._db.write() as session:
            await session.execute(
                update(ExpertInvitationRow)
                .where(
                    ExpertInvitationRow.workspace_id == workspace_id,
                    ExpertInvitationRow.id == invitation_id,
                    ExpertInvitationRow.invitee_name != name,
                )
                .values(invitee_name=name[:255])
            )

    async def get(self, workspace_id: int, invitation_id: int) -> Invitation | None:
        async with self._db.read() as session:
            row = await session.scalar(self._by_id(workspace_id, invitation_id))
            return None if row is None else _invitation(row)

    async def find_by_dm(self, workspace_id: int, channel_id: str, message_id: str) -> Invitation | None:
        """The invitation whose DM is `message_id` in `channel_id` (a reaction on the DM)."""
        async with self._db.read() as session:
            row = await session.scalar(
                select(ExpertInvitationRow).where(
                    ExpertInvitationRow.workspace_id == workspace_id,
                    ExpertInvitationRow.dm_channel_id == channel_id,
                    ExpertInvitationRow.dm_message_id == message_id,
                )
            )
            return None if row is None else _invitation(row)

    async def for_card(self, workspace_id: int, sent_message_id: int) -> list[Invitation]:
        """The card's invitations, oldest first."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(ExpertInvitationRow)
                .where(
                    ExpertInvitationRow.workspace_id == workspace_id,
                    ExpertInvitationRow.sent_message_id == sent_message_id,
                )
                .order_by(ExpertInvitationRow.id)
            )
            return [_invitation(row) for row in rows]

    async def set_status(
        self, workspace_id: int, invitation_id: int, status: str, *, now: datetime, actor: str
    ) -> bool:
        """Move a pending invitation to `status` ('answered', 'declined', 'expired'); False if it was not pending.
        An answered invitation may be answered again (a second estimate), and a declined one answered after all."""
        allowed = ("pending", "answered", "declined") if status == "answered" else ("pending",)
        values: dict[str, Any] = {"status": status}
        if status in ("answered", "declined"):
            values["answered_at"] = now
        async with self._db.write() as session:
            result = await session.execute(
                update(ExpertInvitationRow)
                .where(
                    ExpertInvitationRow.workspace_id == workspace_id,
                    ExpertInvitationRow.id == invitation_id,
                    ExpertInvitationRow.status.in_(allowed),
                )
                .values(**values)
            )
            if not rowcount(result):
                return False
            add_audit(
                session,
                workspace_id,
                actor=actor,
                action=f"expert.{status}",
                object_type="expert_invitation",
                object_id=invitation_id,
            )
            return True

    async def mark_reminded(self, workspace_id: int, invitation_id: int, *, now: datetime) -> bool:
        """True once for a pending invitation never reminded (at most one reminder, whoever asks)."""
        async with self._db.write() as session:
            result = await session.execute(
                update(ExpertInvitationRow)
                .where(
                    ExpertInvitationRow.workspace_id == workspace_id,
                    ExpertInvitationRow.id == invitation_id,
                    ExpertInvitationRow.status == "pending",
                    ExpertInvitationRow.reminded_at.is_(None),
                )
                .values(reminded_at=now)
            )
            return bool(rowcount(result))

    # ------------------------------------------------------------------ estimates

    async def save_estimate(
        self,
        workspace_id: int,
        invitation_id: int,
        *,
        text: str,
        driver: str | None,
        changes: list[Any],
        p_hit: float,
        message_id: str | None,
    ) -> bool:
        """Record (or replace) the invitee's estimate; False if the invitation is not in this workspace."""
        async with self._db.write() as session:
            row = await session.scalar(self._by_id(workspace_id, invitation_id))
            if row is None:
                return False
            values = {"text": text, "driver": driver, "changes": changes, "p_hit": p_hit, "message_id": message_id}
            stmt = self._db.insert(ExpertEstimateRow).values(
                workspace_id=workspace_id, invitation_id=invitation_id, created_at=utcnow(), **values
            )
            await session.execute(stmt.on_conflict_do_update(index_elements=["invitation_id"], set_=values))
            add_audit(
                session,
                workspace_id,
                actor=row.invitee_id,
                action="expert.estimate",
                object_type="expert_invitation",
                object_id=invitation_id,
                detail={"p_hit": p_hit},
            )
            return True

    async def estimates_for_card(self, workspace_id: int, sent_message_id: int) -> list[Estimate]:
        """The card's estimates, oldest first."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(ExpertEstimateRow, ExpertInvitationRow)
                .join(
                    ExpertInvitationRow,
                    (ExpertInvitationRow.id == ExpertEstimateRow.invitation_id)
                    & (ExpertInvitationRow.workspace_id == ExpertEstimateRow.workspace_id),
                )
                .where(
                    ExpertEstimateRow.workspace_id == workspace_id,
                    ExpertInvitationRow.sent_message_id == sent_message_id,
                )
                .order_by(ExpertEstimateRow.id)
            )
            return [
                Estimate(
                    id=est.id,
                    workspace_id=est.workspace_id,
                    invitation=_invitation(inv),
                    text=est.text,
                    driver=est.driver,
                    changes=list(est.changes),
                    p_hit=est.p_hit,
                    message_id=est.message_id,
                    created_at=as_utc(est.created_at),
                )
                for est, inv in rows.all()
            ]

    # ------------------------------------------------------------------ settings

    async def settings(self, workspace_id: int) -> ExpertSettings:
        async with self._db.read() as session:
            row = await session.get(ExpertSettingsRow, workspace_id)
            if row is None:
                return ExpertSettings()
            return ExpertSettings(row.max_depth, row.max_per_card, row.expiry_days)

    async def set_settings(self, workspace_id: int, *, actor: str, **values: int | None) -> ExpertSettings:
        """Change some of max_depth, max_per_card, expiry_days (None: back to the default)."""
        known = {k: v for k, v in values.items() if k in ("max_depth", "max_per_card", "expiry_days")}
        async with self._db.write() as session:
            stmt = self._db.insert(ExpertSettingsRow).values(workspace_id=workspace_id, updated_at=utcnow(), **known)
            await session.execute(
                stmt.on_conflict_do_update(index_elements=["workspace_id"], set_={**known, "updated_at": utcnow()})
            )
            add_audit(
                session, workspace_id, actor=actor, action="expert.settings", object_type="workspace", detail=known
            )
            row = await session.get(ExpertSettingsRow, workspace_id, populate_existing=True)
            assert row is not None
            return ExpertSettings(row.max_depth, row.max_per_card, row.expiry_days)

    @staticmethod
    def _by_id(workspace_id: int, invitation_id: int) -> Select[ExpertInvitationRow]:
        return select(ExpertInvitationRow).where(
            ExpertInvitationRow.workspace_id == workspace_id, ExpertInvitationRow.id == invitation_id
        )
