"""The composition root: settings in, services and one aiohttp web.Application out.

Owns wiring the parts together: the database engine and Storage facade, the compute executor, the Assistant,
`GET /healthz`, and mounting each platform adapter whose credentials are configured (a platform that is not
configured is left out and `platform_status` says why). Production (`python -m bot serve`) and the tests
call the same two functions.
"""

from __future__ import annotations

import asyncio
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

from bot.config import Settings
from bot.core.assistant import Assistant
from bot.core.scenarios.compute import lower_priority, warm_up
from storage import Storage
from storage.db import make_engine

__all__ = ["Services", "SERVICES", "build_services", "create_web_app", "platform_status"]

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


SERVICES = web.AppKey("services", Services)


def compute_executor(workers: int | None = None) -> Executor:
    """The pool that runs forecasts and charts for `serve`: separate processes, so numpy and matplotlib never
    hold the web process's GIL while it acknowledges Slack and Teams requests. Workers are started with
    "spawn" (forking a process that runs an event loop and threads can hang the child) and warmed up with
    one small answer so the first real question does not pay for imports and font caches. They run at a lower
    CPU priority than the web process (see answers.lower_priority)."""
    count = workers or max(1, min(4, os.cpu_count() or 1))
    pool = ProcessPoolExecutor(
        max_workers=count, mp_context=multiprocessing.get_context("spawn"), initializer=lower_priority
    )
    for _ in range(count):
        pool.submit(warm_up)
    return pool


def build_services(settings: Settings, *, executor: Executor | None = None, **assistant_options: Any) -> Services:
    """The engine, Storage, executor and Assistant for `settings` (nothing connects until first use)."""
    engine = make_engine(settings.database_url)
    storage = Storage(engine)
    executor = executor or ThreadPoolExecutor(max_workers=2, thread_name_prefix="scenario-compute")
    assistant = Assistant(storage, executor=executor, **assistant_options)
    return Services(settings=settings, engine=engine, storage=storage, assistant=assistant, executor=executor)


def platform_status(settings: Settings) -> dict[str, str | None]:
    """Per platform: None when it should be mounted, else the reason it is not (names the variable)."""
    slack = settings.slack
    if not slack.signing_secret:
        slack_reason: str | None = "SLACK_SIGNING_SECRET is not set"
    elif not slack.bot_token:
        slack_reason = "SLACK_BOT_TOKEN is not set"
        if slack.client_id:
            slack_reason += " (multi-workspace OAuth install with SLACK_CLIENT_ID is not supported yet)"
    else:
        slack_reason = None
    teams_reason = None if settings.teams.enabled else "TEAMS_ENABLED is false"
    # Without an app id Teams runs anonymously: fine for the Emulator and tests, and said out loud at start.
    return {"slack": slack_reason, "teams": teams_reason}


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
            note = ""
            if platform == "teams" and not services.settings.teams.APP_ID:
                note = " (anonymous: MICROSOFT_APP_ID is not set, fine for the Bot Framework Emulator only)"
            services.status.append(f"{label} mounted{note}")
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
    return web.json_response({"ok": True, "database": "ok"})


async def _cleanup(app: web.Application) -> None:
    services = app[SERVICES]
    await services.assistant.wait_idle()
    services.executor.shutdown(wait=False, cancel_futures=True)
    await services.engine.dispose()


def create_web_app(services: Services) -> web.Application:
    """One aiohttp application: /healthz plus every configured platform adapter."""
    app = web.Application()
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    services.mounted.clear()
    services.status.clear()
    for platform, reason in platform_status(services.settings).items():
        _mount(app, services, platform, reason)
    app.on_cleanup.append(_cleanup)
    return app
