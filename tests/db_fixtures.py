"""Database fixtures for every test folder: a fresh, migrated database on SQLite and on PostgreSQL.

Re-export them from a folder's conftest.py with `from tests.db_fixtures import *` (pytest_plugins is only
allowed in the root conftest).

- `database_url`: parametrized with ids "sqlite" and "pg": the URL of a fresh database migrated to head.
  Migrating is paid once per session, not by each of the ~300 tests that ask for one: SQLite gets a copy of a
  template file migrated once (sqlite3's backup API, consistent even with a WAL) in the test's tmp_path;
  PostgreSQL a schema of its own on TEST_DATABASE_URL's server (the URL carries `options=-csearch_path=<schema>`),
  migrated when first made and emptied for reuse after each test (see PgSchemas), all dropped at the session's
  end, so runs (and other sessions on the same server) never collide. Migrations themselves are tested on
  `empty_database_url` (tests/storage/test_migrations.py), from empty, every time.
- `sqlite_url`: the SQLite copy alone, for tests whose subject does not depend on the database (outbox faults
  on a pinned clock, ...): what differs on PostgreSQL is covered by the tests parametrized with both.
- `empty_database_url`: the same, not migrated (for migration tests). PostgreSQL: a new schema, dropped after.
- `store`: a `storage.Storage` on `database_url`, disposed after the test.

Without TEST_DATABASE_URL the "pg" variants skip with the reason; with REQUIRE_POSTGRES=1 they fail.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
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
    "PgSchemas",
    "pg_schemas",
    "run_sync",
    "sqlite_template",
    "sqlite_url",
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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("migrated") / "template.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return str(path)


class PgSchemas:
    """Migrated PostgreSQL schemas handed to one test at a time and reused: creating and migrating a schema is
    DDL (19 tables; 0.2 s on an idle server, 1-2 s on a busy one), emptying one is a few DELETEs (~0.05 s). A
    schema is emptied when its test ends (rows deleted child tables first, sequences restarted, so the next
    test sees exactly what a fresh migration gives); one that cannot be emptied at once (a lock still held, or
    a test left it at another revision) is never handed out again."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.free: list[str] = []
        self.made: list[str] = []

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        schema = f"pytest_{uuid.uuid4().hex[:16]}"
        run_sync(lambda: _execute(self.base, f'CREATE SCHEMA "{schema}"'))
        self.made.append(schema)
        migrate.upgrade(with_search_path(self.base, schema))
        return schema

    def give_back(self, schema: str) -> None:
        try:
            run_sync(lambda: _empty(with_search_path(self.base, schema)))
        except Exception:  # noqa: BLE001 - whatever went wrong, this schema is not reused
            return
        self.free.append(schema)

    def drop_all(self) -> None:
        for schema in self.made:
            run_sync(
                lambda schema=schema: _execute(
                    self.base, "SET LOCAL lock_timeout = '20s'", f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'
                )
            )


async def _empty(url: str) -> None:
    from storage.models import Base

    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            revision = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
            if revision != migrate.head():
                raise RuntimeError(f"left at revision {revision}")
            query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            tables = await connection.execute(text(query))
            unknown = set(tables.scalars().all()) - {t.name for t in Base.metadata.sorted_tables} - {"alembic_version"}
            if unknown:  # a table the models do not describe could keep rows: not emptied, so not reused
                raise RuntimeError(f"tables outside the models: {sorted(unknown)}")
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(text(f'DELETE FROM "{table.name}"'))
            sequences = await connection.execute(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
                )
            )
            for name in sequences.scalars().all():
                await connection.execute(text("SELECT setval(quote_ident(:name), 1, false)"), {"name": name})
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def pg_schemas() -> Iterator[PgSchemas]:
    schemas = PgSchemas(postgres_url_or_skip())
    try:
        yield schemas
    finally:
        schemas.drop_all()


def _copy_sqlite(template: str, target: str) -> None:
    source, copy = sqlite3.connect(template), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()


@pytest.fixture
def sqlite_url(sqlite_template: str, tmp_path) -> str:
    target = tmp_path / "test.db"
    _copy_sqlite(sqlite_template, str(target))
    return f"sqlite+aiosqlite:///{target}"


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


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    schemas: PgSchemas = request.getfixturevalue("pg_schemas")
    schema = schemas.take()
    try:
        yield with_search_path(schemas.base, schema)
    finally:
        schemas.give_back(schema)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Storage]:
    storage = Storage(make_engine(database_url))
    try:
        yield storage
    finally:
        await storage.dispose()
