"""Forecasts and period outcomes: the bot's track record.

Owns recording every P(reach target) the bot published (idempotent per publication key, so a retried job does
not count a nudge twice), reading a channel's forecasts back in time order, and the outcome of each ended
period (one per channel and period end; a later, fresher baseline replaces it).
"""

from __future__ import annotations

import builtins
import functools
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, select

from storage.models import BaselineRow, ForecastRow, PeriodOutcomeRow
from storage.records import Forecast, PeriodOutcome
from storage.repositories._base import Database, as_utc, require_owned

__all__ = ["ForecastRepository"]


def _forecast(row: ForecastRow | Row[Any]) -> Forecast:
    published = as_utc(row.published_at)
    assert published is not None
    return Forecast(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        kind=row.kind,
        key=row.key,
        p_hit=row.p_hit,
        baseline_id=row.baseline_id,
        baseline_version=row.baseline_version,
        as_of=row.as_of,
        period_end=row.period_end,
        target=row.target,
        published_at=published,
    )


def _outcome(row: PeriodOutcomeRow) -> PeriodOutcome:
    recorded = as_utc(row.recorded_at)
    assert recorded is not None
    return PeriodOutcome(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        period_end=row.period_end,
        target=row.target,
        booked=row.booked,
        hit=bool(row.hit),
        baseline_id=row.baseline_id,
        source=row.source,
        recorded_at=recorded,
    )


class ForecastRepository:
    def __init__(self, db: Database):
        self._db = db

    async def record(
        self,
        workspace_id: int,
        channel_id: str,
        *,
        kind: str,
        p_hit: float,
        as_of: date,
        period_end: date,
        published_at: datetime,
        baseline_id: int | None = None,
        baseline_version: int | None = None,
        target: float | None = None,
        key: str | None = None,
    ) -> Forecast | None:
        """Store a published forecast; None when `key` was recorded already (a retried publication). Raises
        NotFound if `baseline_id` is not in this workspace."""
        values = {
            "workspace_id": workspace_id,
            "channel_id": channel_id,
            "kind": kind,
            "key": key,
            "p_hit": float(p_hit),
            "baseline_id": baseline_id,
            "baseline_version": baseline_version,
            "as_of": as_of,
            "period_end": period_end,
            "target": None if target is None else float(target),
            "published_at": as_utc(published_at),
        }
        async with self._db.write() as session:
            await require_owned(session, BaselineRow, workspace_id, baseline_id, "baseline")
            row = (await session.execute(self._insert, values)).first()
            return None if row is None else _forecast(row)

    @functools.cached_property
    def _insert(self) -> Any:
        # ON CONFLICT only meets a retried publication's key: rows without a key never conflict (NULLs are distinct)
        insert = self._db.insert(ForecastRow).on_conflict_do_nothing(index_elements=["workspace_id", "key"])
        return insert.returning(*ForecastRow.__table__.c)

    async def last(self, workspace_id: int, channel_id: str, kind: str | None = None) -> Forecast | None:
        """The channel's newest published forecast (of `kind`, when given)."""
        query = select(ForecastRow).where(
            ForecastRow.workspace_id == workspace_id, ForecastRow.channel_id == channel_id
        )
        if kind is not None:
            query = query.where(ForecastRow.kind == kind)
        query = query.order_by(ForecastRow.published_at.desc(), ForecastRow.id.desc()).limit(1)
        async with self._db.read() as session:
            row = await session.scalar(query)
            return None if row is None else _forecast(row)

    async def list(self, workspace_id: int, channel_id: str, limit: int = 5000) -> list[Forecast]:
        """The channel's published forecasts, oldest first."""
        query = (
            select(ForecastRow)
            .where(ForecastRow.workspace_id == workspace_id, ForecastRow.channel_id == channel_id)
            .order_by(ForecastRow.published_at, ForecastRow.id)
            .limit(limit)
        )
        async with self._db.read() as session:
            return [_forecast(row) for row in await session.scalars(query)]

    async def record_outcome(
        self,
        workspace_id: int,
        channel_id: str,
        *,
        period_end: date,
        target: float,
        booked: float,
        recorded_at: datetime,
        source: str,
        baseline_id: int | None = None,
    ) -> PeriodOutcome:
        """Store (or replace) what the period ending `period_end` booked against its target. Raises NotFound if
        `baseline_id` is not in this workspace."""
        values = {
            "workspace_id": workspace_id,
            "channel_id": channel_id,
            "period_end": period_end,
            "target": float(target),
            "booked": float(booked),
            "hit": float(booked) >= float(target),
            "baseline_id": baseline_id,
            "source": source[:64],
            "recorded_at": as_utc(recorded_at),
        }
        stmt = self._db.insert(PeriodOutcomeRow).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["workspace_id", "channel_id", "period_end"],
            set_={k: v for k, v in values.items() if k not in ("workspace_id", "channel_id", "period_end")},
        )
        async with self._db.write() as session:
            await require_owned(session, BaselineRow, workspace_id, baseline_id, "baseline")
            await session.execute(stmt)
            row = await session.scalar(
                select(PeriodOutcomeRow)
                .where(
                    PeriodOutcomeRow.workspace_id == workspace_id,
                    PeriodOutcomeRow.channel_id == channel_id,
                    PeriodOutcomeRow.period_end == period_end,
                )
                .execution_options(populate_existing=True)
            )
            assert row is not None
            return _outcome(row)

    # builtins.list: inside this class `list` names the method above
    async def outcomes(self, workspace_id: int, channel_id: str) -> builtins.list[PeriodOutcome]:
        """The channel's recorded period outcomes, oldest period first."""
        query = (
            select(PeriodOutcomeRow)
            .where(PeriodOutcomeRow.workspace_id == workspace_id, PeriodOutcomeRow.channel_id == channel_id)
            .order_by(PeriodOutcomeRow.period_end)
        )
        async with self._db.read() as session:
            return [_outcome(row) for row in await session.scalars(query)]
