"""`baseline import FILE.csv`, `ask --csv` (through `main(argv)`) and the console's `/import PATH`: a preview
without --yes stores nothing (exit 1), --yes stores one version, a bad file prints the line-numbered report on
stderr (exit 2) and stores nothing; at the console `/click 1` on the preview stores it."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot.__main__ import main
from bot.core.baselines.feature import sample_baseline
from bot.core.imports.csv import parse_crm_csv
from bot.core.imports.csv.sample import salesforce_export
from bot.core.imports.flow import import_period
from engine.baseline import parse_baseline
from engine.forecast import forecast
from storage import Storage
from storage.migrate import upgrade
from tests.db_fixtures import run_sync

EXPORT = salesforce_export(300)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ops(tmp_path, capsys):
    """A migrated database whose channel slack/T1/C1 holds the sample team as v1, and the --where arguments."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}"
    upgrade(url)
    team = tmp_path / "team.json"
    team.write_text(json.dumps(sample_baseline()))
    where = ["--platform", "slack", "--workspace", "T1", "--channel", "C1", "--db", url]
    assert run(capsys, "baseline", "import", str(team), *where)[0] == 0
    return url, where


def versions(url: str) -> list[int]:
    async def read():
        storage = Storage.from_url(url)
        try:
            ws = await storage.workspaces.ensure("slack", "T1")
            return [v.version for v in await storage.baselines.history(ws.id, "C1")]
        finally:
            await storage.dispose()

    return run_sync(read)


def test_preview_without_yes_stores_nothing_and_says_how(ops, tmp_path, capsys):
    url, where = ops
    path = tmp_path / "pipeline.csv"
    path.write_bytes(EXPORT)
    code, out, err = run(capsys, "baseline", "import", str(path), *where)
    assert code == 1
    assert "Import preview: pipeline.csv" in out and "300 rows read" in out and "Win rate:" in out
    assert "re-run with --yes" in err and versions(url) == [1]


def test_yes_stores_one_new_version_with_the_files_pipeline(ops, tmp_path, capsys):
    url, where = ops
    path = tmp_path / "pipeline.csv"
    path.write_bytes(EXPORT)
    code, out, err = run(capsys, "baseline", "import", str(path), *where, "--yes")
    assert code == 0, err
    expected = parse_crm_csv(EXPORT, as_of=date(2026, 11, 16), period_end=date(2026, 12, 31))
    assert f"baseline v2 saved for slack/T1/C1: {expected.counts.open} deals" in out
    assert versions(url) == [2, 1]


def test_a_bad_file_prints_the_report_on_stderr_and_stores_nothing(ops, tmp_path, capsys):
    url, where = ops
    path = tmp_path / "broken.csv"
    path.write_text("Opportunity Name,Stage,Close Date\nAcme,Prospecting,12/1/2026\n")
    code, out, err = run(capsys, "baseline", "import", str(path), *where, "--yes")
    assert code == 2 and out == ""
    assert "broken.csv: nothing imported: missing required column(s)" in err and "Amount" in err
    assert "Traceback" not in err and versions(url) == [1]


def test_an_unknown_layout_prints_the_suggested_mapping(ops, tmp_path, capsys):
    url, where = ops
    path = tmp_path / "sheet.csv"
    path.write_text("Deal,Value,Expected close date,Chance\nAcme,1000,12/1/2026,40\n")
    code, _, err = run(capsys, "baseline", "import", str(path), *where, "--yes")
    assert code == 2 and "amount <- 'Value'" in err and versions(url) == [1]


def test_ask_with_a_csv_answers_on_the_files_pipeline(tmp_path, capsys):
    path = tmp_path / "pipeline.csv"
    path.write_bytes(EXPORT)
    code, out, err = run(capsys, "ask", "--csv", str(path), "--json", "what if win rate drops to 20%")
    assert code == 0, err
    answer = json.loads(out)
    today = date.today()
    as_of, end, start, _ = import_period(None, today)
    result = parse_crm_csv(EXPORT, as_of=as_of, period_end=end, period_start=start)
    expected = forecast(parse_baseline(result.to_baseline(sample_baseline())))
    assert answer["baseline"]["p_hit"] == pytest.approx(expected.p_hit, abs=1e-12)
    assert answer["baseline"]["open_deals"] == len(result.in_period)
    assert answer["changes"][0]["driver"] == "win_rate"


def test_ask_with_a_bad_csv_says_why(tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    code, out, err = run(capsys, "ask", "--csv", str(path), "do we reach the target?")
    assert code == 2 and out == "" and "nothing imported" in err and "Traceback" not in err
    code, _, err = run(capsys, "ask", "--csv", str(tmp_path / "missing.csv"), "do we reach the target?")
    assert code == 2 and "no such file" in err


async def test_the_console_imports_a_file_and_click_one_uses_it(tmp_path, tmp_path_factory):
    from bot.console.outbox import ConsoleOutbox
    from bot.console.repl import ConsoleSession, ensure_sample_baseline
    from bot.core.assistant import Assistant
    from tests.core.harness import TODAY, migrated_copy

    storage = Storage.from_url(migrated_copy(tmp_path, tmp_path_factory.getbasetemp()))
    assistant = Assistant(storage, today=TODAY, charts=False)
    screen: list[str] = []
    session = ConsoleSession(assistant, ConsoleOutbox(screen.append, charts_dir=tmp_path / "charts"))
    try:
        await ensure_sample_baseline(storage, "local", "console")
        (tmp_path / "notes.pdf").write_bytes(b"%PDF")
        await session.handle_line(f"/import {tmp_path / 'notes.pdf'}")
        assert "notes.pdf is not a CSV file" in screen[-1]
        await session.handle_line(f"/import {tmp_path / 'nowhere.csv'}")
        assert "cannot read it" in screen[-1]
        path = tmp_path / "pipeline.csv"
        path.write_bytes(EXPORT)
        await session.handle_line(f"/import {path}")
        shown = "\n".join(screen)
        assert "Import preview: pipeline.csv" in shown and "[1] Use as baseline  [2] Cancel" in shown
        await session.handle_line("/click 1")
        assert "Baseline v2 saved from pipeline.csv by You" in "\n".join(screen[-3:])
        ws = await storage.workspaces.ensure("console", "local")
        assert (await storage.baselines.latest(ws.id, "console")).version == 2
    finally:
        await assistant.close()
        await storage.dispose()


def latest_data(url: str) -> dict:
    async def read():
        storage = Storage.from_url(url)
        try:
            ws = await storage.workspaces.ensure("slack", "T1")
            return (await storage.baselines.latest(ws.id, "C1")).data
        finally:
            await storage.dispose()

    return run_sync(read)


def test_window_and_per_driver_choices_decide_what_is_stored(ops, tmp_path, capsys):
    url, where = ops
    path = tmp_path / "pipeline.csv"
    path.write_bytes(EXPORT)
    options = ["--window-weeks", "26", "--keep", "win-rate", "--use-fitted", "deal_size", "--keep", "reps"]
    code, out, err = run(capsys, "baseline", "import", str(path), *where, *options, "--yes")
    assert code == 0, err
    since = date.today() - timedelta(weeks=26)  # the export is as of the day it is imported
    assert f"over the last 26 weeks (since {since.isoformat()})" in out
    assert "keeps the current 25% (your choice)" in out
    stored, team = latest_data(url), sample_baseline()
    assert stored["win_rate"] == team["win_rate"] and stored["reps"] == team["reps"]
    default = run(capsys, "baseline", "import", str(path), *where, "--window-weeks", "26")[1]
    assert "over the last 26 weeks" in default and stored["deal_size"] != team["deal_size"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--window-weeks", "1000"], "'1000' is not a history window: give whole weeks from 4 to 260"),
        (["--window-weeks", "abc"], "e.g. --window-weeks 26"),
        (["--keep", "quota"], "'quota' is not a driver fitted from history: use one of win_rate"),
    ],
)
def test_bad_window_or_driver_options_are_refused_with_an_example(ops, tmp_path, capsys, options, message):
    url, where = ops
    path = tmp_path / "pipeline.csv"
    path.write_bytes(EXPORT)
    with pytest.raises(SystemExit) as exit_info:
        main(["baseline", "import", str(path), *where, *options, "--yes"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and message in err and versions(url) == [1]


def test_a_driver_both_kept_and_fitted_is_refused(ops, tmp_path, capsys):
    url, where = ops
    path = tmp_path / "pipeline.csv"
    path.write_bytes(EXPORT)
    code, _, err = run(capsys, "baseline", "import", str(path), *where, "--keep", "reps", "--use-fitted", "reps")
    assert code == 2 and "reps: given with both --keep and --use-fitted" in err and versions(url) == [1]


async def test_the_console_switches_a_driver_and_changes_the_window_like_the_chat(tmp_path, tmp_path_factory):
    from bot.console.outbox import ConsoleOutbox
    from bot.console.repl import ConsoleSession, ensure_sample_baseline
    from bot.core.assistant import Assistant
    from tests.core.harness import TODAY, migrated_copy

    storage = Storage.from_url(migrated_copy(tmp_path, tmp_path_factory.getbasetemp()))
    assistant = Assistant(storage, today=TODAY, charts=False)
    screen: list[str] = []
    session = ConsoleSession(assistant, ConsoleOutbox(screen.append, charts_dir=tmp_path / "charts"))
    try:
        await ensure_sample_baseline(storage, "local", "console")
        path = tmp_path / "pipeline.csv"
        path.write_bytes(EXPORT)
        await session.handle_line(f"/import {path}")
        assert "[3] Keep current win rate 25%" in screen[-1]
        await session.handle_line("/click 3")
        assert "[card 1 updated]" in screen[-2] and "keeps the current 25% (your choice)" in screen[-1]
        assert "[3] Use fitted win rate" in screen[-1]
        await session.handle_line("import window 13")
        assert "over the last 13 weeks" in "\n".join(screen[-2:])
        await session.handle_line("/click 1")
        ws = await storage.workspaces.ensure("console", "local")
        stored = await storage.baselines.latest(ws.id, "console")
        assert stored.version == 2 and stored.data["win_rate"] == sample_baseline()["win_rate"]
    finally:
        await assistant.close()
        await storage.dispose()
