"""POST /api/messages (Bot Framework / Teams) on our aiohttp server.

Owns the HTTP edge for Teams and the authentication gate in front of the turn. botbuilder's own
`CloudAdapter.process` answers 500 for a missing Content-Type, a garbage token or (with an app id) a missing
header, and its OpenID key refresh makes blocking `requests.get` calls with no timeout from inside a
coroutine. So this route checks the request itself, authenticates the activity with botbuilder's
`authenticate_request` on a small dedicated thread pool (its own event loop there; ours never blocks), and
maps every authentication failure to 401 (a validation that hangs is a 503) before anything is processed.
Then an activity a person sent (a message, a reaction, an edit, a card action) is recorded with its job
(ScenarioTeamsBot.accept) and acknowledged; the worker answers it. A database failure answers 503, so the
Bot Connector delivers again; so does a write that takes over ACK_SECONDS (a locked database): it is cancelled
and answered 503 at once. A body that is not JSON (including JSON nested deep enough to exhaust the parser's
recursion, and bytes that are not UTF-8) is a 400 whatever the Authorization header says. Installs and
conversation updates run the (short) turn through `CloudAdapter.process_activity` with the authenticated
result, to store the conversation reference.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication

from bot import metrics
from bot.config import Settings
from bot.core.errors import log_failure
from bot.teams.adapter import build_adapter
from bot.teams.handler import CLAIMED, ScenarioTeamsBot, events_of

__all__ = ["mount", "read_activity", "MESSAGES_PATH", "TEAMS_BOT", "AUTH_TIMEOUT_SECONDS", "ACK_SECONDS"]

log = logging.getLogger(__name__)
OUTCOME = web.RequestKey("outcome", str)  # what a request came to, when the handler knows better than its status

MESSAGES_PATH = "/api/messages"
TEAMS_BOT = web.AppKey("teams_bot", ScenarioTeamsBot)
AUTH_TIMEOUT_SECONDS = 10.0
ACK_SECONDS = 5.0  # the Bot Connector waits about 15 s; a locked database answers 503 well before
_AUTH_THREADS = 4


def _outcome(status: int) -> str:
    if status in (401, 403):
        return "unauthorized"
    if status in (400, 413, 415):
        return "malformed"
    return "unavailable" if status >= 500 else "acked"


def read_activity(body: Any) -> tuple[Activity | None, str | None]:
    """(activity, None) for a body the translator can read, else (None, a reason for the 400). An activity that
    fails in the translator (e.g. an `entities` list holding null) would otherwise fail inside accept(), be
    answered 503, and be delivered again and again."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        return None, 'the activity has no "type": expected e.g. {"type": "message", ...}'
    try:
        activity = Activity().deserialize(body)
    except Exception as error:  # noqa: BLE001 - msrest raises its own DeserializationError, and others
        log.warning("teams request rejected: activity did not deserialize (%s)", type(error).__name__)
        return None, "the activity could not be read as a Bot Framework activity"
    if activity.type in CLAIMED:
        try:
            events_of(activity)
        except Exception as error:  # noqa: BLE001 - whatever breaks the reading, the activity is unreadable
            log.warning("teams activity %s unreadable: %s", activity.id, type(error).__name__)
            return None, "the activity could not be read (a field has an unexpected shape)"
    return activity, None


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _authenticate_in_thread(
    auth: BotFrameworkAuthentication, activity: Activity, header: str
) -> AuthenticateRequestResult:
    # botbuilder's validation is a coroutine that does blocking I/O: give it an event loop of its own here
    return asyncio.run(auth.authenticate_request(activity, header))


def mount(
    web_app: web.Application,
    *,
    settings: Settings,
    assistant: Any,
    on_queued: Any = None,
    ack_seconds: float = ACK_SECONDS,
) -> ScenarioTeamsBot:
    """Add POST /api/messages to `web_app`; returns the bot (also at web_app[TEAMS_BOT]). `on_queued` is called
    after a job was recorded (the in-process worker looks at once)."""
    adapter = build_adapter(settings.teams)
    bot = ScenarioTeamsBot(assistant, on_queued=on_queued)
    auth = adapter.bot_framework_authentication
    auth_pool = ThreadPoolExecutor(max_workers=_AUTH_THREADS, thread_name_prefix="teams-auth")
    app_id = settings.teams.APP_ID
    abandoned: set[asyncio.Task] = set()  # recordings past their time, cancelled, still cleaning up

    async def authenticate(activity: Activity, header: str) -> AuthenticateRequestResult:
        if not header and not app_id:
            # anonymous mode (no app id): botbuilder returns an anonymous identity without any I/O
            return await auth.authenticate_request(activity, header)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(auth_pool, _authenticate_in_thread, auth, activity, header)
        return await asyncio.wait_for(future, AUTH_TIMEOUT_SECONDS)

    async def messages(request: web.Request) -> web.Response:
        started = time.perf_counter()
        response = await _messages(request)
        metrics.count_request("teams", request.get(OUTCOME) or _outcome(response.status), started)
        return response

    async def _messages(request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _error(415, "expected Content-Type: application/json (a Bot Framework activity)")
        header = request.headers.get("Authorization", "").strip()
        if app_id and not header:
            log.warning("teams request rejected: no Authorization header")
            return _error(401, "unauthorized")
        try:
            body = json.loads(await request.read())
        except (ValueError, RecursionError):
            # ValueError includes a body that is not UTF-8/16/32; RecursionError is JSON nested thousands deep
            return _error(400, "the body is not JSON: expected a Bot Framework activity object")
        activity, reason = read_activity(body)
        if activity is None:
            return _error(400, reason or "the activity could not be read")
        try:
            result = await authenticate(activity, header)
        except TimeoutError:
            log.error(
                "teams request: token validation took over %ss (OpenID metadata unreachable?)", AUTH_TIMEOUT_SECONDS
            )
            return _error(503, "could not validate the token right now")
        except Exception as error:
            # PermissionError, jwt errors, IndexError for an unknown key id, network errors fetching keys:
            # whatever it is, the request is not authenticated. The type only: messages can quote the token.
            log.warning("teams request rejected: %s (activity %s)", type(error).__name__, activity.id)
            return _error(401, "unauthorized")
        if result is None or result.claims_identity is None:
            return _error(401, "unauthorized")
        if activity.type in CLAIMED:
            # Bounded like Slack's ack (see bot.slack.routes): past ACK_SECONDS the write is cancelled (it rolls
            # back) and left to clean up; the Bot Connector delivers a 5xx again.
            recording = asyncio.create_task(bot.accept(activity))
            done, _ = await asyncio.wait({recording}, timeout=ack_seconds)
            if recording not in done:
                recording.cancel()
                abandoned.add(recording)
                recording.add_done_callback(abandoned.discard)
                request[OUTCOME] = "busy"
                log.error(
                    "teams activity %s not recorded within %.1fs (database locked or slow)", activity.id, ack_seconds
                )
                return _error(503, "busy: the activity could not be recorded in time; deliver it again")
            error = recording.exception()
            if error is not None:
                log_failure(log, error, "recording teams activity %s", activity.id)
                return _error(503, "the activity could not be recorded right now; deliver it again")
            return web.Response(status=201)
        try:
            invoke_response = await adapter.process_activity(result, activity, bot.on_turn)
        except Exception as error:
            # on_turn_error already handled failures inside the turn; this is the adapter itself failing
            log_failure(log, error, "teams activity %s outside the turn", activity.id)
            return _error(500, "the activity could not be processed")
        if invoke_response:
            return web.json_response(serializer_helper(invoke_response.body), status=invoke_response.status)
        return web.Response(status=201)

    async def close_pool(_: web.Application) -> None:
        if abandoned:
            await asyncio.wait(set(abandoned), timeout=ack_seconds)
        auth_pool.shutdown(wait=False, cancel_futures=True)

    web_app.router.add_post(MESSAGES_PATH, messages)
    web_app[TEAMS_BOT] = bot
    web_app.on_cleanup.append(close_pool)
    return bot
