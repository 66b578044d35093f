"""The Teams bot: a TeamsActivityHandler that turns authenticated activities into neutral events.

Owns, per turn: the inbox check (a repeated delivery of the same activity is processed once), storing the
conversation reference of every message and install (so proactive sends work from any process after a
restart), and handing each translated event to `Assistant.handle` with a TeamsOutbox over the turn.
Everything that decides what to answer lives in bot.core; everything about reading the activity lives in
bot.teams.translate.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import ActivityTypes

from bot.core.events import Event
from bot.teams import translate
from bot.teams.charts import ChartStore
from bot.teams.outbox import TeamsOutbox

__all__ = ["ScenarioTeamsBot"]

log = logging.getLogger(__name__)

_MAX_REMEMBERED = 10_000
# activity types that carry something a person did, and so go through the inbox once
_CLAIMED = {
    ActivityTypes.message,
    ActivityTypes.message_reaction,
    ActivityTypes.message_update,
    ActivityTypes.message_delete,
}


class ScenarioTeamsBot(TeamsActivityHandler):
    """`ScenarioTeamsBot(assistant, charts=ChartStore(), public_url="")`; the adapter calls `on_turn`."""

    def __init__(self, assistant: Any, *, charts: ChartStore | None = None, public_url: str = "") -> None:
        self.assistant = assistant
        self.charts = charts
        self.public_url = public_url
        # the reference this process last stored per (tenant, channel): unchanged ones are not written again,
        # which saves two database writes on every message (the reference only changes if Teams moves the chat)
        self._saved: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.type in _CLAIMED:
            delivery = translate.delivery_id(activity)
            tenant = translate.tenant_id(activity) or None
            if delivery and not await self.assistant.claim(translate.PLATFORM, delivery, tenant):
                log.info("teams: repeated delivery ignored (activity %s, tenant %s)", activity.id, tenant)
                return
        await super().on_turn(turn_context)

    # ------------------------------------------------------------------ activities

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self._save_reference(turn_context)
        await self._handle(turn_context, translate.message_event(turn_context.activity))

    async def on_message_update_activity(self, turn_context: TurnContext) -> None:
        await self._handle(turn_context, translate.message_event(turn_context.activity, change="edited"))

    async def on_message_delete_activity(self, turn_context: TurnContext) -> None:
        await self._handle(turn_context, translate.message_event(turn_context.activity, change="deleted"))

    async def on_message_reaction_activity(self, turn_context: TurnContext) -> None:
        for event in translate.reaction_events(turn_context.activity):
            await self._handle(turn_context, event)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # Only "the bot was added" matters here. TeamsActivityHandler's dispatch would look every other added
        # member up with a Bot Connector call, for nothing we use.
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in activity.members_added or []):
            await self._save_reference(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._save_reference(turn_context)

    # ------------------------------------------------------------------ helpers

    async def _handle(self, turn_context: TurnContext, event: Event | None) -> None:
        if event is None:
            return
        outbox = TeamsOutbox(turn_context, charts=self.charts, public_url=self.public_url)
        await self.assistant.handle(event, outbox)

    async def _save_reference(self, turn_context: TurnContext) -> None:
        """Remember where this channel or chat is, for proactive messages (nudges, expert DMs)."""
        activity = turn_context.activity
        tenant = translate.tenant_id(activity)
        if not tenant or not activity.service_url:
            return  # the Emulator has no tenant; a reference without one cannot start a Teams conversation
        place = translate.place_of(activity)
        reference = translate.reference_of(activity)
        # who wrote last does not change where the conversation is: compare without it
        where = {k: v for k, v in reference.items() if k != "user"}
        key = (tenant, place.channel_id)
        if self._saved.get(key) == where:
            return
        storage = self.assistant.storage
        workspace = await storage.workspaces.ensure(translate.PLATFORM, tenant)
        await storage.conversations.save_reference(
            workspace.id, place.channel_id, translate.conversation_type(activity), reference
        )
        self._saved[key] = where
        self._saved.move_to_end(key)
        while len(self._saved) > _MAX_REMEMBERED:
            self._saved.popitem(last=False)
