"""Scheduled target checks (nudges) and the track record.

Owns the `nudge` command and its schedule parser (`nudges.schedule`, `nudges.feature`), the job that posts a due
nudge (`nudges.job`: the worker's `nudge` handler), the one picklable compute step behind it (`nudges.compute`),
the nudge, no-baseline and period-result cards (`nudges.cards`), and the track record of every published
P(reach target) against the periods' outcomes (`nudges.trackrecord`: `track record`, `python -m bot track-record`).
"""

from __future__ import annotations

from bot.core.router import Router

__all__ = ["register"]


def register(router: Router) -> None:
    from bot.core.nudges import feature

    feature.register(router)
