"""Pending CSV imports: the preview a channel accepts or cancels, and the accept that stores the version.

Owns the life of an import: `create` keeps the candidate baseline and its preview as 'pending' for a while
(24 h by default); `accept` stores the candidate as the channel's next baseline version AND marks the import
accepted in ONE transaction, so a failure leaves the previous version and the pending row untouched, and a
second accept (a double click, a retried delivery, two people at once) finds it decided and stores nothing;
`cancel` marks it cancelled; `rechoose` replaces the candidate, the preview and the fit state (a new history
window, a driver switched between fitted and current) in one transaction, refusing when someone changed them in
between (`rev`), so what "Use as baseline" stores is what the newest card shows; `accept(rev=...)` refuses a
card older than the stored choices. Every call is scoped by workspace.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from storage.models import PendingImportRow, utcnow
from storage.records import ImportDecision, PendingImport
from storage.repositories._base import Database, add_audit, as_utc
from storage.repositories.baselines import insert_version

__all__ = ["ImportRepository", "DEFAULT_TTL"]

DEFAULT_TTL = timedelta(hours=24)


def _record(row: PendingImportRow) -> PendingImport:
    return PendingImport(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        created_by=row.created_by,
        source_name=row.source_name,
        status=row.status,
        candidate=row.candidate,
        preview=row.preview,
        baseline_id=row.baseline_id,
        decided_by=row.decided_by,
        decided_at=as_utc(row.decided_at),
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        fit=row.fit,
    )


def _small(fit: dict[str, Any] | None) -> dict[str, Any] | None:
    """The fit state without its history rows, which live in their own column (written once)."""
    return None if fit is None else {key: value for key, value in fit.items() if key != "history"}


def _rev(row: PendingImportRow) -> int:
    return int((row.fit or {}).get("rev") or 0)


class ImportRepository:
    def __init__(self, db: Database):
        self._db = db

    async def create(
        self,
        workspace_id: int,
        channel_id: str,
        *,
        created_by: str,
        source_name: str,
        candidate: dict[str, Any],
        preview: dict[str, Any],
        fit: dict[str, Any] | None = None,
        ttl: timedelta = DEFAULT_TTL,
        now: datetime | None = None,
    ) -> PendingImport:
        """Keep a previewed import as 'pending' until it is accepted, cancelled or `ttl` has passed."""
        created = now or utcnow()
        async with self._db.write() as session:
            row = PendingImportRow(
                workspace_id=workspace_id,
                channel_id=channel_id,
                created_by=created_by,
                source_name=source_name[:255],
                status="pending",
                candidate=candidate,
                preview=preview,
                fit=_small(fit),
                history=(fit or {}).get("history"),
                created_at=created,
                expires_at=created + ttl,
            )
            session.add(row)
            await session.flush()
            add_audit(
                session,
                workspace_id,
                actor=created_by,
                action="import.previewed",
                object_type="import",
                object_id=row.id,
                detail={"channel_id": channel_id, "source": row.source_name},
            )
            return _record(row)

    async def get(self, workspace_id: int, import_id: int) -> PendingImport | None:
        async with self._db.read() as session:
            row = await session.scalar(self._query(workspace_id, import_id))
            return None if row is None else _record(row)

    async def latest_pending(
        self, workspace_id: int, channel_id: str, *, now: datetime | None = None
    ) -> PendingImport | None:
        """The channel's newest import still waiting for a decision (not expired), or None."""
        now = now or utcnow()
        query = (
            select(PendingImportRow)
            .where(
                PendingImportRow.workspace_id == workspace_id,
                PendingImportRow.channel_id == channel_id,
                PendingImportRow.status == "pending",
                PendingImportRow.expires_at > now,
            )
            .order_by(PendingImportRow.created_at.desc(), PendingImportRow.id.desc())
            .limit(1)
        )
        async with self._db.read() as session:
            row = await session.scalar(query)
            return None if row is None else _record(row)

    async def history(self, workspace_id: int, import_id: int) -> list[Any] | None:
        """The history rows kept for re-fitting an import (None for one previewed before migration 0003)."""
        query = select(PendingImportRow.history).where(
            PendingImportRow.workspace_id == workspace_id, PendingImportRow.id == import_id
        )
        async with self._db.read() as session:
            return await session.scalar(query)

    async def rechoose(
        self,
        workspace_id: int,
        import_id: int,
        *,
        rev: int,
        candidate: dict[str, Any],
        preview: dict[str, Any],
        fit: dict[str, Any],
        actor: str,
        now: datetime | None = None,
    ) -> ImportDecision:
        """Replace candidate, preview and fit (its history rows are kept as they are) of a pending import whose fit
        is still at revision `rev` (the one the change was computed from): 'updated', else 'stale' or a refusal,
        and nothing changes."""
        now = now or utcnow()
        async with self._db.write() as session:
            row = await self._locked(session, workspace_id, import_id)
            refusal = self._refusal(row, now)
            if refusal is not None:
                return refusal
            assert row is not None
            if _rev(row) != rev:
                return ImportDecision("stale", _record(row))
            row.candidate, row.preview, row.fit = candidate, preview, _small(fit)
            for column in ("candidate", "preview", "fit"):
                flag_modified(row, column)
            add_audit(
                session,
                workspace_id,
                actor=actor,
                action="import.rechosen",
                object_type="import",
                object_id=row.id,
                detail={"window_weeks": fit.get("window_weeks"), "choices": fit.get("choices"), "rev": fit.get("rev")},
            )
            await session.flush()
            return ImportDecision("updated", _record(row))

    @staticmethod
    def _query(workspace_id: int, import_id: int) -> Select[PendingImportRow]:
        return select(PendingImportRow).where(
            PendingImportRow.workspace_id == workspace_id, PendingImportRow.id == import_id
        )

    async def _locked(self, session: AsyncSession, workspace_id: int, import_id: int) -> PendingImportRow | None:
        # SQLite's write transaction already holds the database lock (BEGIN IMMEDIATE); PostgreSQL locks the row,
        # so of two concurrent accepts the second waits and then sees 'accepted'.
        query = self._query(workspace_id, import_id)
        if self._db.dialect == "postgresql":
            query = query.with_for_update()
        return await session.scalar(query)

    @staticmethod
    def _refusal(row: PendingImportRow | None, now: datetime) -> ImportDecision | None:
        if row is None:
            return ImportDecision("not_found")
        if row.status != "pending":
            return ImportDecision(f"already_{row.status}", _record(row))
        if now >= as_utc(row.expires_at):
            return ImportDecision("expired", _record(row))
        return None

    async def accept(
        self,
        workspace_id: int,
        import_id: int,
        *,
        actor: str,
        note: str = "",
        rev: int | None = None,
        now: datetime | None = None,
    ) -> ImportDecision:
        """Store the candidate as the channel's next baseline version and mark the import accepted, together.
        With `rev` (the revision the pressed card showed) an import re-chosen since is refused as 'stale'."""
        now = now or utcnow()
        async with self._db.write() as session:
            row = await self._locked(session, workspace_id, import_id)
            refusal = self._refusal(row, now)
            if refusal is not None:
                return refusal
            assert row is not None
            if rev is not None and _rev(row) != rev:
                return ImportDecision("stale", _record(row))
            saved = await insert_version(
                self._db, session, workspace_id, row.channel_id, row.candidate, actor, note or row.source_name
            )
            row.status, row.baseline_id, row.decided_by, row.decided_at = "accepted", saved.id, actor, now
            add_audit(
                session,
                workspace_id,
                actor=actor,
                action="import.accepted",
                object_type="import",
                object_id=row.id,
                detail={"channel_id": row.channel_id, "baseline_id": saved.id, "version": saved.version},
            )
            await session.flush()
            return ImportDecision("accepted", _record(row), saved)

    async def cancel(
        self, workspace_id: int, import_id: int, *, actor: str, now: datetime | None = None
    ) -> ImportDecision:
        """Mark a pending import cancelled (nothing is stored); an expired one may still be cancelled."""
        now = now or utcnow()
        async with self._db.write() as session:
            row = await self._locked(session, workspace_id, import_id)
            refusal = self._refusal(row, now)
            if refusal is not None and refusal.outcome != "expired":
                return refusal
            assert row is not None
            row.status, row.decided_by, row.decided_at = "cancelled", actor, now
            add_audit(
                session,
                workspace_id,
                actor=actor,
                action="import.cancelled",
                object_type="import",
                object_id=row.id,
                detail={"channel_id": row.channel_id},
            )
            await session.flush()
            return ImportDecision("cancelled", _record(row))
