"""Who took part in a scenario card's discussion: the people a decision on it is announced to."""

from __future__ import annotations

from typing import Any

__all__ = ["participants"]


async def participants(storage: Any, workspace_id: int, card_id: int) -> list[str]:
    """The user ids of everyone who took part in the scenario card `card_id` (its sent_messages id) of this
    workspace: who liked it (a reaction or the Like button) and who commented (a reply in its thread or the
    Comment form; deleted comments still count, their author took part), each once, in the order they first
    appeared (likers first, then commenters).

    Experts invited to the card, and experts who answered (bot.core.experts), are added here when that feature
    lands: this one function is the list every decision DM goes to, so invitations join it as a third source.
    The caller leaves out the decider and the bot."""
    people: list[str] = []
    for user_id in await storage.likes.users(workspace_id, card_id):
        if user_id not in people:
            people.append(user_id)
    for comment in await storage.comments.list(workspace_id, card_id, include_deleted=True):
        if comment.author_id not in people:
            people.append(comment.author_id)
    return people
