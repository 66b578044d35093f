"""The Teams bot: translating authenticated activities into neutral events and recording them as jobs.

Owns, per activity: storing the conversation reference (of every message, reaction and install, so the worker
can answer from any process, after a restart, outside any turn: bot.teams.sender), translating the activity
(bot.teams.translate) and recording the delivery with its job in one transaction (Assistant.accept). A
repeated delivery is recorded once. Nothing is answered inside the turn: the worker answers.

Owns installs too (no person's request, nothing answered): `installationUpdate` add and `conversationUpdate` with
the bot among the members added store the reference and record the install per tenant (storage.teams_installs);
`installationUpdate` remove and `conversationUpdate` with the bot among the members removed record the removal and
delete the stored conversation references of that team (every channel reference stored with its team id) or chat,
in one transaction: nothing is sent there afterwards (a proactive send finds no reference and is refused).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes

from bot.core.events import Event
from bot.teams import translate

__all__ = ["ScenarioTeamsBot", "events_of", "CLAIMED"]

log = logging.getLogger(__name__)

_MAX_REMEMBERED = 10_000
_TEAM_KEY = "teamId"  # kept beside a channel's stored reference (botbuilder ignores it when reading one back)
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


def _installed_where(activity: Activity) -> tuple[str, str, str] | None:
    """(tenant, scope, id) of an install or removal: the team ("team", its id), or the chat ("personal" or
    "groupChat", the chat's id); None without a tenant (the Emulator)."""
    tenant = translate.tenant_id(activity)
    if not tenant:
        return None
    team = translate.team_id(activity)
    if team:
        return tenant, "team", team
    kind = translate.conversation_type(activity)
    return tenant, "groupChat" if kind == "groupChat" else "personal", translate.base_conversation_id(activity)


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
        # Only the bot itself being added or removed matters here. TeamsActivityHandler's dispatch would look every
        # other added member up with a Bot Connector call, for nothing we use.
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in activity.members_added or []):
            await self.installed(activity)
        elif any(member.id == bot_id for member in activity.members_removed or []):
            await self.removed(activity)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self.installed(turn_context.activity)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self.removed(turn_context.activity)

    async def installed(self, activity: Activity) -> None:
        await self.save_reference(activity)
        where = _installed_where(activity)
        if where is None:
            return
        workspace = await self.assistant.storage.workspaces.ensure(translate.PLATFORM, where[0])
        await self.assistant.storage.teams_installs.installed(workspace.id, where[2], where[1], now=datetime.now(UTC))
        log.info("teams: installed in a %s of tenant %s", where[1], where[0])

    async def removed(self, activity: Activity) -> None:
        where = _installed_where(activity)
        if where is None:
            return
        tenant, scope, conversation = where
        workspace = await self.assistant.storage.workspaces.ensure(translate.PLATFORM, tenant)

        def forget(channel_id: str, reference: dict[str, Any]) -> bool:
            if scope == "team":  # every channel of the team: each reference stored with its team id
                return channel_id == conversation or reference.get(_TEAM_KEY) == conversation
            return channel_id == conversation

        gone = await self.assistant.storage.teams_installs.removed(
            workspace.id, conversation, scope, now=datetime.now(UTC), forget=forget
        )
        self._saved = OrderedDict((key, value) for key, value in self._saved.items() if key[0] != tenant)
        log.info("teams: removed from a %s of tenant %s (%d conversation references deleted)", scope, tenant, gone)

    async def save_reference(self, activity: Activity) -> None:
        """Remember where this channel or chat is, for the worker's sends (answers, nudges, expert DMs)."""
        tenant = translate.tenant_id(activity)
        if not tenant or not activity.service_url:
            return  # the Emulator has no tenant; a reference without one cannot start a Teams conversation
        place = translate.place_of(activity)
        reference = translate.reference_of(activity)
        team = translate.team_id(activity)
        if team:  # so that removing the app from the team finds every channel reference of it
            reference[_TEAM_KEY] = team
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
