"""All of a workspace's data as a whole: exported without tokens, deleted in one transaction (another workspace's
rows untouched), its pending work cancelled on uninstall. Coverage is checked against the schema itself: a table
with a workspace_id that the fill, the export or the delete misses fails here."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from storage import Storage
from storage.models import Base, JobRow, OutboxRow, ScheduleRow
from storage.repositories.workspace_data import scoped_tables
from tests.storage.workspace_fill import NOW, TOKEN_PREFIX, fill, sealed_store  # noqa: F401 (a fixture)

SCOPED = {table.name for table in Base.metadata.sorted_tables if "workspace_id" in table.c}


async def _counts(store: Storage, ws_id: int) -> dict[str, int]:
    async with store.engine.connect() as conn:
        return {
            table.name: (
                await conn.execute(select(func.count()).select_from(table).where(table.c.workspace_id == ws_id))
            ).scalar_one()
            for table in Base.metadata.sorted_tables
            if "workspace_id" in table.c
        }


def test_every_table_that_points_at_workspace_data_carries_the_workspace():
    # a child table without workspace_id could neither be found for the export nor deleted before its parent
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name in SCOPED:
                assert "workspace_id" in table.c, f"{table.name} points at {key.column.table.name} without workspace_id"
    assert {t.name for t in scoped_tables()} == SCOPED


async def test_export_has_every_table_of_the_workspace_and_no_token(sealed_store):  # noqa: F811
    a = await fill(sealed_store, "T-A")
    await fill(sealed_store, "T-B")
    exported = await sealed_store.workspace_data.export(a)
    assert set(exported) == SCOPED | {"inbox", "workspaces"}
    empty = sorted(name for name, rows in exported.items() if not rows)
    assert empty == [], f"the fill or the export misses {empty}: add the new table to tests/storage/workspace_fill.py"
    text = json.dumps(exported)
    assert TOKEN_PREFIX not in text and "xoxp-fill-secret" not in text
    assert "bot_token" not in exported["slack_bots"][0] and "user_token" not in exported["slack_installations"][0]
    assert "T-B" not in text and "C-T-B" not in text  # nothing of the other workspace
    # the request's job, its send and the chart it showed are found through the inbox
    assert [j["key"] for j in exported["jobs"] if j["workspace_id"] is None] == ["slack:Ev-T-A"]
    assert "job:slack:Ev-T-A:1" in [o["key"] for o in exported["outbox"]]
    assert len(exported["charts"]) == 2


async def test_delete_removes_every_row_of_the_workspace_in_one_go_and_nothing_else(sealed_store):  # noqa: F811
    a = await fill(sealed_store, "T-A")
    b = await fill(sealed_store, "T-B")
    before_b = await _counts(sealed_store, b.id)
    would = await sealed_store.workspace_data.counts(a)
    assert set(would) == SCOPED | {"inbox", "workspaces"}
    removed = await sealed_store.workspace_data.delete(a)
    assert removed == would
    assert set((await _counts(sealed_store, a.id)).values()) == {0}
    assert await sealed_store.workspaces.get("slack", "T-A") is None
    assert await _counts(sealed_store, b.id) == before_b
    exported_b = await sealed_store.workspace_data.export(b)
    assert [j["key"] for j in exported_b["jobs"] if j["workspace_id"] is None] == ["slack:Ev-T-B"]
    assert len(exported_b["charts"]) == 2 and len(exported_b["inbox"]) == 1


async def test_cancel_pending_stops_queued_jobs_unsent_messages_and_schedules(sealed_store):  # noqa: F811
    a = await fill(sealed_store, "T-A")
    b = await fill(sealed_store, "T-B")
    cancelled = await sealed_store.workspace_data.cancel_pending(a, now=NOW, reason="app_uninstalled")
    assert cancelled == {"jobs": 2, "sends": 0, "schedules": 1}  # both outbox rows are 'sending' (in flight)
    async with sealed_store.engine.connect() as conn:
        jobs = (await conn.execute(select(JobRow.key, JobRow.status, JobRow.last_error))).all()
        schedules = (await conn.execute(select(ScheduleRow.key, ScheduleRow.active))).all()
        await conn.execute(OutboxRow.__table__.update().values(status="pending"))
        await conn.commit()
    assert {
        key: (status, error) for key, status, error in jobs if "T-A" in key or key.startswith(f"footer:{a.id}:")
    } == {
        "slack:Ev-T-A": ("done", "cancelled: app_uninstalled"),
        f"footer:{a.id}:1": ("done", "cancelled: app_uninstalled"),
    }
    assert sorted(k for k, s, _ in jobs if s == "queued") == sorted(["slack:Ev-T-B", f"footer:{b.id}:2"])
    assert dict(schedules) == {"nudge:slack:T-A:C-T-A": False, "nudge:slack:T-B:C-T-B": True}
    again = await sealed_store.workspace_data.cancel_pending(a, now=NOW, reason="app_uninstalled")
    assert again == {"jobs": 0, "sends": 2, "schedules": 0}  # the unsent rows of A only
    assert (await sealed_store.outbox.get("job:slack:Ev-T-B:1")).status == "pending"
