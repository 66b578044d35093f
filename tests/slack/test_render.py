"""Slack Block Kit rendering: golden output, Slack's limits, escaping, and numbers kept in the fallback text."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block

from bot.core.cards import Button, Card, Fact, Facts, Text
from bot.core.scenarios import cards as sc
from bot.slack.render import escape, mrkdwn, render_blocks
from tests.core.card_samples import BASELINE_FORECAST, sample_cards
from tests.core.test_escaping import FILE, LIVE_SLACK, QUESTION, hostile_cards

GOLDEN = Path(__file__).parent / "golden"
CARDS = sample_cards()
NUMBER = re.compile(r"\d[\d,.]*\d|\d")


def _golden(name: str, data: object) -> None:
    path = GOLDEN / f"{name}.json"
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run the tests once with UPDATE_GOLDEN=1 and read the file"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text)


def _texts(blocks: list[dict]) -> list[str]:
    """Every string a person sees in the blocks."""
    out: list[str] = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(f["text"] for f in block.get("fields", []))
        for element in block.get("elements", []):
            out.append(element["text"]["text"] if element.get("type") == "button" else element["text"])
    return out


def _check_limits(blocks: list[dict]) -> None:
    assert len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)  # slack_sdk's own model: unknown keys or types fail here
        assert parsed is not None and parsed.to_dict() == block
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        if block["type"] == "actions":
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids)), "Slack rejects duplicate action_ids in one message"
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= 75 and len(element["value"]) <= 2000


@pytest.mark.parametrize("name", sorted(CARDS))
def test_golden_and_valid(name):
    blocks, text = render_blocks(CARDS[name])
    _check_limits(blocks)
    _golden(name, {"blocks": blocks, "text": text})


@pytest.mark.parametrize("name", sorted(CARDS))
def test_fallback_text_carries_every_number_shown(name):
    blocks, text = render_blocks(CARDS[name])
    shown = {n for t in _texts(blocks) for n in NUMBER.findall(html.unescape(t))}
    missing = sorted(n for n in shown if n not in html.unescape(text))
    assert not missing, f"numbers on the card but not in the fallback: {missing}"


def test_scenario_card_layout():
    blocks, _ = render_blocks(CARDS["scenario"])
    by_id = {b["block_id"]: b for b in blocks}
    assert blocks[0]["type"] == "header" and blocks[-1]["block_id"] == "footer"
    assert by_id["footer"]["elements"][0]["text"] == "2 likes · 1 comment"
    assert by_id["chart"]["type"] == "context"  # the PNG is uploaded by the outbox, never an image block
    assert not any(b["type"] == "image" for b in blocks)
    buttons = by_id["actions"]["elements"]
    assert [(b["action_id"], json.loads(b["value"])) for b in buttons] == [
        ("card.like", {"scenario_id": 42}),
        ("card.comment", {"scenario_id": 42}),
        ("card.drivers", {"scenario_id": 42}),
        ("expert.ask", {"scenario_id": 42}),
        ("decision.decide", {"scenario_id": 42}),
    ]
    facts = by_id["facts-2"]["fields"]
    assert facts[0]["text"] == "*P(reach target)*\n10% → 1%"


@pytest.mark.parametrize("likes,comments,footer", [(0, 0, "0 likes · 0 comments"), (1, 1, "1 like · 1 comment")])
def test_footer_block(likes, comments, footer):
    card = sc.scenario_card(
        question="q",
        interpretation=[],
        baseline=BASELINE_FORECAST,
        scenario=None,
        chart_png=None,
        likes=likes,
        comments=comments,
        scenario_id=7,
    )
    blocks, text = render_blocks(card)
    assert blocks[-1] == {"type": "context", "block_id": "footer", "elements": [{"type": "mrkdwn", "text": footer}]}
    assert text.endswith(footer)


def test_hostile_and_long_titles_are_escaped_and_within_limits():
    hostile = "<script>alert('x')</script> & <!channel> <@U123> what if win rate drops to 20%?"
    card = sc.scenario_card(
        question=hostile * 6, interpretation=[hostile], baseline=BASELINE_FORECAST, scenario=None, chart_png=None
    )
    blocks, text = render_blocks(card)
    _check_limits(blocks)
    everything = json.dumps(blocks) + text
    for raw in ("<script>", "<!channel>", "<@U123>"):
        assert raw not in everything
    assert blocks[0]["text"]["text"].startswith("&lt;script&gt;")
    assert blocks[0]["text"]["text"].endswith("…")
    assert "&lt;!channel&gt;" in blocks[1]["text"]["text"]
    # no entity cut in half by the shortening
    assert not re.search(r"&[a-z]*…", blocks[0]["text"]["text"])


def test_amp_heavy_title_still_fits_the_header():
    card = Card(title="&" * 150)
    blocks, _ = render_blocks(card)
    assert len(blocks[0]["text"]["text"]) <= 150
    Block.parse(blocks[0])


def test_links_survive_escaping():
    assert mrkdwn("see <https://example.com/a?b=1&c=2|the docs> & more") == (
        "see <https://example.com/a?b=1&c=2|the docs> &amp; more"
    )
    assert mrkdwn("*bold* _it_ <https://x.test>") == "*bold* _it_ <https://x.test>"
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_ten_facts_fit_one_section_and_long_values_are_cut():
    facts = Facts(tuple(Fact(f"row {i}", "x" * 1990) for i in range(10)))
    blocks, _ = render_blocks(Card(title="Ten", blocks=(facts, Text("end")), buttons=(Button("Go", "go"),)))
    _check_limits(blocks)
    sections = [b for b in blocks if b["block_id"].startswith("facts-")]
    assert len(sections) == 1 and len(sections[0]["fields"]) == 10


# ------------------------------------------------------------------ people's text never becomes markup (issue 13)

HOSTILE = hostile_cards()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_peoples_text_is_escaped_golden(name):
    blocks, text = render_blocks(HOSTILE[name])
    _check_limits(blocks)
    _golden(f"escaping_{name}", {"blocks": blocks, "text": text})
    everything = json.dumps(blocks, ensure_ascii=False) + text
    for token in LIVE_SLACK:
        assert token not in everything, (name, token)
    assert "&lt;!channel&gt;" in everything or "&lt;https://evil.example" in everything
    # Slack's `text` (notifications) is escaped like the blocks
    assert "&lt;" in text and not any(token in text for token in LIVE_SLACK)


def test_the_bots_own_markup_stays_markup_next_to_peoples_text():
    blocks, text = render_blocks(HOSTILE["mixed"])
    body = blocks[1]["text"]
    assert body["verbatim"] is True  # no auto-linking or mention parsing in a block with people's text
    assert body["text"].startswith("*Bold bot words* and <https://docs.example/help|the docs> next to &lt;!channel&gt;")
    assert "&lt;https://evil.example/login|the real forecast&gt;" in body["text"]
    owner, deal = blocks[2]["fields"]
    assert owner["text"] == "*Owner*\n&lt;@U123&gt; \u200b_\u200bit\u200b_\u200b"
    assert deal["text"] == "*Deal*\n*&lt;!channel&gt; \u200b*\u200bx\u200b*\u200b*"  # bold by the bot, stars typed
    assert "*Bold bot words*" in text and "<https://docs.example/help|the docs>" in text
    question = render_blocks(HOSTILE["question"])[0]
    assert question[0]["text"]["text"] == html_escape_title(QUESTION)
    assert question[2]["text"]["text"] == "The chance of reaching the $3.25M target goes from *10%* to *1%*"


def html_escape_title(title: str) -> str:
    return title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_a_file_name_in_a_download_refusal_is_escaped():
    from bot.core.events import Actor, Place
    from bot.slack.files import download
    from bot.slack.translate import SlackFile

    info = {"name": FILE, "size": 10, "url_private_download": "https://files.slack.com/F1"}
    shared = SlackFile(Actor("slack", "U1"), Place("slack", "T1", "C1"), "F1", info)
    got = asyncio.run(download(None, shared, api_url="https://slack.com/api/"))  # refused before any download
    assert got.data is None and not any(token in got.problem for token in LIVE_SLACK)
    assert got.problem.startswith("&lt;!channel&gt; &lt;https://evil.example|pipeline&gt;.xlsx is not a CSV file")
    # the bot's own words around the name are kept (“Export &gt; CSV”: Slack shows it as written)
    assert "HubSpot: Export &gt; CSV" in got.problem
