"""Jobs and schedules: the durable work queue every worker process shares.

Owns enqueueing (idempotent by key; a coalesced job asked for again while queued is absorbed, while running
runs once more), claiming (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so any number of workers take disjoint jobs;
SQLite: one write transaction at a time, and one worker process per file), the visibility timeout (a running
job whose lease ran out, because its worker was killed, is claimed again), finishing, retrying and the dead
state, and turning due schedules into jobs. Times are passed in by the caller (`now`): the worker's clock,
which tests and `worker --once --now` pin.

Jobs are platform-level work, keyed by the platform delivery or business key; a job's `workspace_id` is
informative (operators' listings), the payload carries the tenant the feature code scopes every query by.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, case, delete, func, or_, select, update

from storage.models import JobRow, ScheduleRow, WorkerBeatRow
from storage.records import Job, Schedule
from storage.repositories._base import Database, as_utc, rowcount

_JOBS = cast(Table, JobRow.__table__)
# built once (every job ends here): a table UPDATE, not the ORM's bulk update, which would also look for the job
# among the session's objects to keep them in step. No parameter is named like a column: it would join the SET.
_FINISH = (
    update(_JOBS)
    .where(
        _JOBS.c.id == bindparam("finish_job"),
        _JOBS.c.leased_by == bindparam("finish_lease"),
        _JOBS.c.status == "running",
    )
    .values(
        status=case((_JOBS.c.again, "queued"), else_="done"),
        run_at=case((_JOBS.c.again, bindparam("finish_again_at", type_=_JOBS.c.run_at.type)), else_=_JOBS.c.run_at),
        attempts=case((_JOBS.c.again, 0), else_=_JOBS.c.attempts),
        again=False,
        lease_until=None,
        finished_at=bindparam("finish_now", type_=_JOBS.c.finished_at.type),
        last_error=None,
    )
)

__all__ = ["JobRepository", "ScheduleRepository", "NewJob"]

NextRun = Callable[[str, str, datetime], datetime]


# due: queued and due, or running with an expired lease (its worker was killed)
_CLAIM_NOW = bindparam("claim_now", type_=_JOBS.c.run_at.type)
_DUE = or_(
    (_JOBS.c.status == "queued") & (_JOBS.c.run_at <= _CLAIM_NOW),
    (_JOBS.c.status == "running") & (_JOBS.c.lease_until < _CLAIM_NOW),
)
_DUE_ID = select(_JOBS.c.id).where(_DUE)


def _job(row: JobRow | Row[Any]) -> Job:
    return Job(
        id=row.id,
        key=row.key,
        kind=row.kind,
        workspace_id=row.workspace_id,
        payload=row.payload,
        status=row.status,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        runs=row.runs,
        run_at=as_utc(row.run_at),
        lease_until=as_utc(row.lease_until),
        leased_by=row.leased_by,
        last_error=row.last_error,
        created_at=as_utc(row.created_at),
        finished_at=as_utc(row.finished_at),
    )


def _schedule(row: ScheduleRow) -> Schedule:
    return Schedule(
        id=row.id,
        key=row.key,
        kind=row.kind,
        workspace_id=row.workspace_id,
        cron=row.cron,
        timezone=row.timezone,
        payload=row.payload,
        active=bool(row.active),
        next_run_at=as_utc(row.next_run_at),
        last_run_at=as_utc(row.last_run_at),
    )


class NewJob:
    """What to enqueue: `NewJob(kind, key, payload, run_at=None, workspace_id=None, max_attempts=8)`."""

    __slots__ = ("kind", "key", "payload", "run_at", "workspace_id", "max_attempts")
    COLUMNS = ("kind", "key", "payload", "workspace_id", "max_attempts", "status", "run_at", "created_at")  # values()

    def __init__(
        self,
        kind: str,
        key: str,
        payload: dict[str, Any],
        *,
        run_at: datetime | None = None,
        workspace_id: int | None = None,
        max_attempts: int = 8,
    ) -> None:
        self.kind, self.key, self.payload = kind, key, payload
        self.run_at, self.workspace_id, self.max_attempts = run_at, workspace_id, max_attempts

    def values(self, now: datetime) -> dict[str, Any]:
        # every time is stored in UTC: SQLite keeps the wall-clock digits and drops the offset
        return {
            "kind": self.kind,
            "key": self.key,
            "payload": self.payload,
            "workspace_id": self.workspace_id,
            "max_attempts": self.max_attempts,
            "status": "queued",
            "run_at": as_utc(self.run_at or now),
            "created_at": as_utc(now),
        }


class JobRepository:
    def __init__(self, db: Database):
        self._db = db

    def insert_statement(self) -> Any:
        """INSERT ... ON CONFLICT (key) DO NOTHING of a job, to execute with its `NewJob.values`, or with a list of
        them (a batch of acknowledged deliveries, a survey's reminders), here or inside another transaction (the
        inbox's). Executed that way the statement is compiled once and cached; a multi-row VALUES statement was
        compiled anew for each batch (12 ms for 64 rows, ahead of every acknowledgement in the batch). The
        statement itself is built once too (its cache key is then computed once)."""
        return self._insert

    @functools.cached_property
    def _insert(self) -> Any:
        return self._db.insert(JobRow).on_conflict_do_nothing(index_elements=["key"])

    async def enqueue(self, job: NewJob, *, now: datetime) -> bool:
        """True when the job was added; False when a job with its key exists (it runs once)."""
        async with self._db.write() as session:
            result = await session.execute(self.insert_statement(), job.values(now))
            return rowcount(result) == 1

    async def enqueue_many(self, jobs: list[NewJob], *, now: datetime) -> int:
        """Add several jobs in one transaction (a survey's reminders for everyone); those whose key exists are left
        as they are. The number added."""
        if not jobs:
            return 0
        rows = [job.values(now) for job in jobs]
        async with self._db.write() as session:
            # RETURNING counts the rows added on both databases (asyncpg's executemany reports no row count)
            return len((await session.execute(self.insert_statement().returning(JobRow.id), rows)).all())

    async def enqueue_coalesced(self, job: NewJob, *, now: datetime) -> None:
        """One job per key for work that reads its state when it runs (a card's footer): queued already, it absorbs
        this request; finished, it is queued again for `job.run_at`; running, it runs once more when it finishes."""
        stmt = self._db.insert(JobRow).values(**job.values(now))
        requeue = JobRow.status.in_(("done", "dead"))
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "status": case((requeue, "queued"), else_=JobRow.status),
                "run_at": case((requeue, stmt.excluded.run_at), else_=JobRow.run_at),
                "attempts": case((requeue, 0), else_=JobRow.attempts),
                "payload": stmt.excluded.payload,
                "again": case((JobRow.status == "running", True), else_=JobRow.again),
            },
        )
        async with self._db.write() as session:
            await session.execute(stmt)

    async def claim(
        self, worker_id: str, *, now: datetime, limit: int, lease_seconds: float, look_first: bool = True
    ) -> list[Job]:
        """Take up to `limit` due jobs (queued and due, or running with an expired lease) for `worker_id`.
        `look_first` (an idle poll) reads before it writes, so finding nothing takes no write lock; a worker that
        has just found work passes False and claims at once."""
        now = as_utc(now)
        if look_first and not await self._db.any(_DUE_ID.params(claim_now=now)):
            return []  # an idle poll reads; it does not take SQLite's write lock from the acknowledgements
        params = {
            "claim_now": now,
            "claim_limit": limit,
            "claim_lease_until": now + timedelta(seconds=lease_seconds),
            "claim_worker": worker_id,
        }
        async with self._db.write_connection() as conn:
            rows = (await conn.execute(self._claim, params)).all()
        return sorted((_job(row) for row in rows), key=lambda job: (job.run_at, job.id))

    @functools.cached_property
    def _claim(self) -> Any:
        # one statement, built once (every batch of jobs starts here): the due ids, leased, and the leased rows back
        chosen = select(_JOBS.c.id).where(_DUE).order_by(_JOBS.c.run_at, _JOBS.c.id).limit(bindparam("claim_limit"))
        if self._db.dialect == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)
        return (
            update(_JOBS)
            .where(_JOBS.c.id.in_(chosen))
            .values(
                status="running",
                attempts=_JOBS.c.attempts + 1,
                runs=_JOBS.c.runs + 1,
                lease_until=bindparam("claim_lease_until", type_=_JOBS.c.lease_until.type),
                leased_by=bindparam("claim_worker", type_=_JOBS.c.leased_by.type),
            )
            .returning(*_JOBS.c)
        )

    async def extend(self, job_ids: list[int], worker_id: str, *, until: datetime) -> None:
        """Renew the leases of jobs this worker is still running (so a slow job is not taken over)."""
        until = as_utc(until)
        if not job_ids:
            return
        async with self._db.write() as session:
            await session.execute(
                update(JobRow)
                .where(JobRow.id.in_(job_ids), JobRow.leased_by == worker_id, JobRow.status == "running")
                .values(lease_until=until)
            )

    async def finish(self, job: Job, *, now: datetime, again_at: datetime | None = None) -> None:
        """Done; a coalesced job asked for again while it ran is queued once more (at `again_at`)."""
        now = as_utc(now)
        again_at = as_utc(again_at) or now
        async with self._db.write() as session:
            await session.execute(
                _FINISH,
                {"finish_job": job.id, "finish_lease": job.leased_by, "finish_again_at": again_at, "finish_now": now},
            )

    async def retry(self, job: Job, *, run_at: datetime, error: str) -> None:
        """Queue again for `run_at` (a backoff or the platform's Retry-After)."""
        run_at = as_utc(run_at)
        async with self._db.write() as session:
            await session.execute(
                update(JobRow)
                .where(JobRow.id == job.id, JobRow.leased_by == job.leased_by, JobRow.status == "running")
                .values(status="queued", run_at=run_at, lease_until=None, last_error=error[:255])
            )

    async def release(self, job: Job) -> None:
        """Give a claimed job back untouched (a worker shutting down): it runs again at once, this attempt uncounted."""
        async with self._db.write() as session:
            await session.execute(
                update(JobRow)
                .where(JobRow.id == job.id, JobRow.leased_by == job.leased_by, JobRow.status == "running")
                .values(status="queued", lease_until=None, attempts=JobRow.attempts - 1)
            )

    async def bury(self, job: Job, *, now: datetime, error: str) -> None:
        """The dead state: no more attempts; kept for operators (`python -m bot jobs`)."""
        now = as_utc(now)
        async with self._db.write() as session:
            await session.execute(
                update(JobRow)
                .where(JobRow.id == job.id)
                .values(status="dead", lease_until=None, finished_at=now, last_error=error[:255])
            )

    async def requeue_running(self) -> int:
        """Every running job back to queued: for the single SQLite worker at start, whose predecessor died."""
        async with self._db.write() as session:
            result = await session.execute(
                update(JobRow).where(JobRow.status == "running").values(status="queued", lease_until=None)
            )
            return rowcount(result)

    async def get(self, key: str) -> Job | None:
        async with self._db.read() as session:
            row = await session.scalar(select(JobRow).where(JobRow.key == key))
            return None if row is None else _job(row)

    async def listing(self, status: str | None = None, limit: int = 50) -> list[Job]:
        """Newest first, optionally of one status (operators: `python -m bot jobs`)."""
        query = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
        if status:
            query = query.where(JobRow.status == status)
        async with self._db.read() as session:
            return [_job(row) for row in await session.scalars(query)]

    async def counts(self) -> dict[str, int]:
        async with self._db.read() as session:
            rows = await session.execute(select(JobRow.status, func.count()).group_by(JobRow.status))
            return {status: int(n) for status, n in rows.all()}

    async def next_due(self) -> datetime | None:
        async with self._db.read() as session:
            value = await session.scalar(select(func.min(JobRow.run_at)).where(JobRow.status == "queued"))
            return as_utc(value)

    async def purge_done(self, *, before: datetime) -> int:
        async with self._db.write() as session:
            result = await session.execute(delete(JobRow).where(JobRow.status == "done", JobRow.finished_at < before))
            return rowcount(result)

    async def beat(self, worker_id: str, *, now: datetime) -> None:
        stmt = self._db.insert(WorkerBeatRow).values(worker_id=worker_id, beat_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=["worker_id"], set_={"beat_at": now})
        async with self._db.write() as session:
            await session.execute(stmt)

    async def last_beat(self) -> datetime | None:
        async with self._db.read() as session:
            return as_utc(await session.scalar(select(func.max(WorkerBeatRow.beat_at))))


class ScheduleRepository:
    def __init__(self, db: Database, jobs: JobRepository):
        self._db = db
        self._jobs = jobs

    async def put(
        self,
        key: str,
        *,
        kind: str,
        cron: str,
        timezone: str,
        payload: dict[str, Any],
        next_run_at: datetime,
        workspace_id: int | None = None,
    ) -> Schedule:
        """Create or replace the schedule `key` (one per key: setting a new one replaces it)."""
        values = {
            "key": key,
            "kind": kind,
            "cron": cron,
            "timezone": timezone,
            "payload": payload,
            "workspace_id": workspace_id,
            "active": True,
            "next_run_at": as_utc(next_run_at),
        }
        stmt = self._db.insert(ScheduleRow).values(**values)
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={k: v for k, v in values.items() if k != "key"})
        async with self._db.write() as session:
            await session.execute(stmt)
            row = await session.scalar(
                select(ScheduleRow).where(ScheduleRow.key == key).execution_options(populate_existing=True)
            )
            assert row is not None
            return _schedule(row)

    async def get(self, key: str) -> Schedule | None:
        async with self._db.read() as session:
            row = await session.scalar(select(ScheduleRow).where(ScheduleRow.key == key))
            return None if row is None else _schedule(row)

    async def remove(self, key: str) -> bool:
        async with self._db.write() as session:
            result = await session.execute(delete(ScheduleRow).where(ScheduleRow.key == key))
            return bool(rowcount(result))

    async def fire_due(self, *, now: datetime, next_run: NextRun, limit: int = 100) -> int:
        """Turn every due schedule into one job keyed `<schedule key>@<due time>` and move it to its next run
        after `now`: missed runs collapse into this one. Returns how many jobs were added."""
        now = as_utc(now)
        due = (ScheduleRow.active.is_(True), ScheduleRow.next_run_at <= now)
        if not await self._db.any(select(ScheduleRow.id).where(*due)):
            return 0  # every poll asks: when nothing is due, a read, not a write transaction
        query = select(ScheduleRow).where(*due).order_by(ScheduleRow.next_run_at).limit(limit)
        if self._db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        added = 0
        async with self._db.write() as session:
            for row in (await session.scalars(query)).all():
                due_at = as_utc(row.next_run_at)
                job = NewJob(
                    row.kind,
                    f"{row.key}@{due_at.isoformat()}",
                    {**row.payload, "schedule": row.key, "due": due_at.isoformat()},
                    workspace_id=row.workspace_id,
                )
                result = await session.execute(self._jobs.insert_statement(), job.values(now))
                added += rowcount(result)
                row.next_run_at = as_utc(next_run(row.cron, row.timezone, now))
                row.last_run_at = as_utc(now)
        return added
