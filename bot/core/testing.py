"""RecordingOutbox: an Outbox that keeps a transcript instead of talking to a platform.

Owns the harness core tests (and the `ask` command) use to see what the bot would have said: every send,
update, form and notice in order, with increasing message ids ("1", "2", ...) like a platform would assign.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.core.cards import Card, Form
from bot.core.events import Place
from bot.core.ports import OnPosted, Sent

__all__ = ["RecordingOutbox", "Record"]


@dataclass(slots=True)
class Record:
    """One thing the bot did: kind is "send", "update", "form", "notify" or "dm"."""

    kind: str
    place: Place
    message: Card | str | Form | None = None
    message_id: str | None = None
    thread_id: str | None = None
    user_id: str | None = None
    trigger: object = None

    @property
    def card(self) -> Card:
        assert isinstance(self.message, Card), f"expected a card, got {self.message!r}"
        return self.message

    @property
    def text(self) -> str:
        if isinstance(self.message, Card):
            return self.message.fallback_text()
        return str(self.message)


@dataclass
class RecordingOutbox:
    records: list[Record] = field(default_factory=list)
    fail_sends: bool = False  # simulate a platform that refuses a send (send returns None)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(
        self, place: Place, message: Card | str, *, thread_id: str | None = None, on_posted: OnPosted | None = None
    ) -> Sent | None:
        if self.fail_sends:
            return None
        message_id = str(next(self._ids))
        self.records.append(Record("send", place, message, message_id=message_id, thread_id=thread_id))
        sent = Sent(message_id=message_id, place=place)
        if on_posted is not None:
            await on_posted(sent)
        return sent

    async def update(self, place: Place, message_id: str, card: Card) -> None:
        self.records.append(Record("update", place, card, message_id=message_id))

    async def open_form(self, place: Place, form: Form, trigger: object) -> None:
        self.records.append(Record("form", place, form, trigger=trigger))

    async def notify(self, place: Place, text: str, *, user_id: str | None = None) -> None:
        self.records.append(Record("notify", place, text, user_id=user_id))

    async def dm(self, place: Place, user_id: str, message: Card | str, *, key: str | None = None) -> Sent | None:
        if self.fail_sends:
            return None
        where = Place(place.platform, place.workspace_id, f"dm:{user_id}", None, True)
        message_id = str(next(self._ids))
        self.records.append(Record("dm", where, message, message_id=message_id, user_id=user_id))
        return Sent(message_id=message_id, place=where)

    # -- helpers for assertions ------------------------------------------------------------------------------
    def of(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.kind == kind]

    @property
    def sends(self) -> list[Record]:
        return self.of("send")

    @property
    def updates(self) -> list[Record]:
        return self.of("update")

    @property
    def forms(self) -> list[Record]:
        return self.of("form")

    @property
    def dms(self) -> list[Record]:
        return self.of("dm")

    @property
    def last(self) -> Record:
        return self.records[-1]

    def clear(self) -> None:
        self.records.clear()
