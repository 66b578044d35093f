"""POST /slack/events on our aiohttp server: Bolt's aiohttp adapter functions around `async_dispatch`.

Owns the HTTP edge for Slack (events, slash commands, interactivity share Slack's one request URL) and
the signature gate in front of Bolt. Every request is verified against the raw body before Bolt parses
it: a missing or non-numeric timestamp is a 401 (Bolt itself answers 500 for a non-numeric one), a bad or
stale signature is a 401 (without Bolt's INFO log line that would echo the body, i.e. message text), and
url_verification is answered only after that check. Bolt's own verification still runs behind ours.
"""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings
from bot.slack.app import AssistantLike, build_slack_app

__all__ = ["mount", "SLACK_APP", "EVENTS_PATH"]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SLACK_APP = web.AppKey("slack_app", AsyncApp)


def _unauthorized() -> web.Response:
    return web.json_response({"error": "invalid request"}, status=401)


def mount(web_app: web.Application, *, settings: Settings, assistant: AssistantLike) -> AsyncApp:
    """Add POST /slack/events to `web_app`; returns the Bolt app (also at `web_app[SLACK_APP]`)."""
    app = build_slack_app(settings, assistant)
    # Belt and braces: if Bolt's own check ever rejects a request ours let through (a clock tick at the
    # 5-minute edge), its INFO line would include the body. Keep that logger at WARNING.
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)
    verifier = SignatureVerifier(settings.slack.signing_secret)

    async def slack_events(request: web.Request) -> web.StreamResponse:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "").strip()
        signature = request.headers.get("X-Slack-Signature", "").strip()
        if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
            log.warning("slack request rejected: missing or malformed signature headers")
            return _unauthorized()
        body = await request.text()
        if not verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
            log.warning("slack request rejected: bad or expired signature (timestamp %s)", timestamp)
            return _unauthorized()
        bolt_response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def open_session(_: web.Application) -> None:
        # Without a shared session slack_sdk opens a new HTTP connection (and TLS handshake) for every Web API
        # call; Bolt's per-request clients reuse the app client's session, so one session serves them all.
        app.client.session = aiohttp.ClientSession()

    async def close_session(_: web.Application) -> None:
        session, app.client.session = app.client.session, None
        if session is not None:
            await session.close()

    web_app.router.add_post(EVENTS_PATH, slack_events)
    web_app[SLACK_APP] = app
    web_app.on_startup.append(open_session)
    web_app.on_cleanup.append(close_session)
    return app
