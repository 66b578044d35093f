"""Who took part in a scenario card's discussion: the people a decision on it is announced to."""

from __future__ import annotations

from typing import Any

__all__ = ["participants"]


async def participants(storage: Any, workspace_id: int, card_id: int) -> list[str]:
    """The user ids of everyone who took part in the scenario card `card_id` (its sent_messages id) of this
    workspace: who liked it (a reaction or the Like button, in the channel or in an expert's DM), who commented (a
    reply in its thread, the Comment form or an expert's DM comment; deleted comments still count, their author took
    part), and every expert invited to it, whether they answered, declined or have not answered yet (they were asked
    for their time). Each once, in the order they first appeared (likers, commenters, then the invited experts).
    This one function is the list every decision DM goes to. The caller leaves out the decider and the bot."""
    people: list[str] = []
    for user_id in await storage.likes.users(workspace_id, card_id):
        if user_id not in people:
            people.append(user_id)
    for comment in await storage.comments.list(workspace_id, card_id, include_deleted=True):
        if comment.author_id not in people:
            people.append(comment.author_id)
    for invitation in await storage.experts.for_card(workspace_id, card_id):
        if invitation.invitee_id not in people:
            people.append(invitation.invitee_id)
    return people
