"""Sent messages: the cards the bot posted, found again by (channel, platform message id)."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Row, Select, select, update

from storage.models import ScenarioRow, SentMessageRow, utcnow
from storage.records import SentMessage
from storage.repositories._base import Database, as_utc, require_owned, rowcount

__all__ = ["MessageRepository"]


def _record(row: SentMessageRow | Row[Any]) -> SentMessage:
    return SentMessage(
        id=row.id,
        workspace_id=row.workspace_id,
        platform=row.platform,
        channel_id=row.channel_id,
        message_id=row.message_id,
        thread_id=row.thread_id,
        kind=row.kind,
        scenario_id=row.scenario_id,
        payload=row.payload,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


class MessageRepository:
    def __init__(self, db: Database):
        self._db = db

    async def record(
        self,
        workspace_id: int,
        *,
        platform: str,
        channel_id: str,
        message_id: str,
        kind: str,
        payload: dict[str, Any],
        scenario_id: int | None = None,
        thread_id: str | None = None,
    ) -> SentMessage:
        """Remember a posted message (recording the same message again updates it). Raises NotFound if
        `scenario_id` is not in this workspace."""
        now = utcnow()
        values = {"workspace_id": workspace_id, "platform": platform, "channel_id": channel_id}
        values |= {"message_id": message_id, "thread_id": thread_id, "kind": kind, "scenario_id": scenario_id}
        values |= {"payload": payload, "created_at": now, "updated_at": now}
        async with self._db.write() as session:
            await require_owned(session, ScenarioRow, workspace_id, scenario_id, "scenario")
            row = (await session.execute(self._upsert, values)).one()  # inserted or updated
            return _record(row)

    @functools.cached_property
    def _upsert(self) -> Any:
        insert = self._db.insert(SentMessageRow)
        excluded = insert.excluded
        keep = {"thread_id", "kind", "scenario_id", "payload", "updated_at"}  # created_at stays the first one
        return insert.on_conflict_do_update(
            index_elements=["workspace_id", "channel_id", "message_id"],
            set_={name: getattr(excluded, name) for name in sorted(keep)},
        ).returning(*SentMessageRow.__table__.c)

    async def find(self, workspace_id: int, channel_id: str, message_id: str) -> SentMessage | None:
        """The message the platform calls `message_id` in `channel_id` (e.g. from a reaction event)."""
        async with self._db.read() as session:
            row = await session.scalar(self._by_platform_id(workspace_id, channel_id, message_id))
            return None if row is None else _record(row)

    async def latest_in_thread(
        self, workspace_id: int, channel_id: str, thread_id: str, kind: str = "scenario"
    ) -> SentMessage | None:
        """The newest `kind` card the bot posted inside thread `thread_id` (a card answering an @mention lives
        in the mention's thread, so replies there name the mention, not the card, as their parent)."""
        async with self._db.read() as session:
            row = await session.scalar(
                select(SentMessageRow)
                .where(
                    SentMessageRow.workspace_id == workspace_id,
                    SentMessageRow.channel_id == channel_id,
                    SentMessageRow.thread_id == thread_id,
                    SentMessageRow.kind == kind,
                )
                .order_by(SentMessageRow.id.desc())
                .limit(1)
            )
            return None if row is None else _record(row)

    async def get(self, workspace_id: int, sent_message_id: int) -> SentMessage | None:
        async with self._db.read() as session:
            row = await session.scalar(self._by_id(workspace_id, sent_message_id))
            return None if row is None else _record(row)

    async def update_payload(
        self, workspace_id: int, sent_message_id: int, payload: dict[str, Any]
    ) -> SentMessage | None:
        """Replace the stored card; None if the message is not in this workspace."""
        async with self._db.write() as session:
            result = await session.execute(
                update(SentMessageRow)
                .where(SentMessageRow.workspace_id == workspace_id, SentMessageRow.id == sent_message_id)
                .values(payload=payload, updated_at=utcnow())
            )
            if not rowcount(result):
                return None
            row = await session.scalar(
                self._by_id(workspace_id, sent_message_id).execution_options(populate_existing=True)
            )
            assert row is not None
            return _record(row)

    @staticmethod
    def _by_id(workspace_id: int, sent_message_id: int) -> Select[SentMessageRow]:
        return select(SentMessageRow).where(
            SentMessageRow.workspace_id == workspace_id, SentMessageRow.id == sent_message_id
        )

    @staticmethod
    def _by_platform_id(workspace_id: int, channel_id: str, message_id: str) -> Select[SentMessageRow]:
        return select(SentMessageRow).where(
            SentMessageRow.workspace_id == workspace_id,
            SentMessageRow.channel_id == channel_id,
            SentMessageRow.message_id == message_id,
        )
