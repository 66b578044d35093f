"""Console rendering: what a person sees in the local chat."""

from __future__ import annotations

from bot.console.render import plain, render_form_prompt, render_text
from bot.core.cards import Card, Form, FormField, Text
from bot.core.formatting import USER_END, USER_START, user
from tests.core.card_samples import sample_cards
from tests.core.test_escaping import COMMENT, CONTROL, NAME, QUESTION, hostile_cards

CARDS = sample_cards()


def test_scenario_card_as_text():
    text = render_text(CARDS["scenario"])
    lines = text.splitlines()
    assert lines[0] == "What if the win rate drops to 20%?"
    assert lines[1] == "=" * len(lines[0])
    assert "The chance of reaching the $3.25M target goes from 10% to 1%" in lines  # the headline, bold marks dropped
    assert lines[-2] == "[1] Like  [2] Comment  [3] Drivers  [4] Ask an expert  [5] Decide — type /click N"
    assert lines[-1] == "2 likes · 1 comment"
    assert any(line.startswith("[chart] Fan chart of cumulative bookings") for line in lines)


def test_facts_are_aligned_columns():
    lines = render_text(CARDS["scenario"]).splitlines()
    facts = [line for line in lines if line.startswith("  ")]
    assert len(facts) == 8  # P(reach target), Period, expected, range, target, today, 50%, 80%
    value_columns = {len(line) - len(line.split(":", 1)[1].lstrip()) for line in facts}
    assert len(value_columns) == 1, "values start in one column"
    assert "  Needed for an 80% chance: 10.5 → not reachable with new opportunities alone" in facts


def test_chart_path_replaces_the_alt_text():
    text = render_text(CARDS["scenario"], chart_path="/tmp/charts/fan-chart.png")
    assert "[chart saved to /tmp/charts/fan-chart.png]" in text
    assert "[chart] " not in text


def test_every_number_of_the_fallback_is_printed():
    for name, card in CARDS.items():
        text = render_text(card)
        for line in card.fallback_text().splitlines():
            assert plain(line).split(": ", 1)[-1] in text, (name, line)


def test_markdown_reduced_to_plain_words():
    assert (
        plain("*bold* _it_ <https://x.test/a|docs> <https://x.test>")
        == "bold it docs (https://x.test/a) https://x.test"
    )
    assert plain("snake_case_name and 5 * 3") == "snake_case_name and 5 * 3"


def test_form_prompt_lists_the_fields():
    form = Form(
        form_id="decide",
        title="Record the decision",
        fields=(
            FormField("decision", "What did you decide?"),
            FormField("owner", "Who owns it?", multiline=False, placeholder="Dana", max_length=80),
        ),
    )
    lines = render_form_prompt(form).splitlines()
    assert lines[0] == "Record the decision"
    assert lines[2] == "1. What did you decide? (several lines, end with an empty line, at most 3000 characters)"
    assert lines[3] == "2. Who owns it? (one line, at most 80 characters, e.g. Dana)"
    assert "/cancel" in lines[4]


def test_peoples_text_is_shown_as_typed_and_the_bots_markup_as_plain_words():
    cards = hostile_cards()
    for name, card in cards.items():
        text = render_text(card)
        assert not CONTROL.search(text.replace("\n", "")), name
        assert USER_START not in text and USER_END not in text, name
    question = render_text(cards["question"]).splitlines()
    assert question[0] == QUESTION and question[1] == "=" * len(QUESTION)
    assert "Understood: <!channel> <https://evil.example|Acme> (OPP-1001) lost: 40% → 0%" in question
    assert "The chance of reaching the $3.25M target goes from 10% to 1%" in question  # bold, as plain words
    mixed = render_text(cards["mixed"]).splitlines()
    assert mixed[2] == f"Bold bot words and the docs (https://docs.example/help) next to {COMMENT}"
    assert mixed[3:5] == ["  Owner: <@U123> _it_", "  Deal:  <!channel> *x*"]
    assert mixed[-1] == f"Used as baseline v3 by {NAME}"


def test_no_control_character_reaches_the_terminal():
    card = Card(
        title="\x1b[2J\x1b[31mwiped",
        blocks=(Text(f"before {user(chr(27) + '[31mred' + chr(7))} after"), Text("\x1b[0mold stored text")),
        footer="by \x1b]0;title\x07Dana",
    )
    text = render_text(card)
    assert not CONTROL.search(text.replace("\n", ""))
    assert text.splitlines()[0] == "[2J[31mwiped" and "before [31mred after" in text
