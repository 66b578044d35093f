"""The nudge job: at each due time, recompute the channel's chance from its latest baseline and post it.

Owns what a due nudge does (the worker turns each due time of a `nudge` schedule into one job keyed
`<schedule key>@<due time>`, and catches up with one job after a worker was down):
- a schedule stopped or replaced after the job was queued posts nothing;
- "every other" schedules fire weekly; the job posts only if an on-week due time (an even number of weeks after
  the anchor, the first run) lies between this due time and now, so a catch-up after a missed on-week still posts;
- a channel without a baseline gets one card saying how to set one (keyed `nudge:<channel>:no-baseline`, so once),
  then nothing until it has one;
- a period that has ended gets one result card (booked vs target when a baseline as of the period end says so,
  recorded as the period's outcome), then nothing until a baseline for a new period arrives;
- otherwise the latest baseline, at send time, is rolled forward to the day of the check and forecast (in the
  executor); with `quiet`, nothing is posted unless the chance moved by 5 points since the last posted nudge or
  crossed 50%; the card is posted under the idempotency key `nudge:<platform>:<workspace>:<channel>:<due time>`,
  recorded as a scenario card (likes, comments, Drivers) and as a published forecast (the track record).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.core.baselines.freshness import Period, day_label, period_of, sources_of
from bot.core.cards import card_to_dict
from bot.core.events import Place
from bot.core.jobs import next_run, zone
from bot.core.nudges.cards import change_text, final_card, no_baseline_card, nudge_card, reasons, since_text
from bot.core.nudges.compute import NudgeFigures, compute_nudge
from bot.core.nudges.feature import NUDGE
from bot.core.nudges.schedule import on_week
from storage import Job

if TYPE_CHECKING:
    from bot.worker import JobContext
    from storage import BaselineVersion
    from storage.records import Forecast as Published

__all__ = ["run_nudge", "handlers", "QUIET_POINTS"]

log = logging.getLogger(__name__)
QUIET_POINTS = 0.05
MAX_CATCH_UP_SLOTS = 60


def handlers() -> dict[str, Any]:
    """The job handlers this feature adds to the worker."""
    return {NUDGE: run_nudge}


def _posting_week(payload: dict[str, Any], due: datetime, now: datetime) -> bool:
    anchor = date.fromisoformat(payload["anchor"])
    tz = zone(payload["tz"])
    slot = due
    for _ in range(MAX_CATCH_UP_SLOTS):
        if slot > now:
            return False
        if on_week(slot.astimezone(tz).date(), anchor):
            return True
        slot = next_run(payload["cron"], payload["tz"], slot)
    return True  # down for over a year: post once rather than never


async def run_nudge(job: Job, ctx: JobContext) -> None:
    p = job.payload
    platform, external, channel = p["platform"], p["workspace"], p["channel"]
    if platform not in ctx.worker.senders:
        log.info("nudge %s: no sender for %s, nothing posted", job.key, platform)
        return
    storage = ctx.worker.storage
    schedule = await storage.schedules.get(p["schedule"])
    if schedule is None or schedule.payload.get("set_at") != p.get("set_at"):
        return  # stopped (`nudge off`) or replaced after this due time was queued
    now = ctx.worker.clock()
    due = datetime.fromisoformat(p["due"])
    if p.get("every_other") and not _posting_week(p, due, now):
        return
    tz = zone(p["tz"])
    day = now.astimezone(tz).date()
    ws = await storage.workspaces.ensure(platform, external)
    place = Place(platform, external, channel, None, bool(p.get("is_dm")))
    base_key = f"nudge:{platform}:{external}:{channel}"
    key = f"{base_key}:{due.isoformat()}"
    outbox = ctx.outbox(platform, workspace_id=ws.id)
    stored = await storage.baselines.latest(ws.id, channel)
    if stored is None:
        await outbox.send(place, no_baseline_card(p["label"]), key=f"{base_key}:no-baseline")
        return
    period = period_of(stored.data, day, stored.id)
    if period is None:
        return
    if day > period.period_end:
        await _period_ended(ctx, ws.id, place, stored, period, base_key, now)
        return
    last = await storage.forecasts.last(ws.id, channel, kind="nudge")
    if last is not None and last.key == key:
        return  # this due time was posted and recorded by an earlier attempt
    if last is not None and last.period_end != period.period_end:
        last = None  # a new period: the first check of it
    previous = None
    if last is not None and last.baseline_id is not None and last.baseline_id != stored.id:
        previous = await storage.baselines.get(ws.id, last.baseline_id)
    title = f"Target check, {day_label(day)}"
    figures: NudgeFigures = await ctx.assistant.run_blocking(
        compute_nudge, stored.data, previous.data if previous else None, day, ctx.assistant.charts, title
    )
    if figures.forecast is None:
        log.warning("nudge %s: the baseline cannot be forecast (%d problems)", job.key, len(figures.problems))
        return
    p_now = float(figures.forecast.p_hit)
    if p.get("quiet") and last is not None:
        moved = abs(p_now - last.p_hit) >= QUIET_POINTS - 1e-9 or (p_now >= 0.5) != (last.p_hit >= 0.5)
        if not moved:
            log.info("nudge %s: quiet, the chance did not move (%.3f -> %.3f)", job.key, last.p_hit, p_now)
            return
    await _post(ctx, ws.id, place, stored, period, figures, last, previous, day, now, key, p)


async def _post(
    ctx: JobContext,
    workspace_id: int,
    place: Place,
    stored: BaselineVersion,
    period: Period,
    figures: NudgeFigures,
    last: Published | None,
    previous: BaselineVersion | None,
    day: date,
    now: datetime,
    key: str,
    p: dict[str, Any],
) -> None:
    storage = ctx.worker.storage
    forecast = figures.forecast
    assert forecast is not None
    p_now = float(forecast.p_hit)
    tz = zone(p["tz"])
    as_of = max(day, period.as_of)
    since = since_text(last.published_at.astimezone(tz), now.astimezone(tz)) if last is not None else ""
    why = reasons(
        previous_p=last.p_hit if last is not None else None,
        previous_day=last.as_of if last is not None else None,
        previous_data=previous.data if previous is not None else None,
        previous_version=previous.version if previous is not None else None,
        p_now=p_now,
        previous_now=figures.previous_now,
        day=as_of,
        data=stored.data,
        version=stored.version,
        overdue=figures.overdue,
    )
    summary = {k: getattr(forecast, k) for k in ("p_hit", "expected", "p10", "p50", "p90", "weeks_left", "target")}
    title = f"Target check, {day_label(day)}"
    scenario = await storage.scenarios.create(
        workspace_id,
        place.channel_id,
        question=title,
        intent="nudge",
        changes=[],
        baseline_id=stored.id,
        summary={"baseline": summary},
        asked_by="nudge",
    )
    card = nudge_card(
        forecast=forecast,
        schedule_label=p["label"],
        change=change_text(last.p_hit if last is not None else None, p_now, since),
        why=why,
        period=Period(as_of, period.period_end, as_of, stored.id, sources_of(stored.data)),
        scenario_id=scenario.id,
        chart_png=figures.chart,
        currency=stored.data.get("currency") or "USD",
        local_day=f"{now.astimezone(tz):%a} {day_label(day)}",
    )
    sent = await ctx.outbox(place.platform).send(place, card, key=key)
    if sent is None:
        return
    await storage.messages.record(
        workspace_id,
        platform=place.platform,
        channel_id=place.channel_id,
        message_id=sent.message_id,
        kind="scenario",
        payload=card_to_dict(sent.card or card),
        scenario_id=scenario.id,
    )
    await storage.forecasts.record(
        workspace_id,
        place.channel_id,
        kind="nudge",
        p_hit=p_now,
        as_of=as_of,
        period_end=period.period_end,
        published_at=now,
        baseline_id=stored.id,
        baseline_version=stored.version,
        target=forecast.target,
        key=key,
    )


async def _period_ended(
    ctx: JobContext,
    workspace_id: int,
    place: Place,
    stored: BaselineVersion,
    period: Period,
    base_key: str,
    now: datetime,
) -> None:
    """One result card per period (and one more once a baseline says what was booked); nudges pause after it."""
    data = stored.data
    final = period.as_of >= period.period_end
    target = float(data["target"]) if data.get("target") is not None else None
    booked = float(data.get("booked") or 0.0)
    if final and target is not None:
        await ctx.worker.storage.forecasts.record_outcome(
            workspace_id,
            place.channel_id,
            period_end=period.period_end,
            target=target,
            booked=booked,
            recorded_at=now,
            source=f"baseline v{stored.version}",
            baseline_id=stored.id,
        )
    card = final_card(
        period_end=period.period_end, target=target, booked=booked, final=final, currency=data.get("currency") or "USD"
    )
    state = "booked" if final else "pending"
    await ctx.outbox(place.platform).send(place, card, key=f"{base_key}:final:{period.period_end}:{state}")
