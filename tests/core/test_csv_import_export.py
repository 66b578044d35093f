"""Pipeline export: formula cells are neutralised, and export -> import gives back the same deals."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from bot.core.imports.csv import export_pipeline_csv, parse_crm_csv
from engine.baseline import baseline_to_dict, parse_baseline

PERIOD = {"as_of": date(2026, 11, 16), "period_end": date(2026, 12, 31)}
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTabbed", "\rCR"]


def baseline(deals):
    return baseline_to_dict(
        parse_baseline(
            {
                "currency": "EUR",
                "as_of": "2026-11-16",
                "period_end": "2026-12-31",
                "target": 1_000_000,
                "booked": 0,
                "reps": 5,
                "new_opps_per_rep_week": 2,
                "win_rate": 0.25,
                "deal_size": {"mean": 20_000, "cv": 0.8},
                "cycle_weeks": {"mean": 4, "cv": 0.5},
                "pipeline": deals,
            }
        )
    )


def deal(i, **extra):
    return {"id": f"OPP-{i}", "name": f"Deal {i}", "amount": 1000 * i + 0.5, "probability": round(0.07 * i, 2),
            "close_date": f"2026-12-{i:02d}", "stage": "Proposal", "owner": "Dana", **extra}  # fmt: skip


def test_D4_cells_that_spreadsheets_would_run_are_prefixed_with_a_quote():
    deals = [deal(i + 1, name=text, owner=text, stage=text) for i, text in enumerate(HOSTILE)]
    deals.append(deal(9, id="=1+1"))
    data = export_pipeline_csv(baseline(deals))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Id", "Name", "Amount", "Currency", "Probability (%)", "Close Date", "Stage", "Owner"]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    # Stage and owner keep their text as given (names are stripped by the baseline, so tab/CR starts vanish there).
    assert [r[6] for r in rows[1:7]] == ["'" + text for text in HOSTILE]
    assert [r[7] for r in rows[1:7]] == ["'" + text for text in HOSTILE]
    assert [r[1] for r in rows[1:5]] == ["'" + text for text in HOSTILE[:4]]
    assert rows[7][0] == "'=1+1"


def test_export_then_import_gives_back_the_same_deals():
    names = HOSTILE + ['Acme, "quoted" renewal', "Zürich\nzweite Zeile", "Plain"]
    deals = [deal(i + 1, name=name) for i, name in enumerate(names)]
    deals.append({"id": "OPP-99", "name": "", "amount": 5, "probability": 0.35, "close_date": "2027-03-01"})
    original = baseline(deals)
    result = parse_crm_csv(export_pipeline_csv(original), **PERIOD)
    assert result.format == "scenario-bot" and result.report.ok, result.report.to_text()
    assert result.currency == "EUR" and result.counts.open == len(deals)
    back = result.to_baseline(original)
    assert len(back["pipeline"]) == len(original["pipeline"])
    for before, after in zip(original["pipeline"], back["pipeline"], strict=True):
        assert after == {**before, "probability": pytest.approx(before["probability"], abs=1e-12)}
    assert back["currency"] == "EUR" and back["win_rate"] == original["win_rate"]
