"""The compute step of an answer: forecasts and the fan chart, as ONE picklable call.

Owns `compute_answer`, the function the Assistant runs in its executor for a question, and
`compute_requirement`, its twin for back-solving a driver ("how many reps do we need?"). Both take plain data
(the baseline JSON and change dicts) and return the engine's frozen dataclasses (picklable), so they work in a
thread pool or a process pool alike, and the event loop never waits on numpy or matplotlib.
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.charts import fan_chart
from engine.baseline import Baseline, BaselineError, parse_baseline
from engine.changes import Change, apply_changes, change_from_dict
from engine.forecast import Forecast, Ramp, forecast
from engine.solve import Requirement, required_value

if TYPE_CHECKING:
    from bot.core.language import Parsed

__all__ = ["Answer", "Needed", "compute_answer", "compute_requirement", "confidence_of"]


def confidence_of(parsed: Parsed | None) -> float:
    """The certainty a question asked for ("80% sure": 0.8; language.Parsed.confidence), 0.8 when none was."""
    c = parsed.confidence if parsed is not None else None
    return c if isinstance(c, float) and 0 < c < 1 else 0.8


@dataclass(frozen=True)
class Answer:
    """The forecasts of the baseline and of the scenario (None when no change was asked), the fan chart PNG, or
    the problems of an impossible change (then no forecast)."""

    baseline: Forecast | None = None
    scenario: Forecast | None = None
    chart: bytes | None = None
    problems: list[str] = field(default_factory=list)


_CACHE_SIZE = 16
_baseline_cache: OrderedDict[str, Forecast] = OrderedDict()


def _baseline_forecast(
    base: Baseline, data: dict[str, Any], weekly: bool, sensitivity: bool, confidences: tuple[float, ...]
) -> Forecast:
    """The baseline's forecast, remembered per baseline and options in this process: every question in a channel
    forecasts the same baseline beside its scenario, and the engine is deterministic (seeded), so the second and
    later questions on a baseline cost one forecast instead of two. Bounded (least recently used goes first);
    a copy is returned so no caller can change what the next one gets (the Forecast is frozen, its lists are not)."""
    options = {"weekly": weekly, "sensitivity": sensitivity, "confidences": confidences}
    key = json.dumps([data, options], sort_keys=True, default=str)
    cached = _baseline_cache.get(key)
    if cached is None:
        cached = forecast(base, weekly=weekly, sensitivity=sensitivity, confidences=confidences)
        _baseline_cache[key] = cached
        while len(_baseline_cache) > _CACHE_SIZE:
            _baseline_cache.popitem(last=False)
    else:
        _baseline_cache.move_to_end(key)
    return copy.deepcopy(cached)


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
    confidences = tuple(confidences)
    base_fc = _baseline_forecast(base, baseline_data, want_chart, want_sensitivity, confidences)
    scen_fc = None
    if scenario_baseline is not None:
        scen_fc = forecast(scenario_baseline, weekly=want_chart, sensitivity=want_sensitivity, confidences=confidences)
    png = fan_chart(baseline=base_fc, scenario=scen_fc, currency=base.currency, title=title) if want_chart else None
    return Answer(baseline=base_fc, scenario=scen_fc, chart=png)


@dataclass(frozen=True)
class Needed:
    """A back-solved driver: the `requirement` (solved on the scenario when changes were given), `baseline_p_hit`
    the chance today without those changes, `ramp` the forecast's ramp at the required number of reps when that
    adds reps (None otherwise), and the figures a card states beside it; or the `problems` of an impossible
    condition (then no requirement)."""

    requirement: Requirement | None = None
    baseline_p_hit: float | None = None
    ramp: Ramp | None = None
    target: float | None = None
    weeks_left: float | None = None
    currency: str = "USD"
    problems: list[str] = field(default_factory=list)


def _p_hit(baseline: Baseline) -> float:
    return forecast(baseline, weekly=False, sensitivity=False, confidences=()).p_hit


def compute_requirement(
    baseline_data: dict[str, Any], change_dicts: list[dict[str, Any]], driver: str, confidence: float
) -> Needed:
    """The smallest value of `driver` ("reps", "win_rate", "deal_size") that reaches the target with
    `confidence`, on the baseline with `change_dicts` applied (the condition: "if we lose Globex")."""
    try:
        base = parse_baseline(baseline_data)
        changes = [change_from_dict(d) for d in change_dicts]
        scenario = apply_changes(base, changes) if changes else base
        requirement = required_value(scenario, driver, confidence)
    except BaselineError as exc:
        return Needed(problems=list(exc.problems))
    base_p = requirement.p_hit_at_current if not changes else _p_hit(base)
    ramp = None
    if driver == "reps" and requirement.value is not None and requirement.value > requirement.current:
        # the ramp of the hires the answer asks for, in the words a what-if card uses ("2 new reps ramp up ...")
        hired = apply_changes(scenario, [Change("reps", requirement.current, requirement.value)])
        ramp = forecast(hired, weekly=False, sensitivity=False, confidences=()).ramp
    return Needed(
        requirement=requirement,
        baseline_p_hit=base_p,
        ramp=ramp,
        target=scenario.target,
        weeks_left=scenario.weeks_left,
        currency=scenario.currency,
    )


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


def compute_process_setup(parent: int) -> None:
    """Worker-process initializer.

    - A lower CPU priority: answers can wait a moment; the acknowledgements Slack and Teams wait for (3 s, 15 s)
      cannot, and on a small machine the forecasts and charts would otherwise take every core.
    - An exit when the process that started it is gone. A server killed with SIGKILL (the OOM killer, `kill -9`)
      cannot shut its pool down, and its compute processes, about 110 MB each, would wait for work for ever:
      the pool's queue stays open because each of them holds an end of it. `parent` is the server's process id,
      given by the server: a process that starts slowly may find it gone already.
    """
    import contextlib
    import os
    import threading
    import time

    with contextlib.suppress(AttributeError, OSError):  # Windows, or a sandbox that refuses: normal priority
        os.nice(10)

    def exit_with_parent() -> None:
        while os.getppid() == parent:  # an orphan is handed to init (or a subreaper): its parent id changes
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=exit_with_parent, name="exit-with-parent", daemon=True).start()


def warm_up() -> bool:
    """One small answer with a chart: loads numpy, scipy and matplotlib (and its font cache) in a fresh worker
    process before the first real question needs them."""
    return compute_answer(_WARM_BASELINE, [{"driver": "win_rate", "from": 0.25, "to": 0.2}]).chart is not None
