"""Comments: replies in a card's thread. Edits update the text; deletions mark the comment deleted."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select, update

from storage.models import CommentRow, utcnow
from storage.records import Comment
from storage.repositories._base import Database, add_audit, as_utc, owns_message, rowcount

__all__ = ["CommentRepository"]


def _record(row: CommentRow) -> Comment:
    return Comment(
        id=row.id,
        workspace_id=row.workspace_id,
        sent_message_id=row.sent_message_id,
        author_id=row.author_id,
        message_id=row.message_id,
        text=row.text,
        created_at=as_utc(row.created_at),
        edited_at=as_utc(row.edited_at),
        deleted_at=as_utc(row.deleted_at),
    )


class CommentRepository:
    def __init__(self, db: Database):
        self._db = db

    async def upsert(
        self, workspace_id: int, sent_message_id: int, *, author_id: str, message_id: str, text: str
    ) -> bool:
        """Save a reply (new, or an edit of the reply `message_id`). True if it was new or its text changed;
        False for a repeat of the same text, a deleted reply, or a card not in this workspace."""
        now = utcnow()
        async with self._db.write() as session:
            if not await owns_message(session, workspace_id, sent_message_id):
                return False
            inserted = await session.execute(
                self._db.insert(CommentRow)
                .values(
                    workspace_id=workspace_id,
                    sent_message_id=sent_message_id,
                    author_id=author_id,
                    message_id=message_id,
                    text=text,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["sent_message_id", "message_id"])
            )
            if rowcount(inserted) == 1:
                action = "comment.added"
            else:
                edited = await session.execute(
                    update(CommentRow)
                    .where(
                        *self._where(workspace_id, sent_message_id, message_id),
                        CommentRow.deleted_at.is_(None),
                        CommentRow.text != text,
                    )
                    .values(text=text, edited_at=now)
                )
                if not rowcount(edited):
                    return False
                action = "comment.edited"
            add_audit(
                session,
                workspace_id,
                actor=author_id,
                action=action,
                object_type="comment",
                object_id=message_id,
                detail={"sent_message_id": sent_message_id},
            )
            return True

    async def delete(
        self, workspace_id: int, sent_message_id: int, message_id: str, *, actor: str | None = None
    ) -> bool:
        """Mark the reply deleted; True if it was there and not deleted yet. `actor` defaults to its author."""
        now = utcnow()
        async with self._db.write() as session:
            row = await session.scalar(
                select(CommentRow).where(
                    *self._where(workspace_id, sent_message_id, message_id), CommentRow.deleted_at.is_(None)
                )
            )
            if row is None:
                return False
            row.deleted_at = now
            add_audit(
                session,
                workspace_id,
                actor=actor or row.author_id,
                action="comment.deleted",
                object_type="comment",
                object_id=message_id,
                detail={"sent_message_id": sent_message_id},
            )
            return True

    async def count(self, workspace_id: int, sent_message_id: int) -> int:
        """The number of replies on the card that are not deleted."""
        async with self._db.read() as session:
            value = await session.scalar(
                select(func.count()).where(
                    CommentRow.workspace_id == workspace_id,
                    CommentRow.sent_message_id == sent_message_id,
                    CommentRow.deleted_at.is_(None),
                )
            )
            return int(value or 0)

    async def list(self, workspace_id: int, sent_message_id: int, *, include_deleted: bool = False) -> list[Comment]:
        """The card's replies, oldest first (deleted ones only if asked for)."""
        query = select(CommentRow).where(
            CommentRow.workspace_id == workspace_id, CommentRow.sent_message_id == sent_message_id
        )
        if not include_deleted:
            query = query.where(CommentRow.deleted_at.is_(None))
        async with self._db.read() as session:
            rows = await session.scalars(query.order_by(CommentRow.created_at, CommentRow.id))
            return [_record(row) for row in rows]

    @staticmethod
    def _where(workspace_id: int, sent_message_id: int, message_id: str) -> tuple[ColumnElement[bool], ...]:
        return (
            CommentRow.workspace_id == workspace_id,
            CommentRow.sent_message_id == sent_message_id,
            CommentRow.message_id == message_id,
        )
