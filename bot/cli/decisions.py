"""`python -m bot decisions export ...` and `python -m bot roles set|list ...`: the decision log for operators.

Owns the operator's side of decisions: the channel's decision log as the same formula-safe CSV the
`/scenario decisions export` command gives (to stdout, or --out FILE), and giving or taking the manager role where
no workspace admin can (Teams) or from outside the chat (`roles set --role manager|none`, `roles list`).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.cli import CommandError
from bot.cli.run import database_url, open_storage
from bot.core.decisions.export import export_rows
from bot.core.decisions.roles import MANAGER

__all__ = ["export", "set_role", "list_roles"]

OPERATOR = "operator"  # who set a role from the command line, in the audit log


def export(*, platform: str, workspace: str, channel: str, db_url: str | None = None, out: str | None = None) -> int:
    async def run() -> bytes | None:
        storage = await open_storage(database_url(db_url))
        try:
            ws = await storage.workspaces.get(platform, workspace)
            return None if ws is None else await export_rows(storage, ws.id, channel)
        finally:
            await storage.dispose()

    data = asyncio.run(run())
    if data is None:
        raise CommandError(f"{platform}/{workspace} is not known to this database: no decisions there yet", 1)
    if out:
        try:
            Path(out).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"--out: cannot write {out}: {exc.strerror}") from None
        print(f"wrote {out}", file=sys.stderr)
        return 0
    sys.stdout.write(data.decode("utf-8-sig"))
    sys.stdout.flush()
    return 0


def set_role(
    *, platform: str, workspace: str, user: str, role: str, channel: str | None = None, db_url: str | None = None
) -> int:
    """`--role manager` gives the role (in every channel, or --channel only); `--role none` takes it away."""
    user = user.strip()
    if not user:
        raise CommandError("--user: give the person's id (Slack member id, Teams Entra object id), e.g. U012AB3CD")

    async def run() -> str:
        storage = await open_storage(database_url(db_url))
        try:
            ws = await storage.workspaces.ensure(platform, workspace)
            where = f"in channel {channel}" if channel else "in every channel"
            if role == MANAGER:
                added = await storage.roles.set(ws.id, user, MANAGER, set_by=OPERATOR, channel_id=channel or "")
                return f"{user} {'now has' if added else 'already had'} the manager role {where} of {workspace}"
            removed = await storage.roles.remove(ws.id, user, set_by=OPERATOR, channel_id=channel)
            return f"{user}: {removed} manager role(s) removed" if removed else f"{user} had no manager role {where}"
        finally:
            await storage.dispose()

    print(asyncio.run(run()))
    return 0


def list_roles(*, platform: str, workspace: str, db_url: str | None = None) -> int:
    async def run() -> list[str] | None:
        storage = await open_storage(database_url(db_url))
        try:
            ws = await storage.workspaces.get(platform, workspace)
            if ws is None:
                return None
            return [f"{r.user_id}\t{r.role}\t{r.channel_id or '*'}" for r in await storage.roles.listing(ws.id)]
        finally:
            await storage.dispose()

    lines = asyncio.run(run())
    if lines is None:
        raise CommandError(f"{platform}/{workspace} is not known to this database", 1)
    print("\n".join(lines) if lines else "nobody has a role")
    return 0
