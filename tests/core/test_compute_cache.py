"""The baseline's forecast is computed once per baseline in a compute process: later questions on it get exactly
the forecast a fresh computation gives, a caller cannot change what the next one gets, and the memory is bounded."""

from __future__ import annotations

from bot.core.baselines.feature import sample_baseline
from bot.core.scenarios import compute
from engine.baseline import parse_baseline
from engine.forecast import forecast

CHANGE = [{"driver": "win_rate", "from": 0.25, "to": 0.2}]


def test_a_remembered_baseline_forecast_is_the_engines_and_cannot_be_changed_by_a_caller(monkeypatch):
    monkeypatch.setattr(compute, "_baseline_cache", type(compute._baseline_cache)())
    data = sample_baseline()
    calls = []
    real = compute.forecast
    monkeypatch.setattr(compute, "forecast", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = compute.compute_answer(data, CHANGE, want_chart=False)
    first.baseline.required_rate["p50"] = -1.0  # a caller that edits its copy (frozen, but its dicts are not)
    second = compute.compute_answer(data, CHANGE, want_chart=False)
    assert len(calls) == 3  # baseline once, scenario twice
    fresh = forecast(parse_baseline(data), weekly=False, sensitivity=False, confidences=(0.5, 0.8))
    assert second.baseline == fresh
    edited = dict(data, win_rate=0.3)  # another baseline (a new version) is forecast afresh
    assert compute.compute_answer(edited, [], want_chart=False).baseline.p_hit != fresh.p_hit
    assert len(calls) == 4


def test_the_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(compute, "_baseline_cache", type(compute._baseline_cache)())
    data = sample_baseline()
    for n in range(compute._CACHE_SIZE + 5):
        compute.compute_answer(dict(data, booked=data["booked"] + n), [], want_chart=False)
    assert len(compute._baseline_cache) == compute._CACHE_SIZE
