"""A workshop survey's results: the summary (pure), the number question run through the engine, and the chart.

Owns what the results card may show. Anonymous surveys show nothing but the response rate until at least 3 people
answered, never anything per person, and free text without names; named surveys show who wrote each text. The
number question's answers give the team's median and range, and `compute_results` (one picklable call, run in
the executor) forecasts the channel's latest baseline with that median as the driver's value.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MIN_ANSWERS", "Summary", "NumberResult", "summarise", "compute_results", "driver_value"]

MIN_ANSWERS = 3


@dataclass(frozen=True)
class NumberResult:
    question: str
    driver: str | None
    median: float
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class Summary:
    invited: int
    answered: int
    anonymous: bool
    shown: bool  # False: too few answers to show (anonymous, fewer than MIN_ANSWERS)
    ratings: list[tuple[str, dict[int, int]]] = field(default_factory=list)
    choices: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    texts: list[tuple[str, list[tuple[str | None, str]]]] = field(
        default_factory=list
    )  # (who, text): who None if anonymous
    numbers: list[NumberResult] = field(default_factory=list)


def summarise(questions: list[Any], answers: list[Any], invited: int, *, anonymous: bool) -> Summary:
    """Counts and lists per question. `answers` are records with `.user_id` and `.answers` (position -> value).
    Free texts are kept in answer order, without who wrote them when anonymous."""
    shown = len(answers) >= MIN_ANSWERS or not anonymous
    if not shown:
        return Summary(invited, len(answers), anonymous, False)
    ratings, choices, texts, numbers = [], [], [], []
    for q in questions:
        key = str(q.position)
        given = [(a.user_id, a.answers[key]) for a in answers if a.answers.get(key) not in (None, "")]
        if q.kind == "rating":
            counts = {score: 0 for score in range(1, 6)}
            for _, value in given:
                if int(value) in counts:
                    counts[int(value)] += 1
            ratings.append((q.text, counts))
        elif q.kind == "choice":
            by_option = {option: 0 for option in q.options}
            for _, value in given:
                by_option[str(value)] = by_option.get(str(value), 0) + 1
            choices.append((q.text, by_option))
        elif q.kind == "number":
            values = sorted(float(v) for _, v in given)
            if values:
                numbers.append(
                    NumberResult(q.text, q.driver, statistics.median(values), values[0], values[-1], len(values))
                )
        else:
            texts.append((q.text, [(None if anonymous else who, str(v)) for who, v in given]))
    return Summary(invited, len(answers), anonymous, True, ratings, choices, texts, numbers)


def driver_value(driver: str, answered: float) -> float:
    """The engine's value for a person's answer: a win rate typed in % ("25") is the rate 0.25."""
    if driver == "win_rate" and answered > 1:
        return answered / 100
    return answered


def compute_results(
    baseline_data: dict[str, Any] | None,
    numbers: list[tuple[str, float]],
    ratings: list[tuple[str, dict[int, int]]],
    want_chart: bool,
) -> dict[str, Any]:
    """P(reach target) today and with each number question's median as its driver (engine), and the ratings chart.
    Plain data in and out: runs in a thread or process pool."""
    out: dict[str, Any] = {"p_base": None, "scenarios": [], "chart": None, "problems": []}
    if baseline_data is not None and numbers:
        from engine.baseline import BaselineError, parse_baseline
        from engine.changes import Change, apply_changes, current_value
        from engine.forecast import forecast

        options: dict[str, Any] = {"weekly": False, "sensitivity": False, "confidences": ()}
        try:
            base = parse_baseline(baseline_data)
            out["p_base"] = forecast(base, **options).p_hit
            for driver, median in numbers:
                value = driver_value(driver, median)
                changed = apply_changes(base, [Change(driver, current_value(base, driver), value)])
                out["scenarios"].append(
                    {"driver": driver, "median": median, "p_hit": forecast(changed, **options).p_hit,
                     "current": current_value(base, driver)}
                )  # fmt: skip
        except BaselineError as error:
            out["problems"] = list(error.problems)
    if want_chart and ratings:
        from bot.core.charts import rating_chart

        out["chart"] = rating_chart(ratings)
    return out
