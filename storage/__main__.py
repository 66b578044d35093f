"""`python -m storage upgrade [REV] | downgrade REV | current | head | revision MESSAGE`: migrations.

The database is the one named by DATABASE_URL (default: the SQLite file scenario.db in the working
directory). This CLI is the only place in storage/ that reads the environment.
"""

from __future__ import annotations

import argparse
import os
import sys

from sqlalchemy.engine import make_url

from storage import migrate

DEFAULT_URL = "sqlite+aiosqlite:///scenario.db"


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m storage",
        description="Migrate the bot's database (DATABASE_URL; default: scenario.db in this folder).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("upgrade", help="migrate to the newest revision (or to REV)")
    up.add_argument("revision", nargs="?", default="head")
    down = commands.add_parser("downgrade", help="migrate down to REV ('-1': one step, 'base': empty)")
    down.add_argument("revision")
    commands.add_parser("current", help="print the database's revision")
    commands.add_parser("head", help="print the newest revision this code knows")
    draft = commands.add_parser(
        "revision", help="draft a migration from the models' difference to the (migrated) database; review it"
    )
    draft.add_argument("message")
    draft.add_argument("--rev-id", help="the revision id, e.g. 0002_add_decisions (default: random)")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "").strip() or DEFAULT_URL
    try:
        if args.command == "head":
            print(migrate.head())
        elif args.command == "current":
            at = migrate.current(url)
            latest = migrate.head()
            note = "up to date" if at == latest else f"behind: run {migrate.UPGRADE_COMMAND}"
            print(f"{at or 'none (empty database)'} ({note}; code head {latest}) {_shown(url)}")
        elif args.command == "upgrade":
            migrate.upgrade(url, args.revision)
            print(f"Database {_shown(url)} is at revision {migrate.current(url)}.")
        elif args.command == "revision":
            migrate.draft_revision(url, args.message, args.rev_id)
        else:
            migrate.downgrade(url, args.revision)
            print(f"Database {_shown(url)} is at revision {migrate.current(url) or 'none (empty)'}.")
    except Exception as error:  # a CLI for operators: one readable line, not a traceback
        print(f"python -m storage {args.command}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
