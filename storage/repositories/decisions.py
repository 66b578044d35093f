"""Decisions on scenario cards and the manager role: the decision log of a channel and who may decide.

A decision is created once per key (the form delivery that created it: a re-run of that delivery finds it again),
is marked done once, and an adopted scenario becomes the channel's baseline once: the new version and the decision's
note of it are written in one transaction. Roles are one row per (workspace, channel or "" for all, user).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, delete, select, update

from storage.models import DecisionRow, RoleRow, SentMessageRow, utcnow
from storage.records import BaselineVersion, Decision, Role
from storage.repositories._base import Database, add_audit, as_utc, require_owned, rowcount
from storage.repositories.baselines import insert_version

__all__ = ["DecisionRepository", "RoleRepository"]


def _record(row: DecisionRow) -> Decision:
    return Decision(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        key=row.key,
        sent_message_id=row.sent_message_id,
        scenario_id=row.scenario_id,
        decided_by=row.decided_by,
        kind=row.kind,
        text=row.text,
        owner_id=row.owner_id,
        due_date=row.due_date,
        status=row.status,
        done_at=as_utc(row.done_at),
        done_by=row.done_by,
        card_message_id=row.card_message_id,
        baseline_version=row.baseline_version,
        created_at=as_utc(row.created_at),
    )


class DecisionRepository:
    def __init__(self, db: Database):
        self._db = db

    async def create(
        self,
        workspace_id: int,
        channel_id: str,
        *,
        key: str | None,
        sent_message_id: int,
        scenario_id: int | None,
        decided_by: str,
        kind: str,
        text: str,
        owner_id: str,
        due_date: date,
    ) -> tuple[Decision, bool]:
        """Record a decision; (the decision, True) when new, (the one recorded under `key` before, False) for a
        repeat. Raises NotFound when the card is not in this workspace."""
        async with self._db.write() as session:
            await require_owned(session, SentMessageRow, workspace_id, sent_message_id, "card")
            if key is not None:
                found = await session.scalar(
                    select(DecisionRow).where(DecisionRow.workspace_id == workspace_id, DecisionRow.key == key)
                )
                if found is not None:
                    return _record(found), False
            row = DecisionRow(
                workspace_id=workspace_id,
                channel_id=channel_id,
                key=key,
                sent_message_id=sent_message_id,
                scenario_id=scenario_id,
                decided_by=decided_by,
                kind=kind,
                text=text,
                owner_id=owner_id,
                due_date=due_date,
                status="open",
                created_at=utcnow(),
            )
            session.add(row)
            await session.flush()
            add_audit(
                session,
                workspace_id,
                actor=decided_by,
                action="decision.created",
                object_type="decision",
                object_id=row.id,
                detail={"channel_id": channel_id, "kind": kind, "sent_message_id": sent_message_id},
            )
            return _record(row), True

    async def get(self, workspace_id: int, decision_id: int) -> Decision | None:
        async with self._db.read() as session:
            row = await session.scalar(self._by_id(workspace_id, decision_id))
            return None if row is None else _record(row)

    async def list(self, workspace_id: int, channel_id: str, limit: int = 500) -> list[Decision]:
        """The channel's decisions, newest first."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(DecisionRow)
                .where(DecisionRow.workspace_id == workspace_id, DecisionRow.channel_id == channel_id)
                .order_by(DecisionRow.created_at.desc(), DecisionRow.id.desc())
                .limit(limit)
            )
            return [_record(row) for row in rows]

    async def set_card(self, workspace_id: int, decision_id: int, message_id: str) -> None:
        """Remember the decision card's platform message id."""
        async with self._db.write() as session:
            await session.execute(
                update(DecisionRow)
                .where(DecisionRow.workspace_id == workspace_id, DecisionRow.id == decision_id)
                .values(card_message_id=message_id)
            )

    async def mark_done(
        self, workspace_id: int, decision_id: int, *, by: str, now: datetime | None = None
    ) -> tuple[Decision | None, bool]:
        """Mark the decision done: (it, True) when it was open, (it, False) when already done, (None, False) when
        it is not in this workspace."""
        async with self._db.write() as session:
            result = await session.execute(
                update(DecisionRow)
                .where(
                    DecisionRow.workspace_id == workspace_id,
                    DecisionRow.id == decision_id,
                    DecisionRow.status == "open",
                )
                .values(status="done", done_at=now or utcnow(), done_by=by)
            )
            changed = bool(rowcount(result))
            if changed:
                add_audit(
                    session,
                    workspace_id,
                    actor=by,
                    action="decision.done",
                    object_type="decision",
                    object_id=decision_id,
                )
            row = await session.scalar(self._by_id(workspace_id, decision_id).execution_options(populate_existing=True))
            return (None if row is None else _record(row)), changed

    async def adopt(
        self, workspace_id: int, decision_id: int, data: dict[str, Any], *, created_by: str, note: str
    ) -> tuple[Decision | None, BaselineVersion | None]:
        """Save `data` as the decision's channel's next baseline version and note it on the decision, together.
        A decision already adopted stores nothing: (it, None). (None, None) when it is not in this workspace."""
        async with self._db.write() as session:
            row = await session.scalar(self._by_id(workspace_id, decision_id).with_for_update())
            if row is None:
                return None, None
            if row.baseline_version is not None:
                return _record(row), None
            saved = await insert_version(self._db, session, workspace_id, row.channel_id, data, created_by, note)
            row.baseline_version = saved.version
            await session.flush()
            return _record(row), saved

    @staticmethod
    def _by_id(workspace_id: int, decision_id: int) -> Select[DecisionRow]:
        return select(DecisionRow).where(DecisionRow.workspace_id == workspace_id, DecisionRow.id == decision_id)


def _role(row: RoleRow) -> Role:
    return Role(
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        user_id=row.user_id,
        role=row.role,
        set_by=row.set_by,
        set_at=as_utc(row.set_at),
    )


class RoleRepository:
    def __init__(self, db: Database):
        self._db = db

    async def set(self, workspace_id: int, user_id: str, role: str, *, set_by: str, channel_id: str = "") -> bool:
        """Give `user_id` the role (in every channel when `channel_id` is ""); False when they had it already."""
        now = utcnow()
        async with self._db.write() as session:
            result = await session.execute(
                self._db.insert(RoleRow)
                .values(
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    user_id=user_id,
                    role=role,
                    set_by=set_by,
                    set_at=now,
                )
                .on_conflict_do_nothing(index_elements=["workspace_id", "channel_id", "user_id"])
            )
            if rowcount(result) != 1:
                return False
            add_audit(
                session,
                workspace_id,
                actor=set_by,
                action="role.set",
                object_type="role",
                object_id=user_id,
                detail={"role": role, "channel_id": channel_id},
            )
            return True

    async def remove(self, workspace_id: int, user_id: str, *, set_by: str, channel_id: str | None = None) -> int:
        """Take the user's roles away (every channel's when `channel_id` is None); how many were removed."""
        query = delete(RoleRow).where(RoleRow.workspace_id == workspace_id, RoleRow.user_id == user_id)
        if channel_id is not None:
            query = query.where(RoleRow.channel_id == channel_id)
        async with self._db.write() as session:
            removed = rowcount(await session.execute(query))
            if removed:
                add_audit(
                    session,
                    workspace_id,
                    actor=set_by,
                    action="role.removed",
                    object_type="role",
                    object_id=user_id,
                    detail={"channel_id": channel_id},
                )
            return removed

    async def has(self, workspace_id: int, user_id: str, role: str, channel_id: str) -> bool:
        """True when the user holds `role` in every channel of the workspace or in `channel_id`."""
        async with self._db.read() as session:
            found = await session.scalar(
                select(RoleRow.id)
                .where(
                    RoleRow.workspace_id == workspace_id,
                    RoleRow.user_id == user_id,
                    RoleRow.role == role,
                    RoleRow.channel_id.in_(("", channel_id)),
                )
                .limit(1)
            )
            return found is not None

    async def holders(self, workspace_id: int, role: str, channel_id: str) -> list[Role]:
        """Who holds `role` in `channel_id` (there, or in every channel), oldest first."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(RoleRow)
                .where(
                    RoleRow.workspace_id == workspace_id,
                    RoleRow.role == role,
                    RoleRow.channel_id.in_(("", channel_id)),
                )
                .order_by(RoleRow.set_at, RoleRow.id)
            )
            return [_role(row) for row in rows]

    async def listing(self, workspace_id: int) -> list[Role]:
        """Every role of the workspace, by user."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(RoleRow)
                .where(RoleRow.workspace_id == workspace_id)
                .order_by(RoleRow.user_id, RoleRow.channel_id)
            )
            return [_role(row) for row in rows]
