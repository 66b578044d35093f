"""Likes on cards: one row per (card, user, source), source being a reaction name or 'button'.

A user counts once per card whatever the number of emoji: the like count is the number of distinct users.
Adding the same like twice, even at the same instant from many processes, leaves one row.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LikeRow, utcnow
from storage.repositories._base import Database, add_audit, owns_message, rowcount

__all__ = ["LikeRepository", "BUTTON"]

BUTTON = "button"


class LikeRepository:
    def __init__(self, db: Database):
        self._db = db

    async def add(self, workspace_id: int, sent_message_id: int, user_id: str, source: str) -> bool:
        """True if the like is new; False if it was there already or the card is not in this workspace."""
        async with self._db.write() as session:
            return await self._add(session, workspace_id, sent_message_id, user_id, source)

    async def remove(self, workspace_id: int, sent_message_id: int, user_id: str, source: str) -> bool:
        """True if a like was removed."""
        async with self._db.write() as session:
            return await self._remove(session, workspace_id, sent_message_id, user_id, source)

    async def toggle_button(self, workspace_id: int, sent_message_id: int, user_id: str) -> bool:
        """Flip the user's button like; True if the user now has one (False also for a foreign card)."""
        async with self._db.write() as session:
            if await self._remove(session, workspace_id, sent_message_id, user_id, BUTTON):
                return False
            return await self._add(session, workspace_id, sent_message_id, user_id, BUTTON)

    async def count(self, workspace_id: int, sent_message_id: int) -> int:
        """The number of distinct users who like the card."""
        async with self._db.read() as session:
            value = await session.scalar(
                select(func.count(func.distinct(LikeRow.user_id))).where(
                    LikeRow.workspace_id == workspace_id, LikeRow.sent_message_id == sent_message_id
                )
            )
            return int(value or 0)

    async def users(self, workspace_id: int, sent_message_id: int) -> list[str]:
        """The users who like the card, in the order of their first like."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(LikeRow.user_id, func.min(LikeRow.id).label("first"))
                .where(LikeRow.workspace_id == workspace_id, LikeRow.sent_message_id == sent_message_id)
                .group_by(LikeRow.user_id)
                .order_by("first")
            )
            return [user_id for user_id, _ in rows]

    async def has_liked(self, workspace_id: int, sent_message_id: int, user_id: str) -> bool:
        """True if the user likes the card from any source."""
        async with self._db.read() as session:
            return bool(
                await session.scalar(
                    select(
                        exists().where(
                            LikeRow.workspace_id == workspace_id,
                            LikeRow.sent_message_id == sent_message_id,
                            LikeRow.user_id == user_id,
                        )
                    )
                )
            )

    async def _add(
        self, session: AsyncSession, workspace_id: int, sent_message_id: int, user_id: str, source: str
    ) -> bool:
        if not await owns_message(session, workspace_id, sent_message_id):
            return False
        stmt = (
            self._db.insert(LikeRow)
            .values(
                workspace_id=workspace_id,
                sent_message_id=sent_message_id,
                user_id=user_id,
                source=source,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["sent_message_id", "user_id", "source"])
        )
        result = await session.execute(stmt)
        if rowcount(result) != 1:
            return False
        add_audit(
            session,
            workspace_id,
            actor=user_id,
            action="like.added",
            object_type="sent_message",
            object_id=sent_message_id,
            detail={"source": source},
        )
        return True

    async def _remove(
        self, session: AsyncSession, workspace_id: int, sent_message_id: int, user_id: str, source: str
    ) -> bool:
        result = await session.execute(
            delete(LikeRow).where(
                LikeRow.workspace_id == workspace_id,
                LikeRow.sent_message_id == sent_message_id,
                LikeRow.user_id == user_id,
                LikeRow.source == source,
            )
        )
        if not rowcount(result):
            return False
        add_audit(
            session,
            workspace_id,
            actor=user_id,
            action="like.removed",
            object_type="sent_message",
            object_id=sent_message_id,
            detail={"source": source},
        )
        return True
