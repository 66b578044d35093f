"""Text a user types never becomes markup (issue 13 section 4).

The inline model (bot.core.formatting: `user`, `parse`, `render`, `message_text`) and every entry point where
people's text reaches a card or a message: a question echoed on a card, a question that starts with a link,
the Comment form's text relayed under the bot's name, and a shared file's name in "is not a CSV file",
"saved from" and "cancelled", on Slack, Teams and the console. `hostile_cards()` is shared with the three
renderers' golden tests (tests/slack, tests/teams, tests/console)."""

from __future__ import annotations

import re

import pytest

from bot.core.cards import Card, Fact, Facts, Text, card_from_dict, card_to_dict
from bot.core.events import ActionInvoked, Actor, FileShared, FormSubmitted, Place
from bot.core.formatting import (
    PLAIN,
    SLACK_MRKDWN,
    TEAMS_MARKDOWN,
    USER_END,
    USER_START,
    Span,
    mark_user,
    message_text,
    parse,
    render,
    unmark,
    user,
)
from bot.core.imports.cards import ACCEPT_ACTION, CANCEL_ACTION, import_error_card
from bot.core.imports.csv.sample import salesforce_export
from bot.core.scenarios import cards as sc
from bot.core.scenarios.cards import COMMENT_ACTION
from tests.core.card_samples import BASELINE_FORECAST, SCENARIO_FORECAST, baseline_json
from tests.core.harness import chat, migrated_copy

QUESTION = "what if we hire <!channel> *bold* <https://evil.example|click> reps"
LINK_QUESTION = "<https://evil.example/login|Reset your password> what if win rate drops to 20%?"
COMMENT = "<!channel> <!here> <@U123> see <https://evil.example/login|the real forecast>"
FILE = "<!channel> <https://evil.example|pipeline>.xlsx"
CSV_FILE = "<!channel> <https://evil.example|pipeline>.csv"
NAME = "<!here> *Dana* [x](https://evil.example)"
# what must never reach Slack as a token, and Teams as a Markdown link
LIVE_SLACK = ("<!channel>", "<!here>", "<@U", "<https://evil.example")
LIVE_TEAMS = re.compile(r"(?<!\\)\]\(https://evil")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def hostile_cards() -> dict[str, Card]:
    """One card per place people's text is shown, each next to the bot's own markup (bold, a link)."""
    baseline = baseline_json()
    deal = dict(baseline["pipeline"][0])
    deal.update(name="<!channel> <https://evil.example|Big deal> *bold*", owner="<@U123>", amount=9_000_000)
    baseline["pipeline"] = [deal, *baseline["pipeline"][1:]]
    return {
        "question": sc.scenario_card(
            question=QUESTION,
            # a deal name from a file, echoed in how the question was read
            interpretation=["<!channel> <https://evil.example|Acme> (OPP-1001) lost: 40% → 0%"],
            baseline=BASELINE_FORECAST,
            scenario=SCENARIO_FORECAST,
            chart_png=None,
            likes=1,
            scenario_id=7,
        ),
        "link_question": sc.not_understood_card(
            f"I could not read “{LINK_QUESTION}” as a question.", ["what if the win rate drops to 20%"]
        ),
        "baseline": sc.baseline_card(baseline=baseline, version=2, forecast=None),
        "import_error": import_error_card(
            {
                "source": CSV_FILE,
                "report": {
                    "row_errors": [{"line": 3, "column": "<@U123>", "message": "“<!here>” is not an amount"}],
                    "warnings": ["deal <https://evil.example|Renewal> has no close date"],
                },
            },
            f"{CSV_FILE} has no Amount column",
        ),
        "mixed": Card(
            title="Bot markup stays markup",
            blocks=(
                Text(f"*Bold bot words* and <https://docs.example/help|the docs> next to {user(COMMENT)}"),
                Facts((Fact("Owner", user("<@U123> _it_")), Fact("Deal", f"*{user('<!channel> *x*')}*"))),
            ),
            footer=f"Used as baseline v3 by {NAME}",
        ),
    }


# ------------------------------------------------------------------------------------------- the inline model


def test_user_marks_text_and_drops_control_characters():
    marked = user("\x1b[31mred\x1b[0m \u202eevil\x0f\x0e\ttab\nline")
    assert marked == f"{USER_START}[31mred[0m evil\ttab\nline{USER_END}"
    assert user("") == "" and user("\x1b") == ""
    assert unmark(f"a {user('<b>')} c") == "a <b> c"


def test_people_cannot_open_or_close_the_bots_markup():
    spans = parse(f"*{user('a* <https://evil.example|x> *b')}* <https://docs.example|see {user('*y*')}>")
    assert spans == (
        Span("bold", inner=(Span("user", "a* <https://evil.example|x> *b"),)),
        Span("words", " "),
        Span("link", "https://docs.example", (Span("words", "see "), Span("user", "*y*"))),
    )
    # a URL is never people's text: the bot's brackets around it stay plain words
    assert [s.kind for s in parse(f"<{user('https://evil.example')}|x>")] == ["words", "user", "words"]


def test_a_run_cut_by_a_trim_stays_peoples_text_to_the_end():
    cut = sc.trim_title(f"Import preview: {user('x' * 200)}", 60)
    assert USER_END not in cut and parse(cut)[-1].kind == "user"
    assert render(f"{USER_START}<!channel>", SLACK_MRKDWN) == "&lt;!channel&gt;"


def test_the_three_dialects():
    text = f"*Hi* <https://docs.example|docs> {user(QUESTION)}"
    slack = render(text, SLACK_MRKDWN)
    assert slack.startswith("*Hi* <https://docs.example|docs> what if we hire &lt;!channel&gt; ")
    assert "\u200b*\u200bbold\u200b*\u200b &lt;https://evil.example|click&gt;" in slack
    teams = render(text, TEAMS_MARKDOWN)
    assert teams == (
        r"**Hi** [docs](https://docs.example) what if we hire \<!channel\> \*bold\* \<https://evil.example|click\> "
        "reps"
    )
    assert render(text, PLAIN) == f"Hi docs (https://docs.example) {QUESTION}"
    # an underscore inside a word formats nothing and is left alone; one that could italicise is neutralised
    assert render(user("my_pipeline_q3.csv"), SLACK_MRKDWN) == "my_pipeline_q3.csv"
    assert render(user("_x_"), TEAMS_MARKDOWN) == r"\_x\_"
    assert render(user("say @here"), SLACK_MRKDWN) == "say @\u200bhere"


def test_message_text_escapes_bot_words_in_slack_only_where_they_could_pair():
    assert message_text("slack", "now <0.1%") == "now <0.1%"
    assert message_text("slack", "now <0.1% (was >99.9%)") == "now &lt;0.1% (was &gt;99.9%)"
    assert message_text("slack", f"{user(FILE)} is not a CSV file") == (
        "&lt;!channel&gt; &lt;https://evil.example|pipeline&gt;.xlsx is not a CSV file"
    )
    assert message_text("console", f"{user(FILE)} is not a CSV file") == f"{FILE} is not a CSV file"


def test_mark_user_marks_a_name_inside_a_sentence_built_elsewhere():
    assert mark_user(f"{FILE} is not a CSV file", FILE) == f"{user(FILE)} is not a CSV file"
    assert mark_user("that file is not a CSV file", "") == "that file is not a CSV file"


def test_stored_cards_keep_the_marks_and_old_stored_cards_still_read():
    card = hostile_cards()["mixed"]
    again = card_from_dict(card_to_dict(card))
    assert again == card
    old = {"title": "Old", "blocks": [{"type": "text", "text": "*bold* <https://x.test|docs>"}], "footer": "f"}
    assert card_from_dict(old).blocks == (Text("*bold* <https://x.test|docs>"),)


def test_fallback_text_reads_as_typed():
    card = hostile_cards()["mixed"]
    assert USER_START not in card.fallback_text() and COMMENT in card.fallback_text()
    assert card.fallback_text(keep_marks=True).startswith(user("Bot markup stays markup"))


# ------------------------------------------------------------------------------------ entry points, per platform


@pytest.fixture(params=["slack", "teams", "console"])
async def c(request, tmp_path, tmp_path_factory):
    async with chat(migrated_copy(tmp_path, tmp_path_factory.getbasetemp())) as conversation:
        conversation.place = Place(request.param, "T1", "C1")
        yield conversation


def _check_message(platform: str, shown: str, typed: str) -> None:
    """`typed` (a person's text) appears in the message exactly as that platform shows typed text."""
    assert not CONTROL.search(shown.replace("\n", ""))
    if platform == "slack":
        assert not any(token in shown for token in LIVE_SLACK), shown
        assert render(user(typed), SLACK_MRKDWN) in shown
    elif platform == "teams":
        assert not LIVE_TEAMS.search(shown), shown
        assert render(user(typed), TEAMS_MARKDOWN) in shown
    else:
        assert typed in shown


async def test_a_relayed_comment_pings_nobody(c):
    ws = await c.workspace_id()
    card = sc.scenario_card(
        question=QUESTION, interpretation=[], baseline=BASELINE_FORECAST, scenario=None, chart_png=None
    )
    sent = await c.storage.messages.record(
        ws, platform=c.place.platform, channel_id="C1", message_id="100.1", kind="scenario", payload=card_to_dict(card)
    )
    await c.send(ActionInvoked(c.actor("U3"), c.place, COMMENT_ACTION, message_id="100.1", trigger="t"))
    form = c.outbox.forms[0].message
    actor = Actor(c.place.platform, "U3", NAME)
    await c.send(FormSubmitted(actor, c.place, form.form_id, {form.fields[0].id: COMMENT}, dict(form.metadata)))
    relay = c.outbox.sends[0]
    assert relay.thread_id == "100.1"
    _check_message(c.place.platform, relay.text, COMMENT)
    _check_message(c.place.platform, relay.text, NAME)
    (comment,) = await c.storage.comments.list(ws, sent.id)
    assert comment.text == COMMENT  # stored as typed: escaping is for showing it


async def test_a_file_name_is_shown_as_typed_when_refused_saved_and_cancelled(c):
    await c.load_sample()
    await c.send(FileShared(c.actor("U1"), c.place, FILE, b"x", 1))
    assert "is not a CSV file" in c.outbox.last.text
    _check_message(c.place.platform, c.outbox.last.text, FILE)

    data = salesforce_export(60)
    for decision in (CANCEL_ACTION, ACCEPT_ACTION):
        await c.send(FileShared(c.actor("U1"), c.place, CSV_FILE, data, len(data)))
        preview = c.outbox.sends[-1]
        assert preview.card.kind == "import" and preview.card.title == f"Import preview: {CSV_FILE}"
        button = next(b for b in preview.card.buttons if b.action_id == decision)
        actor = Actor(c.place.platform, "U1", NAME)
        await c.send(ActionInvoked(actor, c.place, decision, dict(button.value), message_id=preview.message_id))
        said = c.outbox.last.text
        assert ("cancelled; nothing was stored" if decision == CANCEL_ACTION else "Baseline v2 saved from ") in said
        _check_message(c.place.platform, said, CSV_FILE)
        if decision == ACCEPT_ACTION:
            _check_message(c.place.platform, said, NAME)
        assert c.outbox.updates[-1].card.footer.endswith(
            f"by {NAME}" + ("" if decision == ACCEPT_ACTION else ": nothing was stored")
        )
