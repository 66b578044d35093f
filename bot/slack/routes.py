"""POST /slack/events on our aiohttp server: Bolt's aiohttp adapter functions around `async_dispatch`.

Owns the HTTP edge for Slack (events, slash commands, interactivity share Slack's one request URL) and
the gates in front of Bolt, so that every request gets an answer and none a traceback:

- Signature: verified against the raw bytes before anything is decoded or parsed. A missing, non-numeric or
  absurdly long timestamp (slack_sdk overflows converting 400 digits to a float), a signature that is not
  `v0=` + 64 hex digits, or a bad or stale signature is a 401 (without Bolt's INFO log line that would echo the
  body, i.e. message text). url_verification is answered only after that check; Bolt's own check runs behind.
- Shape: a signed body that is not UTF-8, declares another charset, is not a JSON object (or a form whose
  `payload` is one), or whose fields Bolt and bot.slack.translate read have the wrong types (`event` null or a
  list, `actions` not a list of objects, ...) is a 400 naming what was wrong. The body is parsed once, by Bolt
  (the check reads what Bolt's listeners will), and the translation is tried once here, so no malformed payload
  reaches Bolt's middleware to fail there as a 500 with a traceback.
- Time: the acknowledgement (the inbox write in bot.slack.app's middleware) gets ACK_SECONDS. A locked or slow
  database then answers a slash command with an ephemeral "busy, try again in a moment" and anything else with
  503 (Slack retries events; a retry whose first attempt did commit after all is deduplicated by the inbox).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot import metrics
from bot.config import Settings
from bot.slack import translate
from bot.slack.app import AssistantLike, build_slack_app, translate_body
from bot.slack.client import KeepAliveWebClient

__all__ = ["mount", "SLACK_APP", "EVENTS_PATH", "ACK_SECONDS", "BUSY_TEXT", "malformed"]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SLACK_APP = web.AppKey("slack_app", AsyncApp)
# Slack waits 3 s for an acknowledgement; leave room for the network and the response itself.
ACK_SECONDS = 2.0
BUSY_TEXT = "I'm busy right now and could not take that in time. Please try again in a moment."
SIGNATURE_MAX_AGE_SECONDS = 300  # Slack's replay window
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")  # Unix seconds: 10 digits until the year 2286
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")
_UTF8 = {None, "utf-8", "utf8", "us-ascii", "ascii"}
_PROBE_BOT_USER = "U0PROBE"  # any bot id: the probe exercises the paths that compare against it

# The fields Bolt (slack_bolt.request.internals, its listener matchers) and bot.slack.translate read, with the
# types they assume. Paths are dotted; "[]" is each element of a list. A field that is absent (or null, unless
# listed in _NOT_NULL) is fine: both treat it as missing.
_STR, _DICT, _LIST = (str,), (dict,), (list,)
_STR_OR_DICT = (str, dict)
_SHAPE: dict[str, tuple[type, ...]] = {
    "type": _STR,
    "event_id": _STR,
    "command": _STR,
    "text": _STR,
    "trigger_id": _STR,
    "user_id": _STR,
    "channel_id": _STR,
    "team_id": _STR,
    "enterprise_id": _STR,
    "response_url": _STR,
    "challenge": _STR,
    "enterprise": _STR_OR_DICT,
    "enterprise.id": _STR,
    "team": _STR_OR_DICT,
    "team.id": _STR,
    "team.enterprise_id": _STR,
    "user": _STR_OR_DICT,
    "user.id": _STR,
    "user.team_id": _STR,
    "channel": _STR_OR_DICT,
    "channel.id": _STR,
    "authorizations": _LIST,
    "authorizations[]": _DICT,
    "authorizations[].team_id": _STR,
    "authorizations[].enterprise_id": _STR,
    "response_urls": _LIST,
    "response_urls[]": _DICT,
    "message": _DICT,
    "container": _DICT,
    "container.channel_id": _STR,
    "container.thread_ts": _STR,
    "container.message_ts": _STR,
    "actions": _LIST,
    "actions[]": _DICT,
    "actions[].action_id": _STR,
    "actions[].action_ts": _STR,
    "actions[].block_id": _STR,
    "view": _DICT,
    "view.callback_id": _STR,
    "view.private_metadata": _STR,
    "view.hash": _STR,
    "view.team_id": _STR,
    "view.app_installed_team_id": _STR,
    "view.state": _DICT,
    "view.state.values": _DICT,
    "event": _DICT,
    "event.type": _STR,
    "event.subtype": _STR,
    "event.text": _STR,
    "event.user": _STR,
    "event.user_id": _STR,
    "event.user_team": _STR,
    "event.team": _STR,
    "event.channel": _STR,
    "event.channel_type": _STR,
    "event.bot_id": _STR,
    "event.ts": _STR,
    "event.thread_ts": _STR,
    "event.deleted_ts": _STR,
    "event.reaction": _STR,
    "event.files": _LIST,
    "event.files[].id": _STR,
    "event.item": _DICT,
    "event.item.type": _STR,
    "event.item.ts": _STR,
    "event.item.channel": _STR,
    "event.message": _DICT,
    "event.previous_message": _DICT,
    "event.enterprise": _STR_OR_DICT,
    "event.team_id": _STR,
    "event.enterprise_id": _STR,
    "event.assistant_thread": _DICT,
    "event.function_data": _DICT,
}
for _inner in ("event.message", "event.previous_message"):
    _SHAPE.update({f"{_inner}.{name}": _STR for name in ("user", "text", "ts", "thread_ts", "bot_id", "subtype")})
# Bolt reads `payload.get("event", {})` and `len(body["response_urls"])`: null is not "absent" there
_NOT_NULL = {"event", "response_urls"}
_TYPE_NAMES = {str: "a string", dict: "an object", list: "a list"}


def _valid_signature(secret: bytes, raw: bytes, timestamp: str, signature: str) -> bool:
    """Slack's v0 scheme over the raw bytes (slack_sdk's verifier decodes them first, and fails on a non-UTF-8
    byte): HMAC-SHA256 of `v0:<timestamp>:<body>`, and a timestamp within 5 minutes of now."""
    if abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
        return False
    expected = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest("v0=" + expected, signature)


def _unauthorized() -> web.Response:
    return web.json_response({"error": "invalid request"}, status=401)


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


def _walk(value: Any, path: str, parts: list[str]) -> str | None:
    """The first field under `value` (reached by `path` so far) whose type breaks _SHAPE, as a message."""
    if not parts:
        return None
    head, rest = parts[0], parts[1:]
    if head == "[]":
        if not isinstance(value, list):
            return None
        for item in value:
            reason = _check_at(item, f"{path}[]", rest)
            if reason:
                return reason
        return None
    if not isinstance(value, dict) or head not in value:
        return None
    return _check_at(value[head], f"{path}.{head}" if path else head, rest)


def _check_at(value: Any, path: str, rest: list[str]) -> str | None:
    expected = _SHAPE.get(path)
    if expected is not None and not (value is None and path not in _NOT_NULL) and not isinstance(value, expected):
        wanted = " or ".join(_TYPE_NAMES[t] for t in expected)
        return f"field {path} must be {wanted}, got {type(value).__name__ if value is not None else 'null'}"
    return _walk(value, path, rest)


def _split(path: str) -> list[str]:
    return path.replace("[]", ".[]").split(".")


_PATHS = [_split(path) for path in _SHAPE]


# Bolt's context extraction (slack_bolt.request.internals.build_context) reads these fields of the body and, the
# same way, of the objects it descends into: it assumes a string, or an object with an "id", for each.
_BOLT_FIELDS: dict[str, tuple[type, ...]] = {
    "enterprise": _STR_OR_DICT,
    "team": _STR_OR_DICT,
    "user": _STR_OR_DICT,
    "channel": _STR_OR_DICT,
    "authorizations": _LIST,
    "response_urls": _LIST,
}
_BOLT_DESCENDS = ("event", "message", "previous_message", "item", "assistant_thread", "view", "function_data")


def _bolt_reason(value: Any, path: str, depth: int = 0) -> str | None:
    if not isinstance(value, dict) or depth > 6:
        return None
    for key, expected in _BOLT_FIELDS.items():
        field = value.get(key)
        where = f"{path}{key}"
        if field is not None and not isinstance(field, expected):
            return f"field {where} must be {' or '.join(_TYPE_NAMES[t] for t in expected)}, got {type(field).__name__}"
        if isinstance(field, list) and not all(isinstance(item, dict) for item in field):
            return f"field {where} must be a list of objects"
        if isinstance(field, dict) and "id" in field and not isinstance(field["id"], str | None):
            return f"field {where}.id must be a string, got {type(field['id']).__name__}"
    for key in _BOLT_DESCENDS:
        reason = _bolt_reason(value.get(key), f"{path}{key}.", depth + 1)
        if reason:
            return reason
    authorizations = value.get("authorizations")
    if isinstance(authorizations, list) and authorizations:
        return _bolt_reason(authorizations[0], f"{path}authorizations[0].", depth + 1)
    return None


def malformed(body: Any) -> str | None:
    """Why a parsed Slack body cannot be read (a sentence naming the field), or None when it can."""
    if not isinstance(body, dict):
        return f"the payload must be a JSON object, got {type(body).__name__}"
    for parts in _PATHS:
        if parts[0] not in body:  # most of the shapes are of other kinds of payload (cheaper than the walk)
            continue
        reason = _walk(body, "", parts)
        if reason:
            return reason
    reason = _bolt_reason(body, "")
    if reason:
        return reason
    try:
        # Both run again behind Bolt; here a payload they cannot read becomes a 400, not a middleware traceback.
        translate.delivery_id(body)
        translate_body(body, translate.workspace_id(None, None), _PROBE_BOT_USER)
    except Exception as error:  # noqa: BLE001 - any failure means "unreadable"; its type is logged
        log.warning("slack payload unreadable by the translator: %s", type(error).__name__)
        return "the payload could not be read as a Slack event, command or interaction"
    return None


def parse(text: str, content_type: str) -> tuple[dict[str, Any] | None, str | None]:
    """(body, None) as Bolt will parse it, or (None, reason)."""
    try:
        if content_type == "application/json" or text.startswith("{"):
            return _object(json.loads(text), "the body")
        form = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" in text:  # Bolt's own test: an interactivity form
            if "payload" not in form:
                return {}, None
            return _object(json.loads(form["payload"]), "the payload field")
        return form, None
    except (ValueError, RecursionError):
        return None, "the body is not JSON or a form with a JSON payload field"


def _why_unparsed(text: str, content_type: str) -> str:
    """Why Bolt could not make a request of a signed body (its parse or its context building raised)."""
    body, reason = parse(text, content_type)
    return reason or malformed(body) or "the payload could not be read as a Slack event, command or interaction"


def _object(value: Any, what: str) -> tuple[dict[str, Any] | None, str | None]:
    if not isinstance(value, dict):
        return None, f"{what} must be a JSON object, got {type(value).__name__}"
    return value, None


def _unreadable(request: web.Request, raw: bytes) -> str | None:
    charset = request.charset
    if charset is not None and charset.lower() not in _UTF8:
        return f"unsupported charset {charset[:40]!r}: Slack sends UTF-8"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"the body is not UTF-8 (byte {error.start} cannot be decoded)"
    return None


def _busy(body: dict[str, Any]) -> web.Response:
    if body.get("command"):
        # A slash command's 200 body is shown to the person who typed it, only to them.
        return web.json_response({"response_type": "ephemeral", "text": BUSY_TEXT})
    return web.json_response({"error": "busy: deliver again"}, status=503, headers={"Retry-After": "1"})


def mount(
    web_app: web.Application, *, settings: Settings, assistant: AssistantLike, ack_seconds: float = ACK_SECONDS
) -> AsyncApp:
    """Add POST /slack/events to `web_app`; returns the Bolt app (also at `web_app[SLACK_APP]`)."""
    app = build_slack_app(settings, assistant)

    # Belt and braces: if Bolt's own check ever rejects a request ours let through (a clock tick at the
    # 5-minute edge), its INFO line would include the body. Keep that logger at WARNING.
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)
    secret = settings.slack.signing_secret.get_secret_value().encode()
    abandoned: set[asyncio.Task] = set()  # dispatches past their time, cancelled, still cleaning up

    async def slack_events(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "").strip()
        signature = request.headers.get("X-Slack-Signature", "").strip()
        if not _TIMESTAMP.match(timestamp) or not _SIGNATURE.match(signature):
            log.warning("slack request rejected: missing or malformed signature headers")
            metrics.count_request("slack", "unauthorized")
            return _unauthorized()
        raw = await request.read()
        if not _valid_signature(secret, raw, timestamp, signature):
            log.warning("slack request rejected: bad or expired signature (timestamp %s)", timestamp)
            metrics.count_request("slack", "unauthorized")
            return _unauthorized()
        response, outcome = await _signed(request, raw)
        metrics.count_request("slack", outcome, started)
        return response

    async def _signed(request: web.Request, raw: bytes) -> tuple[web.Response, str]:
        reason = _unreadable(request, raw)
        if reason:
            log.warning("slack request rejected as malformed: %s", reason)
            return _bad_request(reason), "malformed"
        text = raw.decode("utf-8")
        try:
            # Bolt parses the body here, once: the shape check then reads exactly what Bolt's listeners will
            bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - not JSON, not an object, fields Bolt cannot read: say which
            bolt_request = None
        body = bolt_request.body if bolt_request is not None else None
        reason = malformed(body) if isinstance(body, dict) else _why_unparsed(text, request.content_type)
        if reason:
            log.warning("slack request rejected as malformed: %s", reason)
            return _bad_request(reason), "malformed"
        assert bolt_request is not None and body is not None
        # Not asyncio.timeout: cancelling waits for the cancelled task's cleanup, and a session's rollback queues
        # behind the statement stuck in SQLite's busy handler (up to its 15 s busy_timeout). The task is cancelled
        # (its transaction rolls back, nothing is recorded) and left to finish its cleanup on its own.
        dispatch = asyncio.create_task(app.async_dispatch(bolt_request))
        done, _ = await asyncio.wait({dispatch}, timeout=ack_seconds)
        if dispatch in done:
            bolt_response = dispatch.result()
        else:
            dispatch.cancel()
            abandoned.add(dispatch)
            dispatch.add_done_callback(abandoned.discard)
            log.error(
                "slack acknowledgement took over %.1fs (database locked or slow): answered busy (delivery %s)",
                ack_seconds,
                translate.delivery_id(body),
            )
            return _busy(body), "busy"
        return await to_aiohttp_response(bolt_response), "unavailable" if bolt_response.status >= 500 else "acked"

    client = app.client
    assert isinstance(client, KeepAliveWebClient)  # bot.slack.app builds it

    async def open_session(_: web.Application) -> None:
        # opened before the first request: Bolt's per-request clients (one per installed workspace) copy the app
        # client's session, so one session and its connections serve them all
        client.ensure_session()

    async def close_session(_: web.Application) -> None:
        if abandoned:
            await asyncio.wait(set(abandoned), timeout=ack_seconds)
        await client.close()

    web_app.router.add_post(EVENTS_PATH, slack_events)
    if app.oauth_flow is not None:  # installed in many workspaces: /slack/install and /slack/oauth_redirect
        from bot.slack.oauth import mount_install_routes

        mount_install_routes(web_app, app.oauth_flow)
    web_app[SLACK_APP] = app
    web_app.on_startup.append(open_session)
    web_app.on_cleanup.append(close_session)
    return app
