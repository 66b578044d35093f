"""Baseline validation, what-if changes and the engine CLI: bad input gets a message naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from engine import BaselineError, Change, apply_changes, baseline_to_dict, parse_baseline
from engine.changes import change_from_dict

GOOD = {
    "currency": "USD",
    "as_of": "2026-11-16",
    "period_end": "2026-12-31",
    "target": 2000000,
    "booked": 1200000,
    "reps": 10,
    "new_opps_per_rep_week": 7,
    "win_rate": 0.25,
    "deal_size": {"mean": 20000, "cv": 0.8},
    "cycle_weeks": {"mean": 4, "cv": 0.5},
    "pipeline": [
        {
            "id": "OPP-1",
            "name": "Acme renewal",
            "amount": 50000,
            "probability": 0.4,
            "close_date": "2026-12-15",
            "stage": "Proposal",
            "owner": "Dana",
        },
        {"id": "OPP-2", "name": "Late", "amount": 9000, "probability": 0.5, "close_date": "2027-02-01"},
    ],
}


def problems_of(data) -> list[str]:
    with pytest.raises(BaselineError) as info:
        parse_baseline(data)
    return info.value.problems


def with_(**changes):
    return {**GOOD, **changes}


def deal(**changes):
    return with_(pipeline=[{**GOOD["pipeline"][0], **changes}])


def test_round_trip_and_window():
    b = parse_baseline(GOOD)
    assert baseline_to_dict(b) == {
        **GOOD,
        "pipeline": [{**GOOD["pipeline"][0]}, {**GOOD["pipeline"][1], "name": "Late"}],
    }
    assert b.weeks_left == pytest.approx(45 / 7)
    assert [d.id for d in b.window_deals] == ["OPP-1"] and b.ignored_deals == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (deal(probability=1.4), "pipeline[0].probability: must be between 0 and 1"),
        (deal(amount=-5), "pipeline[0].amount: must not be negative"),
        (deal(close_date="15/12/2026"), "pipeline[0].close_date: expected a date like 2026-12-31"),
        (deal(colour="red"), "pipeline[0]: unknown key(s) colour"),
        (with_(deal_size={"mean": 20000, "cv": 0}), "deal_size.cv: must be greater than 0"),
        (with_(period_end="2026-11-01"), "period_end: must not be before as_of"),
        (with_(win_rate=25), "win_rate: must be between 0 and 1 (0.25 means 25%)"),
        (with_(targets=5), "baseline: unknown key(s) targets"),
        (with_(reps="ten"), "reps: expected a number, got 'ten'"),
        ({k: v for k, v in GOOD.items() if k != "target"}, "target: required but missing"),
        (with_(pipeline=[GOOD["pipeline"][0], GOOD["pipeline"][0]]), "pipeline[1].id: duplicate id 'OPP-1'"),
    ],
)
def test_each_problem_names_its_field_and_rule(data, expected):
    assert any(p.startswith(expected) for p in problems_of(data)), problems_of(data)


def test_every_problem_is_reported_at_once():
    assert len(problems_of(with_(win_rate=2, reps=-1, as_of="nope"))) == 3


def test_weeks_left_zero_is_valid():
    assert parse_baseline(with_(period_end="2026-11-16")).weeks_left == 0


def test_changes_apply_and_serialise():
    b = parse_baseline(GOOD)
    changes = [
        Change("win_rate", 0.25, 0.2),
        Change("reps", 10, 13),
        Change("deal_size", 20000, 21000),
        Change("period_end", date(2026, 12, 31), date(2027, 1, 7)),
        Change("deal", 0.4, 0.0, deal="OPP-1"),
    ]
    after = apply_changes(b, changes)
    assert (after.win_rate, after.reps, after.deal_size.mean) == (0.2, 13, 21000)
    assert after.period_end == date(2027, 1, 7) and after.pipeline[0].probability == 0.0
    assert b.win_rate == 0.25  # the baseline itself is untouched
    assert changes[3].to_dict() == {"driver": "period_end", "from": "2026-12-31", "to": "2027-01-07"}
    assert changes[4].to_dict() == {"driver": "deal", "from": 0.4, "to": 0.0, "deal": "OPP-1"}
    assert change_from_dict(changes[3].to_dict()) == changes[3]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (Change("win_rate", 0.25, 1.5), "win_rate: must be between 0% and 100%, got 150%"),
        (Change("reps", 10, -4), "reps: must not be negative, got -4"),
        (Change("deal", 0.4, 1.0, deal="NOPE"), "deal: no deal with id 'NOPE'"),
        (Change("colour", 1, 2), "driver: unknown driver 'colour'"),
    ],
)
def test_impossible_changes_are_refused(change, message):
    with pytest.raises(BaselineError) as info:
        apply_changes(parse_baseline(GOOD), [change])
    assert str(info.value).startswith(message)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True, timeout=120)


def test_cli_prints_the_forecast_json(tmp_path: Path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps(GOOD))
    done = run_cli("forecast", str(path))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    for key in ("p_hit", "expected", "p10", "p50", "p90", "weeks_left", "required_rate", "weekly", "sensitivity"):
        assert key in out
    assert set(out["required_rate"]) >= {"p50", "p80", "expected"}
    assert out["weekly"][-1]["week_end"] == "2026-12-31"


def test_cli_errors_go_to_stderr_with_exit_2(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(deal(probability=7)))
    done = run_cli("forecast", str(bad))
    assert done.returncode == 2 and done.stdout == ""
    assert "pipeline[0].probability: must be between 0 and 1" in done.stderr
    assert "Traceback" not in done.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    done = run_cli("forecast", str(broken))
    assert done.returncode == 2 and "not valid JSON: line 1" in done.stderr
    done = run_cli("forecast", str(tmp_path / "missing.json"))
    assert done.returncode == 2 and "cannot read" in done.stderr


def test_cli_output_cut_short_by_the_reader_ends_quietly(tmp_path: Path):
    """`python -m engine forecast FILE | head -1`: the reader may close the pipe before the forecast is written.
    Closing our end before the engine writes makes that happen every run, not by a race."""
    path = tmp_path / "b.json"
    path.write_text(json.dumps(GOOD))
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", "forecast", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert err.decode() == ""
    assert proc.returncode == 141  # what a shell shows for a tool stopped by SIGPIPE, not 1 with a traceback
    shell = subprocess.run(
        f"{sys.executable} -m engine forecast {path} | head -1", shell=True, capture_output=True, text=True, timeout=120
    )
    assert shell.stdout == "{\n" and shell.stderr == ""
