"""The experts' rules without any platform: who one form may invite, the chain's wording, the Slack membership
check (S19's rule), the reminder's time, and reading an estimate the way people type it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.baselines.feature import sample_baseline
from bot.core.experts.estimate import read_estimate
from bot.core.experts.rules import Limits, chain_text, foreign_reason, plan_invitations, reminder_at
from bot.core.formatting import unmark
from engine.baseline import parse_baseline


def _plan(picked, *, inviter="U_DANA", depth=0, invited=None, count=None, limits=Limits()):
    invited = invited or {}
    plan = plan_invitations(
        picked,
        inviter=inviter,
        parent_depth=depth,
        already_invited=invited,
        invited_count=len(invited) if count is None else count,
        limits=limits,
    )
    return list(plan.invite), [unmark(p) for p in plan.problems]


def test_people_are_invited_in_the_order_picked():
    assert _plan(["U_SAM", "U_LEE"]) == (["U_SAM", "U_LEE"], [])


def test_self_invite_and_duplicates_are_refused_and_the_rest_invited():
    invite, problems = _plan(["U_DANA", "U_SAM", "U_LEE"], invited={"U_SAM": "Sam"})
    assert invite == ["U_LEE"]
    assert problems == [
        "You cannot invite yourself; give your own estimate instead.",
        "Sam is already invited to this card (nobody is asked twice).",
    ]


def test_the_depth_cap_stops_the_chain_and_is_configurable():
    assert _plan(["U_KIM"], depth=2) == (["U_KIM"], [])  # Dana -> Sam -> Lee -> Kim: depth 3 of 3
    invite, [problem] = _plan(["U_KIM"], depth=3)
    assert invite == [] and "already 3 deep, the most this workspace allows (3)" in problem
    assert _plan(["U_KIM"], depth=3, limits=Limits(max_depth=4)) == (["U_KIM"], [])


def test_one_form_invites_one_to_ten_people():
    assert _plan([]) == ([], ["Pick at least one person to invite (the “Who” field)."])
    invite, [problem] = _plan([f"U{n}" for n in range(11)])
    assert invite == [] and problem.startswith("At most 10 people per invitation; you picked 11.")
    assert len(_plan([f"U{n}" for n in range(10)])[0]) == 10


def test_the_per_card_limit_invites_up_to_it_and_names_the_rest():
    invite, problems = _plan(["U_A", "U_B", "U_C"], count=49)
    assert invite == ["U_A"]
    assert problems == [
        f"{u} was not invited: this card has reached its limit of 50 invitations." for u in ("U_B", "U_C")
    ]


def test_the_chain_names_everyone_from_the_reader_down():
    assert unmark(chain_text(["Dana"])) == "Dana asked you"
    assert unmark(chain_text(["Dana", "Sam"])) == "Dana asked Sam, who asked you"
    assert unmark(chain_text(["Dana", "Sam", "Lee"])) == "Dana asked Sam, who asked Lee, who asked you"
    assert unmark(chain_text(["<!channel> *x*"])).startswith("<!channel> *x* asked")  # people's text, marked as such
    assert chain_text(["*x*"]) != "*x* asked you"


def _person(team="T_TEAM", enterprise=None, **extra):
    found = {"id": "U1", "team_id": team, "deleted": False, "is_bot": False, **extra}
    if enterprise:
        found["enterprise_user"] = {"enterprise_id": enterprise, "teams": [team]}
    return found


@pytest.mark.parametrize(
    ("person", "workspace", "refused"),
    [
        (_person(), "T_TEAM", None),
        (_person(team="T_OTHER"), "T_TEAM", "another Slack organisation"),
        (_person(team="T_ORG", enterprise="E_OTHER"), "T_TEAM", "another Slack organisation"),
        (_person(team="T_ANY", enterprise="E_OURS"), "E_OURS", None),  # an org-wide install: any team of the org
        (_person(team="T_ANY", enterprise="E_OTHER"), "E_OURS", "another Slack organisation"),
        (
            _person(team="T_HOME", enterprise="E_OURS") | {"enterprise_user": {"teams": ["T_HOME", "T_TEAM"]}},
            "T_TEAM",
            None,
        ),
        (_person(is_bot=True), "T_TEAM", "is a bot"),
        (_person(deleted=True), "T_TEAM", "deactivated"),
        (None, "T_TEAM", "not a member of this Slack workspace"),
    ],
)
def test_only_people_of_this_slack_workspace_may_be_invited(person, workspace, refused):
    reason = foreign_reason(person, workspace, "Gus")
    assert (reason is None) if refused is None else (refused in unmark(reason))


def test_the_one_reminder_comes_two_days_before_expiry_but_not_in_the_first_day():
    created = datetime(2026, 11, 29, 12, tzinfo=UTC)
    assert reminder_at(created, created + timedelta(days=7)) == created + timedelta(days=5)
    assert reminder_at(created, created + timedelta(days=2)) == created + timedelta(days=1)


BASE = parse_baseline(sample_baseline())


@pytest.mark.parametrize(
    ("text", "driver", "to"),
    [
        ("8", "new_opps_per_rep_week", 8.0),
        ("8 per rep per week", "new_opps_per_rep_week", 8.0),
        ("I think 8 per rep per week is the most we can do", "new_opps_per_rep_week", 8.0),
        ("maybe 8 opps/rep/week", "new_opps_per_rep_week", 8.0),
        ("eight", "new_opps_per_rep_week", 8.0),
        ("average order size +15% with the new product line", "deal_size", 23000.0),
        ("average order size +15%", None, 23000.0),
        ("22%", "win_rate", 0.22),
        ("2 more reps", "reps", 12.0),
        ("12", "reps", 12.0),  # an estimate of the team's size is a total, not 12 more
        ("9.5", "new_opps_per_rep_week", 9.5),
        ("$25k", "deal_size", 25000.0),
        ("10", "cycle_weeks", 10.0),
    ],
)
def test_estimates_read_as_people_type_them(text, driver, to):
    reading = read_estimate(text, BASE, driver)
    assert reading.problem is None, reading.problem
    [change] = reading.changes
    assert change["to"] == pytest.approx(to)


def test_an_unreadable_or_off_topic_estimate_says_what_to_type():
    problem = unmark(read_estimate("banana", BASE, "new_opps_per_rep_week").problem or "")
    assert "could not read a value for new opportunities per rep per week" in problem and "“8”" in problem
    for off_topic, named in (("win rate 30%", "win rate"), ("2 more reps", "reps"), ("12 reps", "reps")):
        problem = unmark(read_estimate(off_topic, BASE, "new_opps_per_rep_week").problem or "")
        assert "asks about new opportunities per rep per week" in problem and f"a change of {named}." in problem
    problem = unmark(read_estimate("12 reps", BASE, None).problem or "")
    assert "Did you mean “we have 12 reps” or “we hire 12 reps”?" in problem  # vague: asked back, not guessed
    assert "empty" in (read_estimate("  ", BASE, "win_rate").problem or "")
