"""Pytest fixtures over the fakes: `fake`, a FakePlatform (Slack Web API + Bot Connector) on an ephemeral port,
started in the test's event loop and closed after it. Registered for the whole suite by tests/conftest.py."""

from __future__ import annotations

import pytest

from tests.fakes.platform_server import FakePlatform

__all__ = ["fake"]


@pytest.fixture
async def fake():
    server = await FakePlatform.start()
    yield server
    await server.close()
