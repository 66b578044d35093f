"""Scenarios: what-if questions as asked, the changes read from them and the forecast summaries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from storage.models import BaselineRow, ScenarioRow, utcnow
from storage.records import Scenario
from storage.repositories._base import Database, as_utc, require_owned

__all__ = ["ScenarioRepository"]

_INSERT = insert(ScenarioRow).returning(*ScenarioRow.__table__.c)


def _record(row: Any) -> Scenario:  # a ScenarioRow, or a row of its columns
    return Scenario(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        question=row.question,
        intent=row.intent,
        changes=row.changes,
        baseline_id=row.baseline_id,
        summary=row.summary,
        asked_by=row.asked_by,
        created_at=as_utc(row.created_at),
    )


class ScenarioRepository:
    def __init__(self, db: Database):
        self._db = db

    async def create(
        self,
        workspace_id: int,
        channel_id: str,
        *,
        question: str,
        intent: str,
        changes: list[dict[str, Any]],
        baseline_id: int | None,
        summary: dict[str, Any],
        asked_by: str,
    ) -> Scenario:
        """Record an answered question. Raises NotFound if `baseline_id` is not in this workspace."""
        values = {
            "workspace_id": workspace_id,
            "channel_id": channel_id,
            "question": question,
            "intent": intent,
            "changes": list(changes),
            "baseline_id": baseline_id,
            "summary": summary,
            "asked_by": asked_by,
            "created_at": utcnow(),
        }
        # on every answer's path: one INSERT ... RETURNING built once, on a bare connection (the ORM's unit of work
        # and session cost more than the statement)
        async with self._db.write_connection() as conn:
            await require_owned(conn, BaselineRow, workspace_id, baseline_id, "baseline")
            row = (await conn.execute(_INSERT, values)).one()
            return _record(row)

    async def get(self, workspace_id: int, scenario_id: int) -> Scenario | None:
        async with self._db.read() as session:
            row = await session.scalar(
                select(ScenarioRow).where(ScenarioRow.workspace_id == workspace_id, ScenarioRow.id == scenario_id)
            )
            return None if row is None else _record(row)

    async def list(self, workspace_id: int, channel_id: str, limit: int = 20) -> list[Scenario]:
        """The channel's scenarios, newest first."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(ScenarioRow)
                .where(ScenarioRow.workspace_id == workspace_id, ScenarioRow.channel_id == channel_id)
                .order_by(ScenarioRow.created_at.desc(), ScenarioRow.id.desc())
                .limit(limit)
            )
            return [_record(row) for row in rows]
