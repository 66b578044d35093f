"""The payload builders produce every field real Slack payloads carry (tests/fakes/captured/), and the
translator reads the captures the same way it reads the builders' output."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from bot.slack import translate
from tests.fakes import slack_payloads as sp

CAPTURED = Path(__file__).parent / "captured"
OPTIONAL = {
    "context_team_id",
    "context_enterprise_id",
    "client_msg_id",
    "enterprise_id",
    "enterprise_name",
    "source_team",
    "user_team",
    "emoji",
}


def _missing(captured: object, built: object, path: str = "") -> list[str]:
    """Keys present in the capture but absent from the builder's output, recursively through dicts."""
    if not isinstance(captured, dict) or not isinstance(built, dict):
        return []
    gaps = []
    for key, value in captured.items():
        if key in OPTIONAL:
            continue
        if key not in built:
            gaps.append(f"{path}{key}")
        else:
            gaps.extend(_missing(value, built[key], f"{path}{key}."))
    return gaps


def _load(built: tuple[str, str]) -> dict:
    body, ctype = built
    if ctype == sp.JSON:
        return json.loads(body)
    fields = dict(parse_qsl(body))
    return json.loads(fields["payload"]) if "payload" in fields else fields


CASES = {
    "event_app_mention.json": lambda: sp.app_mention("what if"),
    "event_reaction_added.json": lambda: sp.reaction(item_ts="1.1"),
    "event_message_changed.json": lambda: sp.message_changed("x", ts="2.2", thread_ts="1.1"),
    "block_actions.json": lambda: sp.block_actions("card.decide", {"scenario": 12}, message_ts="1.1"),
    "slash_command.txt": lambda: sp.slash_command("what if"),
}


@pytest.mark.parametrize("name", CASES)
def test_builders_carry_every_field_slack_sends(name):
    raw = (CAPTURED / name).read_text().strip()
    captured = dict(parse_qsl(raw)) if name.endswith(".txt") else json.loads(raw)
    assert _missing(captured, _load(CASES[name]())) == []


def test_captures_translate_like_builder_output():
    mention = json.loads((CAPTURED / "event_app_mention.json").read_text())
    event = translate.mention_event(mention, "T061EG9R6", "U0LAN0Z89")
    assert event.text == "what if win rate drops to 20%" and event.place.thread_id == "1515449438.000011"
    changed = json.loads((CAPTURED / "event_message_changed.json").read_text())
    edit = translate.message_event(changed, "T061EG9R6", "U0LAN0Z89")
    assert (edit.change, edit.parent_message_id, edit.text) == (
        "edited",
        "1700000050.000100",
        "too optimistic, I think",
    )
    action = translate.action_event(json.loads((CAPTURED / "block_actions.json").read_text()), "T061EG9R6")
    assert action.value == {"scenario": 12} and action.message_id == "1548261231.000200"
    command = dict(parse_qsl((CAPTURED / "slash_command.txt").read_text().strip()))
    assert translate.command_event(command, "E0001").text == "what if we add 2 reps"
