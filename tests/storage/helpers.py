"""Sample data and raw row counts for the storage tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from storage import Storage

TABLES = (
    "workspaces",
    "conversations",
    "baselines",
    "baseline_deals",
    "scenarios",
    "sent_messages",
    "likes",
    "comments",
    "inbox",
    "audit_log",
    "pending_imports",
    "forecasts",
    "period_outcomes",
    "decisions",
    "roles",
    "expert_invitations",
    "expert_estimates",
)


def deal(i: int, **overrides: Any) -> dict[str, Any]:
    item = {
        "id": f"OPP-{i}",
        "name": f"Deal {i}",
        "amount": 10_000 + i,
        "probability": 0.4,
        "close_date": "2026-12-15",
        "stage": "Proposal",
        "owner": "Dana",
    }
    item.update(overrides)
    return item


def baseline(deals: int = 3, **overrides: Any) -> dict[str, Any]:
    """DESIGN section 6 JSON with `deals` open deals."""
    data: dict[str, Any] = {
        "currency": "USD",
        "as_of": "2026-11-16",
        "period_end": "2026-12-31",
        "target": 2_000_000,
        "booked": 1_200_000,
        "reps": 10,
        "new_opps_per_rep_week": 7,
        "win_rate": 0.25,
        "deal_size": {"mean": 20_000, "cv": 0.8},
        "cycle_weeks": {"mean": 4, "cv": 0.5},
        "pipeline": [deal(i) for i in range(deals)],
    }
    data.update(overrides)
    return data


async def count_rows(store: Storage, table: str, where: str = "", **params: Any) -> int:
    assert table in TABLES
    query = f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else "")
    async with store.engine.connect() as connection:
        return int((await connection.execute(text(query), params)).scalar_one())


async def snapshot(store: Storage) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in id order: to show that a call changed nothing."""
    rows: dict[str, list[dict[str, Any]]] = {}
    async with store.engine.connect() as connection:
        for table in TABLES:
            result = await connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            rows[table] = [dict(row._mapping) for row in result]
    return rows
