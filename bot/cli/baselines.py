"""`python -m bot baseline import FILE.json ...` and `python -m bot baseline show ... [--json]`.

Owns the operator's way to load or export a channel's baseline: validated by the engine before it is stored
as a new version, scoped by platform, workspace (tenant) and channel. The database comes from --db, else
DATABASE_URL; it must be migrated (`python -m storage upgrade`) first.
"""

from __future__ import annotations

import asyncio
import json

from bot.cli import CommandError, read_baseline_file
from bot.cli.run import database_url, open_storage
from bot.console.render import render_text
from bot.core.scenarios.cards import baseline_card
from engine.baseline import baseline_to_dict, parse_baseline

__all__ = ["import_file", "show"]


def import_file(path: str, *, platform: str, workspace: str, channel: str, db_url: str | None = None) -> int:
    data = baseline_to_dict(parse_baseline(read_baseline_file(path)))

    async def run() -> str:
        storage = await open_storage(database_url(db_url))
        try:
            ws = await storage.workspaces.ensure(platform, workspace)
            saved = await storage.baselines.save(ws.id, channel, data, created_by="cli", note=f"imported from {path}")
        finally:
            await storage.dispose()
        deals = len(data.get("pipeline") or [])
        return f"baseline v{saved.version} saved for {platform}/{workspace}/{channel}: {deals} deals"

    print(asyncio.run(run()))
    return 0


def show(*, platform: str, workspace: str, channel: str, db_url: str | None = None, as_json: bool = False) -> int:
    async def run():
        storage = await open_storage(database_url(db_url))
        try:
            ws = await storage.workspaces.get(platform, workspace)
            return None if ws is None else await storage.baselines.latest(ws.id, channel)
        finally:
            await storage.dispose()

    stored = asyncio.run(run())
    if stored is None:
        raise CommandError(
            f"{platform}/{workspace}/{channel} has no baseline yet. Load one with: python -m bot baseline import "
            f"FILE.json --platform {platform} --workspace {workspace} --channel {channel}",
            exit_code=1,
        )
    if as_json:
        print(json.dumps(stored.data, indent=2))
    else:
        print(render_text(baseline_card(baseline=stored.data, version=stored.version, forecast=None)))
    return 0
