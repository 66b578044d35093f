"""The outbox: every message the bot sends, under a unique idempotency key, with what became of it.

Owns the states of one send: `pending` (not tried, or tried and surely not delivered: a 429, a refused
connection), `sending` (handed to the platform; a row left in it means the sender died mid-call), `sent` (the
platform's id recorded: never sent again), `unknown` (sent, no answer: looked up before any new attempt, never
blindly re-posted) and `failed` (refused for good: a missing channel, revoked access). The sender
(bot.core.outbox) moves a row through them; each step is its own short transaction, committed before the
platform is called, so a crash leaves a row that says exactly what is known.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, func, select, update

from storage.models import OutboxRow
from storage.records import OutboxEntry
from storage.repositories._base import Database, as_utc

__all__ = ["OutboxRepository"]

_OUTBOX = cast(Table, OutboxRow.__table__)
# built once: the SET clause is the parameters' columns (the key is the one parameter that is not a column)
_UPDATE_BY_KEY = update(_OUTBOX).where(_OUTBOX.c.key == bindparam("by_key"))
_SENDING = _UPDATE_BY_KEY.values(attempts=_OUTBOX.c.attempts + 1)  # another attempt, with the parameters' columns


def _entry(row: OutboxRow | Row[Any]) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        key=row.key,
        workspace_id=row.workspace_id,
        platform=row.platform,
        operation=row.operation,
        channel_id=row.channel_id,
        thread_id=row.thread_id,
        status=row.status,
        remote_id=row.remote_id,
        remote_channel=row.remote_channel,
        chart_token=row.chart_token,
        attempts=row.attempts,
        last_error=row.last_error,
        attempted_at=as_utc(row.attempted_at),
        created_at=as_utc(row.created_at),
        sent_at=as_utc(row.sent_at),
    )


class OutboxRepository:
    def __init__(self, db: Database):
        self._db = db

    async def begin(
        self,
        key: str,
        *,
        workspace_id: int | None,
        platform: str,
        operation: str,
        channel_id: str,
        thread_id: str | None,
        now: datetime,
        chart_token: str | None = None,
    ) -> OutboxEntry:
        """The row for `key` (created `pending` the first time) and, when it is `pending`, mark it `sending` in the
        same transaction (one write before a send). Returns the row as it was: `pending` means send now."""
        # a key seen for the first time (nearly every send) is inserted already `sending`: one statement, where
        # insert, read back and update were three, for every card, chart, DM and notice
        values: dict[str, object] = {"key": key, "workspace_id": workspace_id, "platform": platform}
        values |= {"operation": operation, "channel_id": channel_id, "thread_id": thread_id, "created_at": now}
        values |= {"status": "sending", "attempts": 1, "attempted_at": now, "chart_token": chart_token}
        async with self._db.write() as session:
            created = (await session.execute(self._insert_new, values)).first()
            if created is not None:
                return dataclasses.replace(
                    _entry(created), status="pending", attempts=0, attempted_at=None, chart_token=None
                )
            row = await session.scalar(select(OutboxRow).where(OutboxRow.key == key))
            assert row is not None
            before = _entry(row)
            if row.status == "pending":
                row.status = "sending"
                row.attempted_at = now
                row.attempts = row.attempts + 1
                if chart_token:
                    row.chart_token = chart_token
            return before

    @functools.cached_property
    def _insert_new(self) -> Any:
        insert = self._db.insert(OutboxRow).on_conflict_do_nothing(index_elements=["key"])
        return insert.returning(*OutboxRow.__table__.c)

    async def _set(self, key: str, statement: Any = _UPDATE_BY_KEY, **values: object) -> None:
        async with self._db.write() as session:
            await session.execute(statement, {"by_key": key, **values})

    async def sending(self, key: str, *, now: datetime, chart_token: str | None = None) -> None:
        values: dict[str, object] = {"status": "sending", "attempted_at": now}
        if chart_token:
            values["chart_token"] = chart_token
        await self._set(key, _SENDING, **values)

    async def sent(
        self, key: str, *, remote_id: str, remote_channel: str | None, now: datetime, chart_token: str | None = None
    ) -> None:
        values: dict[str, object] = {"status": "sent", "remote_id": remote_id, "remote_channel": remote_channel}
        values.update(sent_at=now, last_error=None)
        if chart_token:
            values["chart_token"] = chart_token
        await self._set(key, **values)

    async def not_sent(self, key: str, *, error: str) -> None:
        """Surely not delivered (429, connection refused): may be sent again."""
        await self._set(key, status="pending", last_error=error[:255])

    async def unknown(self, key: str, *, error: str) -> None:
        await self._set(key, status="unknown", last_error=error[:255])

    async def failed(self, key: str, *, error: str) -> None:
        await self._set(key, status="failed", last_error=error[:255])

    async def get(self, key: str) -> OutboxEntry | None:
        async with self._db.read() as session:
            row = await session.scalar(select(OutboxRow).where(OutboxRow.key == key))
            return None if row is None else _entry(row)

    async def counts(self) -> dict[str, int]:
        async with self._db.read() as session:
            rows = await session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))
            return {status: int(n) for status, n in rows.all()}

    async def listing(self, status: str | None = None, limit: int = 50) -> list[OutboxEntry]:
        query = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
        if status:
            query = query.where(OutboxRow.status == status)
        async with self._db.read() as session:
            return [_entry(row) for row in await session.scalars(query)]
