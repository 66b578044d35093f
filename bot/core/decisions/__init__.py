"""Decisions: the team decides on a scenario card, and everyone who took part hears about it.

Owns the Decide button of scenario cards and its form, the decision card posted to the channel, the DMs to the
card's participants (`participants`), making an adopted scenario the channel's baseline, the channel's decision
log (`decisions`, `decisions export`, the operator CLI's CSV), and the manager role that lets someone other than
the asker decide (`role @person manager`). See feature.py for the flow and roles.py for who may do what.
"""

from bot.core.decisions.participants import participants

__all__ = ["participants"]
