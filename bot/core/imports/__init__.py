"""The CSV import feature: a CRM export shared with the bot becomes a preview card, then the channel's baseline.

Owns the feature's registrations. Reading and validating files is `imports.csv`; the preview's drivers and
their choices `imports.choices`; preparing an import against the channel's baseline `imports.flow`; its cards
`imports.cards`; the file and the Use/Cancel buttons `imports.feature`; switching drivers and re-fitting the
history window `imports.refit`.
"""

from __future__ import annotations

from bot.core.imports import feature, refit
from bot.core.imports.cards import ACCEPT_ACTION, CANCEL_ACTION, DRIVER_ACTIONS, import_help_card
from bot.core.router import Router
from bot.core.turn import Turn

__all__ = ["register"]


async def on_import_command(turn: Turn) -> None:
    """`import` explains how to import; `import window N` re-fits the newest pending import over N weeks."""
    words = turn.text.split()
    if len(words) > 1 and words[1].lower() == "window":
        await refit.on_window(turn, " ".join(words[2:]))
        return
    await turn.reply(import_help_card(), thread_id=turn.answer_thread())


def register(router: Router) -> None:
    router.file_shared(feature.on_file)
    router.command("import", on_import_command)
    router.action(ACCEPT_ACTION, feature.on_accept)
    router.action(CANCEL_ACTION, feature.on_cancel)
    for action_id in DRIVER_ACTIONS:
        router.action(action_id, refit.on_driver)
