"""`python -m bot track-record --platform ... --workspace ... --channel ... [--json] [--chart FILE.png]`.

Owns the operator's view of a channel's track record: every published P(reach target), the periods and their
outcomes (recorded from baselines as of the period end), the Brier score and the reliability table, with the
number of periods. Text by default (the card's plain text), JSON with --json, the chart as a PNG with --chart.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from bot.cli import CommandError
from bot.cli.run import database_url, open_storage
from bot.core.nudges.trackrecord import TrackRecord, load, track_card, track_chart

__all__ = ["track_record"]


def track_record(
    *,
    platform: str,
    workspace: str,
    channel: str,
    db_url: str | None = None,
    as_json: bool = False,
    chart: str | None = None,
) -> int:
    async def run() -> tuple[TrackRecord | None, str]:
        storage = await open_storage(database_url(db_url))
        try:
            ws = await storage.workspaces.get(platform, workspace)
            if ws is None:
                return None, "USD"
            record = await load(storage, ws.id, channel, datetime.now(UTC))
            stored = await storage.baselines.latest(ws.id, channel)
            return record, (stored.data.get("currency") if stored else None) or "USD"
        finally:
            await storage.dispose()

    record, currency = asyncio.run(run())
    if record is None:
        raise CommandError(f"{platform}/{workspace} is not known to this database: nothing published there yet", 1)
    if chart:
        try:
            Path(chart).write_bytes(track_chart(record.to_dict()))
        except OSError as exc:
            raise CommandError(f"--chart: cannot write {chart}: {exc.strerror}") from None
    if as_json:
        print(
            json.dumps({"platform": platform, "workspace": workspace, "channel": channel, **record.to_dict()}, indent=2)
        )
    else:
        print(track_card(record, None, currency).fallback_text())
    return 0
