"""Engines: URL rewriting, SQLite pragmas, PostgreSQL pre-ping, and no environment reads in storage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage import make_engine, normalize_url
from storage.db import SQLITE_BUSY_TIMEOUT_MS
from tests.db_fixtures import PG_URL_ENV, REQUIRE_PG_ENV, postgres_url_or_skip

STORAGE_DIR = Path(__file__).resolve().parents[2] / "storage"


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://u:p@db:5432/app", "postgresql+asyncpg"),
        ("postgresql://u:p@db/app", "postgresql+asyncpg"),
        ("postgresql+psycopg2://u:p@db/app", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u:p@db/app", "postgresql+asyncpg"),
        ("sqlite:///scenario.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:////tmp/x.db", "sqlite+aiosqlite"),
    ],
)
def test_urls_operators_paste_get_the_async_driver(given: str, driver: str) -> None:
    url = normalize_url(given)
    assert url.drivername == driver
    assert url.database == make_url(given).database


def test_libpq_sslmode_becomes_asyncpg_ssl() -> None:
    url = normalize_url("postgres://u:p@db/app?sslmode=require")
    assert dict(url.query) == {"ssl": "require"}


def test_unsupported_database_is_refused_with_the_expected_forms() -> None:
    with pytest.raises(ValueError, match="sqlite\\+aiosqlite:///"):
        normalize_url("mysql://u:p@db/app")


async def test_sqlite_connections_have_foreign_keys_wal_and_busy_timeout(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
            assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one() == SQLITE_BUSY_TIMEOUT_MS
    finally:
        await engine.dispose()


async def test_postgres_engine_pre_pings_and_applies_libpq_options() -> None:
    engine = make_engine("postgres://u:p@db.invalid/app?options=-c%20search_path%3Dtenant_a%20-cstatement_timeout%3D5s")
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.pool._pre_ping is True
        assert "options" not in engine.url.query
    finally:
        await engine.dispose()


async def test_libpq_options_reach_the_postgres_server() -> None:
    base = make_url(postgres_url_or_skip())
    url = base.update_query_dict({"options": "-c statement_timeout=1234 -csearch_path=tenant_x"})
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SHOW statement_timeout"))).scalar_one() == "1234ms"
            assert (await connection.execute(text("SHOW search_path"))).scalar_one() == "tenant_x"
    finally:
        await engine.dispose()


def test_postgres_variants_skip_with_a_reason_or_fail_when_required(monkeypatch) -> None:
    monkeypatch.delenv(PG_URL_ENV, raising=False)
    monkeypatch.delenv(REQUIRE_PG_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="set TEST_DATABASE_URL"):
        postgres_url_or_skip()
    monkeypatch.setenv(REQUIRE_PG_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_POSTGRES=1 requires it"):
        postgres_url_or_skip()
    monkeypatch.setenv(PG_URL_ENV, "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    assert postgres_url_or_skip() == "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def test_bad_libpq_options_are_refused() -> None:
    with pytest.raises(ValueError, match="-c name=value"):
        make_engine("postgresql://u@db/app?options=search_path")


def test_only_the_cli_reads_the_environment() -> None:
    readers = []
    for path in sorted(STORAGE_DIR.rglob("*.py")):
        if path.name == "__main__.py" and path.parent == STORAGE_DIR:
            continue
        if re.search(r"\bos\.environ\b|\bgetenv\b|\benviron\b", path.read_text()):
            readers.append(str(path.relative_to(STORAGE_DIR)))
    assert readers == []
