"""`python -m bot workshop export --platform ... --workspace ... --workshop ID [--out FILE.csv]`.

Owns the operator's export of a workshop survey's answers: the same formula-safe CSV as `/scenario workshop export`
(no user ids when the survey was anonymous), to stdout or a file. An anonymous survey with fewer than 3 answers
exports nothing, as the chat command does: with so few rows a person's answers could be told apart.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.cli import CommandError
from bot.cli.run import database_url, open_storage
from bot.core.workshops.export import answers_csv
from bot.core.workshops.results import MIN_ANSWERS

__all__ = ["export"]


def export(
    *, platform: str, workspace: str, workshop_id: int, db_url: str | None = None, out: str | None = None
) -> int:
    async def run() -> tuple[str | None, int]:
        storage = await open_storage(database_url(db_url))
        try:
            ws = await storage.workspaces.get(platform, workspace)
            w = await storage.workshops.get(ws.id, workshop_id) if ws is not None else None
            if w is None:
                return None, 0
            answers = await storage.workshops.answers(ws.id, w.id)
            if w.anonymous and len(answers) < MIN_ANSWERS:
                return "", len(answers)
            return answers_csv(w, answers), len(answers)
        finally:
            await storage.dispose()

    text, count = asyncio.run(run())
    if text is None:
        raise CommandError(f"--workshop: no workshop {workshop_id} in {platform}/{workspace}", 1)
    if not text:
        raise CommandError(
            f"workshop {workshop_id}: {count} answers, too few to export an anonymous survey (at least {MIN_ANSWERS})",
            1,
        )
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"--out: cannot write {out}: {exc.strerror}") from None
        print(f"wrote {count} answers to {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
