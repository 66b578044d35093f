"""The Teams bot: translating authenticated activities into neutral events and recording them as jobs.

Owns, per activity: storing the conversation reference (of every message, reaction and install, so the worker
can answer from any process, after a restart, outside any turn: bot.teams.sender), translating the activity
(bot.teams.translate) and recording the delivery with its job in one transaction (Assistant.accept). A
repeated delivery is recorded once. Nothing is answered inside the turn: the worker answers.
Installs and conversation updates (no person's request) only store the reference.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes

from bot.core.events import Event
from bot.teams import translate

__all__ = ["ScenarioTeamsBot", "events_of", "CLAIMED"]

log = logging.getLogger(__name__)

_MAX_REMEMBERED = 10_000
# activity types that carry something a person did, and so go through the inbox once
CLAIMED = {
    ActivityTypes.message,
    ActivityTypes.message_reaction,
    ActivityTypes.message_update,
    ActivityTypes.message_delete,
}


def events_of(activity: Activity) -> list[Event]:
    """The neutral events an activity carries (a reaction activity may carry several)."""
    kind = activity.type
    if kind == ActivityTypes.message_reaction:
        return list(translate.reaction_events(activity))
    change = {ActivityTypes.message_update: "edited", ActivityTypes.message_delete: "deleted"}.get(kind, "new")
    event = translate.message_event(activity, change=change)
    return [] if event is None else [event]


class ScenarioTeamsBot(TeamsActivityHandler):
    """`ScenarioTeamsBot(assistant)`; the route calls `accept(activity)` for requests and `on_turn` for installs."""

    def __init__(self, assistant: Any, *, on_queued: Any = None) -> None:
        self.assistant = assistant
        self.on_queued = on_queued or (lambda: None)
        # the reference this process last stored per (tenant, channel): unchanged ones are not written again,
        # which saves two database writes on every message (the reference only changes if Teams moves the chat)
        self._saved: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()

    async def accept(self, activity: Activity) -> bool:
        """Record a person's activity and its job (raises if the database is unavailable: the route answers 5xx
        and Teams delivers again). False when there was nothing to do or it was a repeated delivery."""
        events = events_of(activity)
        if not events:
            return False
        await self.save_reference(activity)
        delivery = translate.delivery_id(activity)
        tenant = translate.tenant_id(activity) or None
        if not delivery:
            return False
        first = await self.assistant.accept(translate.PLATFORM, delivery, tenant, events)
        if not first:
            log.info("teams: repeated delivery ignored (activity %s, tenant %s)", activity.id, tenant)
            return False
        self.on_queued()
        return True

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # Only "the bot was added" matters here. TeamsActivityHandler's dispatch would look every other added
        # member up with a Bot Connector call, for nothing we use.
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in activity.members_added or []):
            await self.save_reference(activity)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self.save_reference(turn_context.activity)

    async def save_reference(self, activity: Activity) -> None:
        """Remember where this channel or chat is, for the worker's sends (answers, nudges, expert DMs)."""
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
