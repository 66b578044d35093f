"""Fuzzing the question parser and the CSV importer: no exception escapes, and every input gets an answer (a
parse with an intent or a problem; an import result whose report says what was wrong)."""

from __future__ import annotations

import math
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.core.imports.csv import parse_crm_csv
from bot.core.language import parse
from tests.core.test_language_phrasings import load_baseline

B = load_baseline()
WORDS = [
    "what",
    "if",
    "we",
    "hire",
    "add",
    "lose",
    "reps",
    "win",
    "rate",
    "is",
    "drops",
    "to",
    "target",
    "deal",
    "size",
    "%",
    "1e300",
    "inf",
    "nan",
    "-",
    "9" * 40,
    "2.5M",
    "k",
    "by",
    "double",
    "Acme",
    "\x00",
    "\n",
    "x1e9",
]
questions = st.one_of(st.text(max_size=120), st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join))


@given(questions)
def test_every_question_gets_an_intent_or_a_problem(text):
    parsed = parse(text, B)
    assert parsed.intent != "unknown" or parsed.problem or not parsed.changes
    for change in parsed.changes:
        assert math.isfinite(float(change.to))


CELLS = [
    "Opportunity ID",
    "Stage",
    "Amount",
    "Probability (%)",
    "Close Date",
    "Closed Won",
    "USD 12,500.00",
    "12/15/2026",
    "2026-12-15",
    "40",
    "1e26",
    "9" * 400,
    '"',
    '""',
    ";",
    "\t",
    "",
    "=SUM(A1)",
    "\x00",
    "é",
]
HEADER = "Opportunity ID,Stage,Amount,Probability (%),Close Date"
rows = st.lists(st.lists(st.sampled_from(CELLS), min_size=1, max_size=6), min_size=0, max_size=8)
files = st.one_of(
    st.binary(max_size=400),
    rows.map(lambda r: "\n".join(",".join(row) for row in r).encode()),
    rows.map(
        lambda r: (
            "Opportunity ID,Stage,Amount,Probability (%),Close Date\n" + "\n".join(",".join(x) for x in r)
        ).encode()
    ),
)


@given(files)
def test_every_csv_gets_a_result_with_a_report(data):
    result = parse_crm_csv(data, as_of=date(2026, 11, 16), period_end=date(2026, 12, 31))
    assert result.report.blocked or result.counts is not None
    if result.report.blocked:
        assert result.report.file_errors and all(isinstance(m, str) and m for m in result.report.file_errors)
    for row in result.rows:
        assert row.amount is None or math.isfinite(row.amount)
