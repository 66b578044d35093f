"""Database fixtures for every test folder: a fresh, migrated database on SQLite and on PostgreSQL.

Re-export them from a folder's conftest.py with `from tests.db_fixtures import *` (pytest_plugins is only
allowed in the root conftest).

- `database_url`: parametrized with ids "sqlite" and "pg": the URL of a fresh database migrated to head.
  SQLite is a file in the test's tmp_path. PostgreSQL is a new schema on TEST_DATABASE_URL's server
  (the URL carries `options=-csearch_path=<schema>`), dropped after the test, so runs never collide.
- `empty_database_url`: the same, not migrated (for migration tests).
- `store`: a `storage.Storage` on `database_url`, disposed after the test.

Without TEST_DATABASE_URL the "pg" variants skip with the reason; with REQUIRE_POSTGRES=1 they fail.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage import Storage, make_engine, migrate

__all__ = [
    "PG_URL_ENV",
    "REQUIRE_PG_ENV",
    "database_url",
    "empty_database_url",
    "postgres_url_or_skip",
    "run_sync",
    "store",
    "with_search_path",
]

PG_URL_ENV = "TEST_DATABASE_URL"
REQUIRE_PG_ENV = "REQUIRE_POSTGRES"
DATABASES = [pytest.param("sqlite", id="sqlite"), pytest.param("pg", id="pg")]


def run_sync(coro_factory):
    """Run an async function to completion on a helper thread (safe from sync fixtures and tests)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coro_factory())).result()


def postgres_url_or_skip() -> str:
    """TEST_DATABASE_URL, or skip the test (fail it when REQUIRE_POSTGRES=1)."""
    url = os.environ.get(PG_URL_ENV, "").strip()
    if url:
        return url
    reason = (
        f"PostgreSQL variant not run: set {PG_URL_ENV} "
        "(e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test) to run it"
    )
    if os.environ.get(REQUIRE_PG_ENV, "").strip() == "1":
        pytest.fail(f"{reason}; {REQUIRE_PG_ENV}=1 requires it", pytrace=False)
    pytest.skip(reason)


def with_search_path(url: str, schema: str) -> str:
    """`url` whose connections use `schema` as their search_path (libpq's options, as storage.db reads them)."""
    parsed = make_url(url)
    options = f"{parsed.query.get('options', '')} -csearch_path={schema}".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


async def _execute(url: str, *statements: str) -> None:
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(params=DATABASES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    base = postgres_url_or_skip()
    schema = f"pytest_{uuid.uuid4().hex[:16]}"
    run_sync(lambda: _execute(base, f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_search_path(base, schema)
    finally:
        run_sync(lambda: _execute(base, "SET LOCAL lock_timeout = '20s'", f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    migrate.upgrade(empty_database_url)
    return empty_database_url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Storage]:
    storage = Storage(make_engine(database_url))
    try:
        yield storage
    finally:
        await storage.dispose()
