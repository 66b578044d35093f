"""Decisions by number for other features: a workshop's organiser names decision-log entries ("#3, #5") and the
workshop DMs them to its participants (bot.core.workshops.decisions).

Owns reading decisions of one workspace by their numbers (the `#id` the decision list shows) as one line each.
"""

from __future__ import annotations

from typing import Any

from bot.core.decisions.cards import KINDS

__all__ = ["decision_texts"]


async def decision_texts(storage: Any, workspace_id: int, numbers: list[int]) -> dict[int, str]:
    """{number: "Adopt this scenario: <text> (due Dec 15, 2026)"} for the decisions of `workspace_id` with those
    numbers; numbers the workspace has no decision for are left out (the caller says so)."""
    found: dict[int, str] = {}
    for number in dict.fromkeys(numbers):
        decision = await storage.decisions.get(workspace_id, number)
        if decision is None:
            continue
        kind = KINDS.get(decision.kind, decision.kind)
        due = f"{decision.due_date:%b} {decision.due_date.day}, {decision.due_date.year}"
        found[number] = f"{kind}: {decision.text} (due {due}, {decision.status})"
    return found
