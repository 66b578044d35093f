"""The worker loop itself: jobs it holds when told to stop are finished within the grace period or released for
another worker at once (not left to their lease), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot import worker as worker_module
from bot.core.assistant import Assistant
from bot.worker import Worker
from storage import NewJob, Storage
from tests.db_fixtures import *  # noqa: F403 (database fixtures)


async def test_R1_stopping_finishes_quick_jobs_and_releases_slow_ones(database_url, monkeypatch):
    monkeypatch.setattr(worker_module, "SHUTDOWN_GRACE_SECONDS", 0.5)
    storage = Storage.from_url(database_url)
    assistant = Assistant(storage)
    started = asyncio.Event()

    async def quick(job, ctx) -> None:
        started.set()

    async def slow(job, ctx) -> None:
        started.set()
        await asyncio.sleep(60)

    worker = Worker(storage, assistant, {}, handlers={"test.quick": quick, "test.slow": slow})
    now = datetime.now(UTC)
    await storage.jobs.enqueue(NewJob("test.quick", "quick", {}), now=now)
    await storage.jobs.enqueue(NewJob("test.slow", "slow", {}), now=now)
    stop = asyncio.Event()
    loop = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.wait_for(started.wait(), 10)
        for _ in range(100):  # both claimed
            if (await storage.jobs.counts()).get("queued", 0) == 0:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(loop, 10)
        assert (await storage.jobs.get("quick")).status == "done"
        released = await storage.jobs.get("slow")
        assert released.status == "queued" and released.attempts == 0 and released.lease_until is None
    finally:
        await assistant.close()
        await storage.dispose()
