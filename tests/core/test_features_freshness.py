"""Baselines that stay fresh: a CSV import is as of the day it is imported, a stale baseline says its age on every
answer and rolls forward to today, and borrowed values carry their source."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.core.assistant import Assistant
from bot.core.baselines.feature import sample_baseline
from bot.core.baselines.freshness import ROLL_ACTION, engine_data, roll_forward
from bot.core.events import ActionInvoked, FileShared
from bot.core.imports.cards import ACCEPT_ACTION, import_preview_card
from bot.core.imports.csv import CrmRow, fit_drivers
from bot.core.imports.csv.sample import salesforce_export
from bot.core.imports.flow import prepare_import
from engine.baseline import parse_baseline
from storage import Storage
from tests.core.harness import Chat, migrated_copy

LATER = date(2026, 11, 29)  # 13 days after the sample team's as_of
SAMPLE = sample_baseline()


@pytest.fixture
async def c(tmp_path, tmp_path_factory):
    storage = Storage.from_url(migrated_copy(tmp_path, tmp_path_factory.getbasetemp()))
    assistant = Assistant(storage, today=LATER, coalesce_seconds=0.05, charts=False)
    try:
        yield Chat(assistant, storage)
    finally:
        await assistant.close()
        await storage.dispose()


async def latest(c):
    return await c.storage.baselines.latest(await c.workspace_id(), "C1")


# --- a CSV import's as_of and booked ------------------------------------------------------------------------


def _export() -> bytes:
    return salesforce_export(400, as_of=LATER)


def test_an_import_is_as_of_the_day_it_is_imported_and_booked_comes_from_the_file():
    prepared = prepare_import(_export(), name="p.csv", base=SAMPLE, today=LATER, fallback=SAMPLE)
    data = prepared.candidate
    assert data["as_of"] == "2026-11-29"  # not the baseline's 2026-11-16
    assert data["period_end"] == "2026-12-31"  # the channel's period goes on
    assert data["period_start"] == "2026-10-01"  # the quarter the period ends in
    from bot.core.imports.csv import parse_crm_csv

    parsed = parse_crm_csv(_export(), as_of=LATER, period_end=date(2026, 12, 31), period_start=date(2026, 10, 1))
    won = sum(
        r.amount or 0 for r in parsed.history if r.outcome == "won" and date(2026, 10, 1) <= r.close_date <= LATER
    )
    assert won > 0 and data["booked"] == pytest.approx(won)
    assert prepared.preview["booked_from_file"] is True
    text = import_preview_card(prepared.preview, 1).fallback_text()
    assert "As of: 2026-11-29 (the day it was imported)" in text
    assert "won deals in the file closed since 2026-10-01" in text
    assert "kept from the baseline" not in text
    assert parse_baseline(engine_data(data)).weeks_left == pytest.approx(32 / 7)  # 4.6 weeks, not 6.4


def test_as_of_can_be_given_or_taken_from_the_files_newest_date():
    export = salesforce_export(400, as_of=date(2026, 11, 20))
    given = prepare_import(export, name="p.csv", base=SAMPLE, today=LATER, fallback=SAMPLE, as_of=date(2026, 11, 20))
    assert given.candidate["as_of"] == "2026-11-20"
    from_file = prepare_import(export, name="p.csv", base=SAMPLE, today=LATER, fallback=SAMPLE, as_of="file")
    newest = date.fromisoformat(from_file.candidate["as_of"])
    assert (
        date(2026, 11, 1) < newest <= date(2026, 11, 20) and from_file.preview["as_of_note"] == "the file's newest date"
    )


def test_a_file_without_closed_deals_keeps_booked_and_says_so():
    only_open = b"\n".join(line for i, line in enumerate(_export().splitlines()) if i == 0 or b"Closed" not in line)
    prepared = prepare_import(only_open, name="p.csv", base=SAMPLE, today=LATER, fallback=SAMPLE, base_label="v1")
    assert prepared.candidate["booked"] == SAMPLE["booked"]
    assert prepared.candidate["sources"]["booked"] == "kept from v1: the file has no closed deals"
    assert "kept from v1: the file has no closed deals" in import_preview_card(prepared.preview, 1).fallback_text()


def test_without_a_baseline_every_borrowed_value_names_its_source():
    prepared = prepare_import(_export(), name="p.csv", base=None, today=LATER, fallback=SAMPLE)
    sources = prepared.candidate["sources"]
    assert sources["target"] == "borrowed from the sample team (this channel has no baseline yet)"
    for driver, entry in ((d["name"], d) for d in prepared.preview["drivers"]):
        assert (driver in sources) == (entry["choice"] != "fitted")
    text = import_preview_card(prepared.preview, 1).fallback_text()
    assert "Target: $3.25M (borrowed from the sample team" in text and "set target" in text
    parse_baseline(engine_data(prepared.candidate))  # the engine reads it once the bot keys are stripped


# --- rates per week of history the file covers -------------------------------------------------------------


def test_the_new_opportunity_rate_is_per_week_the_file_covers_not_per_week_of_the_window():
    # an export of deals closed in the last 17 weeks plus the open ones: 2 reps create 3 opportunities a week
    # each; deals closed in the window were created up to 40 weeks ago, so creations before week 17 are partial
    as_of, rows, n = LATER, [], 0
    for week in range(17):
        for rep in ("A", "B"):
            for k in range(3):
                n += 1
                created = as_of - timedelta(weeks=week, days=k)
                rows.append(CrmRow(n, f"O{n}", "open", as_of + timedelta(days=30), 1000.0, 0.3, created, owner=rep))
    for i in range(40):  # closed in the last 17 weeks, created long before
        close = as_of - timedelta(days=3 * i + 1)
        created = close - timedelta(weeks=23)
        rows.append(CrmRow(1000 + i, f"C{i}", "won" if i % 3 else "lost", close, 5000.0, None, created, owner="A"))
    drivers = fit_drivers(rows, as_of=as_of, window_weeks=52)
    assert drivers.weeks == pytest.approx(17, abs=0.5)  # not 52, not the 40 weeks back to the oldest creation
    assert drivers.new_opps_per_rep_week.value == pytest.approx(3.0, rel=0.1)


# --- stale baselines ----------------------------------------------------------------------------------------


async def test_every_answer_from_a_stale_baseline_states_its_age_and_offers_to_roll_forward(c):
    await c.load_sample()
    for question in (
        "do we reach the target?",
        "what if win rate drops to 20%",
        "baseline",
        "what are the biggest drivers?",
    ):
        await c.say(question)
        card = c.outbox.sends[-1].card
        text = card.fallback_text()
        assert "as of Nov 16 (13 days ago)" in text, question
        assert "4.6 weeks left today" in text, question
        assert ROLL_ACTION in [b.action_id for b in card.buttons], question
    await c.say("how many opportunities do we need for 80%")
    assert "as of Nov 16 (13 days ago)" in c.outbox.sends[-1].card.fallback_text()


async def test_rolling_forward_stores_a_new_version_as_of_today_and_says_what_changed(c):
    await c.load_sample()
    await c.say("set as of today", user="U7")
    reply = c.outbox.sends[-1].text
    rolled = await latest(c)
    assert rolled.version == 2 and rolled.data["as_of"] == "2026-11-29" and rolled.created_by == "U7"
    assert "rolled forward from Nov 16 to Nov 29 (6.4 → 4.6 weeks left)" in reply
    expected = roll_forward(SAMPLE, LATER)
    if expected.overdue:
        assert f"{len(expected.overdue)} open deal" in reply and "overdue, so moved to close by Dec 31" in reply
    assert "Booked stays $1.15M as of Nov 16" in reply
    assert rolled.data["sources"]["booked"].startswith("as of Nov 16")
    await c.say("do we reach the target?")
    card = c.outbox.sends[-1].card
    assert "days ago" not in card.fallback_text() and ROLL_ACTION not in [b.action_id for b in card.buttons]
    await c.say("set as of today")
    assert c.outbox.sends[-1].text.startswith("Nothing to roll forward: the baseline is already as of Nov 29 (today)")


async def test_the_roll_forward_button_rolls_the_latest_version(c):
    await c.load_sample()
    await c.say("do we reach the target?")
    card = c.outbox.sends[-1].card
    [button] = [b for b in card.buttons if b.action_id == ROLL_ACTION]
    await c.send(ActionInvoked(c.actor(), c.place, button.action_id, dict(button.value), message_id="x"))
    assert (await latest(c)).data["as_of"] == "2026-11-29"
    assert "rolled forward" in c.outbox.sends[-1].text


async def test_roll_forward_refuses_a_future_date_and_an_ended_period(c):
    await c.load_sample()
    await c.say("set as of 2027-01-05")
    assert "in the future" in c.outbox.sends[-1].text and (await latest(c)).version == 1
    assert roll_forward(SAMPLE, date(2027, 1, 5)).problem.startswith("the period ended on 2026-12-31")


def test_roll_forward_marks_deals_past_their_close_date_as_overdue():
    data = dict(SAMPLE, pipeline=[
        {"id": "A", "amount": 1000, "probability": 0.5, "close_date": "2026-11-20"},
        {"id": "B", "amount": 2000, "probability": 0.5, "close_date": "2026-12-10"},
    ])  # fmt: skip
    rolled = roll_forward(data, LATER)
    assert [d["id"] for d in rolled.overdue] == ["A"] and rolled.overdue_amount == 1000
    base = parse_baseline(engine_data(rolled.data))
    # the overdue deal stays in the forecast, due by the period end at its own probability, as the reply says
    assert {d.id: (d.close_date, d.probability) for d in base.window_deals} == {
        "A": (date(2026, 12, 31), 0.5),
        "B": (date(2026, 12, 10), 0.5),
    }


async def test_set_keeps_the_sources_of_the_values_it_does_not_change(c, tmp_path):
    ws = await c.workspace_id()
    data = dict(SAMPLE, as_of="2026-11-29", sources={"target": "borrowed from the sample team", "reps": "x"})
    await c.storage.baselines.save(ws, "C1", data, created_by="t")
    await c.say("set target 2.5M")
    stored = await latest(c)
    assert stored.data["target"] == 2_500_000 and stored.data["sources"] == {"reps": "x"}


async def test_an_import_into_a_channel_stores_the_as_of_of_the_day(c):
    await c.load_sample()
    data = _export()
    await c.send(FileShared(c.actor(), c.place, "pipeline.csv", data, len(data)))
    card = c.outbox.sends[-1].card
    accept = next(b for b in card.buttons if b.action_id == ACCEPT_ACTION)
    await c.send(ActionInvoked(c.actor(), c.place, accept.action_id, dict(accept.value), message_id="m"))
    stored = await latest(c)
    assert stored.version == 2 and stored.data["as_of"] == "2026-11-29"
    assert stored.data["sources"]["target"] == "kept from this channel's baseline v1"
