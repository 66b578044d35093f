"""Baselines: versioned per channel (1, 2, ...); the top-level fields as JSON, the deals as rows.

A save is one transaction: the next version number, the version row and all of its deals, or nothing.
Storage does not judge the baseline (the engine does, before saving); it keeps what it is given.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, BaselineDealRow, BaselineRow, utcnow
from storage.records import BaselineVersion
from storage.repositories._base import Database, add_audit, as_utc

__all__ = ["BaselineRepository", "insert_version"]

_DEAL_COLUMNS = (
    BaselineDealRow.external_id,
    BaselineDealRow.name,
    BaselineDealRow.amount,
    BaselineDealRow.probability,
    BaselineDealRow.close_date,
    BaselineDealRow.stage,
    BaselineDealRow.owner,
)
# built once (every answer reads its channel's baseline), the values bound at execution
_LATEST = (
    select(BaselineRow)
    .where(BaselineRow.workspace_id == bindparam("of_workspace"), BaselineRow.channel_id == bindparam("of_channel"))
    .order_by(BaselineRow.version.desc())
    .limit(1)
)
_BY_ID = select(BaselineRow).where(
    BaselineRow.workspace_id == bindparam("of_workspace"), BaselineRow.id == bindparam("of_id")
)
_DEALS = (
    select(*_DEAL_COLUMNS)
    .where(BaselineDealRow.workspace_id == bindparam("of_workspace"), BaselineDealRow.baseline_id == bindparam("of_id"))
    .order_by(BaselineDealRow.position)
)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _day(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value).strip())


def _deal_row(position: int, deal: dict[str, Any]) -> dict[str, Any]:
    external_id = deal.get("id")
    return {
        "position": position,
        "external_id": None if external_id is None else str(external_id),
        "name": deal.get("name"),
        "amount": _number(deal.get("amount")),
        "probability": _number(deal.get("probability")),
        "close_date": _day(deal.get("close_date")),
        "stage": deal.get("stage"),
        "owner": deal.get("owner"),
    }


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def _deal_dict(
    external_id: str,
    name: str | None,
    amount: float,
    probability: float,
    close_date: date,
    stage: str | None,
    owner: str | None,
) -> dict[str, Any]:
    """A deal as DESIGN section 6 JSON (the engine's baseline_to_dict layout; absent values left out)."""
    item: dict[str, Any] = {"id": external_id}
    if name is not None:
        item["name"] = name
    item["amount"] = _plain(amount)
    item["probability"] = probability
    item["close_date"] = close_date.isoformat()
    if stage is not None:
        item["stage"] = stage
    if owner is not None:
        item["owner"] = owner
    return item


def _record(row: BaselineRow, pipeline: list[dict[str, Any]] | None) -> BaselineVersion:
    data = dict(row.fields)
    data.pop("pipeline", None)
    if pipeline is not None:
        data["pipeline"] = pipeline
    return BaselineVersion(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        version=row.version,
        data=data,
        deal_count=row.deal_count,
        created_by=row.created_by,
        note=row.note,
        created_at=as_utc(row.created_at),
    )


async def insert_version(
    db: Database,
    session: AsyncSession,
    workspace_id: int,
    channel_id: str,
    data: dict[str, Any],
    created_by: str,
    note: str,
) -> BaselineVersion:
    """Add the channel's next version inside the caller's write transaction (`save`, and an accepted CSV
    import that must store the version and mark itself accepted together)."""
    fields = {key: value for key, value in data.items() if key != "pipeline"}
    rows = [_deal_row(position, deal) for position, deal in enumerate(data.get("pipeline") or [])]
    # Concurrent saves on one channel take turns, so each gets the next version number.
    await db.serialize(session, workspace_id, f"baseline:{channel_id}")
    latest = await session.scalar(
        select(func.max(BaselineRow.version)).where(
            BaselineRow.workspace_id == workspace_id, BaselineRow.channel_id == channel_id
        )
    )
    row = BaselineRow(
        workspace_id=workspace_id,
        channel_id=channel_id,
        version=(latest or 0) + 1,
        fields=fields,
        deal_count=len(rows),
        created_by=created_by,
        note=note,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    if rows:
        extra = {"workspace_id": workspace_id, "baseline_id": row.id}
        # Core executemany on the table (the ORM's per-row bookkeeping would slow a large import down)
        await session.execute(
            Base.metadata.tables[BaselineDealRow.__tablename__].insert(), [{**r, **extra} for r in rows]
        )
    add_audit(
        session,
        workspace_id,
        actor=created_by,
        action="baseline.saved",
        object_type="baseline",
        object_id=row.id,
        detail={"channel_id": channel_id, "version": row.version, "deals": len(rows), "note": note},
    )
    pipeline = [_deal_dict(*(r[c.key] for c in _DEAL_COLUMNS)) for r in rows]
    return _record(row, pipeline)


_DEALS_CACHE_DEALS = 20_000  # deals kept in all (a few MB): an import may hold 10,000 deals, and 64 such versions
# kept whole would be hundreds of MB


class BaselineRepository:
    def __init__(self, db: Database):
        self._db = db
        # A version's deals never change once written (a new import is a new version), and every question in a
        # channel reads its latest version's: kept per version here, the deals query (the costliest read of an
        # answer) runs once per version instead of once per question. Keyed with the row's creation time too, so
        # an id SQLite hands out again after a deletion never meets the deals of the row it replaced.
        self._deals: OrderedDict[tuple[int, datetime], list[dict[str, Any]]] = OrderedDict()
        self._deals_kept = 0

    async def save(
        self, workspace_id: int, channel_id: str, data: dict[str, Any], *, created_by: str, note: str = ""
    ) -> BaselineVersion:
        """Save `data` (DESIGN section 6 JSON) as the channel's next version, with all of its deals, or
        nothing at all if any row fails."""
        async with self._db.write() as session:
            return await insert_version(self._db, session, workspace_id, channel_id, data, created_by, note)

    async def latest(self, workspace_id: int, channel_id: str) -> BaselineVersion | None:
        """The channel's newest version, with its deals; None if it has none."""
        return await self._one_with_deals(_LATEST, {"of_workspace": workspace_id, "of_channel": channel_id})

    async def get(self, workspace_id: int, baseline_id: int) -> BaselineVersion | None:
        """One version by id, with its deals; None if it is not in this workspace."""
        return await self._one_with_deals(_BY_ID, {"of_workspace": workspace_id, "of_id": baseline_id})

    async def history(self, workspace_id: int, channel_id: str, limit: int = 20) -> list[BaselineVersion]:
        """The channel's versions, newest first, without their deals (see BaselineVersion.has_pipeline)."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(BaselineRow)
                .where(BaselineRow.workspace_id == workspace_id, BaselineRow.channel_id == channel_id)
                .order_by(BaselineRow.version.desc())
                .limit(limit)
            )
            return [_record(row, None) for row in rows]

    async def _one_with_deals(self, query: Select[BaselineRow], params: dict[str, Any]) -> BaselineVersion | None:
        async with self._db.read() as session:
            row = await session.scalar(query, params)
            if row is None:
                return None
            key = (row.id, row.created_at)
            cached = self._deals.get(key)
            if cached is None:
                deals = await session.execute(_DEALS, {"of_workspace": row.workspace_id, "of_id": row.id})
                cached = [_deal_dict(*deal) for deal in deals]
                if len(cached) <= _DEALS_CACHE_DEALS and key not in self._deals:  # (another read may have kept it)
                    self._deals[key] = cached
                    self._deals_kept += len(cached)
                    while self._deals_kept > _DEALS_CACHE_DEALS:
                        self._deals_kept -= len(self._deals.popitem(last=False)[1])
            else:
                self._deals.move_to_end(key)
            return _record(row, [dict(deal) for deal in cached])  # copies: a caller may change what it gets
