"""Engines and sessions: turns a DATABASE_URL into a configured async engine.

Owns the per-database connection settings: SQLite (aiosqlite) gets foreign keys, WAL, a busy timeout and
SQLAlchemy-controlled BEGIN (so a write transaction can take the write lock up front with BEGIN IMMEDIATE);
PostgreSQL (asyncpg) gets pre-ping. URLs as operators paste them (`postgres://`, `postgresql://`,
`sqlite:///`, libpq's `sslmode` and `options=-c name=value`) are rewritten for the async drivers.
Nothing here reads the environment: the caller passes the URL.
"""

from __future__ import annotations

import json
import shlex
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.sqlite_async import one_trip_dbapi

__all__ = [
    "make_engine",
    "make_sessionmaker",
    "normalize_url",
    "read_engine",
    "write_engine",
    "SQLITE_BUSY_TIMEOUT_MS",
]

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Execution option read by the "begin" hook: "IMMEDIATE" takes SQLite's write lock when the transaction
# starts, so a read-then-write transaction never fails with "database is locked" on upgrading its lock;
# "NONE" sends no BEGIN at all (read_engine).
SQLITE_BEGIN_OPTION = "storage_sqlite_begin"
# SQLite connections cost no server: keep enough for the worker's jobs and the acknowledgements at once. With
# SQLAlchemy's default (5, and 10 more opened and closed again), a burst of answers opened 58 connections, each
# a thread, a file open and a schema read (benchmarks/server_bench.py, README).
SQLITE_POOL_SIZE = 24

_PG_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg", "postgresql+asyncpg"}
_SQLITE_DRIVERS = {"sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"}


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _json_dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def _libpq_options(options: str) -> dict[str, str]:
    """`-c search_path=x -csearch_path=y --name=value` (libpq's `options`) as server settings."""
    settings: dict[str, str] = {}
    words = shlex.split(options)
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-c" and i + 1 < len(words):
            word, i = words[i + 1], i + 1
        elif word.startswith(("-c", "--")):
            word = word[2:]
        else:
            raise ValueError(f"DATABASE_URL options: expected '-c name=value', got {word!r}")
        name, sep, value = word.partition("=")
        if not sep or not name:
            raise ValueError(f"DATABASE_URL options: expected '-c name=value', got {word!r}")
        settings[name.replace("-", "_")] = value
        i += 1
    return settings


def normalize_url(url: str | URL) -> URL:
    """The URL with its driver set to the async one: postgres(ql):// -> asyncpg, sqlite:// -> aiosqlite."""
    parsed = make_url(url) if isinstance(url, str) else url
    driver = parsed.drivername
    if driver in _PG_DRIVERS:
        parsed = parsed.set(drivername="postgresql+asyncpg")
        query = dict(parsed.query)
        if "sslmode" in query and "ssl" not in query:
            query["ssl"] = query.pop("sslmode")
        return parsed.set(query=query)
    if driver in _SQLITE_DRIVERS:
        return parsed.set(drivername="sqlite+aiosqlite")
    raise ValueError(
        f"DATABASE_URL: unsupported database {driver!r}; use sqlite+aiosqlite:///path/to/file.db "
        "or postgresql+asyncpg://user:password@host:5432/dbname"
    )


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN (see the "begin" hook) instead of the sqlite3 module's legacy mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode == "NONE":
            return
        driver = conn.connection.dbapi_connection
        if hasattr(driver, "begin"):  # storage.sqlite_async: sent with the first statement, one trip fewer
            driver.begin(f"BEGIN {mode}")
        else:
            conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url` (SQLite file or PostgreSQL); extra keyword arguments go to
    `create_async_engine` (e.g. `poolclass=NullPool`)."""
    parsed = normalize_url(url)
    kwargs.setdefault("json_serializer", _json_dumps)
    if parsed.drivername == "postgresql+asyncpg":
        kwargs.setdefault("pool_pre_ping", True)
        query = dict(parsed.query)
        options = query.pop("options", None)
        if options:
            connect_args = dict(kwargs.pop("connect_args", {}))
            server_settings = dict(connect_args.get("server_settings", {}))
            server_settings.update(_libpq_options(options if isinstance(options, str) else " ".join(options)))
            connect_args["server_settings"] = server_settings
            kwargs["connect_args"] = connect_args
            parsed = parsed.set(query=query)
        return create_async_engine(parsed, **kwargs)
    kwargs.setdefault("module", one_trip_dbapi())
    if "poolclass" not in kwargs and "pool" not in kwargs:
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        kwargs.setdefault("max_overflow", SQLITE_POOL_SIZE)
    engine = create_async_engine(parsed, **kwargs)
    _install_sqlite_hooks(engine)
    return engine


def write_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (same pool) whose transactions take the write lock at BEGIN on SQLite."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    return engine


def read_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (same pool) for read-only sessions: on SQLite each statement runs on its own, with no
    BEGIN (and so no ROLLBACK trip at the end). A read then sees the database as of each statement, as every
    PostgreSQL transaction does at our READ COMMITTED level: nothing here may rely on more, since it runs there.
    A session on it must not write (each statement would commit alone)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_BEGIN_OPTION: "NONE"})
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`; objects stay readable after commit (repositories copy them to records)."""
    return async_sessionmaker(engine, expire_on_commit=False)
