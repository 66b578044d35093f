"""The channel's baseline: show it, load the shipped sample, change one driver with `set`.

Owns the `baseline` command (`baseline` / `baseline show`: the baseline card; `baseline sample`: store the
sample team as a new version) and the `set <driver> <value>` command: every change is validated by the engine
before it is saved as a new baseline version, and the reply says what changed and the new P(reach target).
A channel without a baseline gets the first-run card instead.

Also owns rolling a stale baseline forward (bot.core.baselines.freshness): "set as of today" (or a date) and
the "Roll forward to today" button of every stale answer store a new version as of that day and say how the
weeks left, the overdue deals and the chance changed.
"""

from __future__ import annotations

import json
import re
from datetime import date
from importlib import resources
from typing import TYPE_CHECKING, Any

from bot.core.baselines.freshness import (
    ROLL_ACTION,
    day_label,
    engine_data,
    period_of,
    roll_forward,
    sources_of,
    with_sources,
)
from bot.core.formatting import message_text, money, number, pct, user
from bot.core.language import SET_EXAMPLES, parse_set
from bot.core.router import Router
from bot.core.scenarios.cards import baseline_card, first_run_card, not_understood_card
from bot.core.scenarios.compute import Answer, compute_answer
from bot.core.turn import Turn
from engine.baseline import BaselineError, baseline_to_dict, parse_baseline
from engine.changes import apply_changes

if TYPE_CHECKING:
    from storage import BaselineVersion

__all__ = ["register", "sample_baseline", "latest", "show", "set_driver", "set_as_of", "BASELINE_USAGE"]

BASELINE_USAGE = (
    "Usage: “baseline” shows this channel's baseline; “baseline sample” loads the shipped sample team "
    "(10 reps, 60 open deals) as a new version; “set win rate 30%” changes one driver."
)


def sample_baseline(today: date | None = None) -> dict[str, Any]:
    """The shipped sample team (bot/data/sample_baseline.json), DESIGN section 6 JSON. With `today`, the team is
    moved to today (as_of, the period end and every close date shifted by the same days), so a demo's cards are
    current instead of saying "as of Nov 16 (13 days ago)" on every answer; its chances stay the same."""
    text = resources.files("bot").joinpath("data/sample_baseline.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    if today is None:
        return data
    shift = today - date.fromisoformat(data["as_of"])
    data["as_of"] = today.isoformat()
    data["period_end"] = (date.fromisoformat(data["period_end"]) + shift).isoformat()
    for deal in data.get("pipeline") or []:
        if deal.get("close_date"):
            deal["close_date"] = (date.fromisoformat(deal["close_date"]) + shift).isoformat()
    return data


def _chance(answer: Answer) -> str:
    """P(reach target) of an answer's baseline, or why there is none (a stored version the engine now refuses)."""
    if answer.baseline is None:
        return "not computable (" + "; ".join(answer.problems) + ")"
    return pct(answer.baseline.p_hit)


async def latest(turn: Turn) -> BaselineVersion | None:
    """The channel's latest stored baseline version, or None."""
    return await turn.storage.baselines.latest(turn.workspace_id, turn.place.channel_id)


def today(turn: Turn) -> date:
    return turn.services.today or date.today()


async def show(turn: Turn, stored: BaselineVersion) -> None:
    answer = await turn.run(compute_answer, engine_data(stored.data), [], False, False)
    period = period_of(stored.data, today(turn), stored.id)
    card = baseline_card(baseline=stored.data, version=stored.version, forecast=answer.baseline, period=period)
    await turn.reply(card, thread_id=turn.answer_thread())


async def load_sample(turn: Turn) -> None:
    saved = await turn.storage.baselines.save(
        turn.workspace_id,
        turn.place.channel_id,
        sample_baseline(today(turn)),
        created_by=turn.event.actor.user_id,
        note="sample baseline",
    )
    await turn.reply(
        f"Loaded the sample team as baseline v{saved.version}. Ask away, e.g. “what if win rate drops to 20%”.",
        thread_id=turn.answer_thread(),
    )
    await show(turn, saved)


async def on_baseline(turn: Turn) -> None:
    words = turn.text.split()[1:]
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


async def set_driver(turn: Turn, stored: BaselineVersion | None = None) -> None:
    """`set <driver> <value>`: a new baseline version with one driver changed (engine-validated)."""
    stored = stored if stored is not None else await latest(turn)
    thread_id = turn.answer_thread()
    if stored is None:
        await turn.reply(first_run_card(), thread_id=thread_id)
        return
    as_of = _AS_OF.match(turn.text.strip())
    if as_of:
        await set_as_of(turn, stored, as_of.group(1))
        return
    current = parse_baseline(engine_data(stored.data))
    parsed = parse_set(turn.text, current)
    if not parsed.changes:
        problem = parsed.problem or f"I could not read {turn.text.strip()!r} as a driver and a value."
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
    # a value set by hand is no longer borrowed: its source goes, the others stay with the baseline
    sources = {k: v for k, v in sources_of(stored.data).items() if k not in {c.driver for c in parsed.changes}}
    new_data = with_sources(new_data, sources, _period_start(stored.data))
    # "now" is the forecast of the baseline as saved, not of the what-if: "set reps 12" saves 12 fully ramped
    # reps, while the what-if "reps 10 -> 12" would have the 2 new ones ramp up (a different, lower chance)
    was = await turn.run(compute_answer, engine_data(stored.data), [], False, False)
    now = await turn.run(compute_answer, engine_data(new_data), [], False, False)
    saved = await turn.storage.baselines.save(
        turn.workspace_id, turn.place.channel_id, new_data, created_by=turn.event.actor.user_id, note=turn.text
    )
    understood = "; ".join(user(line) for line in parsed.interpretation) or ", ".join(c.driver for c in parsed.changes)
    before, after = _chance(was), _chance(now)
    text = f"Baseline v{saved.version} saved: {understood}. P(reach target) is now {after} (was {before})."
    await turn.reply(message_text(turn.place.platform, text), thread_id=thread_id)


_AS_OF = re.compile(r"^set\s+(?:the\s+)?as[\s_-]*of(?:\s+(?:to|=)(?=\s))?\s*(.*)$", re.IGNORECASE)
AS_OF_EXAMPLE = "e.g. “/scenario set as of today” or “/scenario set as of 2026-11-29”"


def _period_start(data: dict[str, Any]) -> date | None:
    try:
        return date.fromisoformat(str(data["period_start"])) if data.get("period_start") else None
    except ValueError:
        return None


def _as_of_day(text: str, now: date) -> date | None:
    words = text.strip().lower()
    if words in ("", "today", "now"):
        return now
    try:
        return date.fromisoformat(words)
    except ValueError:
        return None


async def set_as_of(turn: Turn, stored: BaselineVersion, text: str) -> None:
    """`set as of today|YYYY-MM-DD`: roll the baseline forward to that day (today at the latest)."""
    now = today(turn)
    day = _as_of_day(text, now)
    thread_id = turn.answer_thread()
    if day is None or day > now:
        shown = text.strip() or "nothing"
        why = "is in the future" if day is not None else "is not a date"
        await turn.reply(
            f"“{shown}” {why}: a baseline can be rolled forward up to today, {AS_OF_EXAMPLE}.", thread_id=thread_id
        )
        return
    await roll(turn, stored, day)


async def roll(turn: Turn, stored: BaselineVersion, day: date) -> None:
    """Store `stored` rolled forward to `day` as a new version and say what changed."""
    thread_id = turn.answer_thread()
    rolled = roll_forward(stored.data, day)
    if rolled.data is None:
        await turn.reply(f"Nothing to roll forward: {rolled.problem}.", thread_id=thread_id)
        return
    before = await turn.run(compute_answer, engine_data(stored.data), [], False, False)
    after = await turn.run(compute_answer, engine_data(rolled.data), [], False, False)
    if after.problems or after.baseline is None:
        await turn.reply(not_understood_card("; ".join(after.problems), [AS_OF_EXAMPLE]), thread_id=thread_id)
        return
    old = period_of(stored.data)
    saved = await turn.storage.baselines.save(
        turn.workspace_id,
        turn.place.channel_id,
        rolled.data,
        created_by=turn.event.actor.user_id,
        note=f"rolled forward from v{stored.version} to {day.isoformat()}",
    )
    cur = rolled.data.get("currency") or "USD"
    weeks_before = f"{number(before.baseline.weeks_left)} → " if before.baseline is not None else ""
    weeks = f"{weeks_before}{number(after.baseline.weeks_left)} weeks left"
    overdue = ""
    if rolled.overdue:
        n = len(rolled.overdue)
        deals, verb, whose = ("deal", "was", "its") if n == 1 else ("deals", "were", "their")
        end = day_label(date.fromisoformat(str(rolled.data["period_end"])))
        overdue = (
            f" {n} open {deals} ({money(rolled.overdue_amount, cur)}) {verb} due to close before {day_label(day)}: "
            f"overdue, so moved to close by {end} at {whose} own probability (whether they were won is not known "
            "until a fresh export)."
        )
    since = f"from {day_label(old.as_of)} " if old is not None else ""
    await turn.reply(
        f"Baseline v{saved.version} saved: rolled forward {since}to {day_label(day)} ({weeks}).{overdue} "
        f"Booked stays {money(rolled.data.get('booked', 0), cur)} as of "
        f"{day_label(old.as_of) if old else 'the old date'}: import a fresh export to update it. "
        f"P(reach target) is now {_chance(after)} (was {_chance(before)}).",
        thread_id=thread_id,
    )


async def on_roll_button(turn: Turn) -> None:
    """The "Roll forward to today" button of a stale answer: rolls the channel's latest baseline (not the one the
    card was computed from: an older version must not overwrite newer changes)."""
    stored = await latest(turn)
    if stored is None:
        await turn.reply(first_run_card(), thread_id=turn.answer_thread())
        return
    await roll(turn, stored, today(turn))


def register(router: Router) -> None:
    router.command("baseline", on_baseline)
    router.command("set", set_driver)
    router.action(ROLL_ACTION, on_roll_button)
