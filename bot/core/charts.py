"""The fan chart under a scenario card: cumulative bookings week by week, baseline against scenario.

Owns drawing the PNG and describing it in words (`chart_alt`, the text screen readers, notifications and
Slack's fallback get). Uses matplotlib's object API (Figure + FigureCanvasAgg), never pyplot: pyplot keeps
global figure state and is not safe in the worker threads/processes the charts are drawn in.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")  # defensive: no GUI backend may be picked up on a server

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.dates import DateFormatter  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from bot.core.formatting import money, pct  # noqa: E402

__all__ = ["fan_chart", "chart_alt"]

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 100  # 800x450 px: readable inline in Slack and Teams
BASELINE_COLOR = "#8a8f98"
SCENARIO_COLOR = "#1f6fd1"
TARGET_COLOR = "#c0392b"


def _as_of(forecast: dict) -> date | None:
    """Week ends are as_of + 7, 14, ... days, so the start of the axis is the first week end minus a week."""
    weekly = forecast.get("weekly") or []
    if not weekly:
        return None
    return date.fromisoformat(weekly[0]["week_end"]) - timedelta(days=7)


def _path(forecast: dict) -> tuple[list[date], list[float], list[float], list[float]]:
    """Dates and P10/P50/P90 of cumulative bookings, starting from booked-so-far at as_of."""
    start = _as_of(forecast)
    booked = float(forecast.get("booked") or 0.0)
    xs: list[date] = [start] if start else []
    p10, p50, p90 = ([booked] if start else [] for _ in range(3))
    for week in forecast.get("weekly") or []:
        xs.append(date.fromisoformat(week["week_end"]))
        p10.append(float(week["p10"]))
        p50.append(float(week["p50"]))
        p90.append(float(week["p90"]))
    return xs, p10, p50, p90


def fan_chart(*, baseline: dict, scenario: dict | None, currency: str, title: str = "") -> bytes:
    """PNG bytes (800x450) of the P10-P90 fan and P50 line of cumulative bookings, with the target line."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)

    series = [(baseline, BASELINE_COLOR, "Baseline")]
    if scenario is not None:
        series.append((scenario, SCENARIO_COLOR, "Scenario"))
    for forecast, color, name in series:
        xs, p10, p50, p90 = _path(forecast)
        if not xs:
            continue
        ax.fill_between(xs, p10, p90, color=color, alpha=0.22, linewidth=0, label=f"{name} P10–P90")
        ax.plot(xs, p50, color=color, linewidth=2.2, label=f"{name} P50")

    start = _as_of(baseline)
    booked = float(baseline.get("booked") or 0.0)
    if start is not None:
        ax.plot([start], [booked], marker="o", color="#333333", zorder=5)
        ax.annotate(
            f"booked {money(booked, currency)}",
            (start, booked),
            textcoords="offset points",
            xytext=(6, 12),
            fontsize=8,
            color="#333333",
        )
    targets = {float(f["target"]) for f, _, _ in series if f.get("target") is not None}
    for target in sorted(targets):
        ax.axhline(target, color=TARGET_COLOR, linestyle="--", linewidth=1.2)
        ax.annotate(
            f"target {money(target, currency)}",
            (0.01, target),
            xycoords=("axes fraction", "data"),
            textcoords="offset points",
            xytext=(0, 4),
            fontsize=8,
            color=TARGET_COLOR,
        )

    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: money(y, currency)))
    ax.set_ylabel("Cumulative bookings")
    ax.grid(True, axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    xs = _path(baseline)[0]
    if xs:
        # one tick per week end, short month names: ISO dates crowd an 800 px chart
        ax.set_xticks(xs)
        ax.xaxis.set_major_formatter(DateFormatter("%b %d"))
        ax.tick_params(axis="x", labelsize=8)
    if title:
        ax.set_title(title[:90], fontsize=11, loc="left")
    fig.tight_layout()

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _describe(forecast: dict, currency: str) -> str:
    return (
        f"P50 {money(forecast['p50'], currency)} (P10 {money(forecast['p10'], currency)} to "
        f"P90 {money(forecast['p90'], currency)}), {pct(forecast['p_hit'])} chance"
    )


def chart_alt(baseline: dict, scenario: dict | None, currency: str) -> str:
    """The chart in one sentence with its key numbers, for screen readers and text-only surfaces."""
    weekly = baseline.get("weekly") or []
    end = f" by {weekly[-1]['week_end']}" if weekly else ""
    text = f"Fan chart of cumulative bookings{end}: baseline {_describe(baseline, currency)}"
    if scenario is not None:
        text += f"; scenario {_describe(scenario, currency)}"
    target = scenario.get("target") if scenario is not None else None
    target = target if target is not None else baseline.get("target")
    if target is not None:
        text += f"; target {money(target, currency)}"
    if baseline.get("booked") is not None:
        text += f"; booked so far {money(baseline['booked'], currency)}"
    return text + "."
