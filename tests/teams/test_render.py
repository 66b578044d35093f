"""Teams Adaptive Card rendering: golden output, required keys and types, markdown and action data."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from bot.core.cards import Card, Form, FormField, Text
from bot.core.scenarios import cards as sc
from bot.teams.render import markdown, render_adaptive, render_form
from tests.core.card_samples import BASELINE_FORECAST, sample_cards
from tests.core.test_escaping import LIVE_TEAMS, QUESTION, hostile_cards

GOLDEN = Path(__file__).parent / "golden"
CARDS = sample_cards()
IMAGE_URL = "https://bot.example.test/charts/tok123.png"

# Adaptive Card 1.5 elements this renderer may emit, with the keys each one must carry and their types
REQUIRED = {
    "TextBlock": {"text": str, "wrap": bool},
    "FactSet": {"facts": list},
    "Image": {"url": str, "altText": str},
    "Container": {"items": list},
    "Input.Text": {"id": str, "label": str},
}


def _golden(name: str, data: object) -> None:
    path = GOLDEN / f"{name}.json"
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run the tests once with UPDATE_GOLDEN=1 and read the file"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text)


def _check_card(card: dict) -> None:
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert isinstance(card["body"], list) and card["body"]
    for element in card["body"]:
        assert element["type"] in REQUIRED, element["type"]
        for key, kind in REQUIRED[element["type"]].items():
            assert isinstance(element[key], kind), (element["type"], key)
        for fact in element.get("facts", []):
            assert isinstance(fact["title"], str) and isinstance(fact["value"], str)
    for action in card.get("actions", []):
        assert action["type"] == "Action.Submit"
        assert isinstance(action["title"], str) and action["title"]
        assert isinstance(action["data"], dict)
    json.dumps(card)  # plain JSON, ready for CardFactory.adaptive_card


@pytest.mark.parametrize("name", sorted(CARDS))
def test_golden_and_valid(name):
    card = render_adaptive(CARDS[name], image_url=IMAGE_URL if name == "scenario" else None)
    _check_card(card)
    _golden(name, card)


def test_scenario_card_parts():
    card = render_adaptive(CARDS["scenario"], image_url=IMAGE_URL)
    body = card["body"]
    assert body[0] == {
        "type": "TextBlock",
        "text": "What if the win rate drops to 20%?",
        "wrap": True,
        "size": "Large",
        "weight": "Bolder",
        "id": "title",
        "style": "heading",
    }
    assert body[2]["text"] == "The chance of reaching the $3.25M target goes from **10%** to **1%**"
    image = next(e for e in body if e["type"] == "Image")
    assert image["url"] == IMAGE_URL and "$2.99M" in image["altText"]
    footer = body[-1]
    assert footer["id"] == "footer" and footer["text"] == "2 likes · 1 comment" and footer["isSubtle"] is True
    assert [a["data"] for a in card["actions"]] == [
        {"action_id": "card.like", "scenario_id": 42},
        {"action_id": "card.comment", "scenario_id": 42},
        {"action_id": "card.drivers", "scenario_id": 42},
        {"action_id": "expert.ask", "scenario_id": 42},
        {"action_id": "decision.decide", "scenario_id": 42},
    ]
    assert "10% → 1%" in card["fallbackText"]


def test_chart_without_url_becomes_its_alt_text():
    card = render_adaptive(CARDS["scenario"])
    assert not any(e["type"] == "Image" for e in card["body"])
    chart = next(e for e in card["body"] if e.get("id") == "chart")
    assert chart["text"] == CARDS["scenario"].chart.alt


def test_markdown_conversion():
    assert markdown("*bold* and _it_ <https://x.test/a|docs>") == "**bold** and _it_ [docs](https://x.test/a)"
    assert markdown("5 * 3 = 15, **kept**") == "5 * 3 = 15, **kept**"
    # Teams needs a blank line for a break; list items stay one list
    assert markdown("*Try:*\n- a\n- b\nend") == "**Try:**\n\n- a\n- b\n\nend"


def test_hostile_title_is_plain_text():
    hostile = "<script>alert(1)</script> *boom* " + "x" * 500
    card = sc.scenario_card(
        question=hostile, interpretation=[], baseline=BASELINE_FORECAST, scenario=None, chart_png=None
    )
    rendered = render_adaptive(card)
    _check_card(rendered)
    title = rendered["body"][0]["text"]
    assert title.startswith("\\<script\\>")  # shown as typed, never read as HTML or an autolink
    assert "\\*boom\\*" in title and "**boom**" not in title  # Markdown escaped: shown as typed


def test_card_without_buttons_or_footer_has_no_actions():
    card = render_adaptive(Card(title="Plain", blocks=(Text("hello"),)))
    assert "actions" not in card and all(e.get("id") != "footer" for e in card["body"])


def test_form_renders_inputs_and_submit_data():
    form = Form(
        form_id="invite.expert",
        title="Invite an expert",
        fields=(
            FormField("who", "Who should weigh in?", multiline=False, placeholder="@dana", max_length=200),
            FormField("note", "What should they look at?"),
        ),
        submit_label="Invite",
        metadata={"scenario_id": 42},
    )
    card = render_form(form)
    _check_card(card)
    inputs = [e for e in card["body"] if e["type"] == "Input.Text"]
    assert [(i["id"], i["isMultiline"], i["maxLength"]) for i in inputs] == [("who", False, 200), ("note", True, 3000)]
    assert inputs[0]["placeholder"] == "@dana"
    assert card["actions"] == [
        {
            "type": "Action.Submit",
            "title": "Invite",
            "data": {"form_id": "invite.expert", "metadata": {"scenario_id": 42}},
        },
    ]
    _golden("form", card)


# ------------------------------------------------------------------ people's text never becomes markup (issue 13)

HOSTILE = hostile_cards()


def _texts(card: dict) -> list[str]:
    """Every TextBlock text and fact of the card: what Teams reads as Markdown."""
    out = []
    for element in card["body"]:
        out += [element["text"]] if element["type"] == "TextBlock" else []
        out += [f"{f['title']} {f['value']}" for f in element.get("facts", [])]
    return out


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_peoples_text_is_escaped_golden(name):
    card = render_adaptive(HOSTILE[name])
    _check_card(card)
    _golden(f"escaping_{name}", card)
    for text in _texts(card):
        assert not LIVE_TEAMS.search(text), (name, text)  # no [label](https://evil...) link
        assert not re.search(r"(?<!\\)<https://evil", text), (name, text)  # nor an autolink
        assert "**bold**" not in text and "**Dana**" not in text


def test_the_bots_own_markup_stays_markdown_next_to_peoples_text():
    card = render_adaptive(HOSTILE["mixed"])
    body = card["body"][1]["text"]
    assert body.startswith(r"**Bold bot words** and [the docs](https://docs.example/help) next to \<!channel\>")
    assert r"\<https://evil.example/login|the real forecast\>" in body
    facts = card["body"][2]["facts"]
    assert facts[0]["value"] == r"\<@U123\> \_it\_" and facts[1]["value"] == r"**\<!channel\> \*x\***"
    assert card["body"][-1]["text"] == r"Used as baseline v3 by \<!here\> \*Dana\* \[x\](https://evil.example)"
    question = render_adaptive(HOSTILE["question"])["body"]
    assert question[0]["text"] == r"what if we hire \<!channel\> \*bold\* \<https://evil.example|click\> reps"
    assert question[2]["text"] == "The chance of reaching the $3.25M target goes from **10%** to **1%**"
    # the notification text is plain: the question as typed, no marks
    assert render_adaptive(HOSTILE["question"])["fallbackText"].startswith(QUESTION + "\n")


# ------------------------------------------------------------------ Teams host config limits (issue 15)


def _import_cards() -> dict[str, Card]:
    from datetime import date

    from bot.core.baselines.feature import sample_baseline
    from bot.core.imports import cards as ic
    from bot.core.imports.csv.sample import salesforce_export
    from bot.core.imports.flow import prepare_import

    prepared = prepare_import(
        salesforce_export(300), name="pipeline.csv", base=None, today=date(2026, 11, 16), fallback=sample_baseline()
    )
    preview = prepared.preview
    return {
        "import_preview": ic.import_preview_card(preview, 1, rev=0),
        "import_decided": ic.import_preview_card(preview, 1, decided="Used as baseline v2 by Dana"),
        "import_error": ic.import_error_card(preview, "no amount column; no close date column"),
        "import_mapping": ic.import_mapping_card(preview, "unknown layout"),
        "import_help": ic.import_help_card(),
    }


def _every_card() -> dict[str, Card]:
    return {**CARDS, **{f"hostile_{k}": v for k, v in HOSTILE.items()}, **_import_cards()}


@pytest.mark.parametrize("name", sorted(_every_card()))
def test_every_card_the_bot_builds_fits_the_teams_host_config(name):
    from tests.fakes.platform_server import teams_card_problem

    card = _every_card()[name]
    rendered = render_adaptive(card)
    activity = {"attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": rendered}]}
    assert teams_card_problem(activity) is None
    # and no button is lost on the way: every one is a top-level Submit or one inside a ShowCard
    shown = []
    for action in rendered.get("actions", []):
        inner = action["card"]["actions"] if action["type"] == "Action.ShowCard" else [action]
        shown += [a["data"]["action_id"] for a in inner]
    assert shown == [b.action_id for b in card.buttons]


def test_the_import_preview_golden():
    card = render_adaptive(_import_cards()["import_preview"])
    _golden("import_preview", card)


def test_eight_unrelated_buttons_keep_five_and_fold_the_rest_under_more():
    from bot.core.cards import Button

    buttons = tuple(Button(f"B{n}", f"x{n}") for n in range(8))
    actions = render_adaptive(Card(title="t", blocks=(Text("b"),), buttons=buttons))["actions"]
    assert [a["title"] for a in actions] == ["B0", "B1", "B2", "B3", "B4", "More…"]
    assert [a["title"] for a in actions[-1]["card"]["actions"]] == ["B5", "B6", "B7"]
