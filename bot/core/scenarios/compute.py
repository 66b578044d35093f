"""The compute step of an answer: forecasts and the fan chart, as ONE picklable call.

Owns `compute_answer`, the only function the Assistant runs in its executor for a question. It takes plain
data (the baseline JSON and change dicts) and returns plain data, so it works in a thread pool or a process
pool alike, and the event loop never waits on numpy or matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.charts import fan_chart
from engine.baseline import BaselineError, parse_baseline
from engine.changes import apply_changes, change_from_dict
from engine.forecast import forecast

__all__ = ["Answer", "compute_answer"]


@dataclass(frozen=True)
class Answer:
    """Forecast dicts (engine.forecast.Forecast.to_dict()) of the baseline and of the scenario (None when
    no change was asked), the fan chart PNG, or the problems of an impossible change."""

    baseline: dict[str, Any] | None = None
    scenario: dict[str, Any] | None = None
    chart: bytes | None = None
    problems: list[str] = field(default_factory=list)


def compute_answer(
    baseline_data: dict[str, Any],
    change_dicts: list[dict[str, Any]],
    want_chart: bool = True,
    want_sensitivity: bool = False,
    confidences: tuple[float, ...] = (0.5, 0.8),
    title: str = "",
) -> Answer:
    """Forecast the baseline and (if changes are given) the scenario, and draw the fan chart (titled with the
    question `title` and P(reach target)).

    An impossible change (a win rate above 100%, a deal not in the pipeline) gives `problems`, not an error:
    the bot answers it as a question it could not use."""
    try:
        base = parse_baseline(baseline_data)
        changes = [change_from_dict(d) for d in change_dicts]
        scenario_baseline = apply_changes(base, changes) if changes else None
    except BaselineError as exc:
        return Answer(problems=list(exc.problems))
    options = {"weekly": want_chart, "sensitivity": want_sensitivity, "confidences": tuple(confidences)}
    base_fc = forecast(base, **options).to_dict()
    scen_fc = forecast(scenario_baseline, **options).to_dict() if scenario_baseline is not None else None
    png = fan_chart(baseline=base_fc, scenario=scen_fc, currency=base.currency, title=title) if want_chart else None
    return Answer(baseline=base_fc, scenario=scen_fc, chart=png)


_WARM_BASELINE: dict[str, Any] = {
    "as_of": "2026-01-05",
    "period_end": "2026-02-02",
    "target": 500_000,
    "booked": 100_000,
    "reps": 5,
    "new_opps_per_rep_week": 5,
    "win_rate": 0.25,
    "deal_size": {"mean": 20_000, "cv": 0.8},
    "cycle_weeks": {"mean": 3, "cv": 0.5},
    "pipeline": [{"id": "W", "amount": 50_000, "probability": 0.5, "close_date": "2026-01-20"}],
}


def lower_priority() -> None:
    """Worker-process initializer: yield the CPU to the web process. Answers can wait a moment; the
    acknowledgements Slack and Teams wait for (3 s, 15 s) cannot, and on a small machine the forecasts and
    charts would otherwise take every core."""
    import contextlib
    import os

    with contextlib.suppress(AttributeError, OSError):  # Windows, or a sandbox that refuses: normal priority
        os.nice(10)


def warm_up() -> bool:
    """One small answer with a chart: loads numpy, scipy and matplotlib (and its font cache) in a fresh worker
    process before the first real question needs them."""
    return compute_answer(_WARM_BASELINE, [{"driver": "win_rate", "from": 0.25, "to": 0.2}]).chart is not None
