"""The command-line commands behind bot/__main__.py, one module per command group.

Owns the shared pieces: CommandError (a message for stderr and an exit code, never a traceback), reading a
baseline JSON file with every problem named, and choosing the database URL (--db, else settings).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.core.baselines.freshness import engine_data
from engine.baseline import BaselineError, parse_baseline

__all__ = ["CommandError", "read_baseline_file"]


class CommandError(Exception):
    """An expected failure: `message` goes to stderr as is, the process exits with `exit_code`."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def read_baseline_file(path: str) -> dict[str, Any]:
    """The baseline JSON in `path`, validated by the engine; CommandError listing every problem otherwise."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read it ({type(exc).__name__})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    try:
        # `baseline show --json` writes the bot's `sources` beside the engine's keys: a file it wrote reads back
        parse_baseline(engine_data(data) if isinstance(data, dict) else data)
    except BaselineError as exc:
        problems = "\n".join(f"  - {p}" for p in exc.problems)
        raise CommandError(f"{path}: not a valid baseline ({len(exc.problems)} problem(s)):\n{problems}") from None
    return data
