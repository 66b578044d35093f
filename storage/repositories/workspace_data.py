"""All of one workspace's data, for operators and uninstalls: export it, delete it, cancel its pending work.

Owns the list of what belongs to a workspace, found from the schema rather than written by hand: every table
with a `workspace_id` column (storage.models, storage.models_install), so a table added later is exported and
deleted without an edit here. Three kinds of rows carry the tenant another way, and are matched by it:
- `inbox` rows by (platform, workspace external id);
- `jobs` recorded by a request (their `workspace_id` is empty; the job key is `<platform>:<delivery id>`), by
  the inbox rows of that workspace;
- `outbox` rows sent by such a job (keys `job:<job key>:<n>`, `sorry:<job key>:<n>`) by the same inbox rows, and
  `charts` by the outbox rows that show them.
`delete` removes everything in ONE transaction, children first (a row before the rows it points at), the
workspace row last. `export` leaves out every column marked secret (tokens). `cancel_pending` stops what an
uninstalled workspace still had coming: queued jobs end as done with `cancelled: <reason>`, unsent outbox rows
as failed, its schedules inactive.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, String, Table, and_, delete, exists, false, func, literal, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Base
from storage.records import Workspace
from storage.repositories._base import Database

__all__ = ["WorkspaceDataRepository", "Tenant", "scoped_tables"]

# a table whose rows are found through another table's rows is read before that table's rows are deleted
_BEFORE = {"charts": "outbox"}
_SENT_BY_JOBS = ("job:", "sorry:")


@dataclass(frozen=True, slots=True)
class Tenant:
    """A tenant that may have no workspace row yet (`id` None): its deliveries were recorded, not yet handled."""

    platform: str
    external_id: str
    id: int | None = None


Scope = Workspace | Tenant


def scoped_tables() -> list[Table]:
    """Every table with a workspace_id column, children first (deleting in this order never breaks a key)."""
    tables = [table for table in reversed(Base.metadata.sorted_tables) if "workspace_id" in table.c]
    for first, then in _BEFORE.items():
        names = [t.name for t in tables]
        if first in names and then in names and names.index(first) > names.index(then):
            tables.insert(names.index(then), tables.pop(names.index(first)))
    return tables


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


_INBOX, _JOBS, _OUTBOX, _SCHEDULES, _WORKSPACES = (
    _table(name) for name in ("inbox", "jobs", "outbox", "schedules", "workspaces")
)


def _count(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _text(value: str) -> Any:
    return literal(value, String)


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Decimal):
        return float(value)
    return value


class WorkspaceDataRepository:
    def __init__(self, db: Database):
        self._db = db

    # ------------------------------------------------------------------ what belongs to a workspace

    def _inbox(self, ws: Scope) -> ColumnElement[bool]:
        return and_(_INBOX.c.platform == ws.platform, _INBOX.c.workspace_external_id == ws.external_id)

    def _where(self, table: Table, ws: Scope) -> ColumnElement[bool]:
        mine = table.c.workspace_id == ws.id if ws.id is not None else false()
        if table.name == "jobs":
            keys = select(_text(f"{ws.platform}:") + _INBOX.c.delivery_id).where(self._inbox(ws))
            return or_(mine, table.c.key.in_(keys))
        if table.name == "outbox":
            return or_(mine, self._sent_by_jobs(table, ws))
        if table.name == "charts":
            shown = select(_OUTBOX.c.chart_token).where(_OUTBOX.c.chart_token.is_not(None), self._where(_OUTBOX, ws))
            return or_(mine, table.c.token.in_(shown))
        return mine

    def _sent_by_jobs(self, outbox: Table, ws: Scope) -> ColumnElement[bool]:
        matches = []
        for prefix in _SENT_BY_JOBS:
            start = _text(f"{prefix}{ws.platform}:") + _INBOX.c.delivery_id + _text(":")
            matches.append(func.substr(outbox.c.key, 1, func.length(start)) == start)
        return exists(select(_INBOX.c.id).where(self._inbox(ws), or_(*matches)))

    def tables(self) -> list[str]:
        """The names of the tables `export` and `delete` cover, in deletion order, then inbox and workspaces."""
        return [table.name for table in scoped_tables()] + ["inbox", "workspaces"]

    # ------------------------------------------------------------------ export, count, delete

    async def export(self, ws: Workspace) -> dict[str, list[dict[str, Any]]]:
        """Every row of the workspace, by table, as JSON-safe dicts; secret columns (tokens) left out."""
        out: dict[str, list[dict[str, Any]]] = {}
        async with self._db.read() as session:
            for table in [*scoped_tables(), _INBOX, _WORKSPACES]:
                shown = [column for column in table.c if not column.info.get("secret")]
                where = self._scope(table, ws)
                rows = await session.execute(select(*shown).where(where).order_by(*table.primary_key.columns))
                out[table.name] = [{key: _json(value) for key, value in row._mapping.items()} for row in rows]
        return out

    def _scope(self, table: Table, ws: Workspace) -> ColumnElement[bool]:
        if table.name == "inbox":
            return self._inbox(ws)
        if table.name == "workspaces":
            return table.c.id == ws.id
        return self._where(table, ws)

    async def counts(self, ws: Workspace) -> dict[str, int]:
        """How many rows `delete` would remove, by table (tables without any left out)."""
        found: dict[str, int] = {}
        async with self._db.read() as session:
            for table in [*scoped_tables(), _INBOX, _WORKSPACES]:
                n = await session.scalar(select(func.count()).select_from(table).where(self._scope(table, ws)))
                if n:
                    found[table.name] = int(n)
        return found

    async def delete(self, ws: Workspace) -> dict[str, int]:
        """Delete every row of the workspace and the workspace itself, in one transaction; counts by table."""
        removed: dict[str, int] = {}
        async with self._db.write() as session:
            for table in [*scoped_tables(), _INBOX, _WORKSPACES]:
                result = await session.execute(delete(table).where(self._scope(table, ws)))
                if _count(result):
                    removed[table.name] = _count(result)
        return removed

    # ------------------------------------------------------------------ an uninstalled workspace

    async def cancel_pending(self, ws: Scope, *, now: datetime, reason: str) -> dict[str, int]:
        """Stop everything the workspace still had coming (see the module docstring); counts by kind. A Tenant
        without a workspace row has only recorded deliveries: their jobs are found through the inbox."""
        note = f"cancelled: {reason}"[:255]
        jobs, outbox = _JOBS, _OUTBOX
        async with self._db.write() as session:
            cancelled_jobs = await session.execute(
                update(jobs)
                .where(jobs.c.status == "queued", self._where(jobs, ws))
                .values(status="done", finished_at=now, last_error=note, lease_until=None, leased_by=None)
                .execution_options(synchronize_session=False)
            )
            cancelled_sends = await session.execute(
                update(outbox)
                .where(outbox.c.status.in_(("pending", "unknown")), self._where(outbox, ws))
                .values(status="failed", last_error=note)
                .execution_options(synchronize_session=False)
            )
            stopped = await session.execute(
                update(_SCHEDULES)
                .where(self._where(_SCHEDULES, ws), _SCHEDULES.c.active.is_(True))
                .values(active=False)
                .execution_options(synchronize_session=False)
            )
        return {
            "jobs": _count(cancelled_jobs),
            "sends": _count(cancelled_sends),
            "schedules": _count(stopped),
        }
