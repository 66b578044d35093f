"""The Router: which feature handles which neutral event.

Owns the registration table features fill in through `register(router)`: message commands by their first
word (`help`, `baseline`, `set`, ...), one fallback for free-text questions, button actions by `action_id`,
reactions, thread replies, shared files and form submissions by `form_id`. The Assistant asks
`route(event)` for the one handler to run; the Router itself runs nothing and knows no platform.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.core.events import (
    ActionInvoked,
    Event,
    FormSubmitted,
    MessageReceived,
    ReactionChanged,
    ThreadReply,
)

if TYPE_CHECKING:
    from bot.core.turn import Turn

__all__ = ["Handler", "Router", "RouterError", "first_word"]

Handler = Callable[["Turn"], Awaitable[None]]


class RouterError(ValueError):
    """Two features claimed the same command, action or form: a programming error caught at start-up."""


def first_word(text: str) -> str:
    """The command word of a message: its first word, lower-cased, without the punctuation chat adds ("" for an
    empty message)."""
    parts = text.strip().split(maxsplit=1)
    # "decisions?", "help!", "baseline:" are the command as typed in chat, not a question about it
    return parts[0].lower().rstrip("?!.,:;") if parts else ""


class Router:
    """Registrations by event kind; the first exact match wins, a message falls back to the question handler."""

    def __init__(self) -> None:
        self._commands: dict[str, Handler] = {}
        self._actions: dict[str, Handler] = {}
        self._form_openers: set[str] = set()
        self._command_forms: dict[str, Callable[[str], bool]] = {}
        self._forms: dict[str, Handler] = {}
        self._fallback: Handler | None = None
        self._reaction: Handler | None = None
        self._thread_reply: Handler | None = None
        self._file: Handler | None = None

    @staticmethod
    def _claim(table: dict[str, Handler], key: str, handler: Handler, what: str) -> None:
        if key in table:
            raise RouterError(f"{what} {key!r} is registered twice")
        table[key] = handler

    def command(self, word: str, handler: Handler, *, opens_form: Callable[[str], bool] | None = None) -> None:
        """A message whose first word is `word` (case-insensitive) goes to `handler`. `opens_form(text)` says which
        of its messages open a form: a Slack slash command's trigger_id lives 3 s, so those run in the request."""
        self._claim(self._commands, word.lower(), handler, "command")
        if opens_form is not None:
            self._command_forms[word.lower()] = opens_form

    def fallback(self, handler: Handler) -> None:
        """Every other message (free-text questions)."""
        self._fallback = handler

    def action(self, action_id: str, handler: Handler, *, opens_form: bool = False) -> None:
        """A button. `opens_form=True`: the handler opens a form, which Slack allows only within 3 seconds of the
        click (trigger_id), so adapters run it in the request path instead of queueing it."""
        self._claim(self._actions, action_id, handler, "action")
        if opens_form:
            self._form_openers.add(action_id)

    def opens_form(self, action_id: str) -> bool:
        return action_id in self._form_openers

    def command_opens_form(self, text: str) -> bool:
        """Whether the command message `text` opens a form (see `command(opens_form=...)`)."""
        wants = self._command_forms.get(first_word(text))
        return wants is not None and wants(text)

    def form(self, form_id: str, handler: Handler) -> None:
        self._claim(self._forms, form_id, handler, "form")

    def reaction(self, handler: Handler) -> None:
        self._reaction = handler

    def thread_reply(self, handler: Handler) -> None:
        self._thread_reply = handler

    def file_shared(self, handler: Handler) -> None:
        """Files given to the bot (CSV imports)."""
        self._file = handler

    @property
    def commands(self) -> tuple[str, ...]:
        return tuple(self._commands)

    def route(self, event: Event) -> Handler | None:
        """The handler for `event`, or None when no feature wants it (e.g. an unknown button)."""
        if isinstance(event, MessageReceived):
            return self._commands.get(first_word(event.text), self._fallback)
        if isinstance(event, ActionInvoked):
            return self._actions.get(event.action_id)
        if isinstance(event, FormSubmitted):
            return self._forms.get(event.form_id)
        if isinstance(event, ReactionChanged):
            return self._reaction
        if isinstance(event, ThreadReply):
            return self._thread_reply
        return self._file  # a FileShared, the last kind of Event
