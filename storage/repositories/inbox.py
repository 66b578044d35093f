"""The inbox: each platform delivery (Slack event or interaction, Teams activity) is handled once.

`accept` records the delivery and, in the same transaction, the job that will handle it: an acknowledged
request is durable work before the platform gets its 200, and a crash after the acknowledgement loses nothing.
The insert is INSERT ... ON CONFLICT DO NOTHING, never a check-then-insert, so of any number of concurrent
deliveries of one id, across processes, exactly one wins (and only it adds a job).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from storage.models import InboxRow, utcnow
from storage.repositories._base import Database
from storage.repositories.jobs import JobRepository, NewJob

__all__ = ["InboxRepository"]


class InboxRepository:
    def __init__(self, db: Database, jobs: JobRepository | None = None):
        self._db = db
        self._jobs = jobs or JobRepository(db)

    async def accept(
        self,
        platform: str,
        delivery_id: str,
        workspace_external_id: str | None = None,
        job: NewJob | None = None,
        *,
        now: datetime | None = None,
    ) -> bool:
        """True the first time (platform, delivery_id) is seen (and `job` is queued with it), False ever after."""
        now = now or utcnow()
        stmt = (
            self._db.insert(InboxRow)
            .values(
                platform=platform,
                delivery_id=delivery_id,
                workspace_external_id=workspace_external_id,
                received_at=now,
            )
            .on_conflict_do_nothing(index_elements=["platform", "delivery_id"])
        )
        async with self._db.write_connection() as conn:
            result = await conn.execute(stmt)
            if result.rowcount != 1:
                return False
            if job is not None:
                await conn.execute(self._jobs.insert_statement(job, now))
            return True

    async def claim(self, platform: str, delivery_id: str, workspace_external_id: str | None = None) -> bool:
        """`accept` without a job: True the first time (platform, delivery_id) is seen, False ever after."""
        return await self.accept(platform, delivery_id, workspace_external_id)

    async def purge_older_than(self, days: float) -> int:
        """Forget deliveries received more than `days` ago (platforms stop retrying within minutes);
        returns how many were removed."""
        cutoff = utcnow() - timedelta(days=days)
        async with self._db.write() as session:
            result = await session.execute(delete(InboxRow).where(InboxRow.received_at < cutoff))
            return int(result.rowcount or 0)
