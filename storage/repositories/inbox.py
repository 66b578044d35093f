"""The inbox: each platform delivery (Slack event or interaction, Teams activity) is handled once.

`claim` is one INSERT ... ON CONFLICT DO NOTHING, never a check-then-insert, so of any number of
concurrent claims of one id, across processes, exactly one wins.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from storage.models import InboxRow, utcnow
from storage.repositories._base import Database

__all__ = ["InboxRepository"]


class InboxRepository:
    def __init__(self, db: Database):
        self._db = db

    async def claim(self, platform: str, delivery_id: str, workspace_external_id: str | None = None) -> bool:
        """True the first time (platform, delivery_id) is seen, False ever after."""
        stmt = (
            self._db.insert(InboxRow)
            .values(
                platform=platform,
                delivery_id=delivery_id,
                workspace_external_id=workspace_external_id,
                received_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["platform", "delivery_id"])
        )
        # Urgent: platforms wait for this write before they get their acknowledgement.
        async with self._db.write(urgent=True) as session:
            result = await session.execute(stmt)
            return result.rowcount == 1

    async def purge_older_than(self, days: float) -> int:
        """Forget deliveries received more than `days` ago (platforms stop retrying within minutes);
        returns how many were removed."""
        cutoff = utcnow() - timedelta(days=days)
        async with self._db.write() as session:
            result = await session.execute(delete(InboxRow).where(InboxRow.received_at < cutoff))
            return int(result.rowcount or 0)
