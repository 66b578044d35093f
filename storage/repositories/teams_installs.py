"""Teams installations: where the app is installed in a tenant (a team, a group chat, a personal chat).

Owns recording an install (installationUpdate `add`, or the bot added to a conversation) and a removal
(installationUpdate `remove`, or the bot removed), and, with a removal, forgetting the stored conversation
references of the place it was removed from, in the same transaction: a proactive send there can only fail.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from storage.models import ConversationRow
from storage.models_install import TeamsInstallationRow
from storage.repositories._base import Database, as_utc

__all__ = ["TeamsInstallRepository"]

# (channel id, stored reference) -> whether that reference belongs to the removed team or chat
Forget = Callable[[str, dict[str, Any]], bool]


class TeamsInstallRepository:
    def __init__(self, db: Database):
        self._db = db

    async def installed(self, workspace_id: int, conversation_id: str, scope: str, *, now: datetime) -> None:
        stmt = self._db.insert(TeamsInstallationRow).values(
            workspace_id=workspace_id, conversation_id=conversation_id, scope=scope, installed_at=now, removed_at=None
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["workspace_id", "conversation_id"],
            set_={"scope": scope, "installed_at": now, "removed_at": None},
        )
        async with self._db.write() as session:
            await session.execute(stmt)

    async def removed(
        self, workspace_id: int, conversation_id: str, scope: str, *, now: datetime, forget: Forget
    ) -> int:
        """Record the removal and delete the conversation references `forget` picks; returns how many."""
        stmt = self._db.insert(TeamsInstallationRow).values(
            workspace_id=workspace_id, conversation_id=conversation_id, scope=scope, installed_at=now, removed_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["workspace_id", "conversation_id"], set_={"scope": scope, "removed_at": now}
        )
        async with self._db.write() as session:
            await session.execute(stmt)
            rows = await session.execute(
                select(ConversationRow.id, ConversationRow.channel_id, ConversationRow.reference).where(
                    ConversationRow.workspace_id == workspace_id
                )
            )
            gone = [row.id for row in rows if forget(row.channel_id, row.reference or {})]
            if gone:
                await session.execute(delete(ConversationRow).where(ConversationRow.id.in_(gone)))
            return len(gone)

    async def listing(self, workspace_id: int) -> list[dict[str, Any]]:
        async with self._db.read() as session:
            rows = await session.scalars(
                select(TeamsInstallationRow)
                .where(TeamsInstallationRow.workspace_id == workspace_id)
                .order_by(TeamsInstallationRow.id)
            )
            return [
                {
                    "conversation_id": row.conversation_id,
                    "scope": row.scope,
                    "installed_at": as_utc(row.installed_at),
                    "removed_at": as_utc(row.removed_at),
                }
                for row in rows
            ]
