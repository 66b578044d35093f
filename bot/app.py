"""The composition root: settings in, services and one aiohttp web.Application out.

Owns wiring the parts together: the database engine and Storage facade, the compute executor, the Assistant,
the worker with one sender per configured platform (bot.slack.sender, bot.teams.sender), `GET /healthz`,
`GET /metrics` (Prometheus, bot.metrics),
`GET /charts/{token}.png` (charts are stored in the database, so any web process serves them), and mounting each
platform adapter whose credentials are configured (a platform that is not configured is left out and
`platform_status` says why). On an SQLite file the web app also runs the worker in-process (one process owns
the file); on PostgreSQL `python -m bot worker` processes do. Production (`python -m bot serve`,
`python -m bot worker`) and the tests call the same functions.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import metrics
from bot.config import Settings
from bot.core.assistant import Assistant
from bot.core.features import job_handlers
from bot.core.scenarios.compute import compute_process_setup, warm_up
from bot.worker import Worker, sqlite_lock
from storage import Secrets, Storage
from storage.db import make_engine

__all__ = ["Services", "SERVICES", "build_services", "build_worker", "create_web_app", "platform_status"]

log = logging.getLogger(__name__)
HEALTH_TIMEOUT_SECONDS = 3.0


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    storage: Any
    assistant: Assistant
    executor: Executor
    mounted: list[str] = field(default_factory=list)  # platforms mounted on the web app
    status: list[str] = field(default_factory=list)  # one line per platform: mounted, or why not
    worker: Worker | None = None
    closers: list[Any] = field(default_factory=list)  # async callables run at shutdown (HTTP sessions)
    holds_sqlite_lock: bool = False  # `serve` took the SQLite file's lock before starting (a clear error if taken)


SERVICES = web.AppKey("services", Services)


def compute_executor(workers: int | None = None, *, warm: bool = True) -> Executor:
    """The pool that runs forecasts and charts for `serve`: separate processes, so numpy and matplotlib never
    hold the web process's GIL while it acknowledges Slack and Teams requests. Workers are started with
    "spawn" (forking a process that runs an event loop and threads can hang the child) and, with `warm`, warmed
    up with one small answer so the first real question does not pay for imports and font caches. A one-shot
    run (`worker --once`) does not warm up: its processes are then started only if something due needs them.
    They run at a lower CPU priority than the web process and exit if it dies (`compute_process_setup`)."""
    count = workers or max(1, min(4, os.cpu_count() or 1))
    pool = ProcessPoolExecutor(
        max_workers=count,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=compute_process_setup,
        initargs=(os.getpid(),),
    )
    for _ in range(count if warm else 0):
        pool.submit(warm_up)
    return pool


def freeze_startup() -> None:
    """Take what startup built (modules, the app, SQLAlchemy's mappers, numpy) out of the garbage collector's
    scans: a full collection then looks only at what the requests and jobs made. Measured in
    benchmarks/server_bench.py: the one full collection of a 320-answer run paused the server for 145 ms; 11 ms
    after this. Called by `serve` and `worker` once everything is built, before the first request."""
    gc.collect()
    gc.freeze()


def build_services(
    settings: Settings,
    *,
    executor: Executor | None = None,
    worker_options: dict[str, Any] | None = None,
    **assistant_options: Any,
) -> Services:
    """The engine, Storage, executor, Assistant and worker for `settings` (nothing connects until first use)."""
    engine = make_engine(settings.database_url)
    storage = Storage(engine, secrets=Secrets(settings.secret_keys()))  # SECRET_KEY seals installation tokens
    # timed for /metrics (bot_engine_seconds); it otherwise hands every call to the pool unchanged
    executor = metrics.TimedExecutor(
        executor or ThreadPoolExecutor(max_workers=2, thread_name_prefix="scenario-compute")
    )
    assistant = Assistant(storage, executor=executor, **assistant_options)
    services = Services(settings=settings, engine=engine, storage=storage, assistant=assistant, executor=executor)
    services.worker = build_worker(services, **(worker_options or {}))
    services.worker.handlers = {  # bot_job_seconds by kind, for the jobs this process runs
        kind: metrics.timed_handler(kind, handler) for kind, handler in services.worker.handlers.items()
    }
    return services


def build_worker(services: Services, **options: Any) -> Worker:
    """The worker with a sender for each platform that is configured (SDKs imported only then)."""
    settings, senders, handlers = services.settings, {}, {}
    reasons = platform_status(settings)
    if reasons["slack"] is None:
        from bot.slack import jobs as slack_jobs
        from bot.slack.sender import SlackSender, worker_client

        tokens = None
        if settings.slack.installs:  # each workspace's own token, rotated before it expires
            from bot.slack.oauth import keeper_for

            tokens = keeper_for(settings, services.storage).token_for
        client = worker_client(settings.slack.bot_token.get_secret_value(), settings.slack.api_url)
        senders["slack"] = sender = SlackSender(client, tokens=tokens)
        handlers.update(slack_jobs.handlers(sender, settings.slack.api_url))

        services.closers.append(client.close)
    if reasons["teams"] is None:
        from bot.teams.adapter import build_adapter
        from bot.teams.sender import TeamsSender

        senders["teams"] = TeamsSender(build_adapter(settings.teams), services.storage, app_id=settings.teams.APP_ID)
    handlers.update(job_handlers())
    options.setdefault("public_url", settings.public_url)
    options.setdefault("lease_seconds", settings.worker_lease_seconds)
    return Worker(services.storage, services.assistant, senders, handlers=handlers, **options)


def platform_status(settings: Settings) -> dict[str, str | None]:
    """Per platform: None when it should be mounted, else the reason it is not (names the variable). The rule
    itself is bot.config's `Settings.platforms()`, the one place that decides."""
    return {name: None if mount.mounted else mount.detail for name, mount in settings.platforms().items()}


def _mount(app: web.Application, services: Services, platform: str, reason: str | None) -> None:
    label = platform.capitalize()
    if reason is None:
        try:
            routes = importlib.import_module(f"bot.{platform}.routes")
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.{platform}.routes":
                raise  # the adapter exists but is broken: fail loudly rather than silently serve without it
            reason = f"the {label} adapter (bot.{platform}.routes) is not available in this build"
        else:
            routes.mount(app, settings=services.settings, assistant=services.assistant)
            services.mounted.append(platform)
            services.status.append(f"{label} mounted: {services.settings.platforms()[platform].detail}")
            return
    services.status.append(f"{label} not mounted: {reason}")


async def healthz(request: web.Request) -> web.Response:
    engine = request.app[SERVICES].engine
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except Exception as exc:
        # the exception text may carry the database URL (with its password): log the type only
        log.warning("health check: database unavailable (%s)", type(exc).__name__)
        return web.json_response({"ok": False, "database": "unavailable"}, status=503)
    beat = await request.app[SERVICES].storage.jobs.last_beat()
    counts = await request.app[SERVICES].storage.jobs.counts()
    return web.json_response(
        {
            "ok": True,
            "database": "ok",
            "worker_last_run": beat.isoformat() if beat else None,
            "jobs": {k: counts.get(k, 0) for k in ("queued", "running", "dead")},
        }
    )


async def metrics_page(request: web.Request) -> web.Response:
    """GET /metrics: Prometheus text format. This process's request, ack, job and engine timings, and gauges read
    from the database now (jobs by status and dead ones, outbox rows and retries; bot_database_up 0 when the
    database does not answer within a few seconds: the scrape itself still answers)."""
    body, _ = await metrics.render(request.app[SERVICES].engine)
    return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})


async def chart(request: web.Request) -> web.Response:
    """GET /charts/{token}.png: the stored PNG, or 404 for an unknown token (the token is the only key)."""
    png = await request.app[SERVICES].storage.charts.get(request.match_info["token"])
    if png is None:
        return web.json_response({"error": "chart not found"}, status=404)
    return web.Response(
        body=png,
        content_type="image/png",
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


async def _cleanup(app: web.Application) -> None:
    services = app[SERVICES]
    await services.assistant.wait_idle()
    for close in services.closers:
        await close()
    services.executor.shutdown(wait=False, cancel_futures=True)
    await services.engine.dispose()


def in_process_worker(settings: Settings) -> bool:
    """Whether `serve` runs the worker itself: on an SQLite file (one process owns it), not on PostgreSQL."""
    return sqlite_lock(settings.database_url) is not None


def _run_worker_in_process(app: web.Application) -> None:
    """Start the worker with the web app and stop it (finishing or releasing its jobs) with the web app."""
    WORKER_TASK = web.AppKey("worker_task", asyncio.Task)
    stop = asyncio.Event()

    async def start(app: web.Application) -> None:
        services = app[SERVICES]
        assert services.worker is not None
        lock = None if services.holds_sqlite_lock else sqlite_lock(services.settings.database_url)
        if lock is not None:
            lock.acquire()  # WorkerBusy: another process owns this SQLite file
            services.closers.append(_release(lock))
        if services.holds_sqlite_lock or lock is not None:
            requeued = await services.storage.jobs.requeue_running()
            if requeued:
                log.warning("%d jobs left running by a stopped process were queued again", requeued)
        app[WORKER_TASK] = asyncio.create_task(services.worker.run(stop))

    async def finish(app: web.Application) -> None:
        stop.set()
        task = app.get(WORKER_TASK)
        if task is not None:
            await task

    app.on_startup.append(start)
    app.on_shutdown.append(finish)


def _release(lock: Any):
    async def release() -> None:
        lock.release()

    return release


def create_web_app(services: Services, *, run_worker: bool | None = None) -> web.Application:
    """One aiohttp application: /healthz, /charts and every configured platform adapter; with `run_worker`
    (default: on an SQLite file) the worker runs in this process."""
    app = web.Application()
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    app.router.add_get("/charts/{token}.png", chart)
    services.mounted.clear()
    services.status.clear()
    for platform, reason in platform_status(services.settings).items():
        _mount(app, services, platform, reason)
    if run_worker is None:
        run_worker = in_process_worker(services.settings)
    if run_worker:
        _run_worker_in_process(app)
    app.on_cleanup.append(_cleanup)
    return app
