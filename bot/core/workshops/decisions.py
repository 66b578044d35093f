"""Communicating a workshop's decisions: the organiser names them, the bot DMs them to every participant.

Owns the sending side. Decisions come from the decision log by number (`workshop decisions 3, 5`: the `#id`s
`/scenario decisions` lists, read by bot.core.decisions.lookup; `use_decision_log(lookup)` replaces that reader, for
tests) or are typed: `workshop decisions: We hire 2 SDRs; Demo within 48 h`. Each participant gets one DM per set
of decisions (key `dm:workshop:<id>:decisions:<digest>:<user>`), so sending the same set twice sends nothing new.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.decisions.lookup import decision_texts
from bot.core.formatting import message_text, user
from bot.core.workshops.cards import decisions_card

__all__ = ["DecisionLookup", "use_decision_log", "send_decisions", "on_decisions", "parse_decisions"]

DecisionLookup = Callable[[Any, int, list[int]], Awaitable[dict[int, str]]]
_lookup: DecisionLookup | None = decision_texts
EXAMPLE = (
    "“/scenario workshop decisions 3, 5” (decision log numbers) or "
    "“/scenario workshop decisions: We hire 2 SDRs; Demo within 48 h”"
)


def use_decision_log(lookup: DecisionLookup | None) -> None:
    """How to read decisions by number (the decision log by default; None: typed decisions only)."""
    global _lookup
    _lookup = lookup


def parse_decisions(text: str) -> tuple[list[int], list[str]]:
    """Decision numbers ("3, 5", "#3 #5") or typed decisions separated by ; or new lines."""
    stripped = text.strip().lstrip(":").strip()
    if stripped and re.fullmatch(r"[#\d,\s and]+", stripped):
        return [int(n) for n in re.findall(r"\d+", stripped)], []
    return [], [t.strip() for t in re.split(r"[;\n]", stripped) if t.strip()]


async def send_decisions(turn: Any, w: Any, decisions: list[tuple[int, str]]) -> int:
    """DM `decisions` to every participant of `w`; the number of people reached."""
    digest = hashlib.sha256(json.dumps(decisions).encode()).hexdigest()[:12]
    card = decisions_card(w, decisions)
    reached = 0
    for person in w.participants:
        sent = await turn.dm(person.user_id, card, key=f"dm:workshop:{w.id}:decisions:{digest}:{person.user_id}")
        reached += sent is not None
    await turn.storage.workshops.attach_decisions(
        turn.workspace_id, w.id, [*w.decisions, *({"n": n, "text": t} for n, t in decisions)]
    )
    return reached


async def on_decisions(turn: Any, w: Any, text: str) -> None:
    async def say(words: str) -> None:
        await turn.reply(message_text(turn.place.platform, words), thread_id=turn.answer_thread())

    if w.organiser_id != turn.event.actor.user_id:
        await say("Only the workshop's organiser can send its decisions.")
        return
    numbers, typed = parse_decisions(text)
    if numbers:
        if _lookup is None:
            await say(f"The decision log is not available here yet: type the decisions instead, e.g. {EXAMPLE}.")
            return
        found = await _lookup(turn.storage, turn.workspace_id, numbers)
        missing = [n for n in numbers if n not in found]
        if missing:
            await say(f"No decision {', '.join(f'#{n}' for n in missing)} in the decision log; nothing was sent.")
            return
        decisions = [(n, found[n]) for n in numbers]
    elif typed:
        decisions = list(enumerate(typed, start=1))
    else:
        await say(f"Which decisions? e.g. {EXAMPLE}.")
        return
    reached = await send_decisions(turn, w, decisions)
    await say(
        f"Sent {len(decisions)} decision{'s' if len(decisions) != 1 else ''} of {user(w.title)} to {reached} of "
        f"{len(w.participants)} participants."
    )
