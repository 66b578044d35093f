"""The organiser's forms: the workshop plan and the survey questions, prefilled with what was typed before.

Owns the plan form's fields (title, goal, scope, date, start and end with time zone, place, participants,
preparation, agenda one item per line, scenario cards, survey anonymous/named/none, survey delay and days open) and
the questions form. Every platform renders them (Slack modal, Teams input card, console prompts).
"""

from __future__ import annotations

from typing import Any

from bot.core.cards import Form, FormField, Option
from bot.core.workshops.plan import AGENDA_EXAMPLE
from bot.core.workshops.survey import MAX_QUESTIONS, QUESTION_EXAMPLE, QUESTIONS_FORM

__all__ = ["PLAN_FORM", "QUESTIONS_FORM", "plan_form", "questions_form", "MAX_PARTICIPANTS"]

PLAN_FORM = "workshop_plan"
MAX_PARTICIPANTS = 30  # more than the checklist's 12, so a too-big group can be entered and then warned about
SURVEY_OPTIONS = (
    Option("anonymous", "Anonymous (totals only, from 3 answers)"),
    Option("named", "Named (you see who answered what)"),
    Option("none", "No survey"),
)


def _initial(values: dict[str, Any], key: str) -> str | None:
    value = values.get(key)
    return str(value) if value not in (None, "") else None


def plan_form(values: dict[str, Any] | None = None, *, workshop_id: int | None = None, tz: str = "") -> Form:
    """The plan form; `values` (the form as last submitted) prefill it for an Edit."""
    v = values or {}
    people = tuple(str(u) for u in (v.get("who") or []) if str(u).strip())
    fields = (
        FormField("title", "Title", multiline=False, max_length=150, placeholder="e.g. Q1 pipeline plan",
                  initial=_initial(v, "title")),
        FormField("goal", "Goal (a measurable outcome)", optional=True, max_length=1000,
                  placeholder="e.g. Agree on 3 actions that lift win rate to 30% by March",
                  initial=_initial(v, "goal")),
        FormField("scope", "Scope", optional=True, max_length=1000, placeholder="e.g. EMEA mid-market only",
                  initial=_initial(v, "scope")),
        FormField("day", "Date", kind="date", initial=_initial(v, "day")),
        FormField("start", "Start", kind="time", initial=_initial(v, "start")),
        FormField("end", "End", kind="time", initial=_initial(v, "end")),
        FormField("tz", "Time zone", multiline=False, optional=True, max_length=64,
                  placeholder="e.g. Europe/Berlin (blank: yours)", initial=_initial(v, "tz") or (tz or None)),
        FormField("location", "Place or call link", multiline=False, optional=True, max_length=500,
                  initial=_initial(v, "location")),
        FormField("who", "Participants", kind="users", max_selected=MAX_PARTICIPANTS, optional=True,
                  initial=people or None),
        FormField("preparation", "Preparation asked of them", optional=True, max_length=1000,
                  placeholder="e.g. Bring your top 5 open deals", initial=_initial(v, "preparation")),
        FormField("agenda", "Agenda, one item per line", optional=True, max_length=2000,
                  placeholder=f"e.g. {AGENDA_EXAMPLE}", initial=_initial(v, "agenda")),
        FormField("cards", "Scenario cards to bring (links, one per line)", optional=True, max_length=1000,
                  initial=_initial(v, "cards")),
        FormField("survey", "Follow-up survey", kind="select", options=SURVEY_OPTIONS,
                  initial=_initial(v, "survey") or "anonymous"),
        FormField("delay", "Survey delay after the end (hours)", kind="number", optional=True,
                  initial=_initial(v, "delay") or "1"),
        FormField("close_days", "Survey open for (days)", kind="number", optional=True,
                  initial=_initial(v, "close_days") or "3"),
    )  # fmt: skip
    return Form(PLAN_FORM, "Plan a workshop", fields, "Check the plan", {"w": workshop_id})


def questions_form(workshop_id: int, text: str) -> Form:
    field = FormField(
        "questions",
        f"Questions, one per line (at most {MAX_QUESTIONS}): rating, choice, number or text, then a colon",
        max_length=3000,
        placeholder=f"e.g. {QUESTION_EXAMPLE}",
        initial=text,
    )
    return Form(QUESTIONS_FORM, "Survey questions", (field,), "Save questions", {"w": workshop_id})
