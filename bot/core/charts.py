"""The fan chart under a scenario card: cumulative bookings week by week, baseline against scenario.

Owns drawing the PNG (titled with the question and P(reach target); week labels through the end of the
longer period; "target" and "scenario target" lines when they differ; labels that never overlap; Okabe-Ito
colours and distinct dash patterns, so colour-blind readers can tell the series apart) and describing it in
words (`chart_alt`, the text screen readers, notifications and
Slack's fallback get). Uses matplotlib's object API (Figure + FigureCanvasAgg), never pyplot: pyplot keeps
global figure state and is not safe in the worker threads/processes the charts are drawn in.
"""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # defensive: no GUI backend may be picked up on a server

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from PIL import Image  # noqa: E402

from bot.core.formatting import money, pct  # noqa: E402

if TYPE_CHECKING:
    from engine.forecast import Forecast

__all__ = ["fan_chart", "chart_alt", "chart_title", "rating_chart"]

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 100  # 800x450 px: readable inline in Slack and Teams
# Okabe-Ito colours: told apart with every common colour-vision deficiency, and the target lines also differ
# by dash pattern, so nothing depends on hue alone
BASELINE_COLOR = "#0072B2"  # blue
SCENARIO_COLOR = "#E69F00"  # orange
TARGET_COLOR = "#D55E00"  # vermillion, dashed
SCENARIO_TARGET_COLOR = "#CC79A7"  # reddish purple, dotted
BOOKED_COLOR = "#333333"
LABEL_GAP = 0.045  # annotations closer than this share of the y-axis are spread apart


def _as_of(forecast: Forecast) -> date | None:
    """Week ends are as_of + 7, 14, ... days, so the start of the axis is the first week end minus a week."""
    if not forecast.weekly:
        return None
    return date.fromisoformat(forecast.weekly[0]["week_end"]) - timedelta(days=7)


def _path(forecast: Forecast) -> tuple[list[date], list[float], list[float], list[float]]:
    """Dates and P10/P50/P90 of cumulative bookings, starting from booked-so-far at as_of."""
    start = _as_of(forecast)
    booked = float(forecast.booked)
    xs: list[date] = [start] if start else []
    p10, p50, p90 = ([booked] if start else [] for _ in range(3))
    for week in forecast.weekly:
        xs.append(date.fromisoformat(week["week_end"]))
        p10.append(float(week["p10"]))
        p50.append(float(week["p50"]))
        p90.append(float(week["p90"]))
    return xs, p10, p50, p90


def _day(day: date) -> float:
    """A date on the x axis: its proleptic ordinal (plain numbers, labelled by `_day_label`), so the chart needs
    none of matplotlib's date-unit machinery."""
    return float(day.toordinal())


def _day_label(x: float, _pos: int | None = None) -> str:
    """'Nov 23' for a tick at `_day(Nov 23)`."""
    return date.fromordinal(round(x)).strftime("%b %d") if x >= 1 else ""


def chart_title(baseline: Forecast, scenario: Forecast | None, question: str = "") -> str:
    """'What if the win rate drops to 20%?' over 'P(reach target): 10% → 1%' (one line without a question)."""
    chance = pct(baseline.p_hit) if scenario is None else f"{pct(baseline.p_hit)} → {pct(scenario.p_hit)}"
    line = f"P(reach target): {chance}"
    # control characters (a NUL typed or pasted into a question) have no glyph: drawn as boxes, with a warning
    question = " ".join("".join(ch for ch in question if ch.isprintable() or ch.isspace()).split())
    if len(question) > 80:
        question = question[:79].rstrip() + "…"
    return f"{question}\n{line}" if question else line


def _spread(wanted: list[float], gap: float) -> list[float]:
    """Label positions (sorted input order kept) moved apart so no two are closer than `gap`."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed: dict[int, float] = {}
    last: float | None = None
    for i in order:
        y = wanted[i] if last is None else max(wanted[i], last + gap)
        placed[i] = last = y
    return [placed[i] for i in range(len(wanted))]


def _week_ticks(series: list[Forecast]) -> list[date]:
    """Every week end of the longer period (a scenario may move the period end), with the start."""
    ticks: set[date] = set()
    for forecast in series:
        ticks.update(_path(forecast)[0])
    out: list[date] = []
    for tick in sorted(ticks):
        # a period end 3 days after a week end would print two labels on top of each other: keep the later
        if out and (tick - out[-1]).days < 5:
            out.pop()
        out.append(tick)
    return out


_reused = threading.local()  # figures are not thread-safe: one per thread (compute processes have one thread)


def _axes(*, reuse: bool) -> tuple[Figure, Axes]:
    """An 800x450 figure with one empty axes. With `reuse`, this thread's figure from its previous chart, emptied:
    a new axes builds every tick, label and spine anew (a quarter of a fan chart's time), and the chart drawn on the
    emptied one is the same PNG, pixel for pixel (tests/core/test_charts.py)."""
    kept: tuple[Figure, Axes] | None = getattr(_reused, "axes", None)
    if kept is None or not reuse:
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        if reuse:
            _reused.axes = (fig, ax)
        return fig, ax
    fig, ax = kept
    for artist in [*ax.lines, *ax.collections, *ax.texts, *ax.patches]:
        artist.remove()
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    ax.ignore_existing_data_limits = True  # the y range is autoscaled to this chart's data alone
    ax.set_autoscale_on(True)
    return fig, ax


def fan_chart(*, baseline: Forecast, scenario: Forecast | None, currency: str, title: str = "") -> bytes:
    """PNG bytes (800x450) of the P10-P90 fan and P50 line of cumulative bookings, with the target line(s),
    titled with the question (`title`) and P(reach target)."""
    series = [(baseline, BASELINE_COLOR, "Baseline", "-")]
    if scenario is not None:
        series.append((scenario, SCENARIO_COLOR, "Scenario", "--"))
    ticks = _week_ticks([f for f, _, _, _ in series])
    fig, ax = _axes(reuse=bool(ticks))  # without week ticks nothing would replace the last chart's: a new figure
    for forecast, color, name, style in series:
        xs, p10, p50, p90 = _path(forecast)
        if not xs:
            continue
        days = [_day(x) for x in xs]
        ax.fill_between(days, p10, p90, color=color, alpha=0.2, linewidth=0, label=f"{name} P10–P90")
        ax.plot(days, p50, color=color, linewidth=2.2, linestyle=style, label=f"{name} P50")

    # the lines are drawn first so the y-range is known; labels then sit at the right edge, spread apart
    labels: list[tuple[float, str, str]] = []  # (y, text, colour)
    target = float(baseline.target)
    ax.axhline(target, color=TARGET_COLOR, linestyle=(0, (6, 3)), linewidth=1.3)
    labels.append((target, f"target {money(target, currency)}", TARGET_COLOR))
    if scenario is not None and float(scenario.target) != target:
        scenario_target = float(scenario.target)
        ax.axhline(scenario_target, color=SCENARIO_TARGET_COLOR, linestyle=(0, (1.5, 2)), linewidth=1.6)
        labels.append((scenario_target, f"scenario target {money(scenario_target, currency)}", SCENARIO_TARGET_COLOR))
    start = _as_of(baseline)
    booked = float(baseline.booked)
    if start is not None:
        ax.plot([_day(start)], [booked], marker="o", color=BOOKED_COLOR, zorder=5)

    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: money(y, currency)))
    ax.set_ylabel("Cumulative bookings")
    ax.grid(True, axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    if ticks:
        # one tick per week end through the end of the longer period, short month names
        ax.set_xticks([_day(t) for t in ticks])
        ax.set_xlim(_day(ticks[0]), _day(ticks[-1]))
        ax.xaxis.set_major_formatter(FuncFormatter(_day_label))
        ax.tick_params(axis="x", labelsize=8)
    low, high = ax.get_ylim()
    if labels:
        high = max(high, max(y for y, _, _ in labels) + (high - low) * 0.12)
    if start is not None:
        low = min(low, booked - (high - low) * 0.1)  # room for the booked label under its point
    ax.set_ylim(low, high)
    gap = (high - low) * LABEL_GAP
    spread = _spread([y for y, _, _ in labels], gap)
    for (_, text, color), at in zip(labels, spread, strict=True):
        ax.annotate(
            text,
            (0.01, at + gap * 0.15),
            xycoords=("axes fraction", "data"),
            fontsize=8,
            color=color,
            va="bottom",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    if start is not None:
        # the booked label sits below its point (the fan starts there and rises to the right)
        ax.annotate(
            f"booked {money(booked, currency)}",
            (_day(start), booked),
            textcoords="offset points",
            xytext=(6, -14),
            fontsize=8,
            color=BOOKED_COLOR,
        )
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", fontsize=8, frameon=True, framealpha=0.85, edgecolor="none")
    # y given: matplotlib otherwise measures the x axis's decorations to place the title above them (a seventh of
    # the chart's time), and this chart has none on top
    # parse_math off: the title is the question as typed, and matplotlib reads text between two "$" as TeX ("lose
    # $200k and gain $50k" lost its dollars and spaces; a stray "{" or "^" between them failed the whole chart)
    ax.set_title(chart_title(baseline, scenario, title), fontsize=10, loc="left", y=1.0, parse_math=False)
    # fixed margins for the fixed 800x450 size (room for "$3.25M" tick labels and a two-line title): measuring
    # them with tight_layout costs a third of the chart's time, and the layout does not change between charts
    fig.subplots_adjust(left=0.115, right=0.96, top=0.88, bottom=0.085)
    return _png(fig)


def _png(fig: Figure) -> bytes:
    """The figure as an RGB PNG. The background is opaque white, so matplotlib's RGBA PNG carries an alpha channel
    that says nothing: dropping it makes the file ~10% smaller and its encoding a fifth cheaper."""
    raw = io.BytesIO()
    fig.savefig(raw, format="raw", dpi=DPI)  # the drawn RGBA pixels, row by row
    width, height = fig.canvas.get_width_height()
    image = Image.frombytes("RGBA", (width, height), raw.getvalue()).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    return buffer.getvalue()


def _describe(forecast: Forecast, currency: str) -> str:
    return (
        f"P50 {money(forecast.p50, currency)} (P10 {money(forecast.p10, currency)} to "
        f"P90 {money(forecast.p90, currency)}), {pct(forecast.p_hit)} chance"
    )


def chart_alt(baseline: Forecast, scenario: Forecast | None, currency: str) -> str:
    """The chart in one sentence with its key numbers, for screen readers and text-only surfaces."""
    weekly = baseline.weekly
    end = f" by {weekly[-1]['week_end']}" if weekly else ""
    text = f"Fan chart of cumulative bookings{end}: baseline {_describe(baseline, currency)}"
    if scenario is not None:
        text += f"; scenario {_describe(scenario, currency)}"
    target = scenario.target if scenario is not None else baseline.target
    text += f"; target {money(target, currency)}"
    text += f"; booked so far {money(baseline.booked, currency)}"
    return text + "."


def rating_chart(ratings: list[tuple[str, dict[int, int]]]) -> bytes:
    """PNG bytes (800 wide) of each rating question's answers 1-5 as horizontal bars, one row per question: how
    many people gave each score (a workshop survey's results card)."""
    rows = max(1, len(ratings))
    fig = Figure(figsize=(WIDTH_IN, 1.0 + 1.6 * rows), dpi=DPI)
    FigureCanvasAgg(fig)
    for i, (question, counts) in enumerate(ratings, start=1):
        ax = fig.add_subplot(rows, 1, i)
        scores = [1, 2, 3, 4, 5]
        values = [counts.get(score, 0) for score in scores]
        ax.bar(scores, values, color=BASELINE_COLOR, width=0.6)
        for score, value in zip(scores, values, strict=True):
            if value:
                ax.annotate(str(value), (score, value), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(scores)
        ax.set_ylim(0, max(values + [1]) * 1.25)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
        short = question if len(question) <= 90 else question[:89] + "…"
        ax.set_title(short, fontsize=9, loc="left", parse_math=False)  # a survey question as typed (see fan_chart)
    fig.subplots_adjust(left=0.08, right=0.97, top=1 - 0.35 / (1 + 1.6 * rows), bottom=0.3 / (1 + 1.6 * rows),
                        hspace=0.8)  # fmt: skip
    return _png(fig)
