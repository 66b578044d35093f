"""`python -m bot workspace list | export | delete | rekey`: operators' commands for data-protection requests.

Owns
- `list`: every workspace (tenant) with where the app is installed there, and how much data it holds;
- `export --platform P --workspace ID`: all of that workspace's data as JSON on stdout (every table with its
  rows, storage.repositories.workspace_data), with no token or other credential in it;
- `delete --platform P --workspace ID --yes`: every row of the workspace and the workspace itself, in ONE
  transaction; without --yes it says what it would delete and exits 2 (nothing is deleted);
- `rekey`: after SECRET_KEY=new,old, seal every stored token again with the new key, so the old one can go.
The database comes from --db, else DATABASE_URL; it must be migrated first.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from bot.cli import CommandError
from bot.cli.run import database_url, require_current
from bot.config import ConfigError, load_settings

__all__ = ["list_workspaces", "export", "delete", "rekey"]


def _open(db_url: str | None, *, keys: list[str] | None = None) -> Any:
    from storage import Secrets, Storage

    url = database_url(db_url)
    require_current(url)
    return Storage.from_url(url, secrets=Secrets(keys or []))


async def _workspace(storage: Any, platform: str, external_id: str) -> Any:
    found = await storage.workspaces.get(platform, external_id)
    if found is None:
        raise CommandError(
            f"no {platform} workspace {external_id!r} in this database (python -m bot workspace list shows them)",
            exit_code=1,
        )
    return found


def list_workspaces(*, db_url: str | None = None, as_json: bool = False) -> int:
    async def run() -> list[dict[str, Any]]:
        storage = _open(db_url)
        try:
            from sqlalchemy import select

            from storage.models import WorkspaceRow

            async with storage.engine.connect() as conn:
                rows = (await conn.execute(select(WorkspaceRow).order_by(WorkspaceRow.id))).all()
            bots = await storage.slack_installs.listing()
            out = []
            for row in rows:
                installs: list[str] = []
                if row.platform == "slack":
                    for bot in (b for b in bots if b["workspace_id"] == row.id):
                        installs.append(f"org-wide ({bot['enterprise_id']})" if bot["org_wide"] else bot["team_id"])
                elif row.platform == "teams":
                    found = await storage.teams_installs.listing(row.id)
                    installs = [f"{i['scope']} {i['conversation_id']}" for i in found if i["removed_at"] is None]
                out.append(
                    {
                        "platform": row.platform,
                        "workspace": row.external_id,
                        "name": row.name,
                        "created_at": row.created_at.isoformat() if row.created_at else None,
                        "installed": installs,
                    }
                )
            return out
        finally:
            await storage.dispose()

    found = asyncio.run(run())
    if as_json:
        print(json.dumps(found, indent=2))
        return 0
    if not found:
        print("no workspaces yet")
        return 0
    for item in found:
        where = ", ".join(item["installed"]) if item["installed"] else "not installed (or a single SLACK_BOT_TOKEN)"
        name = f" ({item['name']})" if item["name"] else ""
        print(f"{item['platform']:<7} {item['workspace']}{name}  installed: {where}")
    return 0


def export(*, platform: str, workspace: str, db_url: str | None = None) -> int:
    async def run() -> dict[str, Any]:
        storage = _open(db_url)
        try:
            ws = await _workspace(storage, platform, workspace)
            tables = await storage.workspace_data.export(ws)
        finally:
            await storage.dispose()
        return {
            "platform": platform,
            "workspace": workspace,
            "exported_at": datetime.now(UTC).isoformat(),
            "note": "every row of this workspace, by table; tokens and other credentials are left out",
            "tables": tables,
        }

    print(json.dumps(asyncio.run(run()), indent=2, ensure_ascii=False))
    return 0


def delete(*, platform: str, workspace: str, yes: bool = False, db_url: str | None = None) -> int:
    async def run() -> dict[str, int]:
        storage = _open(db_url)
        try:
            ws = await _workspace(storage, platform, workspace)
            return await (storage.workspace_data.delete(ws) if yes else storage.workspace_data.counts(ws))
        finally:
            await storage.dispose()

    counts = asyncio.run(run())
    listed = "\n".join(f"  {table}: {n}" for table, n in sorted(counts.items()))
    if not yes:
        raise CommandError(
            f"would delete every row of {platform} workspace {workspace} ({sum(counts.values())} rows):\n{listed}\n"
            f"Nothing was deleted. Run again with --yes to delete them, in one transaction.",
            exit_code=2,
        )
    print(f"deleted {platform} workspace {workspace} ({sum(counts.values())} rows, one transaction):\n{listed}")
    print("The app is still installed there until it is removed in Slack or Teams; new activity would start afresh.")
    return 0


def rekey(*, db_url: str | None = None) -> int:
    try:
        keys = load_settings().secret_keys()
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    if not keys:
        raise CommandError("SECRET_KEY is not set: set SECRET_KEY=<new key>,<old key> to seal the tokens again")

    async def run() -> int:
        storage = _open(db_url, keys=keys)
        try:
            from storage import SecretUnreadable

            try:
                return await storage.slack_installs.reseal()
            except SecretUnreadable as exc:
                raise CommandError(str(exc)) from None
        finally:
            await storage.dispose()

    count = asyncio.run(run())
    print(f"{count} rows holding tokens sealed again with the first SECRET_KEY key: the other keys may now go")
    return 0
