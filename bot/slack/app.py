"""The Slack app: a slack-bolt AsyncApp with a handful of generic listeners in front of the Assistant.

Owns the Bolt configuration (client with 429 retries, process_before_response=False), the inbox
middleware that claims each delivery BEFORE Slack gets its ack (a retry is acknowledged and dropped; a
database failure answers 500 so Slack delivers again), and the listeners. Each listener acknowledges
first, translates the payload (bot.slack.translate) and hands the neutral event to
`assistant.handle(event, SlackOutbox(client))` in a background task. The tasks are kept in a set: asyncio
holds only weak references to tasks, and an unreferenced one can be garbage-collected mid-answer. A file
shared with the bot (DM, or a message that @mentions it) is downloaded in that task too (bot.slack.files),
then handled as a FileShared event.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError, Settings
from bot.core.events import Event, FileShared
from bot.slack import translate
from bot.slack.files import download
from bot.slack.outbox import SlackOutbox

__all__ = ["build_slack_app", "SlackRuntime", "AssistantLike"]

log = logging.getLogger(__name__)


class AssistantLike(Protocol):
    async def handle(self, event: Event, outbox: Any) -> None: ...

    async def claim(self, platform: str, delivery_id: str, workspace_external_id: str | None = None) -> bool: ...


# Answers worked on at once; the rest wait their turn. Each answer spends event-loop time on the database and
# on Slack calls, and a burst of 64 of them at once would slow the acknowledgements Slack waits for (3 s);
# queued answers cost nothing until their turn, and the compute pool is the real limit anyway.
ANSWERS_IN_FLIGHT = 2
# An answer about to start waits until no request has been acknowledged for QUIET_GAP_SECONDS (the burst is
# over), at most ACK_PRIORITY_SECONDS: under a burst the event loop acknowledges first and answers after.
ACK_PRIORITY_SECONDS = 1.0
QUIET_GAP_SECONDS = 0.02


class SlackRuntime:
    """What the listeners share: the assistant, the outbox over the app's client, the running tasks."""

    def __init__(self, assistant: AssistantLike, outbox: SlackOutbox, client: Any = None, api_url: str = "") -> None:
        self.assistant = assistant
        self.outbox = outbox
        self.client = client
        self.api_url = api_url
        self.tasks: set[asyncio.Task[None]] = set()
        self._slots: asyncio.Semaphore | None = None
        self._acking = 0
        self._last_ack = 0.0

    def ack_started(self) -> None:
        """A request is being acknowledged: answers not yet started hold back (see ACK_PRIORITY_SECONDS)."""
        self._acking += 1

    def ack_finished(self) -> None:
        self._acking = max(0, self._acking - 1)
        self._last_ack = asyncio.get_running_loop().time()

    def _keep(self, coro: Any) -> None:
        task = asyncio.create_task(self._in_turn(coro))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _in_turn(self, coro: Any) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(ANSWERS_IN_FLIGHT)
        async with self._slots:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + ACK_PRIORITY_SECONDS
            while loop.time() < deadline and (self._acking or loop.time() - self._last_ack < QUIET_GAP_SECONDS):  # noqa: ASYNC110 - a time gap, not an event
                await asyncio.sleep(QUIET_GAP_SECONDS)
            await coro

    def spawn(self, event: Event | None) -> None:
        """Run assistant.handle(event) after the ack, keeping a strong reference until it finishes."""
        if event is None:
            return
        self._keep(self.assistant.handle(event, self.outbox))

    def spawn_files(self, files: list[translate.SlackFile]) -> None:
        """Download each shared file after the ack, then hand it to the assistant as FileShared."""
        for shared in files:
            self._keep(self._file(shared))

    async def _file(self, shared: translate.SlackFile) -> None:
        got = await download(self.client, shared, api_url=self.api_url)
        if got.data is None:
            await self.outbox.send(
                shared.place, got.problem or "I could not read that file.", thread_id=shared.place.thread_id
            )
            return
        event = FileShared(
            shared.actor, shared.place, got.name, got.data, got.size, shared.delivery_id, shared.message_id
        )
        await self.assistant.handle(event, self.outbox)

    async def drain(self) -> None:
        """Wait for every answer in flight (tests; graceful shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


def _client(settings: Settings) -> AsyncWebClient:
    # Rate-limit retries sleep for Retry-After: fine here, because this client only posts after the ack.
    retries = [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)]
    return AsyncWebClient(token=settings.slack.bot_token, base_url=settings.slack.api_url, retry_handlers=retries)


def build_slack_app(settings: Settings, assistant: AssistantLike) -> AsyncApp:
    """The configured AsyncApp; `app.slack_runtime` (a SlackRuntime) holds the tasks in flight."""
    slack = settings.slack
    if not slack.signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET is not set: Slack requests cannot be verified without it.")
    if not slack.bot_token:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set: this version serves one workspace with a bot token "
            "(xoxb-...). Install the app to your workspace and copy its Bot User OAuth Token."
        )
    client = _client(settings)
    # The token comes from the client; settings are the only source (config.py is the only env reader).
    app = AsyncApp(
        client=client,
        signing_secret=slack.signing_secret,
        process_before_response=False,
        name="scenario-bot",
        logger=logging.getLogger("bot.slack.bolt"),
    )
    runtime = SlackRuntime(assistant, SlackOutbox(client), client, slack.api_url)
    app.slack_runtime = runtime  # type: ignore[attr-defined]
    app.middleware(_inbox_middleware(assistant))
    _register(app, runtime)
    return app


def _tenant(context: Any) -> str:
    return translate.workspace_id(context.get("enterprise_id"), context.get("team_id"))


def _ignorable(body: dict[str, Any], context: Any) -> bool:
    # Channel chatter (top-level messages, joins, the bot's own posts) arrives with message.channels too;
    # it is never processed, so it is not worth an inbox row.
    event = body.get("event") or {}
    if body.get("type") != "event_callback" or event.get("type") != "message":
        return False
    return translate.message_event(body, _tenant(context), context.get("bot_user_id")) is None


def _inbox_middleware(assistant: AssistantLike):
    async def inbox(body: dict[str, Any], context: Any, next) -> BoltResponse | None:
        delivery = translate.delivery_id(body)
        if delivery is None or _ignorable(body, context):
            return await next()
        try:
            first = await assistant.claim("slack", delivery, _tenant(context))
        except Exception as error:
            # Not acknowledged: Slack retries, and the retry is claimed once the database is back.
            log.error("slack inbox unavailable: %s (delivery %s)", type(error).__name__, delivery)
            return BoltResponse(status=500, body="")
        if not first:
            log.info("slack delivery %s already handled: acknowledged without processing", delivery)
            return BoltResponse(status=200, body="")
        return await next()

    return inbox


def _register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def on_command(ack, body, context) -> None:
        await ack()  # an empty 200 within Slack's 3 s; the answer follows as a message
        runtime.spawn(translate.command_event(body, _tenant(context)))

    async def on_mention(ack, body, context) -> None:
        await ack()
        files = translate.file_events(body, _tenant(context), context.get("bot_user_id"))
        if files:  # "@Sales Scenario" with a CSV attached: the file is the request
            runtime.spawn_files(files)
            return
        runtime.spawn(translate.mention_event(body, _tenant(context), context.get("bot_user_id")))

    async def on_message(ack, body, context) -> None:
        await ack()
        files = translate.file_events(body, _tenant(context), context.get("bot_user_id"))
        if files:  # a CSV dropped into the DM with the bot
            runtime.spawn_files(files)
            return
        runtime.spawn(translate.message_event(body, _tenant(context), context.get("bot_user_id")))

    async def on_reaction(ack, body, context) -> None:
        await ack()
        runtime.spawn(translate.reaction_event(body, _tenant(context), context.get("bot_user_id")))

    async def on_action(ack, body, context) -> None:
        await ack()
        runtime.spawn(translate.action_event(body, _tenant(context)))

    async def on_form(ack, body, context) -> None:
        await ack()  # closes the modal; the answer follows in the channel it was opened from
        runtime.spawn(translate.form_event(body, _tenant(context)))

    app.command("/scenario")(on_command)
    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    app.event("reaction_added")(on_reaction)
    app.event("reaction_removed")(on_reaction)
    app.action(translate.ACTION_PATTERN)(on_action)
    app.view(translate.FORM_CALLBACK_PATTERN)(on_form)
