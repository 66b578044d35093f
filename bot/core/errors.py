"""Failures as people see them and as the log records them: one apology, one way to name where it happened.

Owns `SORRY`, the text a person gets when the bot failed on its side (every adapter and the Assistant send this
one, never a traceback or an exception's message), `where` (the innermost frames of a traceback as
'file.py:line function') and `log_failure`, the one log line for an unexpected exception: what failed, the
exception's type and where, with the caller's ids. An exception's message can quote the user's text or a token,
so neither it nor a full traceback is ever logged.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

__all__ = ["SORRY", "log_failure", "where"]

SORRY = "Sorry, I could not answer that because of a problem on my side. Please try again in a minute."


def where(error: BaseException, depth: int = 4) -> str:
    """The innermost `depth` frames of `error`'s traceback, innermost first: 'outbox.py:120 send <- job.py:88 run'
    (file names and functions only: no message, no locals); '?' without a traceback."""
    frames = traceback.extract_tb(error.__traceback__)[-depth:]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames)) or "?"


def log_failure(log: logging.Logger, error: BaseException, what: str, *ids: object, level: int = logging.ERROR) -> None:
    """Log that `what` (a %-format filled with `ids`: delivery, job or workspace ids, never people's text) failed,
    with the exception's type and where it was raised: '<what> failed: KeyError at x.py:3 f'."""
    # stacklevel: the record names the caller's file and line (for formats that show them), not this helper's
    log.log(level, f"{what} failed: %s at %s", *ids, type(error).__name__, where(error), stacklevel=2)
