"""The baseline commands through the Assistant: sample, show, set (validated, versioned, with the new chance)."""

from __future__ import annotations

import pytest

from bot.core.baselines.feature import sample_baseline
from bot.core.formatting import pct
from engine.baseline import parse_baseline
from engine.forecast import forecast
from tests.core.harness import chat, migrated_copy


@pytest.fixture
async def c(tmp_path, tmp_path_factory):
    async with chat(migrated_copy(tmp_path, tmp_path_factory.getbasetemp())) as conversation:
        yield conversation


async def test_first_run_then_sample_then_show(c):
    await c.say("baseline")
    assert "baseline sample" in c.outbox.sends[-1].text
    await c.say("baseline sample")
    assert c.outbox.sends[-2].message.startswith("Loaded the sample team as baseline v1")
    shown = c.outbox.sends[-1].card
    assert shown.kind == "baseline" and "Target: $3.25M" in shown.fallback_text()
    ws = await c.workspace_id()
    assert (await c.storage.baselines.latest(ws, "C1")).version == 1
    await c.say("baseline frobnicate")
    assert c.outbox.sends[-1].message.startswith("Usage:")


async def test_set_saves_a_new_version_and_says_the_new_chance(c):
    await c.load_sample()
    await c.say("set win rate 30%", user="U7")
    reply = c.outbox.sends[-1].message
    new = dict(sample_baseline(), win_rate=0.3)
    before = forecast(parse_baseline(sample_baseline())).p_hit
    after = forecast(parse_baseline(new)).p_hit
    assert reply.startswith("Baseline v2 saved: ")
    assert "25%" in reply and "30%" in reply
    assert f"now {pct(after)} (was {pct(before)})" in reply
    ws = await c.workspace_id()
    latest = await c.storage.baselines.latest(ws, "C1")
    assert latest.version == 2 and latest.data["win_rate"] == 0.3 and latest.created_by == "U7"
    assert len(latest.data["pipeline"]) == 60


async def test_set_refuses_an_impossible_value_and_keeps_the_baseline(c):
    await c.load_sample()
    await c.say("set win rate 140%")
    text = c.outbox.sends[-1].text
    assert "100%" in text
    ws = await c.workspace_id()
    assert (await c.storage.baselines.latest(ws, "C1")).version == 1


async def test_set_without_a_baseline_explains_how_to_start(c):
    await c.say("set win rate 30%")
    assert "baseline sample" in c.outbox.sends[-1].text
