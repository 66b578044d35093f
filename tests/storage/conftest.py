"""Storage tests run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (see tests/db_fixtures.py)."""

from tests.db_fixtures import *  # noqa: F403
