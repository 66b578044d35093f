"""The console: the same Assistant over stdin/stdout, on an SQLite file, with the shipped sample team.

Owns turning typed lines into neutral events for one console workspace and channel: a plain line is a
question or command (MessageReceived via "console"); `/react :emoji: [N]` and `/unreact` are reactions on card
N (default: the last card); `/reply [N] text` is a comment in card N's thread; `/click N [M]` presses button N of
card M (default: the newest card that has buttons, so a Drivers card shown since does not hide the scenario
card's buttons; a form it opens is asked for field by field); `/import PATH` shares a CSV file with the bot (the
import preview; `/click 1` uses it as the baseline); `/as NAME` acts as another person from then on (their likes,
comments and decisions; the console's people are their lower-cased names, as a form's @names are read), `/as`
alone back to you; `/show slack|teams|off`; `/quit`.
`ConsoleSession.handle_line` is the whole behaviour, so tests drive it without a terminal.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot.console.outbox import ConsoleOutbox
from bot.console.render import console_value, render_form_prompt
from bot.core.assistant import Assistant
from bot.core.baselines.feature import sample_baseline
from bot.core.baselines.freshness import period_of
from bot.core.events import (
    ActionInvoked,
    Actor,
    FileShared,
    FormSubmitted,
    MessageReceived,
    Place,
    ReactionChanged,
    ThreadReply,
)
from bot.core.experts.cards import ASK
from bot.core.imports.flow import csv_file_problem

__all__ = ["ConsoleSession", "CONSOLE_HELP", "ensure_sample_baseline", "loaded_baseline_text"]

PLATFORM = "console"
CONSOLE_HELP = """Type a question, e.g. "what if win rate drops to 20%", or a command: help, baseline, set win rate 30%.
Console commands:
  /react :emoji: [N]   react to card N (default: the last card)      /unreact :emoji: [N]
  /reply [N] text      comment in card N's thread                      /click N [M]  press button N of card M
                       (default: the newest card with buttons)
  /invite @a, @b [N]   ask experts about scenario card N by DM
                       (a DM prints as [DM to name]; /as name, then /click or /react on it, answers it)
  /import PATH         preview a CRM export (CSV) as this channel's baseline; /click 1 uses it
  /as NAME             act as NAME from now on (likes, comments, decisions); /as alone: back to you
  /show slack|teams|off  also print each card as platform JSON         /quit"""


async def ensure_sample_baseline(
    storage, workspace_external_id: str, channel_id: str, today: date | None = None
) -> bool:
    """Give the console channel the shipped sample baseline on first start (moved to `today` when given, so the
    demo's cards are current); True when it was saved now."""
    workspace = await storage.workspaces.ensure(PLATFORM, workspace_external_id, name="Console")
    if await storage.baselines.latest(workspace.id, channel_id) is not None:
        return False
    await storage.baselines.save(
        workspace.id, channel_id, sample_baseline(today), created_by="console", note="sample baseline (first start)"
    )
    return True


async def loaded_baseline_text(storage, workspace_external_id: str, channel_id: str, today: date | None = None) -> str:
    """What the console says on start: which baseline it answers from, its period, and its age."""
    workspace = await storage.workspaces.ensure(PLATFORM, workspace_external_id, name="Console")
    stored = await storage.baselines.latest(workspace.id, channel_id)
    if stored is None:
        return "This channel has no baseline yet: type “baseline sample” or /import PATH."
    data = stored.data
    note = f" ({stored.note})" if stored.note else ""
    period = period_of(data, today or date.today())
    when = ""
    if period is not None:
        when = f", {period.age()}, period to {period.period_end.isoformat()}"
        if period.stale:
            when += "; “set as of today” rolls it forward"
    deals = len(data.get("pipeline") or [])
    return f"Using baseline v{stored.version}{note}: {deals} open deals{when}."


def _read_csv(typed: str) -> tuple[str, int, bytes] | str:
    """(name, size, bytes) of the file at the typed path, or the message saying why not. The name and size are
    checked before reading, as a chat adapter checks them before downloading."""
    path = Path(typed.strip().strip("'\"")).expanduser()
    try:
        size = path.stat().st_size
        problem = csv_file_problem(path.name, size)
        return problem if problem else (path.name, size, path.read_bytes())
    except OSError as exc:
        return f"{path}: cannot read it ({exc.strerror or type(exc).__name__})"


class ConsoleSession:
    """One person at the console, talking to the Assistant in one channel."""

    def __init__(
        self,
        assistant: Assistant,
        outbox: ConsoleOutbox,
        *,
        workspace_id: str = "local",
        channel_id: str = "console",
        actor: Actor | None = None,
    ) -> None:
        self.assistant = assistant
        self.outbox = outbox
        self.place = Place(PLATFORM, workspace_id, channel_id)
        self.actor = actor or Actor(PLATFORM, "you", "You")
        self._ids = itertools.count(1)
        self._form_values: dict[str, str] = {}
        self._draft: list[str] = []

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{self.outbox.session}.{next(self._ids)}"  # unique across sessions, as the outbox's ids

    def _say(self, text: str) -> None:
        self.outbox.write(text)

    def _card(self, number: str | None) -> tuple[str, object] | None:
        """Card N (1-based) or the last card; None (after saying why) when there is no such card."""
        cards = self.outbox.cards
        if not cards:
            self._say("There is no card yet: ask a question first, e.g. what if win rate drops to 20%")
            return None
        if number is None:
            return cards[-1]
        if not number.isdigit() or not 1 <= int(number) <= len(cards):
            self._say(f"Card {number!r}: expected a card number from 1 to {len(cards)}, e.g. /react :+1: {len(cards)}")
            return None
        return cards[int(number) - 1]

    async def _dispatch(self, event) -> None:
        await self.assistant.handle(event, self.outbox)
        await self.assistant.wait_idle()
        await self._ask_form_field()

    async def _ask_form_field(self) -> None:
        form = self.outbox.pending_form
        if form is not None and len(self._form_values) < len(form.fields):
            if not self._form_values:
                self._say(render_form_prompt(form))
            self._say(f"{form.fields[len(self._form_values)].label}:")

    async def _form_line(self, line: str) -> None:
        form = self.outbox.pending_form
        assert form is not None
        field = form.fields[len(self._form_values)]
        if field.multiline and field.kind == "text" and line:
            # a multi-line answer ends with an empty line (as the form prompt says)
            self._draft.append(line)
            return
        value = "\n".join(self._draft) if field.multiline and field.kind == "text" else line
        self._draft = []
        self._form_values[field.id] = console_value(field, value)
        if len(self._form_values) < len(form.fields):
            await self._ask_form_field()
            return
        values, self._form_values = self._form_values, {}
        self.outbox.pending_form = None
        event = FormSubmitted(self.actor, self.place, form.form_id, values=values, metadata=dict(form.metadata))
        await self._dispatch(event)

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; False when the person asked to quit."""
        line = line.strip()
        if self.outbox.pending_form is not None:
            if line == "/cancel":
                self.outbox.pending_form, self._form_values, self._draft = None, {}, []
                self._say("Form cancelled.")
            else:
                await self._form_line(line)
            return True
        if not line:
            return True
        if not line.startswith("/"):
            event = MessageReceived(self.actor, self.place, line, via="console", message_id=self._next_id("m"))
            await self._dispatch(event)
            return True
        command, _, rest = line.partition(" ")
        args = rest.split()
        handler = self._commands().get(command.lower())
        if handler is None:
            self._say(f"Unknown console command {command!r}.\n{CONSOLE_HELP}")
            return True
        return await handler(args, rest.strip())

    def _commands(self) -> dict[str, Callable]:
        return {
            "/react": lambda a, r: self._react(a, added=True),
            "/unreact": lambda a, r: self._react(a, added=False),
            "/reply": self._reply,
            "/click": self._click,
            "/import": self._import,
            "/as": self._as,
            "/invite": self._invite,
            "/show": self._show,
            "/help": self._help,
            "/quit": self._quit,
            "/exit": self._quit,
        }

    async def _react(self, args: list[str], *, added: bool) -> bool:
        if not args or len(args) > 2:
            self._say("Usage: /react :emoji: [card number], e.g. /react :+1: 1")
            return True
        card = self._card(args[1] if len(args) == 2 else None)
        if card is not None:
            reaction = args[0].strip(":")
            await self._dispatch(ReactionChanged(self.actor, self._place_of(card[0]), card[0], reaction, added))
        return True

    async def _reply(self, args: list[str], rest: str) -> bool:
        number = args[0] if args and args[0].isdigit() else None
        text = rest.split(maxsplit=1)[1] if number is not None and len(args) > 1 else ("" if number else rest)
        if not text.strip():
            self._say("Usage: /reply [card number] text, e.g. /reply 1 9 opportunities a week is a stretch")
            return True
        card = self._card(number)
        if card is not None:
            self._say(f"  (in the thread of card {self.outbox.card_number(card[0])}) {self.actor.name}: {text}")
            event = ThreadReply(self.actor, self.place.in_thread(card[0]), card[0], self._next_id("r"), text)
            await self._dispatch(event)
        return True

    def _card_with_buttons(self, number: str | None) -> tuple[str, object] | None:
        """Card M, or the newest card that has buttons (a Drivers or text card shown since has none)."""
        if number is not None:
            return self._card(number)
        with_buttons = [card for card in self.outbox.cards if card[1].buttons]
        return with_buttons[-1] if with_buttons else self._card(None)

    async def _click(self, args: list[str], rest: str) -> bool:
        card = self._card_with_buttons(args[1] if len(args) == 2 else None)
        if card is None:
            return True
        message_id, last = card
        buttons = last.buttons
        if len(args) not in (1, 2) or not args[0].isdigit() or not 1 <= int(args[0]) <= len(buttons):
            n = self.outbox.card_number(message_id)
            choices = ", ".join(f"{i} {b.label}" for i, b in enumerate(buttons, start=1)) or "none"
            self._say(f"Usage: /click N [card] with N a button of card {n} ({choices}), e.g. /click 1 {n}")
            return True
        button = buttons[int(args[0]) - 1]
        event = ActionInvoked(
            self.actor,
            self._place_of(message_id),
            button.action_id,
            dict(button.value),
            message_id=message_id,
            trigger="console",
        )
        await self._dispatch(event)
        return True

    def _place_of(self, message_id: str) -> Place:
        """Where a card was posted: the channel, or the DM it was sent in (its buttons act there)."""
        return self.outbox.places.get(message_id, self.place)

    async def _as(self, args: list[str], rest: str) -> bool:
        name = rest.strip().lstrip("@").strip() or "You"  # "/as" alone: back to yourself
        if len(name) > 64:
            self._say("Usage: /as NAME, e.g. /as Sam (then /as alone to be yourself again)")
            return True
        # ids are lower-cased names, as the console's people picker gives them (@Sam -> sam)
        self.actor = Actor(PLATFORM, "you" if name.lower() == "you" else name.lower(), name)
        self._say(f"You are now typing as {name}.")
        return True

    async def _invite(self, args: list[str], rest: str) -> bool:
        number = args[-1] if args and args[-1].isdigit() else None
        names = rest[: rest.rfind(number)] if number else rest
        asks = [(mid, card) for mid, card in self.outbox.cards if any(b.action_id == ASK for b in card.buttons)]
        if number is not None:
            card = self._card(number)
            if card is None:
                return True
        elif asks:
            card = asks[-1]
        else:
            self._say("There is no scenario card to ask experts about yet: ask a what-if question first.")
            return True
        button = next((b for b in card[1].buttons if b.action_id == ASK), None)
        if button is None:
            self._say(f"Card {number} has no Ask an expert button; pick a scenario card.")
            return True
        event = ActionInvoked(self.actor, self.place, ASK, dict(button.value), message_id=card[0], trigger="console")
        await self.assistant.handle(event, self.outbox)
        await self.assistant.wait_idle()
        form = self.outbox.pending_form
        if form is not None and form.fields and form.fields[0].kind == "users" and names.strip():
            self._form_values[form.fields[0].id] = console_value(form.fields[0], names)
            self._say(render_form_prompt(form))
        await self._ask_form_field()
        return True

    async def _import(self, args: list[str], rest: str) -> bool:
        if not rest:
            self._say("Usage: /import PATH, e.g. /import ~/Downloads/opportunities.csv")
            return True
        read = await asyncio.to_thread(_read_csv, rest)
        if isinstance(read, str):
            self._say(read)
            return True
        name, size, data = read
        await self._dispatch(FileShared(self.actor, self.place, name, data, size, message_id=self._next_id("f")))
        return True

    async def _show(self, args: list[str], rest: str) -> bool:
        if len(args) != 1 or args[0] not in ("slack", "teams", "off"):
            self._say("Usage: /show slack|teams|off")
            return True
        self._say(self.outbox.set_show(None if args[0] == "off" else args[0]))
        return True

    async def _help(self, args: list[str], rest: str) -> bool:
        self._say(CONSOLE_HELP)
        return True

    async def _quit(self, args: list[str], rest: str) -> bool:
        return False

    async def run(self, read_line: Callable[[], str]) -> None:
        """Read lines until /quit or end of input (read_line raises EOFError), without blocking the loop."""
        self._say(CONSOLE_HELP)
        while True:
            try:
                line = await asyncio.to_thread(read_line)
            except (EOFError, KeyboardInterrupt):
                break
            if not await self.handle_line(line):
                break
