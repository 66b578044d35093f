"""Conversations: where the bot can post, with the platform's conversation reference (Teams)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from storage.models import ConversationRow, utcnow
from storage.records import Conversation
from storage.repositories._base import Database, as_utc

__all__ = ["ConversationRepository"]


def _record(row: ConversationRow) -> Conversation:
    return Conversation(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        kind=row.kind,
        reference=row.reference,
        updated_at=as_utc(row.updated_at),
    )


class ConversationRepository:
    def __init__(self, db: Database):
        self._db = db

    async def save_reference(
        self, workspace_id: int, channel_id: str, kind: str, reference: dict[str, Any]
    ) -> Conversation:
        """Store (or replace) the conversation reference of a channel, DM or personal chat."""
        now = utcnow()
        stmt = self._db.insert(ConversationRow).values(
            workspace_id=workspace_id, channel_id=channel_id, kind=kind, reference=reference, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["workspace_id", "channel_id"],
            set_={"kind": stmt.excluded.kind, "reference": stmt.excluded.reference, "updated_at": now},
        )
        async with self._db.write() as session:
            await session.execute(stmt)
            row = await session.scalar(self._query(workspace_id, channel_id))
            assert row is not None
            return _record(row)

    async def get_reference(self, workspace_id: int, channel_id: str) -> Conversation | None:
        async with self._db.read() as session:
            row = await session.scalar(self._query(workspace_id, channel_id))
            return None if row is None else _record(row)

    async def list(self, workspace_id: int) -> list[Conversation]:
        async with self._db.read() as session:
            rows = await session.scalars(
                select(ConversationRow)
                .where(ConversationRow.workspace_id == workspace_id)
                .order_by(ConversationRow.channel_id)
            )
            return [_record(row) for row in rows]

    @staticmethod
    def _query(workspace_id: int, channel_id: str) -> Select[ConversationRow]:
        return select(ConversationRow).where(
            ConversationRow.workspace_id == workspace_id, ConversationRow.channel_id == channel_id
        )
