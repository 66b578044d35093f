"""A Turn: one event being handled, with everything a feature may use to answer it.

Owns the small object handed to feature handlers: the neutral event, the outbox to reply through, the
internal workspace id the storage calls are scoped by, and the Assistant's services (run heavy work in the
executor, schedule a card footer update). Features never see the Assistant, a platform or an executor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, TypeVarTuple

from bot.core.cards import Card
from bot.core.events import Event, MessageReceived, Place, ThreadReply
from bot.core.ports import OnPosted, Outbox, Sent

if TYPE_CHECKING:  # the facade pulls in SQLAlchemy; a turn only names it
    from storage import Storage

__all__ = ["Services", "Turn"]

T = TypeVar("T")
Args = TypeVarTuple("Args")  # the executor call's positional arguments, checked against the function's


class Services(Protocol):
    """What the Assistant lends a turn (kept narrow so features stay easy to test)."""

    storage: Storage
    today: date | None
    charts: bool

    async def run_blocking(self, fn: Callable[[*Args], T], *args: *Args) -> T: ...

    async def schedule_footer(self, workspace_id: int, sent_message_id: int, place: Place, outbox: Outbox) -> None: ...

    def clock(self) -> datetime: ...

    async def later(
        self, kind: str, key: str, payload: dict[str, Any], *, run_at: datetime, workspace_id: int | None
    ) -> bool: ...


@dataclass(slots=True)
class Turn:
    event: Event
    outbox: Outbox
    workspace_id: int
    services: Services

    @property
    def place(self) -> Place:
        return self.event.place

    @property
    def text(self) -> str:
        """What the person wrote: a message's or thread reply's text; "" for a button, reaction, form or file."""
        event = self.event
        return event.text if isinstance(event, MessageReceived | ThreadReply) else ""

    @property
    def storage(self) -> Storage:
        return self.services.storage

    async def run(self, fn: Callable[[*Args], T], *args: *Args) -> T:
        """Run `fn(*args)` in the executor: engine forecasts and charts never block the event loop."""
        return await self.services.run_blocking(fn, *args)

    async def footer_changed(self, sent_message_id: int) -> None:
        """Likes or comments of a card changed: re-render its footer soon (coalesced per card; in the worker a
        durable job, so the update survives a restart)."""
        await self.services.schedule_footer(self.workspace_id, sent_message_id, self.place, self.outbox)

    def now(self) -> datetime:
        """The current time (UTC), from the Assistant's clock (fixed in tests)."""
        return self.services.clock()

    async def later(self, kind: str, key: str, payload: dict[str, Any], *, at: datetime) -> bool:
        """Run the job `kind` (a handler a feature registered with the worker) at `at`, once per `key`: a reminder,
        an expiry, a survey. False when a job with this key already exists (it is not queued twice). The handler
        decides at run time whether it is still wanted (an answered invitation gets no reminder)."""
        return await self.services.later(kind, key, payload, run_at=at, workspace_id=self.workspace_id)

    async def dm(self, user_id: str, message: Card | str, *, key: str) -> Sent | None:
        """A private message to `user_id` of this workspace, sent once under `key` (e.g. `dm:<invitation>`)."""
        return await self.outbox.dm(self.place, user_id, message, key=key)

    def answer_thread(self) -> str | None:
        """Where an answer goes: an @mention is answered in the mention's thread (so the card and its
        discussion stay together); slash commands, DMs and console lines at top level."""
        event = self.event
        if isinstance(event, MessageReceived) and event.via == "mention":
            return event.place.thread_id or event.message_id
        return event.place.thread_id

    async def reply(
        self, message: Card | str, *, thread_id: str | None = None, on_posted: OnPosted | None = None
    ) -> Sent | None:
        """Send to the place of the event, in `thread_id` if given (`on_posted`: see Outbox.send)."""
        return await self.outbox.send(self.place, message, thread_id=thread_id, on_posted=on_posted)
