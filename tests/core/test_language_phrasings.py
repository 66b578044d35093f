"""The what-if reader against phrasings as sales people type them (tests/data/phrasings/phrasings.tsv).

Each row says how a question must be read. A row is read right when the intent is one the row allows and, for a
confident answer, the changes (driver, deal, from, to) and the extras (solve_for, confidence, at-risk owners)
match. A confident answer that differs is a misreading: the worst failure, since the bot would answer a question
nobody asked. A "Did you mean" (clarify) or a refusal on a readable phrase is only a miss.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from bot.core.language import Parsed, parse
from engine.baseline import Baseline, parse_baseline
from engine.changes import apply_changes

DATA = Path(__file__).resolve().parents[1] / "data" / "phrasings"
UNSURE = ("clarify", "unknown")


@dataclass(frozen=True)
class Row:
    line: int
    question: str
    intents: tuple[str, ...]
    changes: tuple[tuple, ...]
    extras: dict[str, str]


def _value(text: str) -> object:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return float(text)


def _changes(text: str) -> tuple[tuple, ...]:
    out = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        words = part.split()
        driver, deal = words[0], (words[1] if words[0] == "deal" else None)
        from_, to = words[-1].split(">")
        out.append((driver, deal, _value(from_), _value(to)))
    return tuple(out)


def load_rows() -> list[Row]:
    rows = []
    for number, line in enumerate((DATA / "phrasings.tsv").read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        question, intents, changes, extras = line.split("\t")
        pairs = dict(p.strip().split("=", 1) for p in extras.split(";") if p.strip())
        rows.append(Row(number, question, tuple(intents.split("|")), _changes(changes), pairs))
    return rows


def load_baseline() -> Baseline:
    return parse_baseline(json.loads((DATA / "baseline.json").read_text(encoding="utf-8")))


ROWS = load_rows()
B = load_baseline()


def _same(a: object, b: object) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def _got_changes(p: Parsed) -> list[tuple]:
    return [(c.driver, c.deal, c.from_, c.to) for c in p.changes]


def _changes_match(expected: tuple[tuple, ...], got: list[tuple]) -> bool:
    if len(expected) != len(got):
        return False
    remaining = list(got)
    for e in expected:  # order-free: "lose Acme and win Stark" may list either first
        hit = next((g for g in remaining if g[:2] == e[:2] and _same(g[2], e[2]) and _same(g[3], e[3])), None)
        if hit is None:
            return False
        remaining.remove(hit)
    return True


def _extras_match(row: Row, p: Parsed) -> bool:
    solve_for = row.extras.get("solve_for")
    if solve_for != getattr(p, "solve_for", None):
        return False
    confidence = row.extras.get("confidence")
    if (p.confidence is None) != (confidence is None):
        return False
    if confidence is not None and not _same(p.confidence, float(confidence)):
        return False
    owners = tuple(filter(None, row.extras.get("at_risk", "").split(",")))
    return tuple(getattr(p, "at_risk_owners", ())) == owners


def judge(row: Row, p: Parsed) -> str:
    """'right', 'miss' (asked back or refused a readable phrase) or 'misread' (a confident wrong answer)."""
    readable = p.intent in UNSURE or (_changes_match(row.changes, _got_changes(p)) and _extras_match(row, p))
    if p.intent in row.intents and readable:
        return "right"
    return "miss" if p.intent in UNSURE else "misread"


def _report(results: list[tuple[Row, Parsed, str]]) -> str:
    lines = []
    for row, p, verdict in results:
        if verdict == "right":
            continue
        got = f"{p.intent} {_got_changes(p)} solve_for={getattr(p, 'solve_for', None)} conf={p.confidence}"
        got += f" at_risk={getattr(p, 'at_risk_owners', ())} problem={p.problem!r}"
        lines.append(
            f"  {verdict.upper()} line {row.line}: {row.question!r}\n    want {row.intents} {row.changes}"
            f" {row.extras}\n    got  {got}"
        )
    return "\n".join(lines)


def test_the_table_covers_every_driver_and_intent() -> None:
    assert len(ROWS) >= 300
    drivers = {c[0] for row in ROWS for c in row.changes}
    assert drivers >= {
        "win_rate",
        "deal_size",
        "new_opps_per_rep_week",
        "reps",
        "cycle_weeks",
        "target",
        "booked",
        "period_end",
        "deal",
    }
    intents = {i for row in ROWS for i in row.intents}
    assert intents >= {
        "forecast",
        "whatif",
        "required_rate",
        "required_value",
        "drivers",
        "help",
        "baseline",
        "clarify",
        "unknown",
    }


def test_phrasings_are_read_right_and_never_misread() -> None:
    results = [(row, p, judge(row, p)) for row in ROWS for p in [parse(row.question, B, today=B.as_of)]]
    right = sum(v == "right" for _, _, v in results)
    misread = sum(v == "misread" for _, _, v in results)
    share = right / len(results)
    print(f"\nphrasings read right: {right}/{len(results)} = {share:.1%}; misreadings: {misread}")
    assert misread == 0 and share >= 0.95, f"{share:.1%} read right, {misread} misread:\n{_report(results)}"


@pytest.mark.parametrize("row", [r for r in ROWS if "clarify" in r.intents], ids=lambda r: r.question)
def test_every_did_you_mean_offers_questions_that_read_confidently(row: Row) -> None:
    p = parse(row.question, B, today=B.as_of)
    if p.intent != "clarify":
        return  # a refusal is allowed for these rows; the share test counts it
    assert 1 <= len(p.suggestions) <= 3 and p.problem and p.problem.startswith("Did you mean")
    for candidate in p.suggestions:
        c = parse(candidate, B, today=B.as_of)
        assert c.intent not in UNSURE and c.problem is None, (candidate, c.problem)
        apply_changes(B, c.changes)
