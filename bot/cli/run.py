"""`python -m bot serve` and `python -m bot console`: the two long-running commands.

Owns the start-up checks that must fail with a clear message rather than a traceback (settings refused in
production, a database behind its migrations), logging which platforms are mounted and why not, and
choosing the Slack/Teams renderers for the console's `/show` lazily (bot.console never imports them).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot import logs
from bot.cli import CommandError
from bot.config import ConfigError, load_settings

__all__ = ["serve", "console", "database_url", "open_storage", "renderer_for", "sqlite_url"]

log = logging.getLogger("bot")


def sqlite_url(path: str | Path) -> str:
    return f"sqlite+aiosqlite:///{Path(path).resolve()}"


def database_url(db_url: str | None) -> str:
    """--db when given, else DATABASE_URL from the settings."""
    if db_url:
        return db_url
    try:
        return load_settings().database_url
    except ConfigError as exc:
        raise CommandError(str(exc)) from None


def _behind(exc: Exception) -> CommandError:
    text = str(exc)
    if "storage upgrade" not in text and "storage downgrade" not in text:
        text += "\nRun: python -m storage upgrade (with DATABASE_URL set to this database)"
    return CommandError(text)


def require_current(url: str) -> None:
    """CommandError (naming `python -m storage upgrade`) unless the database is migrated to head."""
    from storage import DatabaseBehind
    from storage.migrate import require_current as check

    try:
        check(url)
    except DatabaseBehind as exc:
        raise _behind(exc) from None


async def open_storage(url: str) -> Any:
    """A Storage on a migrated database (CommandError otherwise)."""
    from storage import Storage

    require_current(url)  # blocking for a moment is fine in a one-shot command
    return Storage.from_url(url)


def _start_process() -> tuple[Any, Any]:
    """What `serve` and `worker` check before they run: settings (refused in production when insecure), a
    database at its newest migration, and on SQLite the file's process lock (one process per file). Returns the
    settings and the lock (None on PostgreSQL). Logging is configured only then: a refusal is a message on stderr,
    not a reconfigured process."""
    from bot.worker import WorkerBusy, sqlite_lock

    try:
        settings = load_settings()
        settings.check()
    except ConfigError as exc:
        raise CommandError(f"Configuration problem: {exc}") from None
    require_current(settings.database_url)
    lock = sqlite_lock(settings.database_url)
    if lock is not None:
        try:
            lock.acquire()
        except WorkerBusy as exc:
            raise CommandError(str(exc)) from None
    logs.configure(settings.log_level, settings.log_format)
    return settings, lock


def serve(*, host: str | None = None, port: int | None = None) -> int:
    from aiohttp import web

    from bot.app import build_services, compute_executor, create_web_app, freeze_startup

    settings, lock = _start_process()
    # the compute processes serve the worker: on PostgreSQL this process runs none, so it spawns none (they would
    # take CPU and memory from the acknowledgements, and warm up right when the first requests arrive)
    services = build_services(settings, executor=compute_executor() if lock is not None else None)
    services.holds_sqlite_lock = lock is not None
    app = create_web_app(services)
    for line in services.status:
        log.info(line)
    if not services.mounted:
        log.warning("no chat platform is mounted: only /healthz will answer")
    if lock is None:
        log.info("PostgreSQL: answers are sent by `python -m bot worker` processes (the Procfile's worker)")
    else:
        log.info("SQLite: this process runs the worker too (one process per SQLite file)")
    freeze_startup()
    host, port = host or settings.host, port or settings.port
    web.run_app(app, host=host, port=port, print=None, access_log_class=logs.AccessLine)
    return 0


def renderer_for(name: str) -> Any:
    """Card -> platform JSON for the console's /show (imported only when asked for)."""
    if name == "slack":
        from bot.slack.render import render_blocks

        return lambda card: render_blocks(card)[0]
    if name == "teams":
        from bot.teams.render import render_adaptive

        return render_adaptive
    raise ValueError(f"unknown platform {name!r} (expected slack or teams)")


def session_charts_dir(root: Path, now: datetime | None = None) -> Path:
    """charts/<YYYYmmdd-HHMMSS>[-N]: a new folder per console session, so its 1.png never overwrites an earlier
    session's (the next free suffix when two sessions start in the same second)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    path, n = root / stamp, 1
    while path.exists():
        n += 1
        path = root / f"{stamp}-{n}"
    return path


def console(*, db_url: str | None = None, show: str | None = None) -> int:
    from bot.console.outbox import ConsoleOutbox
    from bot.console.repl import ConsoleSession, ensure_sample_baseline, loaded_baseline_text
    from bot.core.assistant import Assistant
    from storage import Storage
    from storage.migrate import upgrade

    url = db_url or sqlite_url("console.db")
    upgrade(url)  # the console is a local toy database: migrate it rather than ask the user to

    async def run() -> None:
        storage = Storage.from_url(url)
        assistant = Assistant(storage)
        outbox = ConsoleOutbox(print, charts_dir=session_charts_dir(Path("charts")), renderer_for=renderer_for)
        if show:
            print(outbox.set_show(show))
        session = ConsoleSession(assistant, outbox)
        try:
            if await ensure_sample_baseline(storage, "local", session.place.channel_id, today=date.today()):
                print("Loaded the sample team (10 reps, 60 open deals) as this channel's baseline.")
            print(await loaded_baseline_text(storage, "local", session.place.channel_id))
            print(f"Charts of this session are saved in {outbox.charts_dir}/")
            await session.run(lambda: input("> "))
        finally:
            await assistant.close()
            await storage.dispose()

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(run())
    return 0


def _parse_now(text: str | None) -> Any:
    from datetime import UTC, datetime

    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"--now: expected an ISO-8601 time like 2026-11-30T09:00:00+01:00, got {text!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def worker(*, once: bool = False, now: str | None = None) -> int:
    """`python -m bot worker`: run jobs, schedules and sends until SIGTERM (finishing or releasing what it holds);
    with --once, everything due at --now (default: the current time), then exit."""
    import signal

    from bot.app import build_services, compute_executor, freeze_startup

    moment = _parse_now(now)
    if moment is not None and not once:
        raise CommandError("--now goes with --once (a worker that keeps running uses the real clock)")
    settings, lock = _start_process()
    for name, mount in settings.platforms().items():  # the same rule the web app mounts by
        log.info("%s %s: %s", name.capitalize(), "sends" if mount.mounted else "not sent to", mount.detail)

    async def run() -> int:
        services = build_services(settings, executor=compute_executor(warm=not once))
        assert services.worker is not None
        try:
            if lock is not None:
                await services.storage.jobs.requeue_running()
            if once:
                count = await services.worker.run_once(moment)
                log.info("worker --once: %d jobs run", count)
                return 0
            freeze_startup()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await services.worker.run(stop)
            return 0
        finally:
            for close in services.closers:
                await close()
            services.executor.shutdown(wait=False, cancel_futures=True)
            await services.engine.dispose()

    try:
        return asyncio.run(run())
    finally:
        if lock is not None:
            lock.release()


def jobs(*, status: str | None = None, db_url: str | None = None, limit: int = 50) -> int:
    """`python -m bot jobs [--status dead]`: the queue's counts and its newest jobs (dead ones with their error)."""
    url = database_url(db_url)

    async def run() -> None:
        storage = await open_storage(url)
        try:
            counts = await storage.jobs.counts()
            sends = await storage.outbox.counts()
            print("jobs: " + ", ".join(f"{k} {counts.get(k, 0)}" for k in ("queued", "running", "done", "dead")))
            print(
                "sends: "
                + ", ".join(f"{k} {sends.get(k, 0)}" for k in ("pending", "sending", "sent", "unknown", "failed"))
            )  # noqa: E501
            for job in await storage.jobs.listing(status, limit):
                error = f"  last error: {job.last_error}" if job.last_error else ""
                print(
                    f"#{job.id} {job.status:<7} {job.kind:<12} attempts {job.attempts}/{job.max_attempts} "
                    f"run_at {job.run_at:%Y-%m-%d %H:%M:%S} key {job.key}{error}"
                )
            if status in (None, "unknown", "failed"):
                for entry in await storage.outbox.listing("unknown", limit):
                    print(f"send {entry.key}: outcome unknown ({entry.last_error}); not re-posted")
        finally:
            await storage.dispose()

    asyncio.run(run())
    return 0
