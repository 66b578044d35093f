"""The Bot Framework adapter: botbuilder's CloudAdapter configured from TeamsSettings, with our turn-error policy.

Owns building `CloudAdapter(ConfigurationBotFrameworkAuthentication(...))` from `settings.teams.botbuilder_config()`
(botbuilder reads APP_ID, APP_PASSWORD, APP_TYPE and APP_TENANTID by name, as plain strings) and `on_turn_error`: an
exception that escapes a turn is logged with ids, its type and where (bot.core.errors: never the text, which may
quote the user or a token) and the user gets the one short apology instead of a traceback.
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.config import TeamsSettings
from bot.core.errors import SORRY, log_failure
from bot.teams.translate import base_conversation_id, tenant_id

__all__ = ["build_adapter", "SORRY"]

log = logging.getLogger(__name__)


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    activity = context.activity
    log_failure(
        log,
        error,
        "teams turn (activity %s type %s, tenant %s, conversation %s)",
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
        log_failure(log, send_error, "teams: sending the apology (activity %s)", activity.id)


def build_adapter(settings: TeamsSettings) -> CloudAdapter:
    """The CloudAdapter for these settings. An empty APP_ID means anonymous mode (Emulator, tests), which
    `Settings.check()` refuses in production."""
    # plain strings for botbuilder: the settings keep the password as a SecretStr
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(settings.botbuilder_config()))
    adapter.on_turn_error = on_turn_error
    return adapter
