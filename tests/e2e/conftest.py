"""Fixtures for the Slack end-to-end tests: a migrated database, the fake Web API, the real web app.

`slack_env` gives `.fake` (FakePlatform), `.services` (bot.app.Services), `.app` (the aiohttp app from
create_web_app) and `.slack` (a SlackSender posting signed bodies through pytest-aiohttp's client).
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from bot.app import build_services, create_web_app
from tests.db_fixtures import *  # noqa: F403 (the database fixtures, as tests/db_fixtures.py asks)
from tests.e2e.slack_helpers import WORKER_OPTIONS, SlackSender, slack_settings

TODAY = date(2026, 11, 16)  # the sample baseline's as_of: answers do not depend on the day the suite runs


@pytest.fixture
async def slack_env(fake, database_url, aiohttp_client):
    services = build_services(
        slack_settings(fake, database_url), today=TODAY, coalesce_seconds=0.05, worker_options=WORKER_OPTIONS
    )
    app = create_web_app(services, run_worker=True)
    client = await aiohttp_client(app)
    yield SimpleNamespace(fake=fake, services=services, app=app, slack=SlackSender(client))
