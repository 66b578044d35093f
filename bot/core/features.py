"""The features the Assistant serves: one package per feature, each exposing `register(router)`.

Owns the list. A new feature is a new package under bot/core with a `register(router)` and one line here.
"""

from __future__ import annotations

from bot.core.router import Router

__all__ = ["register_all"]


def register_all(router: Router) -> None:
    # imported here so that importing one feature package does not load them all
    from bot.core import imports, nudges, scenarios
    from bot.core.baselines import feature as baselines
    from bot.core.social import feature as social

    for feature in (baselines, imports, social, nudges, scenarios):
        feature.register(router)
