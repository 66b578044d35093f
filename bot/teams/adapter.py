"""The Bot Framework adapter: botbuilder's CloudAdapter configured from TeamsSettings, with our turn-error policy.

Owns building `CloudAdapter(ConfigurationBotFrameworkAuthentication(...))` from `settings.teams.botbuilder_config()`
(botbuilder reads APP_ID, APP_PASSWORD, APP_TYPE and APP_TENANTID by name, as plain strings) and `on_turn_error`: an
exception that escapes a turn is logged with ids and its type only (never the text, which may quote the user
or a token) and the user gets one short, friendly message instead of a traceback.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.config import TeamsSettings
from bot.teams.translate import base_conversation_id, tenant_id

__all__ = ["build_adapter", "SORRY"]

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side while answering that. Please try again in a minute."


def _where(error: BaseException, depth: int = 3) -> str:
    frames = traceback.extract_tb(error.__traceback__)[-depth:]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames)) or "?"


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    activity = context.activity
    log.error(
        "teams turn failed: %s at %s (activity %s type %s, tenant %s, conversation %s)",
        type(error).__name__,
        _where(error),
        activity.id,
        activity.type,
        tenant_id(activity),
        base_conversation_id(activity),
    )
    if activity.type != "message":
        return  # a failed reaction or install gets no message of its own
    try:
        await context.send_activity(SORRY)
    except Exception as send_error:
        log.error("teams: sending the apology failed too: %s (activity %s)", type(send_error).__name__, activity.id)


def build_adapter(settings: TeamsSettings) -> CloudAdapter:
    """The CloudAdapter for these settings. An empty APP_ID means anonymous mode (Emulator, tests), which
    `Settings.check()` refuses in production."""
    # plain strings for botbuilder: the settings keep the password as a SecretStr
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(settings.botbuilder_config()))
    adapter.on_turn_error = on_turn_error
    return adapter
