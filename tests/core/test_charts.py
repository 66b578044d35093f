"""The fan chart: a real PNG of the right size, drawn quickly and safely off the event loop's thread."""

from __future__ import annotations

import dataclasses
import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from bot.core.charts import (
    BASELINE_COLOR,
    SCENARIO_COLOR,
    SCENARIO_TARGET_COLOR,
    TARGET_COLOR,
    _spread,
    _week_ticks,
    chart_alt,
    chart_title,
    fan_chart,
    rating_chart,
)
from engine.forecast import WeekPoint
from tests.core.card_samples import BASELINE_FORECAST, SCENARIO_FORECAST

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_MAGIC, "not a PNG"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_fan_chart_is_an_800x450_png():
    png = fan_chart(baseline=BASELINE_FORECAST, scenario=SCENARIO_FORECAST, currency="USD", title="What if?")
    assert _png_size(png) == (800, 450)
    assert png.endswith(b"IEND\xaeB`\x82")
    assert len(png) > 10_000  # a drawn chart, not an empty canvas


def test_baseline_only_and_empty_weekly_still_draw():
    assert _png_size(fan_chart(baseline=BASELINE_FORECAST, scenario=None, currency="EUR")) == (800, 450)
    bare = dataclasses.replace(BASELINE_FORECAST, weekly=[])
    assert _png_size(fan_chart(baseline=bare, scenario=None, currency="USD")) == (800, 450)


def test_scenario_changes_the_picture():
    alone = fan_chart(baseline=BASELINE_FORECAST, scenario=None, currency="USD")
    both = fan_chart(baseline=BASELINE_FORECAST, scenario=SCENARIO_FORECAST, currency="USD")
    assert alone != both


def test_charts_draw_concurrently_in_threads():
    def draw(i: int) -> tuple[int, int]:
        scenario = SCENARIO_FORECAST if i % 2 else None
        return _png_size(fan_chart(baseline=BASELINE_FORECAST, scenario=scenario, currency="USD", title=f"#{i}"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(draw, range(8))) == [(800, 450)] * 8


def _in_a_new_thread(**chart) -> bytes:
    """The chart drawn on a new figure: each thread keeps its own figure, and a new thread has none yet."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: fan_chart(**chart)).result()


def test_a_chart_drawn_on_the_reused_figure_is_the_one_a_new_figure_draws():
    """Each thread draws its charts on one figure, emptied between them: nothing of a chart may show in the next
    (its y range, a second target line, its week labels, its legend), whatever came before."""
    moved = dataclasses.replace(SCENARIO_FORECAST, target=3_000_000.0)
    weeks = [WeekPoint(week_end=w["week_end"], p10=w["p10"] / 20, p50=w["p50"] / 20, p90=w["p90"] / 20)
             for w in BASELINE_FORECAST.weekly]  # fmt: skip
    small = dataclasses.replace(BASELINE_FORECAST, weekly=weeks, booked=BASELINE_FORECAST.booked / 20, target=150_000.0)
    charts = [
        dict(baseline=BASELINE_FORECAST, scenario=moved, currency="USD", title="what if the target is 3M"),
        dict(baseline=small, scenario=None, currency="USD", title="a team a twentieth the size"),
        dict(baseline=BASELINE_FORECAST, scenario=None, currency="EUR", title=""),
        dict(baseline=dataclasses.replace(BASELINE_FORECAST, weekly=[]), scenario=None, currency="USD"),
        dict(baseline=BASELINE_FORECAST, scenario=SCENARIO_FORECAST, currency="USD", title="what if win rate 20%"),
        dict(baseline=BASELINE_FORECAST, scenario=moved, currency="GBP", title="again, in pounds"),
    ]
    for chart in charts + charts[::-1]:  # each after every other kind
        assert fan_chart(**chart) == _in_a_new_thread(**chart)


@pytest.mark.parametrize(
    "question",
    [
        "what if we cut $50k^ from {Globex and $2",  # was: ValueError from matplotlib's TeX parser, no answer
        r"what if price goes to $5\ and $6",
        "what if we lose $200k from Globex and gain $50k",
    ],
)
def test_dollar_signs_in_a_question_are_text_not_tex(question):
    """Managers write amounts with "$"; matplotlib reads what stands between two of them as TeX."""
    png = fan_chart(baseline=BASELINE_FORECAST, scenario=SCENARIO_FORECAST, currency="USD", title=question)
    assert _png_size(png) == (800, 450)
    assert _png_size(rating_chart([(question, {1: 1, 5: 2})]))[0] == 800


def test_title_names_the_question_and_the_chance():
    assert chart_title(BASELINE_FORECAST, SCENARIO_FORECAST, "What if?") == "What if?\nP(reach target): 10% → 1%"
    assert chart_title(BASELINE_FORECAST, None) == "P(reach target): 10%"


def test_week_labels_run_through_the_end_of_the_longer_period():
    week: WeekPoint = {"week_end": "2027-01-07", "p10": 2.8e6, "p50": 3.0e6, "p90": 3.2e6, "expected": 3.0e6}
    longer = dataclasses.replace(SCENARIO_FORECAST, weekly=[*SCENARIO_FORECAST.weekly, week])
    ticks = _week_ticks([BASELINE_FORECAST, longer])
    assert ticks[0] == date(2026, 11, 16) and ticks[-1] == date(2027, 1, 7)
    assert date(2026, 12, 28) not in ticks and date(2026, 12, 31) in ticks  # 3 days apart: one label, not two


def test_target_labels_never_sit_on_top_of_each_other():
    assert _spread([3.25, 3.24, 1.0], 0.1) == pytest.approx([3.34, 3.24, 1.0])
    assert _spread([1.0, 2.0], 0.1) == [1.0, 2.0]


def test_palette_is_the_colour_blind_safe_one():
    # Okabe-Ito: blue and orange for the two series, vermillion and reddish purple for the two targets
    assert (BASELINE_COLOR, SCENARIO_COLOR, TARGET_COLOR, SCENARIO_TARGET_COLOR) == (
        "#0072B2",
        "#E69F00",
        "#D55E00",
        "#CC79A7",
    )


def test_a_changed_target_draws_a_second_line():
    moved = dataclasses.replace(SCENARIO_FORECAST, target=3_000_000.0)
    same = fan_chart(baseline=BASELINE_FORECAST, scenario=SCENARIO_FORECAST, currency="USD")
    assert fan_chart(baseline=BASELINE_FORECAST, scenario=moved, currency="USD") != same


def test_alt_text_names_the_key_numbers():
    alt = chart_alt(BASELINE_FORECAST, SCENARIO_FORECAST, "USD")
    for needle in (
        "by 2026-12-31",
        "baseline P50 $2.99M",
        "P10 $2.74M",
        "P90 $3.25M",
        "10% chance",
        "scenario P50 $2.80M",
        "1% chance",
        "target $3.25M",
        "booked so far $1.15M",
    ):
        assert needle in alt
    assert "scenario" not in chart_alt(BASELINE_FORECAST, None, "USD")
