"""The experts feature: ask people by DM for their view of a scenario card, follow the invitation chain, and
bring their likes, comments and estimates back to the card.

Owns the invitation flow (`experts.feature`), the invitee's answers (`experts.answers`, `experts.estimates`), the
rules (`experts.rules`), reading an estimate (`experts.estimate`), the cards (`experts.cards`) and the reminder and
expiry jobs (`experts.jobs`).
"""

from __future__ import annotations

from bot.core.router import Router

__all__ = ["register"]


def register(router: Router) -> None:
    from bot.core.experts import feature

    feature.register(router)
