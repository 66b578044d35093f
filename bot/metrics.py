"""Prometheus metrics: what `GET /metrics` exposes, in one registry of this process.

Owns the metric definitions and the two ways they are fed: counters and histograms the code updates as things
happen in this process (requests and acks per platform, job run time per kind, engine time per task), and
gauges read from the database when Prometheus scrapes (jobs by status, dead jobs, outbox rows and their retries),
which also cover worker processes that serve no HTTP. Labels are taken from small fixed sets only (platform,
outcome, job kind, task name): never a user, channel or workspace id, so a label set cannot grow with traffic.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "REGISTRY",
    "REQUESTS",
    "ACK_SECONDS",
    "JOB_SECONDS",
    "ENGINE_SECONDS",
    "CONTENT_TYPE",
    "TimedExecutor",
    "timed_handler",
    "render",
    "OUTCOMES",
]

REGISTRY = CollectorRegistry()
CONTENT_TYPE = CONTENT_TYPE_LATEST
# The request outcomes a platform edge reports; anything else is a programming error (see count_request).
OUTCOMES = ("acked", "unauthorized", "malformed", "busy", "unavailable")
PLATFORMS = ("slack", "teams")
DATABASE_TIMEOUT_SECONDS = 3.0  # a scrape waits no longer than this for the database gauges

REQUESTS = Counter(
    "bot_requests",
    "Requests at a platform edge by outcome: acked (recorded and acknowledged), unauthorized, malformed "
    "(signed but unreadable), busy (the acknowledgement ran out of time), unavailable (database down).",
    ["platform", "outcome"],
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "bot_ack_seconds",
    "Seconds from a request's arrival to its answer, for requests that passed authentication.",
    ["platform"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
    registry=REGISTRY,
)
JOB_SECONDS = Histogram(
    "bot_job_seconds",
    "Seconds a job handler ran in this process, by job kind and outcome (ok or error).",
    ["kind", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=REGISTRY,
)
ENGINE_SECONDS = Histogram(
    "bot_engine_seconds",
    "Seconds from handing a computation (forecast, chart) to the compute pool to its result, by task.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
for _platform in PLATFORMS:  # every series exists from the start: a rate over "no requests yet" is 0, not absent
    ACK_SECONDS.labels(_platform)
    for _outcome in OUTCOMES:
        REQUESTS.labels(_platform, _outcome)


def count_request(platform: str, outcome: str, started: float | None = None) -> None:
    """One request at an edge: its outcome, and (when `started`, a time.perf_counter()) how long the answer took."""
    if platform not in PLATFORMS or outcome not in OUTCOMES:
        raise ValueError(f"metrics: unknown platform/outcome {platform!r}/{outcome!r}")
    REQUESTS.labels(platform, outcome).inc()
    if started is not None:
        ACK_SECONDS.labels(platform).observe(time.perf_counter() - started)


def _task_name(fn: Callable[..., Any]) -> str:
    # functools.partial and bound methods: the function's own name; a code name, so a small fixed set
    inner = getattr(fn, "func", fn)
    return getattr(inner, "__qualname__", type(inner).__name__)[:64]


class TimedExecutor(Executor):
    """An executor that times each submitted task (bot_engine_seconds) and otherwise delegates to `inner`."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        started = time.perf_counter()
        future = self.inner.submit(fn, *args, **kwargs)
        histogram = ENGINE_SECONDS.labels(_task_name(fn))
        future.add_done_callback(lambda _: histogram.observe(time.perf_counter() - started))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def timed_handler(kind: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    """`handler` (an async job handler) recording its run time under bot_job_seconds{kind=...}."""

    async def timed(job: Any, ctx: Any) -> Any:
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(job, ctx)
            outcome = "ok"
            return result
        finally:
            JOB_SECONDS.labels(kind, outcome).observe(time.perf_counter() - started)

    timed.__wrapped__ = handler  # type: ignore[attr-defined]
    return timed


async def _database_families(engine: AsyncEngine) -> list[GaugeMetricFamily]:
    """Gauges read from the database now: jobs by status (dead ones included), outbox rows by status and the
    retries they took (attempts beyond the first)."""
    jobs = GaugeMetricFamily(
        "bot_jobs", "Jobs in the database by status (queued, running, done, dead).", labels=["status"]
    )
    retries = GaugeMetricFamily("bot_job_retries", "Attempts beyond the first, summed over jobs not yet done.")
    outbox = GaugeMetricFamily("bot_outbox_messages", "Outbox rows by status.", labels=["status"])
    outbox_retries = GaugeMetricFamily(
        "bot_outbox_retries", "Send attempts beyond the first, summed over all outbox rows."
    )
    async with engine.connect() as conn:
        job_rows = (await conn.execute(text("SELECT status, count(*) FROM jobs GROUP BY status"))).all()
        job_retries = await conn.scalar(
            text("SELECT coalesce(sum(attempts - 1), 0) FROM jobs WHERE attempts > 1 AND status <> 'done'")
        )
        outbox_rows = (await conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY status"))).all()
        sends = await conn.scalar(text("SELECT coalesce(sum(attempts - 1), 0) FROM outbox WHERE attempts > 1"))
    seen = {status: int(n) for status, n in job_rows}
    for status in sorted({"queued", "running", "done", "dead", *seen}):
        jobs.add_metric([status], seen.get(status, 0))
    retries.add_metric([], int(job_retries or 0))
    for status, n in sorted(outbox_rows):
        outbox.add_metric([status], int(n))
    outbox_retries.add_metric([], int(sends or 0))
    return [jobs, retries, outbox, outbox_retries]


class _Snapshot:
    """A collector that yields families already read (the database read is async; collection is not)."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> list[GaugeMetricFamily]:
        return self.families


async def render(engine: AsyncEngine | None) -> tuple[bytes, bool]:
    """The exposition text: this process's metrics, plus the database gauges when `engine` answers.
    Returns (text, database_ok); an unreachable database leaves its gauges out and sets bot_database_up 0."""
    families: list[GaugeMetricFamily] = []
    database_ok = False
    if engine is not None:
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
                families = await _database_families(engine)
            database_ok = True
        except Exception:  # noqa: BLE001 - the scrape must still answer; bot_database_up says what happened
            families = []
    up = GaugeMetricFamily("bot_database_up", "1 when the database answered this scrape, else 0.")
    up.add_metric([], 1 if database_ok else 0)
    extra = CollectorRegistry()
    extra.register(_Snapshot([*families, up]))
    return generate_latest(REGISTRY) + generate_latest(extra), database_ok
