"""The inbox: each platform delivery (Slack event or interaction, Teams activity) is handled once.

`accept` records the delivery and, in the same transaction, the job that will handle it: an acknowledged
request is durable work before the platform gets its 200, and a crash after the acknowledgement loses nothing.
The insert is INSERT ... ON CONFLICT DO NOTHING, never a check-then-insert, so of any number of concurrent
deliveries of one id, across processes, exactly one wins (and only it adds a job).

Deliveries that arrive while this process's previous write is under way are recorded together in the next
transaction (group commit: nothing waits for a timer, a delivery only joins the transaction that starts next). A
burst of 64 acknowledgements then costs a few transactions, not 64 in a row: on SQLite, where one transaction writes
at a time (measured: benchmarks/server_bench.py, README), and on PostgreSQL, where each one was a pooled connection
and a commit (a burst of 100 slash commands on a loaded 2-core machine answered 17 to 45 of them "busy" after 2 s).
Other processes' deliveries meet ours in the unique index, never in a check. A batch whose every caller gave up
(their acknowledgement ran out of time) is cancelled, so a delivery answered "busy" is not recorded behind the
platform's back.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete

from storage.models import InboxRow, JobRow, utcnow
from storage.repositories._base import Database, PlainInsert, rowcount
from storage.repositories.jobs import JobRepository, NewJob

__all__ = ["InboxRepository"]


def _insert_first_seen(
    conn: sqlite3.Connection,
    inbox_sql: str,
    inbox_rows: list[tuple[Any, ...]],
    positions: list[int],
    jobs_sql: str,
    job_rows: dict[int, tuple[Any, ...]],
) -> set[int]:
    """On the database thread, in the transaction: the inbox rows one by one (a row that is not added was seen
    before), then the jobs of the positions that won."""
    won = set()
    for row, position in zip(inbox_rows, positions, strict=True):
        cursor = conn.execute(inbox_sql, row)
        if cursor.rowcount == 1:
            won.add(position)
        cursor.close()
    queued = [job_rows[n] for n in sorted(won) if n in job_rows]
    if queued:
        conn.executemany(jobs_sql, queued).close()
    return won


@dataclass(eq=False)
class _Batch:
    items: list[tuple[tuple[str, str, str | None, NewJob | None, datetime], asyncio.Future[bool]]] = field(
        default_factory=list
    )
    waiting: int = 0  # callers still waiting for this batch
    task: asyncio.Task[None] | None = None


class InboxRepository:
    def __init__(self, db: Database, jobs: JobRepository | None = None):
        self._db = db
        self._jobs = jobs or JobRepository(db)
        self._next: _Batch | None = None  # SQLite: the batch being gathered while the previous one commits
        self._running: _Batch | None = None

    async def accept(
        self,
        platform: str,
        delivery_id: str,
        workspace_external_id: str | None = None,
        job: NewJob | None = None,
        *,
        now: datetime | None = None,
    ) -> bool:
        """True the first time (platform, delivery_id) is seen (and `job` is queued with it), False ever after."""
        now = now or utcnow()
        # the statement hook strips NUL bytes from what is stored; the id we compare with must match it
        delivery_id = delivery_id.replace("\x00", "")
        return await self._join(platform, delivery_id, workspace_external_id, job, now)

    async def _join(
        self, platform: str, delivery_id: str, workspace: str | None, job: NewJob | None, now: datetime
    ) -> bool:
        batch = self._next
        if batch is None:
            batch = self._next = _Batch()
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        batch.items.append(((platform, delivery_id, workspace, job, now), done))
        batch.waiting += 1
        if self._running is None:
            self._start()
        try:
            # shield: one caller giving up must not cancel the transaction the others are waiting for
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            batch.waiting -= 1
            if batch.waiting == 0:
                if batch is self._next:
                    self._next = None  # not started: nothing of it is written
                elif batch.task is not None:
                    batch.task.cancel()  # everyone gave up: roll it back
            raise

    def _start(self) -> None:
        batch, self._next = self._next, None
        if batch is None:
            return
        self._running = batch
        batch.task = asyncio.create_task(self._commit(batch))

    async def _commit(self, batch: _Batch) -> None:
        try:
            won = await self._accept_many([item for item, _ in batch.items])
        except BaseException as error:  # every caller sees the failure (the platform then delivers again)
            for _, done in batch.items:
                if not done.done():
                    done.set_exception(error if isinstance(error, Exception) else RuntimeError("cancelled"))
                    if batch.waiting == 0:
                        # everyone gave up (the batch was cancelled for that): read it here, or asyncio logs
                        # "Future exception was never retrieved" with a traceback for each delivery
                        done.exception()
            if not isinstance(error, Exception | asyncio.CancelledError):
                raise
        else:
            for n, (_, done) in enumerate(batch.items):
                if not done.done():
                    done.set_result(n in won)
        finally:
            self._running = None
            self._start()

    async def _accept_many(self, items: list[tuple[str, str, str | None, NewJob | None, datetime]]) -> set[int]:
        """One transaction: the inbox rows, then the jobs of the deliveries seen for the first time. Returns the
        positions in `items` that won (the same id twice in one batch: its first position)."""
        rows, first = [], {}
        for n, (platform, delivery_id, workspace, _, now) in enumerate(items):
            if (platform, delivery_id) not in first:
                first[(platform, delivery_id)] = n
                rows.append(
                    {"platform": platform, "delivery_id": delivery_id, "workspace_external_id": workspace,
                     "received_at": now}
                )  # fmt: skip
        if self._db.dialect == "sqlite":
            return await self._accept_many_sqlite(items, rows, first)
        async with self._db.write_connection() as conn:
            inserted = {
                (platform, delivery_id) for platform, delivery_id in (await conn.execute(self._insert, rows)).all()
            }
            won = {first[key] for key in inserted}
            jobs = []
            for n in sorted(won):
                job, now = items[n][3], items[n][4]
                if job is not None:
                    jobs.append(job.values(now))
            if jobs:
                await conn.execute(self._jobs.insert_statement(), jobs)
            return won

    async def _accept_many_sqlite(
        self,
        items: list[tuple[str, str, str | None, NewJob | None, datetime]],
        rows: list[dict[str, Any]],
        first: dict[tuple[str, str], int],
    ) -> set[int]:
        # the same transaction in one trip, in plain sqlite3: here SQLAlchemy's execution of the two statements cost
        # several times what SQLite took to run them, on the path of every acknowledgement
        inbox, jobs = self._plain
        positions = [first[(row["platform"], row["delivery_id"])] for row in rows]
        job_rows = {n: jobs.row(job.values(now)) for n, (_, _, _, job, now) in enumerate(items) if job is not None}
        return await self._db.transaction(
            _insert_first_seen, inbox.sql, [inbox.row(row) for row in rows], positions, jobs.sql, job_rows
        )

    @functools.cached_property
    def _plain(self) -> tuple[PlainInsert, PlainInsert]:
        inbox = PlainInsert(
            self._db, InboxRow, ("platform", "delivery_id", "workspace_external_id", "received_at"),
            ("platform", "delivery_id"),
        )  # fmt: skip
        jobs = PlainInsert(self._db, JobRow, NewJob.COLUMNS, ("key",))
        return inbox, jobs

    @functools.cached_property
    def _insert(self) -> Any:
        # built once and executed with a list of rows, not as one multi-row VALUES: compiled once and cached (see
        # JobRepository.insert_statement); RETURNING names the rows this transaction added, not those seen before
        insert = self._db.insert(InboxRow).on_conflict_do_nothing(index_elements=["platform", "delivery_id"])
        return insert.returning(InboxRow.platform, InboxRow.delivery_id)

    async def claim(self, platform: str, delivery_id: str, workspace_external_id: str | None = None) -> bool:
        """`accept` without a job: True the first time (platform, delivery_id) is seen, False ever after."""
        return await self.accept(platform, delivery_id, workspace_external_id)

    async def purge_older_than(self, days: float) -> int:
        """Forget deliveries received more than `days` ago (platforms stop retrying within minutes);
        returns how many were removed."""
        cutoff = utcnow() - timedelta(days=days)
        async with self._db.write() as session:
            result = await session.execute(delete(InboxRow).where(InboxRow.received_at < cutoff))
            return rowcount(result)
