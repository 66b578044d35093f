"""R2: how benchmarks/soak.py judges a soak run (benchmarks/soak_checks.py; the run itself takes minutes, its
figures are in the README): what was acknowledged but is missing or doubled, and whether a resource sampled over
time stayed flat."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[1] / "benchmarks" / "soak_checks.py"


@pytest.fixture(scope="module")
def soak():
    spec = importlib.util.spec_from_file_location("benchmarks_soak_checks", SOAK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_R2_an_acknowledged_card_like_or_comment_that_is_missing_or_doubled_is_reported(soak):
    ledger = soak.Ledger(
        cards={("C1", "what if a"): 2, ("teams", "what if b"): 1},
        likes={("C1", "1.1", "U1"), ("C1", "1.1", "U2")},
        comments={("C1", "1.1", "2.2")},
    )
    shown = {("C1", "what if a"): 2, ("teams", "what if b"): 1}
    assert (
        soak.lost_and_doubled(ledger, shown, {("C1", "1.1", "U1"), ("C1", "1.1", "U2")}, {("C1", "1.1", "2.2")}) == []
    )
    problems = soak.lost_and_doubled(ledger, {("C1", "what if a"): 3}, {("C1", "1.1", "U1")}, set())
    assert problems == [
        "card ('C1', 'what if a'): 3 shown, 2 acknowledged",
        "card ('teams', 'what if b'): 0 shown, 1 acknowledged",
        "like ('C1', '1.1', 'U2') missing",
        "comment ('C1', '1.1', '2.2') missing",
    ]


@pytest.mark.parametrize(
    ("name", "values", "flat"),
    [
        ("web#1 rss MB", [150, 190, 192, 195, 191, 196], True),  # warm-up, then steady
        ("web#1 rss MB", [150, 190, 200, 230, 260, 300], False),  # a leak
        ("worker#1 fds", [12, 30, 31, 30, 33, 32], True),
        ("worker#1 fds", [12, 30, 35, 40, 45, 50], False),
        ("server db connections (worker #1)", [2, 6, 7, 6, 7, 8], True),
        ("server db connections (worker #1)", [2, 6, 8, 10, 12, 14], False),
    ],
)
def test_R2_a_resource_is_flat_after_its_warm_up_or_reported_growing(soak, name, values, flat):
    ok, line = soak.Series(name, values).verdict(warmup=1)
    assert ok is flat
    assert line.startswith(name) and ("flat" if flat else "GROWING") in line
