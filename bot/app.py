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
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.core.assistant import Assistant
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
    elif not (slack.bot_token or (slack.client_id and slack.client_secret)):
        slack_reason = "neither SLACK_BOT_TOKEN nor SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set"
    else:
        slack_reason = None
    teams_reason = None if settings.teams.enabled else "TEAMS_ENABLED is false"
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
            services.status.append(f"{label} mounted")
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
