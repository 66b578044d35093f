"""The scenarios feature: questions in, scenario cards out.

Owns reading a question against the channel's baseline and answering each intent (`scenarios.questions`),
the one picklable compute step behind every answer (`scenarios.compute`), the cards (`scenarios.cards`) and
help (`scenarios.help`).
"""

from __future__ import annotations

from bot.core.router import Router

__all__ = ["register"]


def register(router: Router) -> None:
    # imported late: the other features import this package's cards, and questions imports baselines
    from bot.core.scenarios import help, questions

    help.register(router)
    questions.register(router)
