"""The bot's behaviour, one module per feature; each exposes `register(router)`.

Owns the list of features the Assistant serves: `register_all(router)` registers every one of them.
"""

from __future__ import annotations

from bot.core.router import Router

__all__ = ["register_all"]


def register_all(router: Router) -> None:
    # imported here so that importing one feature module (e.g. footers) does not load them all
    from bot.core.features import baseline, help, imports, questions, social

    for feature in (help, baseline, imports, social, questions):
        feature.register(router)
