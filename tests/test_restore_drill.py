"""D7: scripts/restore_drill backs up the database, restores the newest backup into a fresh database, boots the
app on it (/healthz) and compares every table's row count with the count taken at backup time; on SQLite and,
with TEST_DATABASE_URL, on PostgreSQL (pg_dump/pg_restore into a uniquely named database, dropped after)."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from storage import Storage, make_engine
from tests.db_fixtures import run_sync
from tests.storage.helpers import baseline

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "restore_drill"


def _drill_module():
    loader = importlib.machinery.SourceFileLoader("restore_drill", str(SCRIPT))
    spec = importlib.util.spec_from_loader("restore_drill", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


async def _some_data(url: str) -> None:
    store = Storage(make_engine(url))
    try:
        ws = (await store.workspaces.ensure("slack", "T-DRILL", "Drill team")).id
        await store.baselines.save(ws, "C-1", baseline(deals=25), created_by="U1")
        await store.baselines.save(ws, "C-2", baseline(deals=3), created_by="U2")
        await store.inbox.claim("slack", "Ev-drill", "T-DRILL")
    finally:
        await store.dispose()


def test_D7_the_restore_drill_restores_the_latest_backup_with_every_row(database_url, tmp_path):
    run_sync(lambda: _some_data(database_url))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--dir", str(tmp_path / "backups")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("GET /healthz: 200") for line in lines)
    deals = next(line for line in lines if line.startswith("baseline_deals"))
    assert deals.split()[1:] == ["28", "28"]  # at backup, restored
    assert "MISMATCH" not in done.stdout and lines[-1].startswith("OK: ")
    assert len(list((tmp_path / "backups").glob("*.counts.json"))) == 1


def test_D7_a_backup_that_lost_a_row_fails_the_drill(sqlite_url, tmp_path, capsys):
    run_sync(lambda: _some_data(sqlite_url))
    drill = _drill_module()
    backups = tmp_path / "backups"
    written = drill.backup(sqlite_url, backups)
    with sqlite3.connect(written) as damaged:  # the copy on the backup disk lost a row
        damaged.execute("DELETE FROM inbox")
    assert drill.restore(sqlite_url, backups) == 1
    out = capsys.readouterr().out
    assert "inbox                             1          0  MISMATCH" in out and "FAILED: inbox" in out
    assert drill.main(["restore", "--dir", str(tmp_path / "empty")]) == 2
    assert "no backup" in capsys.readouterr().err
