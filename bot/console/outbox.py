"""ConsoleOutbox: the Outbox of the local console, printing cards as text.

Owns numbering what the bot posts (message ids "1", "2", ...; cards are also numbered 1, 2, ... so a person
can type `/react :+1: 2`), writing each chart to ./charts/<n>.png and each shared file (an export) to
./exports/<name> and printing their paths, holding the form a button opened until the REPL has asked for its
fields, and (with `/show slack|teams`) printing the platform JSON through a renderer handed in by the caller:
bot.console never imports bot.slack or bot.teams.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.console.render import render_text
from bot.core.cards import Card, Form, Text
from bot.core.events import Place
from bot.core.formatting import PLAIN, render
from bot.core.ports import OnPosted, Sent

__all__ = ["ConsoleOutbox", "Renderer", "session_token"]

Renderer = Callable[[Card], Any]  # Card -> JSON-able platform payload (Block Kit blocks, Adaptive Card)


def session_token() -> str:
    """A token unique to this console session (its start, to the microsecond), for the ids it stores."""
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")


class ConsoleOutbox:
    def __init__(
        self,
        write: Callable[[str], None],
        *,
        charts_dir: Path | None = Path("charts"),
        files_dir: Path | None = Path("exports"),
        renderer_for: Callable[[str], Renderer] | None = None,
    ) -> None:
        self.write = write
        self.charts_dir = charts_dir
        self.files_dir = files_dir
        self.renderer_for = renderer_for
        self.show: str | None = None
        self.cards: list[tuple[str, Card]] = []  # (message id, card) in posting order: card N is cards[N - 1]
        self.places: dict[str, Place] = {}  # where each message went: a DM's buttons and reactions act there
        self._dm_keys: dict[str, Sent] = {}  # a keyed DM is printed once, as the outbox sends it once
        self.pending_form: Form | None = None
        self._ids = itertools.count(1)
        self._charts = itertools.count(1)
        # message ids are stored (cards, likes, comments, invitations): a new session must not reuse the last one's
        # "1" and find its likes on a new card, so each session's ids carry when it started
        self.session = session_token()

    def set_show(self, name: str | None) -> str:
        """Switch the extra platform JSON output: "slack", "teams" or None (off). Returns a confirmation."""
        if name is None:
            self.show = None
            return "Platform JSON output off."
        if self.renderer_for is None:
            return "Platform JSON output is not available here."
        try:
            self.renderer_for(name)
        except (ImportError, KeyError, ValueError) as exc:
            return f"Cannot show {name} JSON: {exc}"
        self.show = name
        return f"Each card is now also printed as {name} JSON."

    def card_number(self, message_id: str) -> int | None:
        for n, (mid, _) in enumerate(self.cards, start=1):
            if mid == message_id:
                return n
        return None

    def _save_chart(self, card: Card) -> Path | None:
        chart = card.chart
        if chart is None or self.charts_dir is None:
            return None
        self.charts_dir.mkdir(parents=True, exist_ok=True)
        path = self.charts_dir / f"{next(self._charts)}.png"
        path.write_bytes(chart.png)
        return path

    def _print_card(self, card: Card, chart_path: Path | None) -> None:
        self.write(render_text(card, chart_path=str(chart_path) if chart_path else None))
        if self.show and self.renderer_for is not None:
            payload = self.renderer_for(self.show)(card)
            self.write(json.dumps(payload, indent=2, default=str))

    async def send(
        self, place: Place, message: Card | str, *, thread_id: str | None = None, on_posted: OnPosted | None = None
    ) -> Sent:
        message_id = f"{self.session}.{next(self._ids)}"
        self.places[message_id] = place
        if thread_id:
            n = self.card_number(thread_id)
            self.write(f"  (in the thread of card {n})" if n else "  (in a thread)")
        if isinstance(message, Card):
            self.cards.append((message_id, message))
            self.write(f"[card {len(self.cards)}]")
            self._print_card(message, self._save_chart(message))
        else:
            self.write(message)
        sent = Sent(message_id=message_id, place=place)
        if on_posted is not None:
            await on_posted(sent)
        return sent

    async def dm(self, place: Place, user_id: str, message: Card | str, *, key: str | None = None) -> Sent | None:
        """The console has one screen: a DM is printed, marked with who receives it (the console's people are
        their names), in a DM place of its own so buttons pressed on it act there."""
        if key is not None and key in self._dm_keys:
            return self._dm_keys[key]
        self.write(f"[DM to {user_id}]")
        sent = await self.send(Place(place.platform, place.workspace_id, f"dm:{user_id}", None, True), message)
        if key is not None:
            self._dm_keys[key] = sent
        return sent

    async def update(self, place: Place, message_id: str, card: Card) -> None:
        n = self.card_number(message_id)
        if n is None:
            return
        before = self.cards[n - 1][1]
        self.cards[n - 1] = (message_id, card)
        if card.kind == "import" and card.buttons and (before.blocks, before.buttons) != (card.blocks, card.buttons):
            # an import preview whose driver was switched: new figures and buttons the person needs to see
            self.write(f"[card {n} updated]")
            self._print_card(card, None)
            return
        if _text_blocks(before) != _text_blocks(card):
            # new lines on the card (an expert's estimate): print them, not only the footer
            added = [b.text for b in _text_blocks(card) if b not in _text_blocks(before)]
            self.write(f"[card {n} updated] {card.footer or ''}".rstrip())
            for text in added:
                self.write(render(text, PLAIN))
            return
        # a footer update changes one line: print just that, not the whole card again
        self.write(f"[card {n} updated] {card.footer or ''}".rstrip())

    async def open_form(self, place: Place, form: Form, trigger: Any) -> None:
        self.pending_form = form

    async def send_file(
        self, place: Place, name: str, data: bytes, *, title: str, thread_id: str | None = None
    ) -> bool:
        """A shared file (a decisions export) is written to ./exports/<name> and its path printed."""
        if self.files_dir is None:
            return False
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / Path(name).name  # the name is the bot's own, but never a path out of the folder
        path.write_bytes(data)
        self.write(f"[file] {title}: {path}")
        return True

    async def notify(self, place: Place, text: str, *, user_id: str | None = None) -> None:
        self.write(f"(only you can see this) {text}")


def _text_blocks(card: Card) -> list[Text]:
    return [b for b in card.blocks if isinstance(b, Text)]
