"""The inbox: each platform delivery (Slack event or interaction, Teams activity) is handled once.

`claim` is an INSERT ... ON CONFLICT DO NOTHING, never a check-then-insert, so of any number of
concurrent claims of one id, across processes, exactly one wins.

On SQLite, where one transaction writes at a time, claims that arrive together are committed together
(group commit): one INSERT of every waiting id, RETURNING the ids it really inserted. A burst of 64
deliveries then costs a couple of transactions instead of 64 in a row, and the acknowledgement Slack waits
for does not queue behind them.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import delete

from storage.models import InboxRow, utcnow
from storage.repositories._base import Database

__all__ = ["InboxRepository"]


class InboxRepository:
    def __init__(self, db: Database):
        self._db = db
        self._waiting: list[tuple[tuple[str, str, str | None], asyncio.Future[bool]]] = []
        self._committer: asyncio.Task[None] | None = None

    async def claim(self, platform: str, delivery_id: str, workspace_external_id: str | None = None) -> bool:
        """True the first time (platform, delivery_id) is seen, False ever after."""
        if self._db.dialect != "sqlite":
            return await self._claim_one(platform, delivery_id, workspace_external_id)
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(((platform, delivery_id, workspace_external_id), done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_waiting())
        # shield: a caller that gives up must not cancel the commit the others are waiting for
        return await asyncio.shield(done)

    async def _claim_one(self, platform: str, delivery_id: str, workspace_external_id: str | None) -> bool:
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

    async def _commit_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                inserted = await self._insert_many([key for key, _ in batch])
            except Exception as exc:  # every waiter sees the failure (the platform then retries)
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for key, done in batch:
                # the same id twice in one batch: only its first claim wins
                won = key[:2] in inserted
                inserted.discard(key[:2])
                if not done.done():
                    done.set_result(won)

    async def _insert_many(self, keys: list[tuple[str, str, str | None]]) -> set[tuple[str, str]]:
        now = utcnow()
        rows, seen = [], set()
        for platform, delivery_id, workspace in keys:
            if (platform, delivery_id) not in seen:
                seen.add((platform, delivery_id))
                rows.append(
                    {"platform": platform, "delivery_id": delivery_id, "workspace_external_id": workspace,
                     "received_at": now}
                )  # fmt: skip
        stmt = (
            self._db.insert(InboxRow)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["platform", "delivery_id"])
            .returning(InboxRow.platform, InboxRow.delivery_id)
        )
        async with self._db.write_connection(urgent=True) as conn:
            result = await conn.execute(stmt)
            return {(platform, delivery_id) for platform, delivery_id in result.all()}

    async def purge_older_than(self, days: float) -> int:
        """Forget deliveries received more than `days` ago (platforms stop retrying within minutes);
        returns how many were removed."""
        cutoff = utcnow() - timedelta(days=days)
        async with self._db.write() as session:
            result = await session.execute(delete(InboxRow).where(InboxRow.received_at < cutoff))
            return int(result.rowcount or 0)
