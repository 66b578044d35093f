"""CSV import through the Assistant: a shared file gives a preview card and a pending import; "Use as baseline"
stores exactly one new version and says the new chance; Cancel, a second press, bad files and unknown layouts
store nothing. The 50,000-row case runs on SQLite and PostgreSQL (tests/db_fixtures.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.baselines.freshness import engine_data
from bot.core.events import ActionInvoked, FileShared
from bot.core.formatting import pct
from bot.core.imports.cards import ACCEPT_ACTION, CANCEL_ACTION
from bot.core.imports.csv import parse_crm_csv
from bot.core.imports.csv.sample import salesforce_export
from bot.core.imports.feature import CANCELLED
from bot.core.imports.flow import import_period
from engine.baseline import parse_baseline
from engine.forecast import forecast
from tests.core.harness import TODAY, chat, migrated_copy
from tests.db_fixtures import database_url, empty_database_url  # noqa: F401 (fixtures)

SMALL = salesforce_export(400)


@pytest.fixture
async def c(tmp_path, tmp_path_factory):
    async with chat(migrated_copy(tmp_path, tmp_path_factory.getbasetemp())) as conversation:
        yield conversation


async def share(c, data: bytes, name: str = "pipeline.csv", user: str = "U1") -> None:
    await c.send(FileShared(c.actor(user), c.place, name, data, len(data)))


async def press(c, action_id: str, user: str = "U1", card_index: int = -1) -> None:
    card_send = [r for r in c.outbox.sends if not isinstance(r.message, str) and r.card.kind == "import"][card_index]
    button = next(b for b in card_send.card.buttons if b.action_id == action_id)
    event = ActionInvoked(c.actor(user), c.place, action_id, dict(button.value), message_id=card_send.message_id)
    await c.send(event)


async def latest(c):
    return await c.storage.baselines.latest(await c.workspace_id(), "C1")


async def pending_count(c) -> int:
    from tests.storage.helpers import count_rows

    return await count_rows(c.storage, "pending_imports")


async def test_a_shared_csv_gives_a_preview_and_accept_stores_one_new_version(c):
    await c.load_sample()
    await share(c, SMALL)
    card = c.outbox.sends[-1].card
    # the two decisions come first; a switch per driver follows (tests/core/test_features_import_refit.py)
    assert card.kind == "import" and [b.label for b in card.buttons][:2] == ["Use as baseline", "Cancel"]
    expected = parse_crm_csv(SMALL, as_of=TODAY, period_end=date(2026, 12, 31))
    text = card.fallback_text()
    assert f"{expected.counts.read:,} rows read: {expected.counts.open:,} open" in text
    assert "Win rate:" in text and "from a sample of" in text
    assert "2026-11-16 → 2026-12-31 (the channel's baseline period, to Dec 31; taken to begin Oct 1" in text
    assert (await latest(c)).version == 1  # nothing stored before the button

    await press(c, ACCEPT_ACTION, user="U7")
    new = await latest(c)
    assert new.version == 2 and new.created_by == "U7"
    assert len(new.data["pipeline"]) == expected.counts.open
    assert new.data["target"] == 3_250_000  # the sample team's target is kept
    reply = c.outbox.sends[-1].text
    assert reply.startswith("Baseline v2 saved from pipeline.csv by U7")
    assert f"now {pct(forecast(parse_baseline(engine_data(new.data))).p_hit)}" in reply
    assert c.outbox.updates[-1].card.buttons == () and "Used as baseline v2" in c.outbox.updates[-1].card.footer

    await press(c, ACCEPT_ACTION, user="U8")  # a second press (or a retried delivery): no second version
    assert (await latest(c)).version == 2
    assert "already the channel's baseline v2" in c.outbox.last.text and c.outbox.last.kind == "notify"


async def test_cancel_stores_nothing_and_a_later_accept_is_refused(c):
    await c.load_sample()
    await share(c, SMALL)
    await press(c, CANCEL_ACTION)
    assert "cancelled; nothing was stored" in c.outbox.last.text
    assert "Cancelled by U1" in c.outbox.updates[-1].card.footer
    await press(c, ACCEPT_ACTION)
    assert c.outbox.last.text == CANCELLED
    assert (await latest(c)).version == 1


async def test_rejected_rows_are_listed_by_line_and_the_rest_imports(c):
    await c.load_sample()
    lines = SMALL.split(b"\r\n")
    lines[9] = b'"Rep 01","Acme","Acme x","Prospecting","lots","10","12/20/2026","11/1/2026","006X"'
    data = b"\r\n".join(lines)
    await share(c, data)
    text = c.outbox.sends[-1].text
    assert "line 10: Amount: 'lots'" in text
    assert "Rejected rows" in text
    await press(c, ACCEPT_ACTION)
    result = parse_crm_csv(data, as_of=TODAY, period_end=date(2026, 12, 31))
    assert result.counts.rejected >= 1
    assert len((await latest(c)).data["pipeline"]) == result.counts.open


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Opportunity Name,Stage,Close Date\nAcme,Prospecting,12/1/2026\n", "missing required column"),
        (b"PK\x03\x04" + b"\x00" * 200, "Excel"),
        (b"", "empty"),
    ],
    ids=["missing-column", "excel-workbook", "empty"],
)
async def test_a_file_level_error_gives_an_error_card_and_nothing_pending(c, data, expected):
    await c.load_sample()
    await share(c, data)
    card = c.outbox.sends[-1].card
    assert card.kind == "error" and card.buttons == ()
    assert expected.lower() in card.fallback_text().lower()
    assert "baseline is unchanged" in card.fallback_text()
    assert await pending_count(c) == 0 and (await latest(c)).version == 1


async def test_an_unknown_layout_shows_the_suggested_mapping(c):
    await share(c, b"Deal,Value,Expected close date,Chance\nAcme,1000,12/1/2026,40\n")
    card = c.outbox.sends[-1].card
    text = card.fallback_text()
    assert card.title.startswith("Which column is which") and "amount <- 'Value'" in text
    assert "rename the columns" in text and await pending_count(c) == 0


async def test_a_file_that_is_not_csv_is_refused_before_parsing(c):
    await share(c, b"%PDF-1.7", name="forecast.pdf")
    assert "forecast.pdf is not a CSV file" in c.outbox.last.text and await pending_count(c) == 0


async def test_without_a_baseline_the_period_is_the_quarter_and_the_sample_gives_the_target(c):
    await share(c, SMALL)
    text = c.outbox.sends[-1].text
    assert "2026-11-16 → 2026-12-31 (no baseline yet: to the end of the quarter)" in text
    assert "the sample team (this channel has no baseline yet)" in text
    await press(c, ACCEPT_ACTION)
    new = await latest(c)
    assert new.version == 1 and new.data["target"] == 3_250_000 and new.data["period_end"] == "2026-12-31"


async def test_scenarios_after_an_import_record_the_new_version(c):
    await c.load_sample()
    await share(c, SMALL)
    await press(c, ACCEPT_ACTION)
    await c.say("what if win rate drops to 20%")
    ws = await c.workspace_id()
    [scenario] = await c.storage.scenarios.list(ws, "C1")
    assert scenario.baseline_id == (await latest(c)).id


async def test_the_import_command_explains_formats(c):
    await c.say("import")
    text = c.outbox.sends[-1].text
    assert "Salesforce" in text and "HubSpot" in text and "Use as baseline" in text


def test_import_period_without_a_baseline_on_a_quarters_last_day_moves_to_the_next():
    assert import_period(None, date(2026, 12, 31))[:3] == (date(2026, 12, 31), date(2027, 3, 31), date(2027, 1, 1))
    as_of, end, start, _ = import_period(None, date(2026, 2, 10))
    assert (as_of, end, start) == (date(2026, 2, 10), date(2026, 3, 31), date(2026, 1, 1))


async def test_fifty_thousand_rows_with_a_bad_row_near_the_end_land_whole(database_url):  # noqa: F811
    export = salesforce_export(50_000)
    lines = export.split(b"\r\n")
    target = 50_000 - 10
    cells = lines[target + 1].split(b'","')
    cells[4] = b"not a number"
    lines[target + 1] = b'","'.join(cells)
    data = b"\r\n".join(lines)
    async with chat(database_url) as c:
        await c.load_sample()
        await share(c, data, name="big.csv")
        text = c.outbox.sends[-1].text
        assert f"line {target + 2}: Amount: 'not a number'" in text and "1 rejected" in text
        await press(c, ACCEPT_ACTION)
        new = await latest(c)
        expected = parse_crm_csv(data, as_of=TODAY, period_end=date(2026, 12, 31))
        assert new.version == 2 and new.deal_count == expected.counts.open
        assert [d["id"] for d in new.data["pipeline"]] == [d.id for d in expected.deals]
