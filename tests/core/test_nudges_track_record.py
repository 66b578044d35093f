"""The track record: published forecasts kept per card and nudge, outcomes from baselines as of the period end,
the Brier score and the reliability table (with the number of periods), in chat and from the command line."""

from __future__ import annotations

import asyncio
import copy
import json
import sys
from pathlib import Path

import pytest

from bot.core.baselines.feature import sample_baseline
from bot.core.nudges.trackrecord import summarize, track_chart
from tests.core.harness import chat, migrated_copy

ROOT = Path(__file__).resolve().parents[2]


def _f(day: str, p: float, end: str) -> dict:
    return {"p_hit": p, "published_at": f"{day}T09:00:00+00:00", "period_end": end, "kind": "nudge"}


def test_brier_and_reliability_use_the_last_forecast_of_each_week():
    forecasts = [
        _f("2026-09-07", 0.9, "2026-09-30"),  # replaced by the later forecast of the same week
        _f("2026-09-08", 0.6, "2026-09-30"),
        _f("2026-09-14", 0.8, "2026-09-30"),
        _f("2026-10-05", 0.3, "2026-12-31"),
        _f("2026-10-12", 0.1, "2026-12-31"),
        _f("2027-01-11", 0.5, "2027-03-31"),  # a period not ended: not scored
    ]
    outcomes = [
        {"period_end": "2026-09-30", "hit": True, "booked": 110.0, "target": 100.0},
        {"period_end": "2026-12-31", "hit": False, "booked": 80.0, "target": 100.0},
    ]
    record = summarize(forecasts, outcomes)
    assert record.forecasts == 6 and len(record.weekly) == 5 and record.scored == 4 and record.ended_periods == 2
    assert record.brier == pytest.approx(((0.6 - 1) ** 2 + (0.8 - 1) ** 2 + 0.3**2 + 0.1**2) / 4)
    bins = {b["bin"]: b for b in record.reliability}
    assert bins["0–20%"]["forecasts"] == 1 and bins["0–20%"]["observed"] == 0.0
    assert bins["60–80%"]["forecasts"] == 1 and bins["60–80%"]["observed"] == 1.0
    assert bins["80–100%"]["forecasts"] == 1 and bins["80–100%"]["reached"] == 1
    assert [p["hit"] for p in record.periods] == [True, False, None]
    assert track_chart(record.to_dict()).startswith(b"\x89PNG")


@pytest.fixture
async def talk(tmp_path, tmp_path_factory):
    url = migrated_copy(tmp_path, tmp_path_factory.getbasetemp())
    async with chat(url) as c:
        c.url = url
        yield c


async def test_a_scenario_card_records_the_published_chance_and_track_record_shows_it(talk):
    await talk.load_sample()
    await talk.say("what if win rate drops to 20%")
    card = talk.outbox.last.card
    ws = await talk.workspace_id()
    [published] = await talk.storage.forecasts.list(ws, "C1")
    assert published.kind == "whatif" and published.baseline_version == 1
    assert (
        f"P(reach target): {_pct(published.p_hit)} →" in card.fallback_text()
    )  # the baseline's chance, not the what-if's
    talk.outbox.clear()
    await talk.say("track record")
    text = talk.outbox.last.card.fallback_text()
    assert "Forecasts published: 1" in text and "Only 0 ended periods" in text and "outcome not known yet" in text


def _pct(p: float) -> str:
    from bot.core.formatting import pct

    return pct(p)


async def test_an_ended_period_gets_its_outcome_from_a_baseline_as_of_its_end(talk):
    await talk.load_sample()
    await talk.say("what if win rate drops to 20%")
    final = copy.deepcopy(sample_baseline())
    final.update(as_of="2026-12-31", booked=1_900_000, target=2_000_000, pipeline=[])
    ws = await talk.workspace_id()
    await talk.storage.baselines.save(ws, "C1", final, created_by="test")
    await talk.say("track record")
    text = talk.outbox.last.card.fallback_text()
    assert "missed ($1.90M of $2.00M)" in text and "Brier score" in text and "Only 1 ended period" in text
    [outcome] = await talk.storage.forecasts.outcomes(ws, "C1")
    assert outcome.hit is False and outcome.source == "baseline v2"


async def test_track_alone_says_what_to_type(talk):
    await talk.say("track")
    assert "track record" in talk.outbox.last.text


async def test_the_command_line_prints_the_track_record_as_json(talk, tmp_path):
    await talk.load_sample()
    await talk.say("how likely are we to hit the target")
    await talk.say("what if we add 2 reps")
    chart = tmp_path / "track.png"
    code, out, err = await _cli(
        "--platform", "slack", "--workspace", "T1", "--channel", "C1", "--json", "--chart", str(chart), "--db", talk.url
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["channel"] == "C1" and data["forecasts"] == 2 and data["ended_periods"] == 0 and data["brier"] is None
    assert chart.read_bytes().startswith(b"\x89PNG")
    code, _, err = await _cli("--platform", "teams", "--workspace", "nope", "--channel", "C1", "--db", talk.url)
    assert code == 1 and "not known" in err


async def _cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "track-record", *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()
