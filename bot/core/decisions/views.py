"""What the decision handlers share: where a decision lives, names and links from the platform, its card.

Owns turning a stored Decision into the card the channel shows (re-rendered after Mark done or an adoption) and
the platform look-ups that decorate it: display names (Slack users.info through the sender, cached; Teams gives
names only with activities, so ids elsewhere) and permalinks (Slack chat.getPermalink; None elsewhere).
"""

from __future__ import annotations

from typing import Any

from bot.core.decisions.cards import decision_card, figures_text
from bot.core.events import ActionInvoked, Actor, Place
from bot.core.formatting import message_text
from bot.core.outbox import display_name
from bot.core.turn import Turn

__all__ = ["channel_place", "name_of", "permalink", "scenario_of", "render_decision", "refresh_card", "notice"]


def channel_place(turn: Turn, channel_id: str) -> Place:
    """The channel (top level) of this event's workspace."""
    return Place(turn.place.platform, turn.place.workspace_id, channel_id, None, False)


async def name_of(turn: Turn, user_id: str) -> str:
    actor = turn.event.actor
    if actor.user_id == user_id:
        return await display_name(turn.outbox, actor, turn.place.workspace_id)
    return await display_name(turn.outbox, Actor(turn.place.platform, user_id), turn.place.workspace_id)


async def permalink(turn: Turn, place: Place, message_id: str | None) -> str | None:
    """A link to the message where the platform gives one (Slack); None elsewhere."""
    sender = getattr(turn.outbox, "sender", None)
    lookup = getattr(sender, "permalink", None)
    if lookup is None or not message_id:
        return None
    link = await lookup(place, message_id)
    return link if isinstance(link, str) else None


async def scenario_of(turn: Turn, decision_or_card: Any) -> tuple[str, Any]:
    """(the question, the stored scenario or None) of a decision or a scenario card; without a stored scenario, the
    card's title (the question as asked) stands in."""
    scenario_id = decision_or_card.scenario_id
    scenario = await turn.storage.scenarios.get(turn.workspace_id, scenario_id) if scenario_id else None
    if scenario is not None:
        return scenario.question, scenario
    card = decision_or_card
    if not hasattr(card, "payload"):
        card = await turn.storage.messages.get(turn.workspace_id, decision_or_card.sent_message_id)
    return ((card.payload or {}).get("title") if card else None) or "a scenario", None


async def render_decision(turn: Turn, decision: Any) -> Any:
    """The decision card as the channel shows it now."""
    question, scenario = await scenario_of(turn, decision)
    card = await turn.storage.messages.get(turn.workspace_id, decision.sent_message_id)
    link = await permalink(turn, channel_place(turn, decision.channel_id), card.message_id) if card else None
    return decision_card(
        decision,
        question=question,
        figures=figures_text(scenario.summary) if scenario is not None else None,
        decider=await name_of(turn, decision.decided_by),
        owner=await name_of(turn, decision.owner_id),
        scenario_link=link,
    )


async def refresh_card(turn: Turn, decision: Any) -> None:
    """Re-render the posted decision card (status, buttons) after a change."""
    if decision.card_message_id:
        place = channel_place(turn, decision.channel_id)
        await turn.outbox.update(place, decision.card_message_id, await render_decision(turn, decision))


async def notice(turn: Turn, text: str) -> None:
    """A short answer only the person who acted needs (Slack: ephemeral; elsewhere in the place); people's text
    in it is marked with `user(...)`."""
    await turn.outbox.notify(turn.place, message_text(turn.place.platform, text), user_id=turn.event.actor.user_id)


async def acted_on(turn: Turn) -> Any:
    """The decision a button names (its value's `decision_id`) when it is in this workspace; else None, after
    telling the person so."""
    event = turn.event
    assert isinstance(event, ActionInvoked)
    raw_id = event.value.get("decision_id")
    decision = await turn.storage.decisions.get(turn.workspace_id, raw_id) if isinstance(raw_id, int) else None
    if decision is None:
        await notice(turn, "That decision is not known in this workspace.")
    return decision
