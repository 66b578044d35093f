"""Shared helpers for the Slack end-to-end tests: the fake Web API, settings pointing at it, signed posts.

Bodies come from tests/fakes/slack_payloads.py already serialised; they are signed and posted as that
exact text (serialised once), through a real aiohttp client to /slack/events.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp.test_utils import TestClient

from bot.config import Settings, SlackSettings, TeamsSettings
from tests.fakes import slack_payloads as sp
from tests.fakes.platform_server import FakePlatform

__all__ = ["slack_settings", "SlackSender", "settle", "WORKER_OPTIONS"]

BOT_TOKEN = "xoxb-e2e-0000-secret"
# quick retries: the tests fake the platform failing, and wait for the worker to get through
WORKER_OPTIONS = {"backoff_base": 0.05}


def slack_settings(fake: FakePlatform, database_url: str = "sqlite+aiosqlite:///:memory:") -> Settings:
    return Settings(
        database_url=database_url,
        slack=SlackSettings(bot_token=BOT_TOKEN, signing_secret=sp.SECRET, api_url=fake.slack_api_url),
        teams=TeamsSettings(enabled=False),
    )


class SlackSender:
    """Posts Slack-shaped requests to /slack/events the way Slack does (signed raw body)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def post(
        self,
        built: tuple[str, str],
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | str | None = None,
        secret: str = sp.SECRET,
        signed: bool = True,
        age: int | None = None,
    ) -> Any:
        body, content_type = built
        if age is not None:  # signed `age` seconds ago (negative: in the future), computed at send time
            timestamp = int(time.time()) - age
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(sp.sign(body, secret, timestamp))
        all_headers.update(headers or {})
        return await self.client.post("/slack/events", data=body.encode("utf-8"), headers=all_headers)

    async def post_timed(self, built: tuple[str, str], **kw: Any) -> tuple[int, float, float]:
        """(status, seconds until the response, time.time() when it arrived)."""
        started = time.perf_counter()
        response = await self.post(built, **kw)
        await response.read()
        return response.status, time.perf_counter() - started, time.time()


async def settle(services: Any, seconds: float = 30.0) -> None:
    """Wait until the worker has nothing due queued or running (answers sent, coalesced footer updates done). Jobs
    due later than a minute from now (an invitation's reminder, a survey at a workshop's end) are not waited for."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from storage.models import JobRow

    deadline = time.monotonic() + seconds
    while True:
        soon = datetime.now(UTC) + timedelta(minutes=1)
        due = (JobRow.status == "running") | ((JobRow.status == "queued") & (JobRow.run_at < soon))
        async with services.engine.connect() as conn:
            pending = (await conn.execute(select(func.count()).where(due))).scalar_one()
        if not pending:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{pending} jobs still due after {seconds}s")
        await asyncio.sleep(0.02)
