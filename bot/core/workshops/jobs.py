"""The workshop's durable jobs: sending the plan, the reminder the day before, the survey, its reminders, closing.

Owns what each due job does; every one decides at run time whether it is still wanted and sends under an
idempotency key, so a retried job, a second worker or a restart sends nothing twice:
- `workshop.send` (queued by Send): the channel's workshop card (`workshop:<id>:card`) and one invitation DM per
  participant (`dm:workshop:<id>:invite:<user>`), then the survey job at end + delay;
- `workshop.reminder`: to a person who still attends, the day before at 09:00 in THEIR time zone;
- `workshop.survey`: the questionnaire DM to every participant who did not say they can't attend (they were not
  there to judge it) (`dm:workshop:<id>:survey:<user>`), at most 2 reminder jobs each in their working hours, and
  the close job;
- `workshop.survey_reminder`: only to someone who has not answered, while the survey is open, at most 2 (counted in
  the database, so never more however many workers run it);
- `workshop.close`: closes the survey and posts the results card in the channel (`workshop:<id>:results`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.events import Place
from bot.core.jobs import ScheduleError, zone
from bot.core.workshops.cards import (
    invitation_card,
    reminder_card,
    results_card,
    survey_card,
    survey_reminder_card,
    workshop_card,
)
from bot.core.workshops.results import compute_results, summarise
from storage import Job, NewJob

if TYPE_CHECKING:
    from bot.worker import JobContext

__all__ = [
    "handlers",
    "SEND_JOB",
    "REMINDER_JOB",
    "SURVEY_JOB",
    "SURVEY_REMINDER_JOB",
    "CLOSE_JOB",
    "MAX_SURVEY_REMINDERS",
    "build_results",
    "reminder_due",
    "working_time",
    "job_payload",
    "surveyed",
]

log = logging.getLogger(__name__)
SEND_JOB = "workshop.send"
REMINDER_JOB = "workshop.reminder"
SURVEY_JOB = "workshop.survey"
SURVEY_REMINDER_JOB = "workshop.survey_reminder"
CLOSE_JOB = "workshop.close"
MAX_SURVEY_REMINDERS = 2
REMINDER_HOUR = time(9, 0)
WORK_START, WORK_END = time(9, 0), time(17, 0)
PARALLEL_DMS = 8  # DMs in flight at once: a 200-person survey is not 400 calls in a row, nor 400 at once


def handlers() -> dict[str, Any]:
    return {
        SEND_JOB: run_send,
        REMINDER_JOB: run_reminder,
        SURVEY_JOB: run_survey,
        SURVEY_REMINDER_JOB: run_survey_reminder,
        CLOSE_JOB: run_close,
    }


def surveyed(w: Any) -> list[Any]:
    """Who gets the survey: everyone invited but those who said they can't attend."""
    return [p for p in w.participants if p.status != "declined"]


def job_payload(platform: str, workspace: str, workspace_id: int, workshop_id: int, **extra: Any) -> dict[str, Any]:
    return {"platform": platform, "workspace": workspace, "workspace_id": workspace_id, "w": workshop_id, **extra}


def _tz(name: str | None, fallback: str) -> str:
    try:
        return zone(name).key if name else fallback
    except ScheduleError:
        return fallback


def reminder_due(start_at: datetime, tz: str, now: datetime) -> datetime | None:
    """09:00 the day before the workshop in the person's time zone; now, if they accepted later on that day; None
    when the day before has passed (they accepted on the day itself: no reminder)."""
    local = zone(tz)
    day_before = start_at.astimezone(local).date() - timedelta(days=1)
    due = datetime.combine(day_before, REMINDER_HOUR, local)
    if due > now:
        return due
    return now if now.astimezone(local).date() == day_before and now < start_at else None


def working_time(moment: datetime, tz: str) -> datetime:
    """`moment`, or the next working-hours instant (Monday to Friday, 09:00-17:00) in `tz` after it."""
    local = moment.astimezone(zone(tz))
    for _ in range(8):
        if local.weekday() < 5 and WORK_START <= local.time() < WORK_END:
            return local
        next_day = local.date() + timedelta(days=0 if local.time() < WORK_START else 1)
        local = datetime.combine(next_day, WORK_START, local.tzinfo)
    return local


async def _context(job: Job, ctx: JobContext, *, people: bool = True) -> tuple[Any, Any, Place] | None:
    p = job.payload
    if p["platform"] not in ctx.worker.senders:
        log.info("workshop job %s: no sender for %s", job.key, p["platform"])
        return None
    w = await ctx.worker.storage.workshops.get(p["workspace_id"], p["w"], participants=people)
    if w is None:
        return None
    return (
        w,
        ctx.outbox(p["platform"], workspace_id=p["workspace_id"]),
        Place(p["platform"], p["workspace"], w.channel_id),
    )


async def _each(users: list[Any], send: Any) -> None:
    gate = asyncio.Semaphore(PARALLEL_DMS)

    async def one(item: Any) -> None:
        async with gate:
            await send(item)

    await asyncio.gather(*(one(u) for u in users))


async def run_send(job: Job, ctx: JobContext) -> None:
    found = await _context(job, ctx)
    if found is None:
        return
    w, outbox, place = found
    storage, p = ctx.worker.storage, job.payload
    sent = await outbox.send(place, workshop_card(w), key=f"workshop:{w.id}:card")
    if sent is not None and w.card_message_id != sent.message_id:
        await storage.workshops.set_card(w.workspace_id, w.id, sent.message_id)
    card = invitation_card(w)

    async def invite(person: Any) -> None:
        await outbox.dm(place, person.user_id, card, key=f"dm:workshop:{w.id}:invite:{person.user_id}")

    await _each(list(w.participants), invite)
    if w.questions:
        due = w.end_at + timedelta(minutes=w.survey_delay_minutes)
        await ctx.assistant.later(
            SURVEY_JOB, f"workshop:{w.id}:survey", {**p, "due": due.isoformat()}, run_at=due,
            workspace_id=w.workspace_id,
        )  # fmt: skip


async def run_reminder(job: Job, ctx: JobContext) -> None:
    found = await _context(job, ctx)
    if found is None:
        return
    w, outbox, place = found
    user = job.payload["user"]
    person = next((x for x in w.participants if x.user_id == user), None)
    if person is None or person.status != "attending" or ctx.worker.clock() >= w.start_at:
        return  # declined since, or the workshop has begun
    tz = _tz(person.timezone, w.timezone)
    await outbox.dm(place, user, reminder_card(w, tz), key=f"dm:workshop:{w.id}:reminder:{user}")


async def _timezone(ctx: JobContext, platform: str, workspace: str, person: Any, fallback: str) -> str:
    if person.timezone:
        return _tz(person.timezone, fallback)
    lookup = getattr(ctx.worker.senders.get(platform), "user_timezone", None)
    if lookup is None:
        return fallback
    try:
        return _tz(await lookup(workspace, person.user_id), fallback)
    except Exception as error:  # working hours fall back to the workshop's time zone
        log.warning("time zone look-up failed: %s", type(error).__name__)
        return fallback


async def run_survey(job: Job, ctx: JobContext) -> None:
    found = await _context(job, ctx)
    if found is None:
        return
    w, outbox, place = found
    storage, p = ctx.worker.storage, job.payload
    if w.status != "sent" or not w.questions:
        return
    now = ctx.worker.clock()
    closes_at = datetime.fromisoformat(p["due"]) + timedelta(days=w.survey_days)
    if await storage.workshops.survey_sent(w.workspace_id, w.id, now=now, closes_at=closes_at):
        w = await storage.workshops.get(w.workspace_id, w.id)
    closes_at = w.closes_at or closes_at
    open_for = closes_at - now

    # time zones first (asked of the platform where unknown, stored in one write), then the DMs, then every
    # reminder and the close in one write: the survey of 200 people is not 600 separate transactions
    zones: dict[str, str] = {}

    async def find_zone(person: Any) -> None:
        zones[person.user_id] = await _timezone(ctx, p["platform"], p["workspace"], person, w.timezone)

    asked = surveyed(w)
    await _each(asked, find_zone)
    known = {x.user_id: x.timezone for x in w.participants}
    changed = {u: tz for u, tz in zones.items() if tz != known.get(u)}
    await storage.workshops.set_timezones(w.workspace_id, w.id, changed)

    async def ask(person: Any) -> None:
        card = survey_card(w, closes_at, zones[person.user_id])
        await outbox.dm(place, person.user_id, card, key=f"dm:workshop:{w.id}:survey:{person.user_id}")

    await _each(asked, ask)
    later = [NewJob(CLOSE_JOB, f"workshop:{w.id}:close", p, run_at=closes_at, workspace_id=w.workspace_id)]
    for person in asked:
        tz = zones[person.user_id]
        for n in range(1, MAX_SURVEY_REMINDERS + 1):
            at = working_time(now + open_for * n / (MAX_SURVEY_REMINDERS + 1), tz)
            if at < closes_at:
                key = f"workshop:{w.id}:survey-reminder:{person.user_id}:{n}"
                payload = {**p, "user": person.user_id, "n": n, "tz": tz}
                later.append(NewJob(SURVEY_REMINDER_JOB, key, payload, run_at=at, workspace_id=w.workspace_id))
    await storage.jobs.enqueue_many(later, now=now)


async def run_survey_reminder(job: Job, ctx: JobContext) -> None:
    found = await _context(job, ctx, people=False)
    if found is None:
        return
    w, outbox, place = found
    p = job.payload
    if w.closes_at is None or ctx.worker.clock() >= w.closes_at:
        return
    # counted first, in one conditional UPDATE: only while unanswered and open, at most n reminders in all
    if not await ctx.worker.storage.workshops.count_reminder(w.workspace_id, w.id, p["user"], limit=p["n"]):
        return
    card = survey_reminder_card(w, w.closes_at, p.get("tz") or w.timezone)
    await outbox.dm(place, p["user"], card, key=f"dm:workshop:{w.id}:survey-reminder:{p['user']}:{p['n']}")


async def build_results(storage: Any, run: Any, charts: bool, w: Any, *, final: bool) -> Any:
    """The results card of workshop `w` as of now (`run` runs the engine and the chart in the executor)."""
    answers = await storage.workshops.answers(w.workspace_id, w.id)
    summary = summarise(list(w.questions), answers, len(surveyed(w)), anonymous=w.anonymous)
    computed: dict[str, Any] = {"scenarios": [], "p_base": None, "chart": None}
    if summary.shown:
        numbers = [(n.driver, n.median) for n in summary.numbers if n.driver]
        baseline = await storage.baselines.latest(w.workspace_id, w.channel_id) if numbers else None
        computed = await run(compute_results, baseline.data if baseline else None, numbers, summary.ratings, charts)
    return results_card(w, summary, computed, final=final)


async def run_close(job: Job, ctx: JobContext) -> None:
    found = await _context(job, ctx)
    if found is None:
        return
    w, outbox, place = found
    storage = ctx.worker.storage
    if w.status == "sent":
        await storage.workshops.close(w.workspace_id, w.id, now=ctx.worker.clock())
        w = await storage.workshops.get(w.workspace_id, w.id)
    card = await build_results(storage, ctx.assistant.run_blocking, ctx.assistant.charts, w, final=True)
    await outbox.send(place, card, key=f"workshop:{w.id}:results")
