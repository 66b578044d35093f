"""Root test configuration: environment hygiene only.

Tests must never see a developer's real Slack or Microsoft credentials, nor route loopback HTTP through a
proxy, so those variables are removed for the whole session. Fixtures live in the modules that own them
(tests/db_fixtures.py, tests/fakes/...), imported where needed; the fake platform server's `fake` fixture is
used across folders, so it is registered here once, and so are the database fixtures (tests/db_fixtures.py),
whose session-wide templates every folder shares. tests/log_secrets.py scans every log line of the run for
secrets (L1) and fails the run if one carries any.
"""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.fakes.fixtures", "tests.db_fixtures", "tests.log_secrets"]

_PREFIXES = ("SLACK_", "MICROSOFT_")
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True, scope="session")
def _clean_environment():
    saved = {k: v for k, v in os.environ.items() if k.startswith(_PREFIXES) or k.upper() in _PROXIES}
    for key in saved:
        del os.environ[key]
    yield
    os.environ.update(saved)
