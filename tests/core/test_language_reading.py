"""The what-if reader's new behaviour one rule at a time: what a person sees in the echo, the "Did you mean"
buttons, back-solving, a rep leaving, and the refusals that keep absurd input away from the engine."""

from __future__ import annotations

import math

import pytest

from bot.core.language import parse
from engine.changes import apply_changes
from tests.core.test_language_phrasings import load_baseline

B = load_baseline()


def test_typos_are_read_and_the_echo_shows_the_reading() -> None:
    p = parse("wat if win rat drops to 20 %", B)
    assert (p.intent, p.interpretation) == ("whatif", ("win rate 25% → 20%",))


def test_instead_of_reads_the_new_value_and_checks_the_old_one() -> None:
    same = parse("what if every rep initiates 9 new opportunities per week instead of 7", B)
    assert same.interpretation == ("new opportunities per rep per week 7 → 9",)
    differs = parse("what if win rate is 30% instead of 20%", B)
    assert differs.interpretation == ("win rate 25% → 30% (you said 20% today; the baseline has 25%)",)


def test_chat_preambles_sign_offs_and_control_characters_are_ignored() -> None:
    for text in (
        "Hey bot, quick one before the QBR: what if we hire 2 reps? thx!",
        "what if\x00 we hire\x07 2 reps\u200b",
        "@scenario ok so what if we hire 2 reps pls",
    ):
        p = parse(text, B)
        assert [(c.driver, c.to) for c in p.changes] == [("reps", 12)], text


@pytest.mark.parametrize(
    "text",
    [
        "what if we hire " + "9" * 400 + " reps",
        "what if we hire 1e300 reps",
        "what if target is inf",
        "what if win rate is nan",
        "what if target is 999999999999999999999999",
        "what if we hire 5000000 reps",
    ],
)
def test_absurd_numbers_are_refused_plainly(text: str) -> None:
    p = parse(text, B)
    assert p.intent == "unknown" and p.changes == () and p.problem


def test_no_change_ever_holds_inf_or_nan() -> None:
    for text in ("what if deal size grows by 1" + "0" * 320 + "%", "what if reps double " * 3, "what if target x1e9"):
        for c in parse(text, B).changes:
            assert math.isfinite(float(c.to)), (text, c)


def test_a_vague_question_is_asked_back_never_mapped_to_a_deal() -> None:
    p = parse("what if things get worse?", B)
    assert p.intent == "clarify" and p.changes == ()
    assert p.problem.startswith("Did you mean")
    assert "Adventure" not in p.problem and not any("Adventure" in s for s in p.suggestions)
    assert 1 <= len(p.suggestions) <= 3
    for s in p.suggestions:
        assert parse(s, B).intent == "whatif"


def test_a_bare_count_of_reps_is_asked_back_with_the_three_readings() -> None:
    p = parse("what if 3 reps", B)
    assert p.intent == "clarify"
    assert p.suggestions == ("what if we have 3 reps", "what if we hire 3 reps", "what if we lose 3 reps")


def test_an_ambiguous_deal_offers_the_deals_it_could_be() -> None:
    p = parse("what if we lose Umbrella", B)
    assert p.intent == "unknown" and "Umbrella EMEA (P-6), Umbrella APAC (P-7)" in p.problem
    assert p.suggestions[:2] == ("what if we lose Umbrella EMEA", "what if we lose Umbrella APAC")


def test_accents_do_not_matter_in_deal_names() -> None:
    for text in ("what if we lose the Creme Brulee deal", "what if Crème Brûlée Café falls through"):
        assert [(c.deal, c.to) for c in parse(text, B).changes] == [("P-2", 0.0)]


def test_back_solving_names_the_driver_and_the_confidence() -> None:
    p = parse("how many reps do we need to hit 80%?", B)
    assert (p.intent, p.solve_for, p.confidence, p.changes) == ("required_value", "reps", 0.8, ())
    p = parse("what win rate do we need if we lose Globex", B)
    assert (p.intent, p.solve_for, p.confidence) == ("required_value", "win_rate", None)
    assert [(c.deal, c.to) for c in p.changes] == [("P-4", 0.0)]
    p = parse("how many opportunities does each rep need per week with 80% confidence", B)
    assert (p.intent, p.solve_for, p.confidence) == ("required_rate", None, 0.8)  # unchanged behaviour


def test_a_leaving_owner_is_one_rep_fewer_with_their_deals_at_risk() -> None:
    p = parse("what if Luis leaves", B)
    assert [(c.driver, c.from_, c.to) for c in p.changes] == [("reps", 10, 9)]
    assert p.at_risk_owners == ("Luis",)
    assert set(p.at_risk_deals) == {"P-3", "P-5", "P-11"}  # Luis's open deals inside the period
    assert "Luis leaves; 3 open deals of theirs at risk" in p.interpretation[0]
    apply_changes(B, p.changes)
    assert parse("what if Zoe quits", B).at_risk_owners == ("Zoë",)  # accents ignored, the owner's spelling kept


def test_a_name_that_owns_no_deal_is_not_guessed() -> None:
    p = parse("what if Bob leaves", B)
    assert p.intent == "clarify" and p.changes == () and p.at_risk_owners == ()
    assert "Bob owns no deal" in p.problem and "what if we lose 1 rep" in p.suggestions


def test_to_dict_carries_every_field() -> None:
    d = parse("what if Luis leaves", B).to_dict()
    assert d["at_risk_owners"] == ["Luis"] and sorted(d["at_risk_deals"]) == ["P-11", "P-3", "P-5"]
    assert d["solve_for"] is None
    assert parse("what deal size do we need", B).to_dict()["solve_for"] == "deal_size"
