"""The Assistant: the one entry point every adapter calls with a neutral event.

Owns resolving the tenant (workspace) of an event, dispatching it through the Router to a feature, running
heavy work in an executor, coalescing card footer updates, and the promise that `handle` never raises: an
unexpected failure is logged with ids only (never message text or secrets) and the user gets a short,
friendly error card instead of a traceback (both from bot.core.errors, shared with the adapters).

Two ways in. Adapters on the web server call `accept`: the delivery and the job that will handle it are stored
in one transaction before the platform gets its acknowledgement, and the worker (bot.worker) later calls
`handle` with a durable outbox; failures a retry can fix (the platform rate-limits or is down, the database is
unreachable) then propagate to the worker instead of becoming an apology. The console and the core tests call
`handle` directly with their own outbox, and footer updates run as in-process timers there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple

from bot.core.errors import SORRY, log_failure
from bot.core.events import ActionInvoked, Event, MessageReceived, Place
from bot.core.features import register_all
from bot.core.jobs import EVENT, FOOTER, RetryLater, event_to_dict, place_from_dict, place_to_dict
from bot.core.ports import Outbox
from bot.core.router import Router
from bot.core.scenarios.cards import error_card
from bot.core.social import footers
from bot.core.turn import Turn
from storage import NewJob

if TYPE_CHECKING:
    from storage import Storage

__all__ = ["Assistant"]

log = logging.getLogger(__name__)
T = TypeVar("T")
Args = TypeVarTuple("Args")


class Assistant:
    """`Assistant(storage, executor=None, today=None, coalesce_seconds=1.0, charts=True)`.

    `executor` runs engine forecasts and charts (a ProcessPoolExecutor works: the work is one picklable call
    per answer); None means a ThreadPoolExecutor the Assistant owns and shuts down in `close()`.
    `today` pins the date questions are read against (tests); `charts=False` skips fan charts."""

    def __init__(
        self,
        storage: Storage,
        *,
        executor: Executor | None = None,
        today: date | None = None,
        coalesce_seconds: float = 1.0,
        charts: bool = True,
        router: Router | None = None,
    ) -> None:
        self.storage = storage
        self.today = today
        self.charts = charts
        self.coalesce_seconds = coalesce_seconds
        self._own_executor = executor is None
        self.executor: Executor = executor or ThreadPoolExecutor(max_workers=2, thread_name_prefix="scenario-compute")
        if router is None:
            router = Router()
            register_all(router)
        self.router = router
        self._footers: dict[tuple[int, int], asyncio.Task[None]] = {}
        self._background: set[asyncio.Task[None]] = set()
        # set by the worker: footer updates become durable coalesced jobs instead of in-process timers
        self.durable_footers = False
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.on_queued: Callable[[], None] = lambda: None  # the in-process worker's wake-up, when there is one

    # -- the adapter-facing API ------------------------------------------------------------------------------
    async def handle(self, event: Event, outbox: Outbox, *, retryable: tuple[type[BaseException], ...] = ()) -> None:
        """Handle one event; never raises (a failure is logged and answered with an error card), except the
        `retryable` failures (and RetryLater) a worker asks for: those it runs again later."""
        kind = type(event).__name__
        workspace_id: int | None = None
        try:
            handler = self.router.route(event)
            if handler is None:
                log.debug("no handler for %s (delivery %s)", kind, event.delivery_id)
                return
            workspace = await self.storage.workspaces.ensure(event.place.platform, event.place.workspace_id)
            workspace_id = workspace.id
            await handler(Turn(event=event, outbox=outbox, workspace_id=workspace_id, services=self))
        except asyncio.CancelledError:
            raise
        except RetryLater:
            raise
        except Exception as exc:
            if retryable and isinstance(exc, retryable):
                raise
            log_failure(
                log,
                exc,
                "handling %s (platform %s, workspace %s/%s, delivery %s)",
                kind,
                event.place.platform,
                event.place.workspace_id,
                workspace_id,
                event.delivery_id,
            )
            await self._apologise(event, outbox)

    async def claim(self, platform: str, delivery_id: str, workspace_external_id: str | None = None) -> bool:
        """True the first time this delivery id is seen (the inbox); False for a platform retry."""
        return await self.storage.inbox.claim(platform, delivery_id, workspace_external_id=workspace_external_id)

    async def accept(
        self,
        platform: str,
        delivery_id: str,
        workspace_external_id: str | None,
        event: Event | list[Event] | None = None,
        *,
        kind: str = EVENT,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Record a delivery and queue its job in one transaction (before the acknowledgement). The job is the
        neutral `event` (or events, handled in order), or a `kind` with its `payload` (e.g. a file to download
        first). True the first time; False for a repeated delivery (nothing queued)."""
        job = None
        if event is not None or payload is not None:
            body = dict(payload or {})
            if isinstance(event, list):
                body["events"] = [event_to_dict(e) for e in event]
            elif event is not None:
                body["event"] = event_to_dict(event)
            job = NewJob(kind, f"{platform}:{delivery_id}", body)
        first = await self.storage.inbox.accept(platform, delivery_id, workspace_external_id, job, now=self.clock())
        if first and job is not None:
            self.on_queued()
        return first

    def immediate(self, event: Event | None) -> bool:
        """Whether `event` must be handled in the request path (it opens a form: a trigger expires in 3 s)."""
        if isinstance(event, MessageReceived):
            return bool(event.trigger) and self.router.command_opens_form(event.text)
        return isinstance(event, ActionInvoked) and self.router.opens_form(event.action_id)

    async def wait_idle(self) -> None:
        """Wait for background work (footer updates) to finish, including work scheduled meanwhile."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def close(self) -> None:
        """Finish background work and shut down the executor if the Assistant created it."""
        await self.wait_idle()
        if self._own_executor:
            self.executor.shutdown(wait=False, cancel_futures=True)

    # -- services lent to features through Turn --------------------------------------------------------------
    async def run_blocking(self, fn: Callable[[*Args], T], *args: *Args) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, fn, *args)

    async def schedule_footer(self, workspace_id: int, sent_message_id: int, place: Place, outbox: Outbox) -> None:
        """Re-render a card's footer after `coalesce_seconds`. A pending update for the same card absorbs
        later changes: it reads the counts when it fires, so a burst of reactions gives one update. In the worker
        the update is a durable job (one per card, coalesced in the database)."""
        if self.durable_footers:
            job = NewJob(
                FOOTER,
                f"footer:{workspace_id}:{sent_message_id}",
                {"workspace_id": workspace_id, "sent_message_id": sent_message_id, "place": place_to_dict(place)},
                run_at=self.clock() + timedelta(seconds=self.coalesce_seconds),
                workspace_id=workspace_id,
            )
            await self.storage.jobs.enqueue_coalesced(job, now=self.clock())
            return
        key = (workspace_id, sent_message_id)
        if key in self._footers:
            return
        task = asyncio.create_task(self._footer_later(key, place, outbox))
        self._footers[key] = task
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _footer_later(self, key: tuple[int, int], place: Place, outbox: Outbox) -> None:
        try:
            await asyncio.sleep(self.coalesce_seconds)
        finally:
            # from here on a new change schedules a new update: this one may already have read the counts
            self._footers.pop(key, None)
        try:
            await footers.refresh(self.storage, outbox, place, *key)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log_failure(log, exc, "footer update (workspace %s, message %s)", *key)

    async def later(
        self, kind: str, key: str, payload: dict[str, Any], *, run_at: datetime, workspace_id: int | None
    ) -> bool:
        """A durable job due at `run_at` (features' reminders, expiries, surveys); False when `key` exists."""
        job = NewJob(kind, key, payload, run_at=run_at, workspace_id=workspace_id)
        return await self.storage.jobs.enqueue(job, now=self.clock())

    async def run_footer(self, payload: dict[str, Any], outbox: Outbox) -> None:
        """The `footer` job: re-render the card with the counts as they are now (the newest revision wins)."""
        place = place_from_dict(payload["place"])
        await footers.refresh(self.storage, outbox, place, payload["workspace_id"], payload["sent_message_id"])

    async def apologise(self, event: Event, outbox: Outbox) -> None:
        """Tell the person their request could not be answered (a job that ran out of attempts)."""
        await self._apologise(event, outbox)

    async def _apologise(self, event: Event, outbox: Outbox) -> None:
        thread_id = event.place.thread_id
        if isinstance(event, MessageReceived) and event.via == "mention":
            thread_id = thread_id or event.message_id
        try:
            await outbox.send(event.place, error_card(SORRY), thread_id=thread_id)
        except Exception as exc:
            log_failure(log, exc, "sending the error card (delivery %s)", event.delivery_id)
