"""The worker: runs durable jobs, fires due schedules, and sends through the outbox.

Owns the loop `serve` runs in-process on SQLite and `python -m bot worker` runs on its own (any number of them on
PostgreSQL): claim due jobs (FOR UPDATE SKIP LOCKED on PostgreSQL), run each through its handler, then mark it
done, retry it (exponential backoff with jitter, or the platform's Retry-After), or, after its last attempt,
bury it as dead (logged with its ids; `python -m bot jobs` lists it) and tell the person who asked. Jobs run
concurrently; what bounds the work is the compute pool the Assistant's executor holds (engine and charts run
there), not a slot count here. A job held by a killed worker is claimed again when its lease (the visibility
timeout) runs out; on SQLite, where one process owns the file (`sqlite_lock`), jobs left running by a dead
predecessor are queued again at start. Due schedules become one job per due time (storage.schedules); a worker
that was down catches up with one run per schedule.

`run_once(now)` runs everything due at `now` and returns (`worker --once --now`, cron deployments, tests);
`run(stop)` runs until `stop` is set, then finishes what it holds for a grace period and releases the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from bot.core.assistant import Assistant
from bot.core.errors import log_failure
from bot.core.events import Event
from bot.core.jobs import EVENT, FOOTER, RetryLater, backoff, event_from_dict, next_run
from bot.core.outbox import DurableOutbox
from bot.core.ports import PlatformSender
from storage import Job

__all__ = ["Worker", "JobContext", "JobHandler", "SqliteLock", "sqlite_lock", "RETRYABLE", "WorkerBusy"]

log = logging.getLogger(__name__)

# Failures a later attempt can fix; anything else in feature code is a bug that would fail again, and the person
# gets an apology at once (Assistant.handle) instead of waiting through every attempt.
RETRYABLE: tuple[type[BaseException], ...] = (OperationalError, DBAPIError, OSError, TimeoutError)
LEASE_SECONDS = 120.0
POLL_SECONDS = 0.25
SHUTDOWN_GRACE_SECONDS = 20.0
BEAT_SECONDS = 5.0  # how often a worker says it is alive (/healthz); not every poll, to spare SQLite writes
RETENTION_DAYS = 14


class WorkerBusy(RuntimeError):
    """Another process already works on this SQLite file."""


@dataclass
class JobContext:
    """What a job handler may use: the worker's assistant, storage, senders and a durable outbox per job."""

    worker: Worker
    job: Job
    _outboxes: dict[str, DurableOutbox] = field(default_factory=dict)

    @property
    def assistant(self) -> Assistant:
        return self.worker.assistant

    def outbox(self, platform: str, *, workspace_id: int | None = None) -> DurableOutbox:
        """The job's outbox for `platform`: its sends are keyed `job:<job key>:<n>`, so a retried job skips what
        it already sent."""
        if platform not in self._outboxes:
            sender = self.worker.senders.get(platform)
            if sender is None:
                raise RetryLater(f"no sender for {platform}")
            self._outboxes[platform] = DurableOutbox(
                self.worker.storage,
                sender,
                scope=f"job:{self.job.key}",
                workspace_id=workspace_id or self.job.workspace_id,
                clock=self.worker.clock,
                public_url=self.worker.public_url,
            )
        return self._outboxes[platform]

    async def handle(self, event: Event) -> None:
        await self.assistant.handle(event, self.outbox(event.place.platform), retryable=RETRYABLE)


JobHandler = Callable[[Job, JobContext], Awaitable[None]]


async def _run_event(job: Job, ctx: JobContext) -> None:
    for data in job.payload.get("events") or [job.payload["event"]]:
        await ctx.handle(event_from_dict(data))


async def _run_footer(job: Job, ctx: JobContext) -> None:
    platform = job.payload["place"]["platform"]
    sender = ctx.worker.senders.get(platform)
    if sender is None:
        return  # a console card: nothing to update outside the console
    # one key per run: the footer is re-rendered from the counts as they are now, so the newest revision wins
    outbox = DurableOutbox(
        ctx.worker.storage,
        sender,
        scope=f"footer:{job.payload['workspace_id']}:{job.payload['sent_message_id']}:{job.runs}",
        workspace_id=job.payload["workspace_id"],
        clock=ctx.worker.clock,
        public_url=ctx.worker.public_url,
    )
    await ctx.assistant.run_footer(job.payload, outbox)


class Worker:
    """`Worker(storage, assistant, senders={"slack": SlackSender(...), ...})`; `handlers` adds job kinds."""

    def __init__(
        self,
        storage: Any,
        assistant: Assistant,
        senders: dict[str, PlatformSender],
        *,
        handlers: dict[str, JobHandler] | None = None,
        worker_id: str | None = None,
        concurrency: int = 16,
        backoff_base: float = 1.0,
        lease_seconds: float = LEASE_SECONDS,
        public_url: str = "",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.storage = storage
        self.assistant = assistant
        self.senders = senders
        self.handlers: dict[str, JobHandler] = {EVENT: _run_event, FOOTER: _run_footer, **(handlers or {})}
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.concurrency = concurrency
        self.backoff_base = backoff_base
        self.lease_seconds = lease_seconds
        self.public_url = public_url
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        assistant.durable_footers = True
        assistant.clock = self.clock
        assistant.on_queued = self.wake
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._held: dict[asyncio.Task[None], Job] = {}  # running task -> its job: lease renewal, release at stop
        self.ran = 0  # jobs finished (done, retried or buried) by this worker: tests and benchmarks read it

    def wake(self) -> None:
        """New work was queued in this process: look now instead of at the next poll."""
        self._wake.set()

    # ------------------------------------------------------------------ running one job

    async def run_job(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            await handler(job, JobContext(self, job))
        except asyncio.CancelledError:
            raise
        except RetryLater as later:
            await self._again(job, later.reason, later.after)
        except RETRYABLE as error:
            await self._again(job, type(error).__name__, None)
        except Exception as error:
            log_failure(log, error, "job %s (%s)", job.id, job.key)
            await self._again(job, type(error).__name__, None)
        else:
            await self.storage.jobs.finish(job, now=self.clock(), again_at=self._coalesce_at())
        finally:
            self.ran += 1

    def _coalesce_at(self) -> datetime:
        return self.clock() + timedelta(seconds=self.assistant.coalesce_seconds)

    async def _again(self, job: Job, reason: str, after: float | None) -> None:
        if job.attempts >= job.max_attempts:
            await self.storage.jobs.bury(job, now=self.clock(), error=reason)
            log.error(
                "job %s dead after %d attempts: %s (kind %s, key %s)", job.id, job.attempts, reason, job.kind, job.key
            )
            await self._apologise(job)
            return
        delay = max(after if after is not None else 0.0, backoff(job.attempts, base=self.backoff_base))
        log.warning(
            "job %s attempt %d/%d failed (%s): again in %.1fs", job.id, job.attempts, job.max_attempts, reason, delay
        )
        await self.storage.jobs.retry(job, run_at=self.clock() + timedelta(seconds=delay), error=reason)

    async def _apologise(self, job: Job) -> None:
        """A question that will never be answered gets one short apology (best effort: the platform may be the
        reason the job died)."""
        if job.kind != EVENT:
            return
        try:
            event = event_from_dict((job.payload.get("events") or [job.payload["event"]])[0])
            sender = self.senders.get(event.place.platform)
            if sender is None:
                return
            outbox = DurableOutbox(
                self.storage, sender, scope=f"sorry:{job.key}", workspace_id=job.workspace_id, clock=self.clock
            )  # noqa: E501
            await self.assistant.apologise(event, outbox)
        except Exception as error:
            log_failure(log, error, "job %s: the apology", job.id, level=logging.WARNING)

    # ------------------------------------------------------------------ loops

    async def fire_schedules(self, now: datetime) -> int:
        return await self.storage.schedules.fire_due(now=now, next_run=next_run)

    async def run_once(self, now: datetime | None = None) -> int:
        """Run everything due at `now` (default: the clock), including what schedules make due, then return the
        number of jobs run. Jobs retried for later than `now` are left for a later run."""
        if now is not None:
            fixed = now.astimezone(UTC)  # SQLite stores times without an offset: always UTC
            self.clock = lambda: fixed
            self.assistant.clock = self.clock
        total = 0
        while await self.fire_schedules(self.clock()):  # in batches, until every schedule due now has its job
            pass
        while True:
            jobs = await self.storage.jobs.claim(
                self.worker_id, now=self.clock(), limit=self.concurrency, lease_seconds=self.lease_seconds
            )
            if not jobs:
                break
            await asyncio.gather(*(self.run_job(job) for job in jobs))
            total += len(jobs)
        await self.storage.jobs.beat(self.worker_id, now=self.clock())
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: fire schedules, claim what is due (up to `concurrency` in flight), run it."""
        log.info("worker %s started (up to %d jobs at once)", self.worker_id, self.concurrency)
        last_housekeeping = last_beat = last_renewal = last_schedules = datetime.min.replace(tzinfo=UTC)
        found = False  # the last claim found work: more is likely queued, so the next claims without looking first
        while not stop.is_set():
            # cleared before looking, not after: work queued while this round claims wakes the next round at once
            self._wake.clear()
            try:
                now = self.clock()
                # schedules are due by the minute: looked at once a poll interval, not at every wake (each finished
                # job wakes this loop: 64 answers made 64 schedule reads)
                if not timedelta(0) <= now - last_schedules < timedelta(seconds=POLL_SECONDS):  # (or a clock set back)
                    last_schedules = now
                    await self.fire_schedules(now)
                free = self.concurrency - len(self._running)
                jobs = []
                if free > 0:
                    jobs = await self.storage.jobs.claim(
                        self.worker_id, now=now, limit=free, lease_seconds=self.lease_seconds, look_first=not found
                    )
                    found = bool(jobs)
                for job in jobs:
                    task = asyncio.create_task(self.run_job(job))
                    self._running.add(task)
                    self._held[task] = job
                    task.add_done_callback(self._finished)
                if now - last_renewal >= timedelta(seconds=self.lease_seconds / 3):
                    last_renewal = now
                    until = now + timedelta(seconds=self.lease_seconds)
                    held = [job.id for job in self._held.values()]
                    await self.storage.jobs.extend(held, self.worker_id, until=until)
                if now - last_beat >= timedelta(seconds=BEAT_SECONDS):
                    last_beat = now
                    await self.storage.jobs.beat(self.worker_id, now=now)
                if now - last_housekeeping > timedelta(hours=1):
                    last_housekeeping = now
                    await self._housekeeping(now)
                if jobs and len(jobs) == free:
                    continue  # every free slot was filled: more may be due (the next round claims 0 if full)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database is down: keep trying, quietly
                log.warning("worker poll failed: %s", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
                    try:
                        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        for w in waits:
                            w.cancel()
        await self._shutdown()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._held.pop(task, None)
        self._wake.set()  # a slot is free

    async def _shutdown(self) -> None:
        if self._running:
            log.info("worker stopping: finishing %d jobs (at most %.0fs)", len(self._running), SHUTDOWN_GRACE_SECONDS)
            _, pending = await asyncio.wait(list(self._running), timeout=SHUTDOWN_GRACE_SECONDS)
            interrupted = [self._held[task] for task in pending if task in self._held]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for job in interrupted:
                # given back at once: another worker (or the next start) runs it again; sends already made are
                # skipped by their keys
                with contextlib.suppress(Exception):
                    await self.storage.jobs.release(job)
            if interrupted:
                log.warning("worker stopping: %d jobs were interrupted and released", len(interrupted))
        log.info("worker %s stopped", self.worker_id)

    async def _housekeeping(self, now: datetime) -> None:
        before = now - timedelta(days=RETENTION_DAYS)
        with contextlib.suppress(Exception):
            await self.storage.jobs.purge_done(before=before)
            await self.storage.charts.purge(before=now - timedelta(days=90))
            await self.storage.inbox.purge_older_than(RETENTION_DAYS)


# ------------------------------------------------------------------ one process per SQLite file


class SqliteLock:
    """An exclusive lock on `<database file>.lock` for this process's life (released when it exits, even by
    SIGKILL, because the operating system drops the lock with the file descriptor)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
            finally:
                os.close(fd)
            raise WorkerBusy(
                f"{self.path.name[: -len('.lock')]} is already used by a bot process (pid {holder}). SQLite serves one "
                "process: stop the other `serve` or `worker`, or use PostgreSQL (DATABASE_URL=postgresql://...) "
                "to run several."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def sqlite_lock(database_url: str) -> SqliteLock | None:
    """The lock for an SQLite file database (None for PostgreSQL or an in-memory database)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return None
    return SqliteLock(Path(url.database).resolve().with_name(Path(url.database).name + ".lock"))
