"""A transcript harness for Assistant tests: a real migrated SQLite database, the real engine and cards, and a
RecordingOutbox, plus small helpers to say things as a user in a channel."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

from bot.core.assistant import Assistant
from bot.core.baselines.feature import sample_baseline
from bot.core.events import Actor, MessageReceived, Place
from bot.core.testing import RecordingOutbox
from storage import Storage
from storage.migrate import upgrade

TODAY = date(2026, 11, 16)  # the sample baseline's as_of
_TEMPLATE: dict[str, Path] = {}


def migrated_copy(directory: Path, template_dir: Path) -> str:
    """A database URL for a fresh copy of a once-migrated SQLite file (migrating per test costs ~0.5 s)."""
    if "db" not in _TEMPLATE:
        template = template_dir / "template.db"
        upgrade(f"sqlite+aiosqlite:///{template}")
        _TEMPLATE["db"] = template
    target = directory / "bot.db"
    shutil.copyfile(_TEMPLATE["db"], target)
    return f"sqlite+aiosqlite:///{target}"


class Chat:
    """One channel of one workspace, with the Assistant and what it sent."""

    def __init__(self, assistant: Assistant, storage: Storage, platform: str = "slack"):
        self.assistant = assistant
        self.storage = storage
        self.outbox = RecordingOutbox()
        self.place = Place(platform, "T1", "C1")
        self._n = 0

    def actor(self, user: str = "U1", name: str = "") -> Actor:
        return Actor(self.place.platform, user, name or user)

    async def say(self, text: str, *, user: str = "U1", via: str = "command", place: Place | None = None) -> None:
        self._n += 1
        event = MessageReceived(self.actor(user), place or self.place, text, via=via, message_id=f"m{self._n}")
        await self.send(event)

    async def send(self, event) -> None:
        await self.assistant.handle(event, self.outbox)
        await self.assistant.wait_idle()

    async def load_sample(self, place: Place | None = None) -> None:
        place = place or self.place
        ws = await self.storage.workspaces.ensure(place.platform, place.workspace_id)
        await self.storage.baselines.save(ws.id, place.channel_id, sample_baseline(), created_by="test")

    async def workspace_id(self) -> int:
        return (await self.storage.workspaces.ensure(self.place.platform, self.place.workspace_id)).id


@asynccontextmanager
async def chat(url: str, *, coalesce_seconds: float = 0.05, charts: bool = False) -> AsyncIterator[Chat]:
    storage = Storage.from_url(url)
    assistant = Assistant(storage, today=TODAY, coalesce_seconds=coalesce_seconds, charts=charts)
    try:
        yield Chat(assistant, storage)
    finally:
        await assistant.close()
        await storage.dispose()
