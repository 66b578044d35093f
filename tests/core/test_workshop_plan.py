"""The workshop plan: read from the form with clear per-field errors, and checked against the checklist, one test
per rule (each fires on a plan that breaks it and stays quiet on one that does not)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from bot.core.workshops.plan import PlanProblem, check_plan, parse_agenda, parse_plan, working_days_between
from bot.core.workshops.survey import default_questions, parse_questions, read_answers

PEOPLE = ["U1", "U2", "U3", "U4"]
# Monday Nov 30 2026, 09:00 Berlin: the workshop is on Thursday Dec 3 (Tue and Wed are 2 working days' notice)
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
GOOD = {
    "title": "Q1 pipeline plan",
    "goal": "Agree on 3 actions that lift win rate to 30% by March",
    "scope": "EMEA mid-market",
    "day": "2026-12-03",
    "start": "14:00",
    "end": "16:00",
    "tz": "Europe/Berlin",
    "preparation": "Bring your top 5 deals",
    "agenda": "Pipeline review - 20 min - chart - discussion\nActions (60 min)\nWrap-up 15m",
    "survey": "anonymous",
}


def plan(**changes):
    values = {**GOOD, **changes}
    return parse_plan(values, values.pop("who", PEOPLE))


def rules(p, now=NOW) -> list[str]:
    return [f.rule for f in check_plan(p, now)]


def test_a_good_plan_has_no_findings_and_reads_every_field():
    p = plan()
    assert rules(p) == []
    assert p.start == datetime(2026, 12, 3, 13, 0, tzinfo=UTC) and p.slot_minutes == 120
    assert [(a.title, a.minutes, a.visual_aid, a.activity) for a in p.agenda] == [
        ("Pipeline review", 20, "chart", "discussion"),
        ("Actions", 60, "", ""),
        ("Wrap-up", 15, "", ""),
    ]
    assert (p.delay_minutes, p.close_days) == (60, 3)


def test_no_goal():
    assert rules(plan(goal="")) == ["no_goal"]


@pytest.mark.parametrize("goal", ["Talk about the pipeline", "alignment on strategy and vibes"])
def test_a_goal_without_a_measurable_outcome(goal):
    assert rules(plan(goal=goal)) == ["goal_not_measurable"]


@pytest.mark.parametrize("goal", ["Decide the Q1 focus accounts", "Lift conversion by 5%", "Plan until March"])
def test_a_goal_with_a_verb_number_or_date_is_measurable(goal):
    assert rules(plan(goal=goal)) == []


def test_agenda_minutes_over_the_slot():
    found = check_plan(plan(end="15:00"), NOW)
    assert [f.rule for f in found] == ["agenda_too_long"]
    assert "95 min but the slot is 60 min" in found[0].text


def test_preparation_with_less_than_two_working_days_notice():
    # Thursday evening for a Monday workshop: only Friday counts (the weekend does not)
    thursday = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    assert rules(plan(day="2026-11-30"), now=thursday) == ["short_notice"]
    assert rules(plan(day="2026-11-30", preparation=""), now=thursday) == []  # nothing to prepare: no finding
    assert working_days_between(date(2026, 11, 26), date(2026, 11, 30)) == 1
    assert working_days_between(date(2026, 11, 25), date(2026, 11, 30)) == 2


def test_too_few_and_too_many_participants():
    assert rules(plan(who=["U1", "U2"])) == ["too_few_people"]
    assert rules(plan(who=[f"U{i}" for i in range(13)])) == ["too_many_people"]
    assert rules(plan(who=[f"U{i}" for i in range(12)])) == []


def test_no_follow_up_questionnaire():
    assert rules(plan(survey="none")) == ["no_survey"]


def test_problems_name_the_field_say_what_was_expected_and_give_an_example():
    with pytest.raises(PlanProblem) as caught:
        plan(title=" ", day="", start="25:00", tz="Berlin", delay="soon")
    text = "\n".join(caught.value.problems)
    assert "Title: give the workshop a name" in text
    assert "Date: pick the workshop's day (YYYY-MM-DD), e.g. 2026-12-03" in text
    assert "Start: pick a start time (HH:MM), e.g. 14:00" in text
    assert "Time zone: “Berlin” is not a time zone" in text and "Europe/Berlin" in text
    assert "Survey delay (hours after the end): “soon” is not a number" in text
    with pytest.raises(PlanProblem, match="End: 13:00 is not after the start 14:00"):
        plan(end="13:00")


def test_agenda_lines_that_cannot_be_read_name_the_line_and_show_the_format():
    items, problems = parse_agenda("Intro - 10 min\n\nPipeline review - chart - discussion\nQ&A – 1h")
    assert [(i.title, i.minutes) for i in items] == [("Intro", 10), ("Q&A", 60)]
    assert problems == [
        "Agenda line 3 (“Pipeline review - chart - discussion”): I could not find its minutes. Write one item per "
        "line as main point - minutes - visual aid - discussion or activity, e.g. “Pipeline review - 20 min - "
        "chart - discussion”."
    ]


def test_the_number_question_follows_the_goal_and_edited_questions_are_checked_per_line():
    assert default_questions("Lift win rate to 30%")[-1]["driver"] == "win_rate"
    assert default_questions("Fill the pipeline")[-1]["driver"] == "new_opps_per_rep_week"
    questions, problems = parse_questions(
        "rating: Was it useful?\nchoice: Pace? | Slow | Fast\nnumber: Opps per week? [new_opps_per_rep_week]\n"
        "poll: Lunch?\nchoice: Only one | A"
    )
    assert [q["kind"] for q in questions] == ["rating", "choice", "number"]
    assert problems[0].startswith("Question line 4: start with the kind (rating, choice, number or text)")
    assert problems[1].startswith("Question line 5: a choice needs 2 to 10 options")
    _, too_many = parse_questions("\n".join(f"text: Q{i}?" for i in range(11)))
    assert too_many == ["Questions: at most 10, got 11; remove 1."]


def test_answers_are_read_by_kind_and_a_number_that_is_not_one_is_refused():
    q = dataclasses.make_dataclass("Q", ["position", "kind", "text", "options"])
    kinds = [("rating", ()), ("choice", ("A", "B")), ("number", ()), ("text", ())]
    questions = [q(i, k, "q", o) for i, (k, o) in enumerate(kinds)]
    answers, problems = read_answers(questions, {"q0": "4", "q1": "1", "q2": "8,5", "q3": " fine "})
    assert answers == {"0": 4, "1": "B", "2": 8.5, "3": "fine"} and problems == []
    _, problems = read_answers(questions, {"q2": "lots"})
    assert problems == ["“q”: “lots” is not a number; answer e.g. 8 or 8.5."]


def test_reminders_fall_in_the_persons_working_hours_and_the_day_before_at_nine_in_their_zone():
    from bot.core.workshops.jobs import reminder_due, working_time

    # Friday 18:00 Berlin -> Monday 09:00 Berlin; Saturday in Tokyo -> Monday 09:00 Tokyo; 11:00 stays
    assert working_time(datetime(2026, 12, 4, 17, 0, tzinfo=UTC), "Europe/Berlin") == datetime(
        2026, 12, 7, 8, 0, tzinfo=UTC
    )
    assert working_time(datetime(2026, 12, 4, 16, 0, tzinfo=UTC), "Asia/Tokyo") == datetime(
        2026, 12, 7, 0, 0, tzinfo=UTC
    )
    assert working_time(datetime(2026, 12, 3, 10, 0, tzinfo=UTC), "Europe/Berlin") == datetime(
        2026, 12, 3, 10, 0, tzinfo=UTC
    )
    start = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # Thursday 14:00 Berlin
    assert reminder_due(start, "America/New_York", NOW) == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    late = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # accepted on the day before, after 09:00: reminded now
    assert reminder_due(start, "America/New_York", late) == late
    assert reminder_due(start, "Europe/Berlin", datetime(2026, 12, 3, 7, 0, tzinfo=UTC)) is None  # on the day
