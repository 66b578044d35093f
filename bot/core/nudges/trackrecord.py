"""The track record: were the bot's published probabilities honest?

Owns `track record` (and `python -m bot track-record`): the channel's published P(reach target) over time as a
chart (one line per period, P by week, the outcome marked at the period end), and across ended periods with a
known outcome the Brier score and a reliability table (forecasts binned by probability against how often the
target was reached), always with the number of periods, so nobody over-reads three data points.

Outcomes come from baselines: a version whose as_of is on or after its period end says what was booked by the
end (`record_outcomes` stores them, newest version winning). Scoring uses one forecast per week and period (the
last published that week), so a channel that asked fifty questions in one afternoon does not outweigh the rest.
`summarize` and `track_chart` are pure (plain data in), run in the executor.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.core.baselines.freshness import day_label
from bot.core.cards import Block, Card, Chart, Fact, Facts, Text
from bot.core.formatting import money, pct
from bot.core.turn import Turn

if TYPE_CHECKING:
    from storage import BaselineVersion, Storage

__all__ = ["TrackRecord", "summarize", "track_chart", "record_outcomes", "load", "track_card", "reply", "BINS"]

BINS = ((0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.0))
FEW_PERIODS = 10  # below this many ended periods, calibration is anecdote


@dataclass
class TrackRecord:
    """Plain data: `weekly` rows {period_end, week, p_hit, outcome (True/False/None)}, per-period rows, the Brier
    score over scored weekly forecasts (None without any), the reliability bins, and the counts."""

    forecasts: int = 0
    weekly: list[dict[str, Any]] = field(default_factory=list)
    periods: list[dict[str, Any]] = field(default_factory=list)
    scored: int = 0
    ended_periods: int = 0
    brier: float | None = None
    reliability: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def summarize(forecasts: list[dict[str, Any]], outcomes: list[dict[str, Any]]) -> TrackRecord:
    """forecasts: {p_hit, published_at (ISO), period_end (ISO), kind}; outcomes: {period_end, hit, booked, target}."""
    by_period_outcome = {str(o["period_end"]): o for o in outcomes}
    last_in_week: dict[tuple[str, str], dict[str, Any]] = {}
    for f in sorted(forecasts, key=lambda f: str(f["published_at"])):
        published = datetime.fromisoformat(str(f["published_at"])).date()
        last_in_week[(str(f["period_end"]), _week(published))] = {**f, "day": published.isoformat()}
    weekly = []
    for (period_end, week), f in sorted(last_in_week.items(), key=lambda kv: (kv[0][0], kv[1]["day"])):
        outcome = by_period_outcome.get(period_end)
        weekly.append(
            {
                "period_end": period_end,
                "week": week,
                "day": f["day"],
                "p_hit": float(f["p_hit"]),
                "outcome": None if outcome is None else bool(outcome["hit"]),
            }
        )
    periods = []
    for period_end in sorted({w["period_end"] for w in weekly} | set(by_period_outcome)):
        rows = [w for w in weekly if w["period_end"] == period_end]
        outcome = by_period_outcome.get(period_end)
        periods.append(
            {
                "period_end": period_end,
                "weeks": len(rows),
                "first_p": rows[0]["p_hit"] if rows else None,
                "last_p": rows[-1]["p_hit"] if rows else None,
                "hit": None if outcome is None else bool(outcome["hit"]),
                "booked": None if outcome is None else float(outcome["booked"]),
                "target": None if outcome is None else float(outcome["target"]),
            }
        )
    scored = [w for w in weekly if w["outcome"] is not None]
    brier = sum((w["p_hit"] - (1.0 if w["outcome"] else 0.0)) ** 2 for w in scored) / len(scored) if scored else None
    reliability = []
    for low, high in BINS:
        inside = [w for w in scored if low <= w["p_hit"] < high or (high == 1.0 and w["p_hit"] == 1.0)]
        hits = sum(1 for w in inside if w["outcome"])
        reliability.append(
            {
                "bin": f"{round(low * 100)}–{round(high * 100)}%",
                "forecasts": len(inside),
                "mean_forecast": sum(w["p_hit"] for w in inside) / len(inside) if inside else None,
                "reached": hits,
                "observed": hits / len(inside) if inside else None,
                "periods": len({w["period_end"] for w in inside}),
            }
        )
    ended = len({w["period_end"] for w in scored})
    return TrackRecord(len(forecasts), weekly, periods, len(scored), ended, brier, reliability)


def track_chart(record: dict[str, Any]) -> bytes:
    """P(reach target) by week, one line per period, the outcome marked at the period end (● reached, ✕ missed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    colors = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
    for i, period in enumerate(record["periods"]):
        rows = [w for w in record["weekly"] if w["period_end"] == period["period_end"]]
        if not rows:
            continue
        color = colors[i % len(colors)]
        # numpy days: matplotlib draws them as dates (its date locator and labels), and the types say so
        xs = np.array([w["day"] for w in rows], dtype="datetime64[D]")
        ax.plot(
            xs, [w["p_hit"] for w in rows], marker="o", markersize=3, color=color, label=f"to {period['period_end']}"
        )
        if period["hit"] is not None:
            end = np.datetime64(period["period_end"], "D")
            ax.plot(
                np.array([end]),
                [1.0 if period["hit"] else 0.0],
                marker="o" if period["hit"] else "X",
                markersize=10,
                color=color,
            )
            ax.annotate("reached" if period["hit"] else "missed", (end, 1.0 if period["hit"] else 0.0),
                        textcoords="offset points", xytext=(4, -12 if period["hit"] else 6), fontsize=8)  # fmt: skip
    ax.axhline(0.5, color="#999999", linestyle="--", linewidth=0.8)
    ax.set_ylim(-0.05, 1.08)
    ax.set_ylabel("P(reach target)")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:.0%}"))
    brier = record.get("brier")
    title = "Forecasts by week" + (
        f" · Brier {brier:.3f} over {record['ended_periods']} ended period(s)" if brier is not None else ""
    )
    ax.set_title(title, fontsize=10)
    if record["periods"]:
        ax.legend(fontsize=8, loc="upper left")
    fig.autofmt_xdate()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def chart_alt(record: TrackRecord) -> str:
    parts = [f"P(reach target) by week over {len(record.periods)} period(s)"]
    for period in record.periods:
        if period["last_p"] is not None:
            result = "" if period["hit"] is None else (": reached" if period["hit"] else ": missed")
            parts.append(f"to {period['period_end']} last {pct(period['last_p'])}{result}")
    return "; ".join(parts)


async def record_outcomes(storage: Storage, workspace_id: int, channel_id: str, now: datetime) -> None:
    """Store each ended period's outcome from the newest baseline version that is as of its period end or later."""
    versions = await storage.baselines.history(workspace_id, channel_id, limit=500)
    newest: dict[str, BaselineVersion] = {}
    for version in versions:  # newest first
        data = version.data
        try:
            as_of, period_end = date.fromisoformat(str(data["as_of"])), date.fromisoformat(str(data["period_end"]))
        except (KeyError, ValueError):
            continue
        if as_of >= period_end and data.get("target") is not None and period_end.isoformat() not in newest:
            newest[period_end.isoformat()] = version
    known = {o.period_end.isoformat(): o for o in await storage.forecasts.outcomes(workspace_id, channel_id)}
    for end, version in newest.items():
        source = f"baseline v{version.version}"
        if end in known and known[end].source == source:
            continue
        await storage.forecasts.record_outcome(
            workspace_id,
            channel_id,
            period_end=date.fromisoformat(end),
            target=float(version.data["target"]),
            booked=float(version.data.get("booked") or 0.0),
            recorded_at=now,
            source=source,
            baseline_id=version.id,
        )


async def load(storage: Storage, workspace_id: int, channel_id: str, now: datetime) -> TrackRecord:
    await record_outcomes(storage, workspace_id, channel_id, now)
    forecasts = [
        {"p_hit": f.p_hit, "published_at": f.published_at.isoformat(), "period_end": f.period_end.isoformat(),
         "kind": f.kind}
        for f in await storage.forecasts.list(workspace_id, channel_id)
    ]  # fmt: skip
    outcomes = [
        {"period_end": o.period_end.isoformat(), "hit": o.hit, "booked": o.booked, "target": o.target}
        for o in await storage.forecasts.outcomes(workspace_id, channel_id)
    ]
    return summarize(forecasts, outcomes)


def track_card(record: TrackRecord, chart_png: bytes | None, currency: str = "USD") -> Card:
    if record.forecasts == 0:
        return Card(
            title="Track record",
            blocks=(
                Text(
                    "No forecast has been published in this channel yet. Every P(reach target) I post (answers and "
                    "scheduled checks, “/scenario nudge every Monday 09:00”) is kept, and compared with what was "
                    "booked once the period ends."
                ),
            ),
            kind="info",
        )
    facts = [
        Fact("Forecasts published", f"{record.forecasts} ({len(record.weekly)} weeks with a forecast)"),
        Fact("Ended periods with an outcome", str(record.ended_periods)),
    ]
    if record.brier is not None:
        facts.append(Fact("Brier score", f"{record.brier:.3f} over {record.scored} weekly forecasts (0 is perfect)"))
    blocks: list[Block] = [Facts(tuple(facts))]
    lines = []
    for period in record.periods:
        end = day_label(date.fromisoformat(period["period_end"]))
        said = f"last forecast {pct(period['last_p'])}" if period["last_p"] is not None else "no forecast"
        if period["hit"] is None:
            result = "outcome not known yet"
        else:
            result = ("reached" if period["hit"] else "missed") + (
                f" ({money(period['booked'], currency)} of {money(period['target'], currency)})"
                if period["booked"] is not None
                else ""
            )
        lines.append(f"- Period to {end}: {said}; {result}")
    blocks.append(Text("*Periods*\n" + "\n".join(lines[-8:])))
    if record.scored:
        table = [
            f"- {b['bin']}: {b['forecasts']} forecasts from {b['periods']} period(s), "
            f"average {pct(b['mean_forecast'])}, "
            f"target reached {b['reached']} of {b['forecasts']} ({pct(b['observed'])})"
            for b in record.reliability
            if b["forecasts"]
        ]
        blocks.append(Text("*Reliability* (forecasts binned by probability, how often the target was reached)\n"
                           + "\n".join(table)))  # fmt: skip
    if record.ended_periods < FEW_PERIODS:
        n = record.ended_periods
        blocks.append(
            Text(
                f"_Only {n} ended period{'s' if n != 1 else ''} with a known outcome: weekly forecasts of one period "
                f"share its outcome, so this is {'no evidence yet' if n == 0 else 'an anecdote, not a calibration'}. "
                f"Judge the probabilities after {FEW_PERIODS} or more periods._"
            )
        )
    if chart_png:
        blocks.append(Chart(png=chart_png, alt=chart_alt(record), name="track-record.png"))
    return Card(title="Track record: were the forecasts honest?", blocks=tuple(blocks), kind="info")


async def reply(turn: Turn) -> None:
    clock = getattr(turn.services, "clock", None)
    now = clock() if callable(clock) else datetime.now().astimezone()
    record = await load(turn.storage, turn.workspace_id, turn.place.channel_id, now)
    png = None
    if record.forecasts and turn.services.charts:
        png = await turn.run(track_chart, record.to_dict())
    stored = await turn.storage.baselines.latest(turn.workspace_id, turn.place.channel_id)
    currency = (stored.data.get("currency") if stored else None) or "USD"
    await turn.reply(track_card(record, png, currency), thread_id=turn.answer_thread())
