"""`python -m bot baseline import FILE.json ...` and `python -m bot baseline show ... [--json]`.

Owns the operator's way to load or export a channel's baseline: validated by the engine before it is stored
as a new version, scoped by platform, workspace (tenant) and channel. The database comes from --db, else
DATABASE_URL; it must be migrated (`python -m storage upgrade`) first.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import date

from bot.cli import CommandError, read_baseline_file
from bot.cli.run import database_url, open_storage
from bot.console.render import render_text
from bot.core.baselines.freshness import engine_data, period_of, with_sources
from bot.core.scenarios.cards import baseline_card
from engine.baseline import baseline_to_dict, parse_baseline

__all__ = ["import_file", "show"]


def import_file(path: str, *, platform: str, workspace: str, channel: str, db_url: str | None = None) -> int:
    raw = read_baseline_file(path)
    start = raw.get("period_start")
    sources = raw.get("sources") if isinstance(raw.get("sources"), dict) else {}
    data = with_sources(
        baseline_to_dict(parse_baseline(engine_data(raw))), sources, date.fromisoformat(start) if start else None
    )

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
        period = period_of(stored.data, date.today())
        period = None if period is None else dataclasses.replace(period, chat=False)
        card = baseline_card(baseline=stored.data, version=stored.version, forecast=None, period=period)
        print(render_text(dataclasses.replace(card, buttons=())))
    return 0
