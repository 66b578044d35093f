"""The audit log: append-only entries of who changed what in a workspace."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import AuditRow
from storage.records import AuditEntry
from storage.repositories._base import Database, add_audit, as_utc

__all__ = ["AuditRepository"]


def _record(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        workspace_id=row.workspace_id,
        actor=row.actor,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        detail=row.detail,
        at=as_utc(row.at),
    )


class AuditRepository:
    def __init__(self, db: Database):
        self._db = db

    async def record(
        self,
        workspace_id: int,
        *,
        actor: str,
        action: str,
        object_type: str,
        object_id: object = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        async with self._db.write() as session:
            row = add_audit(
                session,
                workspace_id,
                actor=actor,
                action=action,
                object_type=object_type,
                object_id=object_id,
                detail=detail,
            )
            await session.flush()
            return _record(row)

    async def list(self, workspace_id: int, limit: int = 50) -> list[AuditEntry]:
        """The workspace's entries, newest first."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(AuditRow).where(AuditRow.workspace_id == workspace_id).order_by(AuditRow.id.desc()).limit(limit)
            )
            return [_record(row) for row in rows]
