"""The `nudge` and `track` commands, and the nudge card's "Ask a what-if" button.

Owns a channel's one nudge schedule (storage.schedules, key `nudge:<platform>:<workspace>:<channel>`, kind
`nudge`): `nudge every Monday 09:00 [Europe/Berlin] [quiet]` sets or replaces it (the time zone typed, else the
person's: Slack `users.info` through the sender, cached; else UTC, said in the confirmation), `nudge` shows it
and its next run in local time, `nudge quiet` / `nudge quiet off` change the option, `nudge off` stops it. Bad
input gets the reason and an example and changes nothing. `track record` answers with the channel's track record
(bot.core.nudges.trackrecord). The due nudges themselves are posted by the worker (bot.core.nudges.job).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from bot.core.cards import Form, FormField
from bot.core.events import ActionInvoked, FormSubmitted, MessageReceived, Place
from bot.core.formatting import message_text, user
from bot.core.jobs import ScheduleError, next_run, zone
from bot.core.nudges.cards import WHATIF_ACTION
from bot.core.nudges.schedule import EXAMPLE, NudgeSchedule, ScheduleProblem, local_label, parse_schedule
from bot.core.router import Router
from bot.core.turn import Turn

__all__ = ["register", "NUDGE", "schedule_key", "schedule_payload", "WHATIF_FORM"]

log = logging.getLogger(__name__)

NUDGE = "nudge"  # the job kind of a due nudge
WHATIF_FORM = "nudge_whatif"
WHATIF_FIELD = "question"
TZ_CACHE_SECONDS = 3600.0
_tz_cache: dict[tuple[str, str, str], tuple[float, str | None]] = {}
USAGE = (
    f"Nudges check the target on a schedule and post what changed: {EXAMPLE} sets one (a time zone is optional), "
    "“/scenario nudge” shows it, “/scenario nudge quiet” posts only when the chance moved by 5 points or crossed "
    "50%, “/scenario nudge off” stops it."
)


def schedule_key(place: Place) -> str:
    return f"{NUDGE}:{place.platform}:{place.workspace_id}:{place.channel_id}"


def _now(turn: Turn) -> datetime:
    clock = getattr(turn.services, "clock", None)
    return clock() if callable(clock) else datetime.now(UTC)


async def _say(turn: Turn, text: str) -> None:
    await turn.reply(message_text(turn.place.platform, text), thread_id=turn.answer_thread())


async def person_timezone(turn: Turn) -> str | None:
    """The time zone of the person who typed the command, where the platform tells it (Teams: the activity's
    `localTimezone`; Slack users.info `tz`, asked through the sender and kept for an hour); None elsewhere."""
    given = turn.event.actor.timezone
    if given:
        try:
            zone(given)
            return given
        except ScheduleError:
            log.warning("the platform gave an unknown time zone; using the fallback")
    sender = getattr(turn.outbox, "sender", None)
    lookup = getattr(sender, "user_timezone", None)
    if lookup is None:
        return None
    key = (turn.place.platform, turn.place.workspace_id, turn.event.actor.user_id)
    cached = _tz_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < TZ_CACHE_SECONDS:
        return cached[1]
    try:
        tz: str | None = await lookup(turn.place.workspace_id, turn.event.actor.user_id)
    except Exception as error:  # the nudge is still set, in UTC, and the confirmation says so
        log.warning("time zone lookup failed: %s", type(error).__name__)
        return None
    _tz_cache[key] = (time.monotonic(), tz)
    return tz


def schedule_payload(turn: Turn, spec: NudgeSchedule, tz: str, quiet: bool, first: datetime) -> dict[str, Any]:
    """What the nudge job needs, without reading anything else: where to post and how."""
    place = turn.place
    return {
        "platform": place.platform,
        "workspace": place.workspace_id,
        "workspace_id": turn.workspace_id,
        "channel": place.channel_id,
        "is_dm": place.is_dm,
        "tz": tz,
        "quiet": quiet,
        "label": spec.label,
        "cron": spec.cron,
        "every_other": spec.every_other,
        # the first run: an every-other-week schedule posts in the weeks an even number of weeks after it
        "anchor": first.astimezone(zone(tz)).date().isoformat(),
        "set_by": turn.event.actor.user_id,
        "set_at": _now(turn).isoformat(),
    }


async def _show(turn: Turn) -> None:
    current = await turn.storage.schedules.get(schedule_key(turn.place))
    if current is None:
        await _say(turn, f"No nudge is set for this channel. {USAGE}")
        return
    p = current.payload
    quiet = " Quiet: posts only when the chance moved by 5 points or crossed 50%." if p.get("quiet") else ""
    await _say(
        turn,
        f"Nudge: {p.get('label')} ({current.timezone}); next: {local_label(current.next_run_at, current.timezone)}."
        f"{quiet} “/scenario nudge off” stops it.",
    )


async def _off(turn: Turn) -> None:
    removed = await turn.storage.schedules.remove(schedule_key(turn.place))
    if removed:
        await _say(turn, "Nudges stopped for this channel. Set a new one any time, e.g. " + EXAMPLE + ".")
    else:
        await _say(turn, f"There was no nudge to stop in this channel. {USAGE}")


async def _quiet(turn: Turn, quiet: bool) -> None:
    key = schedule_key(turn.place)
    current = await turn.storage.schedules.get(key)
    if current is None:
        await _say(turn, f"No nudge is set for this channel yet: set one first, e.g. {EXAMPLE}.")
        return
    payload = {**current.payload, "quiet": quiet}
    await turn.storage.schedules.put(
        key,
        kind=NUDGE,
        cron=current.cron,
        timezone=current.timezone,
        payload=payload,
        next_run_at=current.next_run_at,
        workspace_id=current.workspace_id,
    )
    if quiet:
        await _say(turn, "Quiet nudges: I post only when the chance moved by 5 points or more, or crossed 50%.")
    else:
        await _say(turn, "Nudges post at every scheduled time again.")


async def _set(turn: Turn, text: str) -> None:
    try:
        spec = parse_schedule(text)
    except ScheduleProblem as problem:
        await _say(turn, f"{user(str(problem))} Nothing was changed.")
        return
    now = _now(turn)
    if spec.timezone:
        tz, whose = spec.timezone, "as you asked"
    else:
        found = await person_timezone(turn)
        tz, whose = (
            (found, "your time zone")
            if found
            else ("UTC", "I do not know your time zone: add one, e.g. 09:00 Europe/Berlin")
        )
    key = schedule_key(turn.place)
    previous = await turn.storage.schedules.get(key)
    first = next_run(spec.cron, tz, now)
    quiet = spec.quiet
    await turn.storage.schedules.put(
        key,
        kind=NUDGE,
        cron=spec.cron,
        timezone=tz,
        payload=schedule_payload(turn, spec, tz, quiet, first),
        next_run_at=first,
        workspace_id=turn.workspace_id,
    )
    replaced = f" It replaces {previous.payload.get('label')}." if previous is not None else ""
    how = " Quiet: only when the chance moved by 5 points or crossed 50%." if quiet else ""
    await _say(
        turn,
        f"Nudge set: {spec.label} {tz} ({whose}). I will post P(reach target) here with what changed since the "
        f"last check and why; next: {local_label(first, tz)}.{how}{replaced} “/scenario nudge off” stops it.",
    )


async def on_nudge(turn: Turn) -> None:
    words = turn.text.split()[1:]
    rest = " ".join(words).strip()
    low = rest.lower().rstrip(".!")
    if not rest or low in ("show", "status", "?"):
        await _show(turn)
    elif low in ("off", "stop", "cancel", "none", "disable"):
        await _off(turn)
    elif low in ("quiet", "quiet on"):
        await _quiet(turn, True)
    elif low in ("quiet off", "loud", "always", "not quiet"):
        await _quiet(turn, False)
    elif low in ("help", "usage"):
        await _say(turn, USAGE)
    else:
        await _set(turn, rest)


async def on_track(turn: Turn) -> None:
    from bot.core.nudges import trackrecord  # matplotlib and the engine only when asked

    words = [w.lower() for w in turn.text.split()[1:]]
    if words[:1] != ["record"] or len(words) > 1:
        await _say(turn, "Did you mean “/scenario track record”? It shows how this channel's forecasts did.")
        return
    await trackrecord.reply(turn)


async def on_whatif_button(turn: Turn) -> None:
    """The nudge card's "Ask a what-if": a one-line form; the question is answered in the card's thread."""
    event = turn.event
    assert isinstance(event, ActionInvoked)
    sent = None
    if event.message_id:
        sent = await turn.storage.messages.find(turn.workspace_id, turn.place.channel_id, event.message_id)
    form = Form(
        form_id=WHATIF_FORM,
        title="Ask a what-if",
        fields=(FormField(WHATIF_FIELD, "Your question", multiline=False, placeholder="e.g. what if we add 2 reps"),),
        submit_label="Ask",
        metadata={"sent_message_id": sent.id if sent is not None else None},
    )
    await turn.outbox.open_form(turn.place, form, event.trigger)


async def on_whatif_form(turn: Turn) -> None:
    from bot.core.scenarios.questions import on_question

    event = turn.event
    assert isinstance(event, FormSubmitted)
    raw_id = event.metadata.get("sent_message_id")
    sent = await turn.storage.messages.get(turn.workspace_id, raw_id) if isinstance(raw_id, int) else None
    place = event.place
    if sent is not None:
        place = Place(
            place.platform, place.workspace_id, sent.channel_id, sent.thread_id or sent.message_id, place.is_dm
        )
    question = (event.values.get(WHATIF_FIELD) or "").strip()
    typed = MessageReceived(event.actor, place, question, via="command", delivery_id=event.delivery_id)
    await on_question(Turn(typed, turn.outbox, turn.workspace_id, turn.services))


def register(router: Router) -> None:
    router.command("nudge", on_nudge)
    router.command("track", on_track)
    router.action(WHATIF_ACTION, on_whatif_button, opens_form=True)
    router.form(WHATIF_FORM, on_whatif_form)
