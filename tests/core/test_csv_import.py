"""CSV import of real-looking CRM exports: formats, encodings, delimiters and the line-numbered report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.core.imports.csv import Mapping, parse_crm_csv, suggest_mapping
from engine.baseline import BaselineError

DATA = Path(__file__).resolve().parents[1] / "data" / "csv"
PERIOD = {"as_of": date(2026, 11, 16), "period_end": date(2026, 12, 31)}


def load(name: str, **kwargs):
    return parse_crm_csv((DATA / name).read_bytes(), **{**PERIOD, **kwargs})


def test_salesforce_report_becomes_pipeline_history_and_period_totals():
    result = load("salesforce_us.csv")
    assert result.format == "salesforce" and result.report.ok
    assert (result.counts.read, result.counts.open, result.counts.won, result.counts.lost) == (11, 6, 3, 2)
    assert result.currency == "USD"
    globex = next(d for d in result.deals if d.id == "0064x00000A1AAB")
    assert (globex.amount, globex.probability, globex.close_date) == (120500.0, 0.9, date(2026, 12, 22))
    assert (globex.name, globex.stage, globex.owner) == (
        "Globex - Platform expansion",
        "Negotiation/Review",
        "Dana Whitfield",
    )
    # In the period: Acme 48,000 @75%, Globex 120,500 @90%, Umbrella 22,750 @50%, Tyrell 64,000 @70%.
    assert result.pipeline_total == pytest.approx(255_250)
    assert result.pipeline_weighted == pytest.approx(48_000 * 0.75 + 120_500 * 0.9 + 22_750 * 0.5 + 64_000 * 0.7)
    assert sorted(d.id for d in result.outside_period) == ["0064x00000A1AAC", "0064x00000A1AAJ"]
    assert any("footer" in w for w in result.report.warnings)
    lost_without_amount = next(r for r in result.history if r.id == "0064x00000A1AAK")
    assert lost_without_amount.outcome == "lost" and lost_without_amount.amount is None
    assert "255,250 total" in result.summary()


def test_hubspot_export_takes_probability_from_the_stage():
    result = load("hubspot_deals.csv")
    assert result.format == "hubspot" and result.encoding == "utf-8" and result.report.ok
    probability = {d.id: d.probability for d in result.deals}
    assert probability == {"18000101": 0.9, "18000102": 0.2, "18000103": 0.8, "18000104": 0.4, "18000107": 0.6}
    assert {r.id: r.outcome for r in result.history} == {"18000105": "won", "18000106": "lost"}
    assert next(d for d in result.deals if d.id == "18000107").name == "Wide World Importers, Inc. - Team"


def test_unknown_layout_asks_for_a_mapping_then_imports_cp1252_semicolons_and_decimal_commas():
    first = load("pipedrive_generic_cp1252.csv")
    assert first.needs_mapping and first.report.blocked and not first.deals
    assert "Columns found: 'Title', 'Organization', 'Value'" in first.report.file_errors[0]
    suggestion = first.mapping
    assert suggestion.columns["amount"] == "Value" and suggestion.columns["close_date"] == "Expected close date"
    assert "amount <- 'Value'" in first.summary()

    result = load("pipedrive_generic_cp1252.csv", mapping=suggestion)
    assert result.report.ok and result.encoding == "cp1252" and result.delimiter == "semicolon"
    deals = {d.name: d for d in result.deals}
    assert set(deals) == {"Müller GmbH – Lizenz", "Bäckerei Sommer – Kasse", "Stadtwerke Nord – Portal"}
    kasse = deals["Bäckerei Sommer – Kasse"]
    assert (kasse.amount, kasse.probability, kasse.close_date, kasse.owner) == (
        3200.5,
        0.8,
        date(2026, 12, 20),
        "Jana Krüger",
    )
    assert result.currency == "EUR" and result.pipeline_total == pytest.approx(15_700.5)


def test_D4_a_file_that_is_not_text_imports_nothing_and_says_how_to_fix_it():
    result = load("not_text.csv")
    assert result.report.blocked and result.counts.read == 0 and not result.deals
    message = result.report.file_errors[0]
    assert "neither UTF-8 nor Windows-1252" in message and "line 2" in message and "CSV UTF-8" in message
    with pytest.raises(BaselineError, match="neither UTF-8"):
        result.to_baseline(target=1)


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", "empty"),
        (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
        (b"Stage,Amount\x00\x00", "binary"),
    ],
)
def test_files_that_are_not_csv_get_a_clear_file_error(data, expected):
    result = parse_crm_csv(data, **PERIOD)
    assert result.report.blocked and expected in result.report.file_errors[0]


def test_D4_missing_required_column_names_it_and_lists_the_columns_found():
    result = load("salesforce_missing_close_date.csv")
    assert result.report.blocked and result.counts.read == 0 and not result.deals
    message = result.report.file_errors[0]
    assert "'Close Date'" in message and "Salesforce" in message
    assert "Columns found: 'Opportunity Owner', 'Account Name'" in message


def test_D4_each_bad_row_and_duplicate_id_is_rejected_and_listed_by_line_and_column():
    result = load("salesforce_bad_rows.csv")
    assert not result.report.blocked
    found = {(e.line, e.column): e.message for e in result.report.row_errors}
    assert set(found) == {
        (3, "Close Date"),
        (4, "Amount"),
        (5, "Probability (%)"),
        (6, "Opportunity ID"),
        (7, "Amount"),
    }
    assert "'next week' is not a date" in found[3, "Close Date"] and "12/15/2026" in found[3, "Close Date"]
    assert "missing amount" in found[4, "Amount"]
    assert "'150' is out of range" in found[5, "Probability (%)"]
    assert "duplicate id '006A' (first on line 2" in found[6, "Opportunity ID"]
    assert "must not be negative" in found[7, "Amount"]
    assert sorted(r.id for r in result.rows) == ["006A", "006G"]
    assert result.counts.rejected == 5 and result.counts.read == 7
    assert result.report.to_text().splitlines()[0].startswith("line 3: Close Date:")


def test_reported_line_is_the_physical_line_where_a_multiline_record_starts():
    header = "Opportunity Name,Stage,Amount,Close Date,Opportunity ID\n"
    rows = [f'"Deal {i}\nsecond line\nthird line",Prospecting,1000,12/1/2026,ID{i}\n' for i in range(5)]
    rows.append("Broken,Prospecting,1000,31/31/2026,ID99\n")
    result = parse_crm_csv((header + "".join(rows)).encode(), **PERIOD)
    assert [(e.line, e.column) for e in result.report.row_errors] == [(17, "Close Date")]
    assert len(result.deals) == 5 and result.deals[0].name == "Deal 0\nsecond line\nthird line"


def test_long_reports_are_capped_with_a_count_of_the_rest():
    lines = ["Opportunity Name,Stage,Amount,Close Date"] + [f"D{i},Prospecting,lots,12/15/2026" for i in range(120)]
    result = parse_crm_csv("\n".join(lines).encode(), **PERIOD)
    text = result.report.lines()
    assert len(text) == 51 and text[0].startswith("line 2: Amount: 'lots' is not an amount")
    assert text[-1] == "... and 70 more problems (first 50 shown)"
    assert result.report.to_dict()["more_row_errors"] == 70 and result.counts.rejected == 120


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_detected_from_the_header(delimiter):
    rows = [
        ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date", "Deal owner", "Pipeline"],
        ["1", "Acme; Globex, joint", "Contract sent", "24000", "2026-12-10", "2026-10-01", "Sam", "Sales"],
    ]
    text = "\n".join(delimiter.join(f'"{c}"' if delimiter in c or "," in c or ";" in c else c for c in r) for r in rows)
    result = parse_crm_csv(text.encode(), **PERIOD)
    assert result.format == "hubspot" and result.report.ok
    assert result.deals[0].name == "Acme; Globex, joint" and result.deals[0].amount == 24000


def test_utf16_with_bom_as_excel_unicode_text_writes_it():
    text = "Opportunity Name\tStage\tAmount\tClose Date\r\nZürich Versicherung\tProspecting\t5000\t12/1/2026\r\n"
    result = parse_crm_csv(text.encode("utf-16"), **PERIOD)
    assert result.encoding == "utf-16" and result.deals[0].name == "Zürich Versicherung"


@pytest.mark.parametrize(
    "cell, decimal_comma, expected",
    [
        ("USD 12,500.00", False, 12500.0),
        ("$12,500", False, 12500.0),
        ("12500", False, 12500.0),
        ("12.500,00 €", True, 12500.0),
        ("EUR 1.234.567,89", True, 1234567.89),
        ("12 500,50", True, 12500.5),
        ("CHF 1'250.75", False, 1250.75),
        ("£999.99", False, 999.99),
    ],
)
def test_amount_formats_of_common_locales(cell, decimal_comma, expected):
    header = (
        "Opportunity Name;Stage;Amount;Close Date\n" if decimal_comma else "Opportunity Name,Stage,Amount,Close Date\n"
    )
    sep = ";" if decimal_comma else ","
    result = parse_crm_csv((header + f'Deal{sep}Prospecting{sep}"{cell}"{sep}12/1/2026\n').encode(), **PERIOD)
    assert result.report.ok, result.report.to_text()
    assert result.deals[0].amount == pytest.approx(expected)


def test_day_first_dates_are_recognised_and_ambiguous_ones_are_flagged():
    base = "Opportunity Name,Stage,Amount,Close Date\nA,Prospecting,1,{}\nB,Prospecting,1,{}\n"
    day_first = parse_crm_csv(base.format("05/12/2026", "25/12/2026").encode(), **PERIOD)
    assert [d.close_date for d in day_first.deals] == [date(2026, 12, 5), date(2026, 12, 25)]
    ambiguous = parse_crm_csv(base.format("12/05/2026", "12/06/2026").encode(), **PERIOD)
    assert ambiguous.deals[0].close_date == date(2026, 12, 5)
    assert any("could be read either way" in w for w in ambiguous.report.warnings)
    forced = parse_crm_csv(
        base.format("12/05/2026", "12/06/2026").encode(),
        mapping=Mapping(
            columns={"name": "Opportunity Name", "stage": "Stage", "amount": "Amount", "close_date": "Close Date"},
            format="salesforce",
            date_order="dmy",
        ),
        **PERIOD,
    )
    assert forced.deals[0].close_date == date(2026, 5, 12)


def test_rows_in_a_second_currency_are_rejected_not_summed():
    text = (
        "Opportunity Name,Stage,Amount,Close Date\n"
        + "".join(f'D{i},Prospecting,"USD {1000 + i}",12/1/2026\n' for i in range(3))
        + 'E,Prospecting,"EUR 5,000.00",12/1/2026\n'
    )
    result = parse_crm_csv(text.encode(), **PERIOD)
    assert result.currency == "USD" and len(result.deals) == 3
    [error] = result.report.row_errors
    assert error.line == 5 and "currency EUR differs from the file's main currency USD" in error.message


def test_salesforce_won_and_closed_flags_decide_over_custom_stage_names():
    text = (
        "Opportunity Name,Stage,Amount,Close Date,Won,Closed,Probability (%)\n"
        "A,Signed,100,10/1/2026,true,true,100\nB,Dead,100,10/1/2026,false,true,0\nC,Pitch,100,12/1/2026,false,false,30\n"
    )
    result = parse_crm_csv(text.encode(), **PERIOD)
    assert [(r.name, r.outcome) for r in result.rows] == [("A", "won"), ("B", "lost"), ("C", "open")]


def test_open_deal_without_probability_needs_a_known_stage_or_a_mapping_entry():
    text = "Opportunity Name,Stage,Amount,Close Date\nA,Custom Stage,100,12/1/2026\n"
    result = parse_crm_csv(text.encode(), **PERIOD)
    [error] = result.report.row_errors
    assert error.column == "probability"
    assert "stage 'Custom Stage' has no default probability" in error.message
    mapping = Mapping(
        columns={"name": "Opportunity Name", "stage": "Stage", "amount": "Amount", "close_date": "Close Date"},
        format="salesforce",
        stage_probabilities={"custom stage": 0.35},
    )
    assert parse_crm_csv(text.encode(), mapping=mapping, **PERIOD).deals[0].probability == 0.35


def test_suggest_mapping_matches_other_crms_headers_fuzzily():
    mapping = suggest_mapping(
        ["Deal Title", "Deal Value", "Sales Stage", "Expected Close Date", "Sales Rep", "Created"]
    )
    assert mapping.columns["amount"] == "Deal Value"
    assert mapping.columns["stage"] == "Sales Stage"
    assert mapping.columns["close_date"] == "Expected Close Date"
    assert mapping.columns["owner"] == "Sales Rep" and mapping.columns["created_date"] == "Created"
    assert mapping.missing == ()
    assert suggest_mapping(["Foo", "Bar"]).missing == ("amount", "close_date", "stage")


def test_a_mapping_naming_a_column_the_file_lacks_is_a_file_error():
    text = "Title,Value,Expected close\nA,100,12/1/2026\n"
    mapping = Mapping(columns={"name": "Title", "amount": "Amount", "close_date": "Expected close", "stage": "Title"})
    result = parse_crm_csv(text.encode(), mapping=mapping, **PERIOD)
    assert result.report.blocked and "amount -> 'Amount'" in result.report.file_errors[0]
    assert "Columns found: 'Title', 'Value', 'Expected close'" in result.report.file_errors[0]


def test_a_row_with_too_few_fields_is_reported_not_misread():
    text = "Opportunity Name,Stage,Amount,Close Date\nA,Prospecting,100,12/1/2026\nB,Prospecting\n"
    result = parse_crm_csv(text.encode(), **PERIOD)
    [error] = result.report.row_errors
    assert error.line == 3 and "has 2 fields, the header has 4" in error.message


def test_an_unclosed_quote_is_named_as_the_cause():
    text = (
        "Opportunity Name,Stage,Amount,Close Date\n"
        'A,Prospecting,100,12/15/2026\n"B,Prospecting,100,12/15/2026\nC,x,5,1/1/2027\n'
    )
    result = parse_crm_csv(text.encode(), **PERIOD)
    [error] = result.report.row_errors
    assert error.line == 3 and "quote opened on this line is never closed" in error.message
    assert [d.name for d in result.deals] == ["A"]


def test_title_lines_above_the_header_are_skipped_and_a_header_alone_imports_nothing():
    title = '"Pipeline Q4"\n"Filtered By: Close Date = Current FQ"\n\n'
    header = "Opportunity Name,Stage,Amount,Close Date\n"
    result = parse_crm_csv((title + header + "A,Prospecting,100,12/15/2026\n").encode(), **PERIOD)
    assert result.header_line == 4 and [d.id for d in result.deals] == ["row-5"]
    empty = parse_crm_csv((title + header).encode(), **PERIOD)
    assert empty.report.blocked and "header (line 4) but no data rows" in empty.report.file_errors[0]
