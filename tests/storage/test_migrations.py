"""Migrations: upgrade from empty, downgrade one step and up again, models match migrations (autogenerate
finds no difference), the `serve` guard and the `python -m storage` CLI; on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage import DatabaseBehind, Storage, make_engine, migrate
from storage.models import Base
from tests.db_fixtures import run_sync

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "alembic_version",
    "expert_estimates",
    "expert_invitations",
    "expert_settings",
    "charts",
    "decisions",
    "roles",
    "forecasts",
    "workshops",
    "workshop_participants",
    "workshop_agenda_items",
    "workshop_questions",
    "workshop_answers",
    "period_outcomes",
    "jobs",
    "outbox",
    "schedules",
    "worker_beats",
    "audit_log",
    "baseline_deals",
    "baselines",
    "comments",
    "conversations",
    "inbox",
    "likes",
    "pending_imports",
    "scenarios",
    "sent_messages",
    "workspaces",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
    "teams_installations",
}


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def _differences(url: str) -> list:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:

            def compare(sync):
                context = MigrationContext.configure(
                    sync, opts={"compare_type": True, "compare_server_default": True, "render_as_batch": True}
                )
                return compare_metadata(context, Base.metadata)

            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


async def test_D5_upgrade_from_empty_creates_every_table(empty_database_url: str) -> None:
    assert migrate.current(empty_database_url) is None
    assert not migrate.is_current(empty_database_url)
    migrate.upgrade(empty_database_url)
    assert migrate.current(empty_database_url) == migrate.head()
    assert migrate.is_current(empty_database_url)
    assert await _tables(empty_database_url) == TABLES
    migrate.upgrade(empty_database_url)  # a second upgrade is a no-op
    assert migrate.current(empty_database_url) == migrate.head()


async def test_D5_downgrade_one_step_and_up_again(database_url: str) -> None:
    head = migrate.head()
    migrate.downgrade(database_url, "-1")
    below = migrate.current(database_url)
    assert below != head
    if below is None:
        assert await _tables(database_url) == {"alembic_version"}
    migrate.upgrade(database_url)
    assert migrate.current(database_url) == head
    assert await _tables(database_url) == TABLES
    store = Storage(make_engine(database_url))
    try:  # the schema works after the round trip
        ws = await store.workspaces.ensure("slack", "T1")
        assert (await store.baselines.save(ws.id, "C1", {"pipeline": []}, created_by="U1")).version == 1
    finally:
        await store.dispose()


async def test_D5_models_match_migrations(database_url: str) -> None:
    assert await _differences(database_url) == []


def test_require_current_names_the_command_that_fixes_it(empty_database_url: str) -> None:
    with pytest.raises(DatabaseBehind, match="Run: python -m storage upgrade"):
        migrate.require_current(empty_database_url)
    migrate.upgrade(empty_database_url)
    migrate.require_current(empty_database_url)


def test_require_current_explains_an_unknown_newer_revision(database_url: str) -> None:
    async def stamp() -> None:
        engine = make_engine(database_url)
        try:
            async with engine.begin() as connection:
                await connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'from_the_future'")
        finally:
            await engine.dispose()

    run_sync(stamp)
    with pytest.raises(DatabaseBehind, match="newer release"):
        migrate.require_current(database_url)


def _cli(*args: str, url: str | None, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if url is not None:
        env["DATABASE_URL"] = url
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "storage", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_cli_upgrade_current_and_downgrade(tmp_path: Path) -> None:
    # SQLite only: the commands call the functions tested on both databases above (migrate.upgrade, ...)
    empty_database_url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    head = migrate.head()
    shown = _cli("current", url=empty_database_url, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "none (empty database)" in shown.stdout and "python -m storage upgrade" in shown.stdout
    done = _cli("upgrade", url=empty_database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert head in done.stdout
    assert migrate.current(empty_database_url) == head
    assert "up to date" in _cli("current", url=empty_database_url, cwd=tmp_path).stdout
    assert _cli("head", url=None, cwd=tmp_path).stdout.strip() == head
    down = _cli("downgrade", "base", url=empty_database_url, cwd=tmp_path)
    assert down.returncode == 0, down.stderr
    assert migrate.current(empty_database_url) is None


def test_cli_defaults_to_scenario_db_in_the_working_directory(tmp_path: Path) -> None:
    done = _cli("upgrade", url=None, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "scenario.db").exists()
    assert migrate.current(f"sqlite:///{tmp_path / 'scenario.db'}") == migrate.head()


def test_cli_errors_are_one_readable_line(tmp_path: Path) -> None:
    failed = _cli("upgrade", url="mysql://nobody@127.0.0.1/none", cwd=tmp_path)
    assert failed.returncode == 1
    assert "unsupported database" in failed.stderr and "Traceback" not in failed.stderr
