"""Help: what the bot can answer, with example questions from the language module.

Owns the `help` command (and the help intent of a free-text question, e.g. "what can you do?").
"""

from __future__ import annotations

from bot.core.language import EXAMPLES
from bot.core.router import Router
from bot.core.scenarios.cards import help_card
from bot.core.turn import Turn

__all__ = ["register", "send_help"]


async def send_help(turn: Turn) -> None:
    await turn.reply(help_card(list(EXAMPLES)), thread_id=turn.answer_thread())


def register(router: Router) -> None:
    router.command("help", send_help)
