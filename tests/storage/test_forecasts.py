"""The track record's storage: published forecasts (idempotent per key) and period outcomes (one per period)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from storage import NotFound, Storage
from tests.storage.helpers import baseline

T0 = datetime(2026, 11, 16, 8, tzinfo=UTC)


async def _channel(store: Storage) -> tuple[int, int]:
    ws = (await store.workspaces.ensure("slack", "T1")).id
    base = await store.baselines.save(ws, "C1", baseline(deals=2), created_by="U1")
    return ws, base.id


async def test_a_forecast_is_recorded_once_per_key_and_read_back_in_time_order(store: Storage) -> None:
    ws, base = await _channel(store)
    common = {"as_of": date(2026, 11, 16), "period_end": date(2026, 12, 31), "baseline_id": base, "target": 2e6}
    first = await store.forecasts.record(
        ws, "C1", kind="nudge", p_hit=0.2, published_at=T0, key="nudge:C1:a", baseline_version=1, **common
    )
    assert first is not None and first.p_hit == 0.2 and first.baseline_version == 1
    assert first.published_at == T0 and first.period_end == date(2026, 12, 31)
    again = await store.forecasts.record(ws, "C1", kind="nudge", p_hit=0.9, published_at=T0, key="nudge:C1:a", **common)
    assert again is None  # a retried job does not publish twice
    later = T0 + timedelta(days=7)
    await store.forecasts.record(ws, "C1", kind="forecast", p_hit=0.14, published_at=later, **common)
    an_hour_later = later + timedelta(hours=1)
    await store.forecasts.record(ws, "C1", kind="forecast", p_hit=0.15, published_at=an_hour_later, **common)
    assert [f.p_hit for f in await store.forecasts.list(ws, "C1")] == [0.2, 0.14, 0.15]
    assert (await store.forecasts.last(ws, "C1")).p_hit == 0.15
    assert (await store.forecasts.last(ws, "C1", kind="nudge")).p_hit == 0.2
    assert await store.forecasts.last(ws, "C2") is None


async def test_an_outcome_is_one_per_period_and_a_fresher_one_replaces_it(store: Storage) -> None:
    ws, base = await _channel(store)
    end = date(2026, 12, 31)
    first = await store.forecasts.record_outcome(
        ws, "C1", period_end=end, target=100.0, booked=90.0, recorded_at=T0, source="baseline v2", baseline_id=base
    )
    assert first.hit is False
    fresher = await store.forecasts.record_outcome(
        ws, "C1", period_end=end, target=100.0, booked=101.0, recorded_at=T0, source="baseline v3"
    )
    assert fresher.hit is True and fresher.id == first.id
    await store.forecasts.record_outcome(
        ws, "C1", period_end=date(2026, 9, 30), target=50.0, booked=50.0, recorded_at=T0, source="import"
    )
    outcomes = await store.forecasts.outcomes(ws, "C1")
    assert [(o.period_end, o.hit) for o in outcomes] == [(date(2026, 9, 30), True), (end, True)]


async def test_a_baseline_of_another_workspace_is_refused(store: Storage) -> None:
    _, base = await _channel(store)
    other = (await store.workspaces.ensure("teams", "tenant")).id
    with pytest.raises(NotFound):
        await store.forecasts.record(
            other, "C1", kind="nudge", p_hit=0.5, as_of=date(2026, 11, 16), period_end=date(2026, 12, 31),
            published_at=T0, baseline_id=base,
        )  # fmt: skip
    assert await store.forecasts.list(other, "C1") == []
