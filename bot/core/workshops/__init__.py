"""Workshops: plan one from the channel, check it against the checklist, invite, remind, survey, show results.

`register(router)` adds the command, buttons and forms (feature.py); `jobs.handlers()` the due-time work.
"""

from bot.core.workshops.feature import register

__all__ = ["register"]
