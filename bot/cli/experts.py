"""`python -m bot experts settings --platform ... --workspace ... [--max-depth N] [--max-per-card N]
[--expiry-days N] [--default]`.

Owns the operator's view and change of a workspace's expert invitation limits: how deep an invitation chain may
go (default 3), how many invitations one card may have (default 50) and after how many days an invitation expires
(default 7). Without a change it prints the limits in force; every change is audited.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from bot.cli import CommandError
from bot.cli.run import database_url, open_storage
from bot.core.experts.rules import MAX_DEPTH_ALLOWED, Limits

__all__ = ["settings", "bounded"]

_BOUNDS = {"max_depth": (1, MAX_DEPTH_ALLOWED), "max_per_card": (1, 500), "expiry_days": (1, 90)}


def bounded(name: str):
    """An argparse type: a whole number within the bounds of setting `name` (a clear message otherwise)."""
    low, high = _BOUNDS[name]

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text!r}")
        return value

    return parse


def settings(
    *,
    platform: str,
    workspace: str,
    changes: dict[str, int | None],
    reset: bool = False,
    db_url: str | None = None,
    as_json: bool = False,
) -> int:
    async def run() -> Limits | None:
        storage = await open_storage(database_url(db_url))
        try:
            ws = await storage.workspaces.get(platform, workspace)
            if ws is None:
                return None
            wanted = dict.fromkeys(_BOUNDS) if reset else {k: v for k, v in changes.items() if v is not None}
            if wanted:
                await storage.experts.set_settings(ws.id, actor="cli", **wanted)
            return Limits.of(await storage.experts.settings(ws.id))
        finally:
            await storage.dispose()

    limits = asyncio.run(run())
    if limits is None:
        raise CommandError(f"{platform}/{workspace} is not known to this database: the bot has not been used there", 1)
    if as_json:
        figures = {
            "max_depth": limits.max_depth,
            "max_per_card": limits.max_per_card,
            "expiry_days": limits.expiry_days,
        }
        print(json.dumps({"platform": platform, "workspace": workspace, **figures}))
    else:
        print(
            f"Expert invitations in {platform}/{workspace}: chains up to {limits.max_depth} deep, at most "
            f"{limits.max_per_card} invitations per card, expiring after {limits.expiry_days} days."
        )
    return 0
