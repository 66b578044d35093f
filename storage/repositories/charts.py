"""Charts: rendered PNGs under unguessable tokens, so every web process can serve `/charts/{token}.png`.

Adaptive Cards show an image only from a URL Teams can fetch; the token (256 random bits) is the only way to a
chart. Charts older than the retention are purged by the worker.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, select

from storage.models import ChartRow, utcnow
from storage.repositories._base import Database, rowcount

__all__ = ["ChartRepository"]

_TOKEN_BYTES = 32


class ChartRepository:
    def __init__(self, db: Database):
        self._db = db

    async def put(self, workspace_id: int | None, png: bytes) -> str:
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        async with self._db.write() as session:
            session.add(ChartRow(token=token, workspace_id=workspace_id, png=png, created_at=utcnow()))
        return token

    async def get(self, token: str) -> bytes | None:
        if not token or len(token) > 64:
            return None
        async with self._db.read() as session:
            return await session.scalar(select(ChartRow.png).where(ChartRow.token == token))

    async def purge(self, *, before: datetime) -> int:
        async with self._db.write() as session:
            result = await session.execute(delete(ChartRow).where(ChartRow.created_at < before))
            return rowcount(result)
