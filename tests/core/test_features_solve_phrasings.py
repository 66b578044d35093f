"""A sales manager's phrasings of the newer readings, through the Assistant on the sample team: typos, preambles,
conditions and confidences. Each must get the answer its reading calls for (a "Did you mean" card with buttons
that ask readable questions, a back-solved value, a scenario card listing the leaving rep's deals), never a
crash or a card that contradicts the reading."""

from __future__ import annotations

import pytest

from bot.core.baselines.feature import sample_baseline
from bot.core.baselines.freshness import engine_data
from bot.core.language import parse
from engine.baseline import parse_baseline
from tests.core.harness import chat, migrated_copy

CLARIFY = [
    "what if things get worse",
    "hey, what if things get worse?",
    "what if 3 reps",
    "what if bob leaves",
    "ok so what if the market gets better",
]
REQUIRED = [  # (question, driver, words the card must carry)
    ("how many reps do we need to hit 80%?", "reps", "an 80% chance"),
    ("how many reeps do we need to be 90% sure", "reps", "a 90% chance"),
    ("quick q: how many sellers would we need to hit the number", "reps", "an 80% chance"),
    ("Can you tell me how many reps we need?", "reps", "more (today's 10 reps"),
    ("how many reps would we need to be 80 percent sure", "reps", "an 80% chance"),
    ("how many reps do we need to be 10% sure", "reps", "would already reach"),
    ("what winrate would we need to be 80% confident", "win_rate", "a win rate of"),
    ("what winrate do we need to hit target with 2 more reps", "win_rate", "Understood: if reps 10 → 12"),
    ("how big do our deals need to be", "deal_size", "an average deal size of"),
    ("what deal size do we need if Luis leaves to be 70% sure", "deal_size", "*At risk* (7 open deals"),
    ("what if Luis leaves, how many reps do we need", "reps", "today's 9 reps give"),
    ("how many reps do we need to be 99.9% sure", "reps", "No number of reps reaches"),
]
LEAVING = [  # (question, owners the card names)
    ("what if Luis leaves", "Luis's"),
    ("hi team bot - what if luiz leaves?", "Luis's"),
    ("Quick one: what if we lose Luis?", "Luis's"),
    ("what happens if Mei leaves the company", "Mei's"),
    ("what if Luis and Mei leave", "Luis's and Mei's"),
]


@pytest.fixture
async def c(tmp_path, tmp_path_factory):
    async with chat(migrated_copy(tmp_path, tmp_path_factory.getbasetemp())) as conversation:
        await conversation.load_sample()
        yield conversation


def _reads(question: str) -> str:
    return parse(question, parse_baseline(engine_data(sample_baseline()))).intent


@pytest.mark.parametrize("question", CLARIFY)
async def test_vague_phrasings_get_buttons_that_ask_readable_questions(c, question):
    await c.say(question, via="mention")
    (sent,) = c.outbox.sends
    assert sent.card.kind == "clarify", sent.text
    assert sent.card.buttons and all(_reads(b.value["question"]) not in ("clarify", "unknown")
                                     for b in sent.card.buttons)  # fmt: skip


@pytest.mark.parametrize(("question", "driver", "words"), REQUIRED)
async def test_back_solving_phrasings_answer_the_driver_asked(c, question, driver, words):
    await c.say(question)
    (sent,) = c.outbox.sends
    text = sent.card.fallback_text()
    assert sent.card.kind == "info" and "P(reach target)" in text, text
    label = {"reps": "Today's reps", "win_rate": "Today's win rate", "deal_size": "Today's average deal size"}
    assert label[driver] in text and words in text


@pytest.mark.parametrize(("question", "owners"), LEAVING)
async def test_a_leaving_rep_phrasing_lists_their_deals_and_a_question_that_reads(c, question, owners):
    await c.say(question)
    (sent,) = c.outbox.sends
    text = sent.card.fallback_text()
    assert sent.card.kind == "scenario" and f"{owners} open deals stay in the forecast" in text, text
    example = text.split("ask “", 1)[1].split("”", 1)[0]
    assert _reads(example) == "whatif"  # the suggested follow-up is a question the bot reads
