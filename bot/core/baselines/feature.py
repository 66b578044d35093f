"""The channel's baseline: show it, load the shipped sample, change one driver with `set`.

Owns the `baseline` command (`baseline` / `baseline show`: the baseline card; `baseline sample`: store the
sample team as a new version) and the `set <driver> <value>` command: every change is validated by the engine
before it is saved as a new baseline version, and the reply says what changed and the new P(reach target).
A channel without a baseline gets the first-run card instead.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from bot.core.formatting import pct
from bot.core.language import SET_EXAMPLES, parse_set
from bot.core.router import Router
from bot.core.scenarios.cards import baseline_card, first_run_card, not_understood_card
from bot.core.scenarios.compute import compute_answer
from bot.core.turn import Turn
from engine.baseline import BaselineError, baseline_to_dict, parse_baseline
from engine.changes import apply_changes

__all__ = ["register", "sample_baseline", "latest", "show", "set_driver", "BASELINE_USAGE"]

BASELINE_USAGE = (
    "Usage: “baseline” shows this channel's baseline; “baseline sample” loads the shipped sample team "
    "(10 reps, 60 open deals) as a new version; “set win rate 30%” changes one driver."
)


def sample_baseline() -> dict[str, Any]:
    """The shipped sample team (bot/data/sample_baseline.json), DESIGN section 6 JSON."""
    text = resources.files("bot").joinpath("data/sample_baseline.json").read_text(encoding="utf-8")
    return json.loads(text)


async def latest(turn: Turn) -> Any:
    """The channel's latest stored baseline version, or None."""
    return await turn.storage.baselines.latest(turn.workspace_id, turn.place.channel_id)


async def show(turn: Turn, stored: Any) -> None:
    answer = await turn.run(compute_answer, stored.data, [], False, False)
    card = baseline_card(baseline=stored.data, version=stored.version, forecast=answer.baseline)
    await turn.reply(card, thread_id=turn.answer_thread())


async def load_sample(turn: Turn) -> None:
    saved = await turn.storage.baselines.save(
        turn.workspace_id,
        turn.place.channel_id,
        sample_baseline(),
        created_by=turn.event.actor.user_id,
        note="sample baseline",
    )
    await turn.reply(
        f"Loaded the sample team as baseline v{saved.version}. Ask away, e.g. “what if win rate drops to 20%”.",
        thread_id=turn.answer_thread(),
    )
    await show(turn, saved)


async def on_baseline(turn: Turn) -> None:
    words = turn.event.text.split()[1:]
    sub = words[0].lower() if words else "show"
    if sub == "sample" and len(words) == 1:
        await load_sample(turn)
        return
    if sub != "show" or len(words) > 1:
        await turn.reply(BASELINE_USAGE, thread_id=turn.answer_thread())
        return
    stored = await latest(turn)
    if stored is None:
        await turn.reply(first_run_card(), thread_id=turn.answer_thread())
        return
    await show(turn, stored)


async def set_driver(turn: Turn, stored: Any = None) -> None:
    """`set <driver> <value>`: a new baseline version with one driver changed (engine-validated)."""
    stored = stored if stored is not None else await latest(turn)
    thread_id = turn.answer_thread()
    if stored is None:
        await turn.reply(first_run_card(), thread_id=thread_id)
        return
    current = parse_baseline(stored.data)
    parsed = parse_set(turn.event.text, current)
    if not parsed.changes:
        problem = parsed.problem or f"I could not read {turn.event.text.strip()!r} as a driver and a value."
        await turn.reply(
            not_understood_card(problem, list(parsed.suggestions) or list(SET_EXAMPLES)), thread_id=thread_id
        )
        return
    try:
        # validate the whole result as the engine would read it back, before anything is stored
        new_data = baseline_to_dict(parse_baseline(baseline_to_dict(apply_changes(current, parsed.changes))))
    except BaselineError as exc:
        await turn.reply(not_understood_card("; ".join(exc.problems), list(SET_EXAMPLES)), thread_id=thread_id)
        return
    answer = await turn.run(compute_answer, stored.data, [c.to_dict() for c in parsed.changes], False, False)
    saved = await turn.storage.baselines.save(
        turn.workspace_id, turn.place.channel_id, new_data, created_by=turn.event.actor.user_id, note=turn.event.text
    )
    understood = "; ".join(parsed.interpretation) or ", ".join(c.driver for c in parsed.changes)
    before, after = pct(answer.baseline["p_hit"]), pct(answer.scenario["p_hit"])
    await turn.reply(
        f"Baseline v{saved.version} saved: {understood}. P(reach target) is now {after} (was {before}).",
        thread_id=thread_id,
    )


def register(router: Router) -> None:
    router.command("baseline", on_baseline)
    router.command("set", set_driver)
