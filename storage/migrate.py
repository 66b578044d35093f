"""Migrations in code: upgrade, downgrade and inspect a database's schema revision (Alembic).

The Alembic configuration is built here, with the script location found from this package, so no
alembic.ini is needed. The functions are synchronous (they block until done, running on a helper thread) and may
be called from inside a running event loop too. `python -m storage` is the CLI.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from storage.db import make_engine

__all__ = [
    "DatabaseBehind",
    "MIGRATIONS_DIR",
    "UPGRADE_COMMAND",
    "alembic_config",
    "current",
    "downgrade",
    "draft_revision",
    "head",
    "is_current",
    "require_current",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
UPGRADE_COMMAND = "python -m storage upgrade"
T = TypeVar("T")


class DatabaseBehind(RuntimeError):
    """The database's schema is not the one this code needs; the message says which command fixes it."""


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic Config for storage's migrations (and, if given, the database `url`)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        cfg.attributes["url"] = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    return cfg


def _blocking(fn: Callable[[], T]) -> T:
    """Run `fn` on a helper thread and wait: Alembic's env.py and `current` start an event loop of their
    own, which must neither meet the caller's running loop nor replace the caller's current loop."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="storage-migrate") as pool:
        return pool.submit(fn).result()


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Migrate the database up to `revision` (default: the newest)."""
    _blocking(lambda: command.upgrade(alembic_config(url), revision))


def downgrade(url: str | URL, revision: str) -> None:
    """Migrate the database down to `revision` ('-1' for one step, 'base' for empty)."""
    _blocking(lambda: command.downgrade(alembic_config(url), revision))


def draft_revision(url: str | URL, message: str, rev_id: str | None = None) -> None:
    """Write a new migration in storage/migrations/versions from the difference between the models and
    the database at `url` (which must be at head). Autogenerate only drafts: review the file."""
    _blocking(lambda: command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=rev_id))


def head() -> str:
    """The newest revision of the code."""
    found = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert found is not None, "storage/migrations has no revisions"
    return found


async def _current(url: str | URL) -> str | None:
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()


def current(url: str | URL) -> str | None:
    """The database's revision, None for a database never migrated."""
    return _blocking(lambda: asyncio.run(_current(url)))


def is_current(url: str | URL) -> bool:
    return current(url) == head()


def require_current(url: str | URL) -> None:
    """Raise DatabaseBehind unless the database is at the code's head revision (for `serve`)."""
    at, needed = current(url), head()
    if at == needed:
        return
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if at is None:
        state = "has no tables yet"
    elif at in known:
        state = f"is at revision {at}"
    else:
        raise DatabaseBehind(
            f"The database is at revision {at}, which this version of the bot does not know (was it migrated "
            f"by a newer release?); this version needs {needed}. Deploy the newer release, or migrate down "
            "with that release's `python -m storage downgrade REV`."
        )
    raise DatabaseBehind(
        f"The database {state}; this version of the bot needs revision {needed}. Run: {UPGRADE_COMMAND}"
    )
