"""Workspaces (tenants): found or created by (platform, external id); their settings."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from storage.models import PLATFORMS, WorkspaceRow, utcnow
from storage.records import Workspace
from storage.repositories._base import Database, add_audit, as_utc, rowcount

__all__ = ["WorkspaceRepository"]

# built once: every request and every job looks its workspace up
_BY_EXTERNAL_ID = select(WorkspaceRow).where(
    WorkspaceRow.platform == bindparam("of_platform"), WorkspaceRow.external_id == bindparam("of_external_id")
)


def _record(row: WorkspaceRow) -> Workspace:
    return Workspace(
        id=row.id,
        platform=row.platform,
        external_id=row.external_id,
        name=row.name,
        currency=row.currency,
        confidence=row.confidence,
        timezone=row.timezone,
        created_at=as_utc(row.created_at),
    )


class WorkspaceRepository:
    def __init__(self, db: Database):
        self._db = db

    async def ensure(self, platform: str, external_id: str, name: str | None = None) -> Workspace:
        """The workspace for (platform, external_id), created if new; a given name replaces the stored one.
        Safe when many requests for a new workspace arrive at once: one row, the same id for all."""
        if platform not in PLATFORMS:
            raise ValueError(f"platform: expected one of {', '.join(PLATFORMS)}, got {platform!r}")
        if not external_id:
            raise ValueError("external_id: expected the Slack team/enterprise id or the Teams tenant id")
        if name is None:
            # the common case (every event names its workspace): a read, not a write transaction
            found = await self.get(platform, external_id)
            if found is not None:
                return found
        stmt = self._db.insert(WorkspaceRow).values(
            platform=platform, external_id=external_id, name=name, created_at=utcnow()
        )
        keys = ["platform", "external_id"]
        if name is None:
            stmt = stmt.on_conflict_do_nothing(index_elements=keys)
        else:
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_={"name": stmt.excluded.name})
        async with self._db.write() as session:
            await session.execute(stmt)
            row = await session.scalar(
                select(WorkspaceRow).where(WorkspaceRow.platform == platform, WorkspaceRow.external_id == external_id)
            )
            assert row is not None
            return _record(row)

    async def get(self, platform: str, external_id: str) -> Workspace | None:
        async with self._db.read() as session:
            row = await session.scalar(_BY_EXTERNAL_ID, {"of_platform": platform, "of_external_id": external_id})
            return None if row is None else _record(row)

    async def get_by_id(self, workspace_id: int) -> Workspace | None:
        async with self._db.read() as session:
            row = await session.get(WorkspaceRow, workspace_id)
            return None if row is None else _record(row)

    async def update_settings(
        self,
        workspace_id: int,
        *,
        currency: str | None = None,
        confidence: float | None = None,
        timezone: str | None = None,
        actor: str = "system",
    ) -> Workspace | None:
        """Change the given settings (None leaves one as it is); None if there is no such workspace."""
        changes: dict[str, object] = {}
        if currency is not None:
            changes["currency"] = currency
        if confidence is not None:
            changes["confidence"] = float(confidence)
        if timezone is not None:
            changes["timezone"] = timezone
        async with self._db.write() as session:
            if changes:
                result = await session.execute(
                    update(WorkspaceRow).where(WorkspaceRow.id == workspace_id).values(**changes)
                )
                if rowcount(result):
                    add_audit(
                        session,
                        workspace_id,
                        actor=actor,
                        action="workspace.settings_changed",
                        object_type="workspace",
                        object_id=workspace_id,
                        detail=changes,
                    )
            row = await session.get(WorkspaceRow, workspace_id, populate_existing=True)
            return None if row is None else _record(row)
