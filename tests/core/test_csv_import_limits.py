"""Hostile CSV files are cheap to reject and get a clear message: a bounded sniff, field, record and column
limits, a time budget per import, and amounts too large for the engine (1e26 crashed the preview's lattice)."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from bot.core.imports.csv import parse_crm_csv
from bot.core.imports.csv import reader as csv_reader
from bot.core.imports.flow import prepare_import
from engine.baseline import MAX_MONEY, BaselineError, parse_baseline

DATA = Path(__file__).resolve().parents[1] / "data" / "csv"
PERIOD = {"as_of": date(2026, 11, 16), "period_end": date(2026, 12, 31)}
SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_baseline.json"
HEADER = "Opportunity ID,Stage,Amount,Probability (%),Close Date"


def _rows(n: int) -> bytes:
    lines = [HEADER] + [f"006{i:012d},Prospecting,{1000 + i},10,12/15/2026" for i in range(n)]
    return "\n".join(lines).encode()


def test_the_sniffer_sees_a_bounded_sample_of_a_long_quoted_header(monkeypatch):
    """csv.Sniffer is quadratic on a long quoted line (a 32 KB header took 6.9 s, 64 KB 29 s)."""
    seen: list[int] = []
    real = csv.Sniffer.sniff

    def spy(self, sample, delimiters=None):
        seen.append(len(sample))
        return real(self, sample, delimiters)

    monkeypatch.setattr(csv.Sniffer, "sniff", spy)
    cells = ['"' + " " * 30_000 + '"', '"Stage"', '"Amount"']  # each field under the field limit, 90 KB in all
    result = parse_crm_csv((",".join(cells) + "\n1,2,3\n").encode(), **PERIOD)
    assert seen and max(seen) <= csv_reader.SNIFF_CHARS
    assert result.needs_mapping  # read, and answered: not a format it recognises


def test_an_unclosed_quote_is_a_clear_file_error_not_a_long_read():
    data = (HEADER + '\n006000000000001,Prospecting,"1000,10,12/15/2026\n' + "x" * 200_000).encode()
    result = parse_crm_csv(data, **PERIOD)
    assert result.report.blocked
    [message] = result.report.file_errors
    assert "line 2" in message and "quote" in message and "32,768" in message


def test_a_record_too_long_or_too_wide_is_refused_with_the_limit():
    wide = parse_crm_csv((",".join(f"c{i}" for i in range(5_000)) + "\n").encode(), **PERIOD)
    assert wide.report.blocked and "5,000 columns" in wide.report.file_errors[0]
    long_row = HEADER + "\n" + ",".join(["x" * 30_000] * 10) + "\n"
    result = parse_crm_csv(long_row.encode(), **PERIOD)
    assert result.report.blocked and "line 2 holds 300,000 characters" in result.report.file_errors[0]


def test_each_import_has_a_time_budget():
    data = _rows(3_000)
    assert parse_crm_csv(data, **PERIOD).report.ok
    result = parse_crm_csv(data, **PERIOD, time_budget=0.0)
    assert result.report.blocked
    assert "took longer than 0 s" in result.report.file_errors[0]
    assert not result.rows  # nothing half-imported


def test_the_deadline_checks_a_clock():
    now = [100.0]
    deadline = csv_reader.Deadline(5, clock=lambda: now[0])
    deadline.check()
    now[0] = 105.5
    with pytest.raises(csv_reader.CsvFileError, match="longer than 5 s"):
        deadline.check("reading line 7")


@pytest.mark.parametrize("amount", ["100000000000000000000000000", "9" * 400, "USD 20,000,000,000.00"])
def test_amounts_too_large_are_row_errors_with_the_limit(amount):
    data = (HEADER + f'\n0061,Prospecting,"{amount}",10,12/15/2026\n0062,Prospecting,5000,10,12/15/2026\n').encode()
    result = parse_crm_csv(data, **PERIOD)
    assert [d.id for d in result.deals] == ["0062"]
    [(line, column, message)] = [(e.line, e.column, e.message) for e in result.report.row_errors]
    assert line == 2 and column == "Amount"
    assert "too large" in message and f"{MAX_MONEY:,.0f}" in message


def test_a_1e26_amount_no_longer_breaks_the_preview():
    base = json.loads(SAMPLE.read_text())
    data = (DATA / "salesforce_us.csv").read_bytes().replace(b"USD 48,000.00", b"100000000000000000000000000")
    prepared = prepare_import(data, name="big.csv", base=base, today=date(2026, 11, 16))
    assert prepared.problem is None
    assert prepared.preview["counts"]["rejected"] == 1
    assert prepared.preview["pipeline_total"] < MAX_MONEY
    assert 0.0 <= prepared.preview["p_hit"] <= 1.0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"target": 1e26}, "target: 1e+26 is too large; at most 10,000,000,000 is supported"),
        ({"target": 10**400}, "target: expected a finite number"),
        ({"booked": 2e10}, "booked: 2e+10 is too large"),
        ({"deal_size": {"mean": 1e26, "cv": 0.8}}, "deal_size.mean: 1e+26 is too large"),
        ({"reps": 1e300}, "reps: 1e+300 is too large"),
    ],
)
def test_baselines_with_magnitudes_the_engine_cannot_answer_are_refused(change, expected):
    data = {**json.loads(SAMPLE.read_text()), **change}
    with pytest.raises(BaselineError) as raised:
        parse_baseline(data)
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems


def test_a_deal_amount_of_1e26_in_a_baseline_is_refused():
    data = json.loads(SAMPLE.read_text())
    data["pipeline"][0]["amount"] = 1e26
    with pytest.raises(BaselineError, match=r"pipeline\[0\]\.amount: 1e\+26 is too large"):
        parse_baseline(data)
