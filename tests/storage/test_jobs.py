"""The job queue and schedules on SQLite and PostgreSQL: one claim per job however many workers ask, leases that
expire and renew, coalesced footer jobs, retries and the dead state, and schedules that fire once per due time
and catch up with one run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.jobs import next_run
from storage import NewJob, Storage
from tests.db_fixtures import *  # noqa: F403 (database fixtures)

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def test_concurrent_workers_claim_each_job_exactly_once(database_url):
    stores = [Storage.from_url(database_url) for _ in range(3)]
    try:
        for n in range(40):
            await stores[0].jobs.enqueue(NewJob("event", f"k{n}", {"n": n}), now=T0)
        assert not await stores[0].jobs.enqueue(NewJob("event", "k0", {"n": 0}), now=T0)  # a key runs once

        async def drain(store: Storage, name: str) -> list[int]:
            got: list[int] = []
            while batch := await store.jobs.claim(name, now=T0, limit=3, lease_seconds=60):
                got.extend(job.payload["n"] for job in batch)
            return got

        claimed = await asyncio.gather(*(drain(s, f"w{i}") for i, s in enumerate(stores)))
        flat = [n for part in claimed for n in part]
        assert sorted(flat) == list(range(40))  # every job once, none twice
    finally:
        for store in stores:
            await store.dispose()


async def test_a_killed_workers_job_is_claimed_again_after_its_lease_unless_renewed(store):
    await store.jobs.enqueue(NewJob("event", "lease", {}), now=T0)
    [job] = await store.jobs.claim("dead-worker", now=T0, limit=5, lease_seconds=30)
    assert await store.jobs.claim("other", now=T0 + timedelta(seconds=29), limit=5, lease_seconds=30) == []
    await store.jobs.extend([job.id], "dead-worker", until=T0 + timedelta(seconds=60))  # still working: renewed
    assert await store.jobs.claim("other", now=T0 + timedelta(seconds=45), limit=5, lease_seconds=30) == []
    [again] = await store.jobs.claim("other", now=T0 + timedelta(seconds=61), limit=5, lease_seconds=30)
    assert again.id == job.id and again.attempts == 2 and again.leased_by == "other"
    await store.jobs.finish(job, now=T0)  # the old holder's late finish changes nothing
    assert (await store.jobs.get("lease")).status == "running"
    await store.jobs.finish(again, now=T0 + timedelta(seconds=62))
    assert (await store.jobs.get("lease")).status == "done"


async def test_retry_waits_and_bury_keeps_the_error(store):
    await store.jobs.enqueue(NewJob("event", "r", {}, max_attempts=2), now=T0)
    [job] = await store.jobs.claim("w", now=T0, limit=1, lease_seconds=30)
    await store.jobs.retry(job, run_at=T0 + timedelta(seconds=10), error="ratelimited")
    assert await store.jobs.claim("w", now=T0 + timedelta(seconds=9), limit=1, lease_seconds=30) == []
    [job] = await store.jobs.claim("w", now=T0 + timedelta(seconds=10), limit=1, lease_seconds=30)
    await store.jobs.bury(job, now=T0 + timedelta(seconds=11), error="http_500")
    dead = await store.jobs.get("r")
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 2, "http_500")
    assert (await store.jobs.counts())["dead"] == 1
    assert [j.key for j in await store.jobs.listing("dead")] == ["r"]


async def test_a_coalesced_job_absorbs_requests_and_runs_once_more_if_asked_while_running(store):
    def footer(at: datetime) -> NewJob:
        return NewJob("footer", "footer:1:7", {"sent_message_id": 7}, run_at=at + timedelta(seconds=1))

    await store.jobs.enqueue_coalesced(footer(T0), now=T0)
    await store.jobs.enqueue_coalesced(footer(T0), now=T0)  # a second like: absorbed by the queued update
    [job] = await store.jobs.claim("w", now=T0 + timedelta(seconds=1), limit=5, lease_seconds=30)
    await store.jobs.enqueue_coalesced(footer(T0 + timedelta(seconds=1)), now=T0)  # a like while it renders
    await store.jobs.finish(job, now=T0 + timedelta(seconds=2), again_at=T0 + timedelta(seconds=3))
    requeued = await store.jobs.get("footer:1:7")
    assert requeued.status == "queued" and requeued.run_at == T0 + timedelta(seconds=3)
    [job] = await store.jobs.claim("w", now=T0 + timedelta(seconds=3), limit=5, lease_seconds=30)
    assert job.runs == 2  # the revision of the footer: a new outbox key for the newer counts
    await store.jobs.finish(job, now=T0 + timedelta(seconds=4))
    assert (await store.jobs.get("footer:1:7")).status == "done"
    await store.jobs.enqueue_coalesced(footer(T0 + timedelta(seconds=9)), now=T0)  # a later like: queued again
    assert (await store.jobs.get("footer:1:7")).status == "queued"


async def test_schedules_fire_once_per_due_time_and_catch_up_with_one_run(store):
    monday_9_berlin = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    await store.schedules.put(
        "nudge:C1", kind="event", cron="0 9 * * 1", timezone="Europe/Berlin", payload={"x": 1},
        next_run_at=monday_9_berlin,
    )  # fmt: skip
    assert await store.schedules.fire_due(now=monday_9_berlin - timedelta(seconds=1), next_run=next_run) == 0
    assert await store.schedules.fire_due(now=monday_9_berlin, next_run=next_run) == 1
    assert await store.schedules.fire_due(now=monday_9_berlin, next_run=next_run) == 0  # the same instant again
    job = await store.jobs.get(f"nudge:C1@{monday_9_berlin.isoformat()}")
    assert job is not None and job.payload == {"x": 1, "schedule": "nudge:C1", "due": monday_9_berlin.isoformat()}
    # the worker was down for three weeks: one catch-up run, then the next Monday
    later = monday_9_berlin + timedelta(days=22)
    assert await store.schedules.fire_due(now=later, next_run=next_run) == 1
    assert (await store.schedules.get("nudge:C1")).next_run_at == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)
    assert (await store.jobs.counts())["queued"] == 2
    assert await store.schedules.remove("nudge:C1")
    assert await store.schedules.fire_due(now=later + timedelta(days=30), next_run=next_run) == 0


async def test_concurrent_workers_fire_a_due_schedule_once(database_url):
    stores = [Storage.from_url(database_url) for _ in range(3)]
    try:
        await stores[0].schedules.put(
            "nudge:C2", kind="event", cron="30 8 * * 1-5", timezone="UTC", payload={}, next_run_at=T0
        )
        fired = await asyncio.gather(
            *(s.schedules.fire_due(now=T0 + timedelta(minutes=31), next_run=next_run) for s in stores)
        )
        assert sum(fired) == 1
    finally:
        for store in stores:
            await store.dispose()


async def test_the_outbox_remembers_what_was_sent_under_each_key(store):
    where = {"workspace_id": None, "operation": "post", "channel_id": "C1", "thread_id": None, "now": T0}
    entry = await store.outbox.begin("job:a:1", platform="slack", chart_token="tok", **where)
    assert entry.status == "pending"  # as it was: the caller may send (the row is now `sending`)
    await store.outbox.sent("job:a:1", remote_id="1795000000.000100", remote_channel="C1", now=T0)
    again = await store.outbox.begin("job:a:1", platform="slack", **where)
    assert (again.status, again.remote_id, again.chart_token, again.attempts) == ("sent", "1795000000.000100", "tok", 1)
    await store.outbox.begin(
        "job:a:2", workspace_id=None, platform="teams", operation="post", channel_id="C1", thread_id=None, now=T0
    )
    await store.outbox.unknown("job:a:2", error="http_503")
    assert await store.outbox.counts() == {"sent": 1, "unknown": 1}


async def test_a_send_tried_again_counts_its_attempt_and_keeps_what_it_knew(store):
    where = {"workspace_id": None, "operation": "post", "channel_id": "C1", "thread_id": None, "now": T0}
    await store.outbox.begin("job:b:1", platform="slack", **where)
    await store.outbox.not_sent("job:b:1", error="ratelimited")
    await store.outbox.sending("job:b:1", now=T0 + timedelta(seconds=5), chart_token="tok")
    entry = await store.outbox.get("job:b:1")
    assert entry is not None
    assert (entry.status, entry.attempts, entry.chart_token) == ("sending", 2, "tok")
    assert entry.attempted_at == T0 + timedelta(seconds=5) and entry.last_error == "ratelimited"
