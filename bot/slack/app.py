"""The Slack app: a slack-bolt AsyncApp whose only work in the request is to verify, record and acknowledge.

Owns the Bolt configuration and one global middleware that turns each delivery into durable work BEFORE Slack
gets its ack: the payload is translated (bot.slack.translate) into a neutral event, or into files to download,
and the inbox row and its job are written in one transaction (Assistant.accept). A repeated delivery is
acknowledged and dropped; a database failure answers 500 so Slack delivers again. The worker (bot.worker)
answers later through bot.slack.sender. The one exception is a button that opens a form: Slack honours a
trigger_id for 3 seconds only, so that handler runs right here, in the request, with a live outbox
(bot.slack.outbox) that can call views.open; it never waits behind queued answers. A slash command is a
`slack.command` job that carries the command's response_url with its event, so the worker can still answer where
the bot is not a member (bot.slack.respond); one that opens a form (`/scenario workshop`) runs in the request, as
a button does, because its trigger_id lives 3 s too.

Served one of two ways (bot.config's one rule, `Settings.platforms()`): one workspace with SLACK_BOT_TOKEN, or
installed in many workspaces (SLACK_CLIENT_ID + SLACK_CLIENT_SECRET: Bolt's OAuth flow and an authorize that reads
each workspace's installation, bot.slack.oauth). Either way `app_uninstalled` and `tokens_revoked` delete the
installation and stop what the workspace still had coming (bot.slack.installations.forget).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError, Settings
from bot.core.errors import log_failure
from bot.core.events import Actor, Event, Place
from bot.slack import translate
from bot.slack.client import KeepAliveWebClient
from bot.slack.installations import forget
from bot.slack.outbox import SlackOutbox

__all__ = ["build_slack_app", "AssistantLike", "FILES_JOB", "COMMAND_JOB", "translate_body", "file_from_dict"]

log = logging.getLogger(__name__)

FILES_JOB = "slack.files"  # payload {"files": [SlackFile as dict]}: downloaded by the worker, then imported
# payload {"event": ..., "response_url": ..., "issued_at": iso}: a slash command, answerable through its response_url
COMMAND_JOB = "slack.command"


class AssistantLike(Protocol):
    storage: Any

    async def handle(self, event: Event, outbox: Any) -> None: ...

    async def claim(self, platform: str, delivery_id: str, workspace_external_id: str | None = None) -> bool: ...

    async def accept(
        self, platform: str, delivery_id: str, workspace_external_id: str | None, event: Any = None, **kw: Any
    ) -> bool: ...  # noqa: E501

    def immediate(self, event: Event | None) -> bool: ...


def _client(settings: Settings) -> AsyncWebClient:
    # Request-path calls (views.open) must finish within Slack's 3 s: a connection retry, never a 429 sleep.
    # Installed in many workspaces, Bolt gives each request a client with its workspace's token.
    token = None if settings.slack.installs else settings.slack.bot_token.get_secret_value()
    return KeepAliveWebClient(
        token=token,
        base_url=settings.slack.api_url,
        timeout=2,
        retry_handlers=[AsyncConnectionErrorRetryHandler()],
    )


def build_slack_app(settings: Settings, assistant: AssistantLike) -> AsyncApp:
    """The configured AsyncApp."""
    mount = settings.platforms()["slack"]
    if not mount.mounted:
        raise ConfigError(f"Slack cannot be served: {mount.detail}")
    client = _client(settings)
    options: dict[str, Any] = {}
    if settings.slack.installs:
        from bot.slack.oauth import InstalledAuthorize, build_oauth_flow, keeper_for

        storage = assistant.storage
        options = {
            "oauth_flow": build_oauth_flow(settings, storage),
            "authorize": InstalledAuthorize(keeper_for(settings, storage)),
        }
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack.signing_secret.get_secret_value(),
        process_before_response=True,  # the listener's work (recording, or opening a form) happens before the ack
        name="scenario-bot",
        logger=logging.getLogger("bot.slack.bolt"),
        **options,
    )
    live = SlackOutbox(client)
    app.middleware(_inbox_middleware(assistant))
    _register(app, assistant, live, per_request=settings.slack.installs)
    return app


def _tenant(context: Any) -> str:
    return translate.workspace_id(context.get("enterprise_id"), context.get("team_id"))


def translate_body(
    body: dict[str, Any], tenant: str, bot_user_id: str | None
) -> tuple[Event | None, list[translate.SlackFile]]:  # noqa: E501
    """A delivery as the neutral event it carries (or None: not for us), or as the files shared with the bot."""
    if body.get("command"):
        return translate.command_event(body, tenant), []
    kind = body.get("type")
    if kind == "block_actions":
        return translate.action_event(body, tenant), []
    if kind == "view_submission":
        return translate.form_event(body, tenant), []
    if kind != "event_callback":
        return None, []
    event_type = (body.get("event") or {}).get("type")
    if event_type in ("app_mention", "message"):
        files = translate.file_events(body, tenant, bot_user_id)
        if files:  # a CSV in the DM, or attached to an @mention: the file is the request
            return None, files
        if event_type == "app_mention":
            return translate.mention_event(body, tenant, bot_user_id), []
        return translate.message_event(body, tenant, bot_user_id), []
    if event_type in ("reaction_added", "reaction_removed"):
        return translate.reaction_event(body, tenant, bot_user_id), []
    return None, []


def file_to_dict(shared: translate.SlackFile) -> dict[str, Any]:
    return dataclasses.asdict(shared)


def file_from_dict(data: dict[str, Any]) -> translate.SlackFile:
    fields = dict(data)
    fields["actor"] = Actor(**fields["actor"])
    fields["place"] = Place(**fields["place"])
    return translate.SlackFile(**fields)


def _inbox_middleware(assistant: AssistantLike):
    async def inbox(body: dict[str, Any], context: Any, next) -> BoltResponse | None:
        delivery = translate.delivery_id(body)
        if delivery is None:
            return await next()
        tenant = _tenant(context)
        event, files = translate_body(body, tenant, context.get("bot_user_id"))
        if event is None and not files:
            return await next()  # channel chatter, the bot's own posts: acknowledged, not recorded
        try:
            if assistant.immediate(event):
                first = await assistant.claim("slack", delivery, tenant)  # handled right here, in the request
                context["immediate_event"] = event
            elif files:
                payload = {"files": [file_to_dict(f) for f in files]}
                first = await assistant.accept("slack", delivery, tenant, kind=FILES_JOB, payload=payload)
            elif body.get("command") and body.get("response_url"):
                clock = getattr(assistant, "clock", None) or (lambda: datetime.now(UTC))
                payload = {"response_url": body["response_url"], "issued_at": clock().isoformat()}
                first = await assistant.accept("slack", delivery, tenant, event, kind=COMMAND_JOB, payload=payload)
            else:
                first = await assistant.accept("slack", delivery, tenant, event)
        except Exception as error:
            # Not acknowledged: Slack retries, and the retry is recorded once the database is back.
            log_failure(log, error, "slack inbox, so not acknowledged (delivery %s)", delivery)
            return BoltResponse(status=500, body="")
        if not first:
            log.info("slack delivery %s already handled: acknowledged without processing", delivery)
            return BoltResponse(status=200, body="")
        return await next()

    return inbox


def _register(app: AsyncApp, assistant: AssistantLike, live: SlackOutbox, *, per_request: bool = False) -> None:
    async def just_ack(ack) -> None:
        await ack()  # the delivery is already a job (the inbox middleware); the answer follows from the worker

    async def on_action(ack, context) -> None:  # a button, or a slash command that opens a form
        event = context.get("immediate_event")
        if event is not None:
            # opening a form: Slack honours the trigger_id for 3 s, so this runs now, not behind queued work
            # installed in many workspaces, Bolt's per-request client carries this workspace's token
            await assistant.handle(event, SlackOutbox(context["client"]) if per_request else live)
        await ack()

    async def on_uninstalled(ack, context) -> None:
        await _forget(assistant, context, reason="app_uninstalled")
        await ack()

    async def on_revoked(ack, event, context) -> None:
        tokens = event.get("tokens") or {}
        bots, users = tokens.get("bot") or [], tokens.get("oauth") or []
        await _forget(assistant, context, bot=bool(bots), users=list(users), reason="tokens_revoked")
        await ack()

    app.command("/scenario")(on_action)  # a command that opens a form runs now, like a button; others are jobs
    app.event("app_mention")(just_ack)
    app.event("message")(just_ack)
    app.event("reaction_added")(just_ack)
    app.event("reaction_removed")(just_ack)
    app.action(translate.ACTION_PATTERN)(on_action)
    app.view(translate.FORM_CALLBACK_PATTERN)(just_ack)  # closes the modal; the answer follows in the channel
    # Slack sends these after the tokens stopped working: no token is needed to handle them (Bolt skips auth)
    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_revoked)


async def _forget(
    assistant: AssistantLike, context: Any, *, bot: bool = True, users: list[str] | None = None, reason: str
) -> None:
    team = None if context.get("is_enterprise_install") else context.get("team_id")
    storage = assistant.storage
    # an exception here answers 500: Slack delivers the event again, and forgetting twice is harmless
    await forget(storage, context.get("enterprise_id"), team, bot=bot, users=users, reason=reason)
