"""`python -m bot baseline import FILE.csv ... [--yes]` and the CSV half of `python -m bot ask --csv FILE.csv`.

Owns the operator's CSV import: the same preview as the chat (bot.core.imports.flow, bot.core.imports.cards)
printed as text; without --yes nothing is stored and the exit code is 1 (re-run with --yes); with --yes the
candidate is stored as the channel's next baseline version in one transaction. A file that cannot be
imported prints the importer's line-numbered report on stderr and exits 2, storing nothing. Rejected rows
do not block (as in the chat): the preview lists them and the other rows import. `--window-weeks N` fits the
drivers over the last N weeks (4..260, default 52); `--keep DRIVER` / `--use-fitted DRIVER` (repeatable) choose,
per driver, the current value or the fitted one instead of the default rule (fitted when its sample is trusted).
`--as-of DATE|file` says when the export was made (default: today, the day it is imported; "file": its newest
date); booked is then the won deals closed from the period's start to that day.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli import CommandError
from bot.console.render import render_text
from bot.core.baselines.feature import sample_baseline
from bot.core.baselines.freshness import engine_data
from bot.core.formatting import pct
from bot.core.imports.cards import import_preview_card
from bot.core.imports.choices import DRIVERS, MAX_WINDOW, MIN_WINDOW, driver_name
from bot.core.imports.flow import PreparedImport, csv_file_problem, prepare_import
from engine.baseline import parse_baseline
from engine.forecast import forecast

__all__ = [
    "read_csv_file",
    "import_csv",
    "baseline_from_csv",
    "window_arg",
    "driver_arg",
    "driver_choices",
    "as_of_arg",
    "AS_OF_HELP",
]

AS_OF_HELP = (
    "FILE.csv: the day the export was made, e.g. 2026-11-27, or 'file' for the newest date in it "
    "(default: today, the day it is imported)"
)


def as_of_arg(text: str) -> date | str:
    """argparse type of --as-of: an ISO date not after today, "today" or "file"."""
    word = text.strip().lower()
    if word in ("file", "today"):
        return "file" if word == "file" else date.today()
    try:
        day = date.fromisoformat(word)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: give the day the export was made as YYYY-MM-DD (e.g. --as-of 2026-11-27), "
            "'today' or 'file' (the newest date in the file)"
        ) from None
    if day > date.today():
        raise argparse.ArgumentTypeError(f"--as-of {text}: that is in the future; an export is as of today at latest")
    return day


def window_arg(text: str) -> int:
    """argparse type of --window-weeks: whole weeks in MIN_WINDOW..MAX_WINDOW, with an example otherwise."""
    if not text.strip().isdigit() or not MIN_WINDOW <= int(text) <= MAX_WINDOW:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a history window: give whole weeks from {MIN_WINDOW} to {MAX_WINDOW}, "
            "e.g. --window-weeks 26"
        )
    return int(text)


def driver_arg(text: str) -> str:
    """argparse type of --keep / --use-fitted: a fitted driver's name (win_rate, win-rate, "win rate" ...)."""
    name = driver_name(text)
    if name is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a driver fitted from history: use one of {', '.join(DRIVERS)}, e.g. --keep win_rate"
        )
    return name


def driver_choices(keep: list[str] | None, use_fitted: list[str] | None) -> dict[str, str]:
    """{driver: "keep"|"fitted"}; CommandError when a driver is both kept and fitted."""
    both = sorted(set(keep or ()) & set(use_fitted or ()))
    if both:
        raise CommandError(f"{', '.join(both)}: given with both --keep and --use-fitted; choose one")
    return {**{name: "keep" for name in keep or ()}, **{name: "fitted" for name in use_fitted or ()}}


def _unmet(prepared: PreparedImport, choices: dict[str, str]) -> list[str]:
    """The choices the file could not honour (nothing fitted, or nothing to keep), as notes for stderr."""
    notes = []
    for driver in prepared.preview.get("drivers") or []:
        wanted = choices.get(driver["name"])
        if wanted and driver.get("choice") != wanted:
            why = "nothing was fitted from the file's history" if wanted == "fitted" else "there is no current value"
            notes.append(f"note: --{'use-fitted' if wanted == 'fitted' else 'keep'} {driver['name']}: {why}")
    return notes


def read_csv_file(path: str) -> bytes:
    """The file's bytes, or CommandError (not found, unreadable, not a CSV, too big)."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot read it ({exc.strerror})") from None
    problem = csv_file_problem(file.name, size)
    if problem:
        raise CommandError(f"{path}: {problem}")
    try:
        return file.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read it ({exc.strerror})") from None


def _refusal(path: str, prepared: PreparedImport) -> CommandError:
    lines = [f"{path}: nothing imported: {prepared.problem}"]
    if prepared.needs_mapping and prepared.preview.get("mapping"):
        lines.append("Suggested columns (rename the file's columns to these and run again):")
        lines += [f"  {line}" for line in str(prepared.preview["mapping"]).splitlines()]
    report = [line for line in prepared.report_text.splitlines() if not line.startswith("File: ")]
    lines += report
    return CommandError("\n".join(lines))


def baseline_from_csv(path: str, *, today: date | None = None, as_of: date | str | None = None) -> dict[str, Any]:
    """For `ask --csv`: the sample team's target and drivers, with the CSV's pipeline and the drivers its history
    fits, over today (or `as_of`) to the end of the quarter; borrowed values are named in its `sources`.
    CommandError with the report when the file cannot be imported."""
    data = read_csv_file(path)
    prepared = prepare_import(
        data, name=Path(path).name, base=None, today=today or date.today(), fallback=sample_baseline(), as_of=as_of
    )
    if prepared.candidate is None:
        raise _refusal(path, prepared)
    return prepared.candidate


def import_csv(
    path: str,
    *,
    platform: str,
    workspace: str,
    channel: str,
    db_url: str | None = None,
    yes: bool = False,
    today: date | None = None,
    window_weeks: int | None = None,
    choices: dict[str, str] | None = None,
    as_of: date | str | None = None,
) -> int:
    from bot.cli.run import database_url, open_storage  # the storage stack loads only for commands that use it

    data = read_csv_file(path)
    where = f"{platform}/{workspace}/{channel}"

    async def run() -> tuple[PreparedImport, Any, Any]:
        storage = await open_storage(database_url(db_url))
        try:
            ws = await storage.workspaces.ensure(platform, workspace)
            stored = await storage.baselines.latest(ws.id, channel)
            label = f"{where} baseline v{stored.version}" if stored is not None else "the sample team"
            prepared = prepare_import(
                data,
                name=Path(path).name,
                base=None if stored is None else stored.data,
                today=today or date.today(),
                fallback=sample_baseline(),
                base_label=label,
                window_weeks=window_weeks,
                choices=choices,
                as_of=as_of,
            )
            saved = None
            if yes and prepared.candidate is not None:
                saved = await storage.baselines.save(
                    ws.id, channel, prepared.candidate, created_by="cli", note=f"CSV import: {path}"
                )
            return prepared, stored, saved
        finally:
            await storage.dispose()

    prepared, stored, saved = asyncio.run(run())
    if prepared.candidate is None:
        raise _refusal(path, prepared)
    for note in _unmet(prepared, choices or {}):
        print(note, file=sys.stderr)
    next_version = (stored.version if stored is not None else 0) + 1
    if saved is None:
        decided = f"Not stored yet: re-run with --yes to store it as {where} baseline v{next_version}."
        print(render_text(import_preview_card(prepared.preview, None, decided=decided)))
        raise CommandError(f"nothing stored: re-run with --yes to store {path} as {where} baseline", exit_code=1)
    chance = pct(forecast(parse_baseline(engine_data(saved.data)), weekly=False, sensitivity=False).p_hit)
    decided = f"baseline v{saved.version} saved for {where}: {saved.deal_count} deals, P(reach target) {chance}"
    print(render_text(import_preview_card(prepared.preview, None, decided=decided)))
    return 0
