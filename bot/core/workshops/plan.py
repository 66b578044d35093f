"""A workshop plan read from the organiser's form, and the checklist it is checked against. Pure functions.

Owns turning the form's values (strings as every platform submits them) into a `Plan`, with one clear message per
problem that stops it (which field, what was expected, an example), and the checklist findings that do not stop it
(`check_plan`): no goal; a goal without a measurable outcome; agenda minutes over the time slot; preparation asked
with less than 2 working days' notice; fewer than 3 or more than 12 participants; no follow-up questionnaire.
Agenda items are typed one per line: "Pipeline review - 20 min - chart - discussion".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.core.jobs import ScheduleError, zone

__all__ = [
    "AGENDA_EXAMPLE",
    "AgendaItem",
    "Finding",
    "Plan",
    "PlanProblem",
    "check_plan",
    "parse_agenda",
    "parse_plan",
    "working_days_between",
    "MIN_PEOPLE",
    "MAX_PEOPLE",
]

AGENDA_EXAMPLE = "Pipeline review - 20 min - chart - discussion"
MIN_PEOPLE, MAX_PEOPLE = 3, 12
MIN_NOTICE_DAYS = 2
SURVEY_MODES = ("anonymous", "named", "none")
_SEPARATORS = re.compile(r"\s+[-–—|]\s+|\s*[|;]\s*|\t")
_MINUTES = re.compile(
    r"^\(?\s*(?:(?P<h>\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*(?:(?P<m>\d+)\s*(?:m|min|mins|minute|minutes)?)?\s*\)?$",
    re.IGNORECASE,
)
_ACTIVITY_WORDS = (
    "discussion", "discuss", "activity", "exercise", "brainstorm", "role play", "roleplay", "breakout", "q&a",
    "vote", "voting", "game", "workshop", "group work", "debate", "presentation", "talk", "demo",
)  # fmt: skip
_MEASURABLE_VERBS = (
    "increase", "reduce", "decrease", "raise", "lower", "cut", "grow", "double", "halve", "triple", "reach", "hit",
    "achieve", "book", "close", "win", "deliver", "complete", "finish", "launch", "decide", "agree", "choose",
    "commit", "approve", "select", "pick", "rank", "prioritise", "prioritize", "sign", "ship",
)  # fmt: skip
_DATE_WORDS = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|\bq[1-4]\b|\b(monday|tuesday|wednesday|"
    r"thursday|friday|week|month|quarter|year|today|tomorrow|eod|eow|eom|eoq)\b",
    re.IGNORECASE,
)


class PlanProblem(ValueError):
    """Problems that stop a plan from being saved: one line each, naming the field and showing an example."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class AgendaItem:
    title: str
    minutes: int
    visual_aid: str = ""
    activity: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """A checklist point the plan misses or risks: `rule` names it for tests and logs, `text` says it to people."""

    rule: str
    text: str


@dataclass(frozen=True, slots=True)
class Plan:
    title: str
    goal: str
    scope: str
    start: datetime  # aware, in `timezone`
    end: datetime
    timezone: str
    location: str
    participants: tuple[str, ...]
    preparation: str
    agenda: tuple[AgendaItem, ...]
    cards: tuple[str, ...]
    survey: str  # "anonymous", "named" or "none"
    delay_minutes: int = 60
    close_days: int = 3
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def slot_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def _minutes(text: str) -> int | None:
    match = _MINUTES.match(text.strip())
    if match is None or not (match["h"] or match["m"]):
        return None
    hours = float((match["h"] or "0").replace(",", "."))
    return int(round(hours * 60)) + int(match["m"] or 0)


def parse_agenda(text: str) -> tuple[list[AgendaItem], list[str]]:
    """Agenda items, one per line ("<main point> - <minutes> - <visual aid> - <discussion or activity>"), and one
    problem per line that cannot be read (its number, what was expected, an example). Blank lines are skipped."""
    items: list[AgendaItem] = []
    problems: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip().lstrip("-*•").strip()
        if not line:
            continue
        parts = [p.strip() for p in _SEPARATORS.split(line) if p and p.strip()]
        # "Pipeline review (20 min)" or "Pipeline review 20 min": the minutes at the end of the main point
        if len(parts) == 1:
            tail = re.match(r"^(?P<title>.*?)[\s(]+(?P<min>\d+\s*(?:m|min|mins|minutes|h|hours?)\)?)$", line, re.I)
            if tail:
                parts = [tail["title"], tail["min"].rstrip(")")]
        durations = [i for i, p in enumerate(parts) if _minutes(p) is not None]
        if not durations:
            problems.append(
                f"Agenda line {number} (“{_short(line)}”): I could not find its minutes. Write one item per line "
                f"as main point - minutes - visual aid - discussion or activity, e.g. “{AGENDA_EXAMPLE}”."
            )
            continue
        minutes = _minutes(parts[durations[0]]) or 0
        rest = [p for i, p in enumerate(parts) if i != durations[0]]
        if not rest:
            problems.append(f"Agenda line {number}: the main point is missing, e.g. “{AGENDA_EXAMPLE}”.")
            continue
        if minutes <= 0 or minutes > 600:
            problems.append(f"Agenda line {number} (“{_short(line)}”): minutes must be 1 to 600, e.g. “20 min”.")
            continue
        title, others = rest[0], rest[1:]
        activity = next((o for o in others if any(w in o.lower() for w in _ACTIVITY_WORDS)), "")
        aids = [o for o in others if o != activity]
        items.append(AgendaItem(title[:300], minutes, ", ".join(aids)[:300], activity[:300]))
    return items, problems


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _clock(text: str) -> time | None:
    match = re.match(r"^\s*(\d{1,2})[:.h](\d{2})\s*$", text or "")
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return time(int(match[1]), int(match[2]))


def _count(  # noqa: PLR0913
    values: dict[str, Any], key: str, label: str, default: float, low: float, high: float, problems: list[str]
) -> float:
    raw = str(values.get(key) or "").strip().replace(",", ".")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{label}: “{_short(raw)}” is not a number; expected {low:g} to {high:g}, e.g. {default:g}.")
        return default
    if not low <= value <= high:
        problems.append(f"{label}: {value:g} is out of range; expected {low:g} to {high:g}, e.g. {default:g}.")
        return default
    return value


def parse_plan(values: dict[str, Any], participants: list[str], *, default_tz: str = "UTC") -> Plan:
    """The plan in the form's values; PlanProblem lists everything that stops it, all at once."""
    from bot.core.cards import users_value

    problems: list[str] = []
    title = str(values.get("title") or "").strip()
    if not title:
        problems.append("Title: give the workshop a name, e.g. “Q1 pipeline plan”.")
    tz = str(values.get("tz") or "").strip() or default_tz
    try:
        zone(tz)
    except ScheduleError:
        problems.append(f"Time zone: “{_short(tz)}” is not a time zone; use an IANA name, e.g. Europe/Berlin.")
        tz = "UTC"
    day = _day(str(values.get("day") or ""))
    if day is None:
        problems.append("Date: pick the workshop's day (YYYY-MM-DD), e.g. 2026-12-03.")
    start, end = _clock(str(values.get("start") or "")), _clock(str(values.get("end") or ""))
    if start is None:
        problems.append("Start: pick a start time (HH:MM), e.g. 14:00.")
    if end is None:
        problems.append("End: pick an end time (HH:MM), e.g. 16:00.")
    if start is not None and end is not None and end <= start:
        problems.append(f"End: {end:%H:%M} is not after the start {start:%H:%M}; e.g. start 14:00, end 16:00.")
    agenda, agenda_problems = parse_agenda(str(values.get("agenda") or ""))
    problems.extend(agenda_problems)
    survey = str(values.get("survey") or "anonymous").strip().lower()
    if survey not in SURVEY_MODES:
        problems.append(f"Survey: “{_short(survey)}” is not one of {', '.join(SURVEY_MODES)}.")
    delay_hours = _count(values, "delay", "Survey delay (hours after the end)", 1, 0, 72, problems)
    close_days = _count(values, "close_days", "Survey open for (days)", 3, 1, 30, problems)
    if problems:
        raise PlanProblem(problems)
    assert day is not None and start is not None and end is not None
    local = zone(tz)
    cards = tuple(c.strip() for c in str(values.get("cards") or "").splitlines() if c.strip())
    return Plan(
        title=title[:150],
        goal=str(values.get("goal") or "").strip(),
        scope=str(values.get("scope") or "").strip(),
        start=datetime.combine(day, start, local),
        end=datetime.combine(day, end, local),
        timezone=tz,
        location=str(values.get("location") or "").strip(),
        participants=tuple(users_value(participants)),
        preparation=str(values.get("preparation") or "").strip(),
        agenda=tuple(agenda),
        cards=cards[:10],
        survey=survey,
        delay_minutes=int(round(delay_hours * 60)),
        close_days=int(close_days),
    )


def working_days_between(sent: date, day: date) -> int:
    """Whole working days (Monday to Friday) strictly after `sent` and before `day`: the time people have to
    prepare. Sent Thursday for Monday: 1 (Friday)."""
    count, current = 0, sent + timedelta(days=1)
    while current < day:
        if current.weekday() < 5:
            count += 1
        current += timedelta(days=1)
    return count


def measurable(goal: str) -> bool:
    """Whether a goal names an outcome one can check: a number, a percentage, a date, or a measurable verb."""
    low = goal.lower()
    if re.search(r"\d", low) or _DATE_WORDS.search(low):
        return True
    words = set(re.findall(r"[a-z]+", low))
    return any(verb in words or f"{verb}s" in words or f"{verb}d" in words for verb in _MEASURABLE_VERBS)


def check_plan(plan: Plan, now: datetime) -> list[Finding]:
    """What the plan misses or risks against the checklist (empty: nothing to say). Never blocks sending."""
    findings: list[Finding] = []
    if not plan.goal:
        findings.append(Finding("no_goal", "No goal: a workshop without a clear goal is a coffee break. Add one."))
    elif not measurable(plan.goal):
        findings.append(
            Finding(
                "goal_not_measurable",
                "The goal has no measurable outcome (a number, a %, a date, or a verb such as decide or reach), "
                "e.g. “Agree on 3 actions that lift win rate to 30% by March”.",
            )
        )
    total = sum(item.minutes for item in plan.agenda)
    if plan.agenda and total > plan.slot_minutes:
        findings.append(
            Finding(
                "agenda_too_long",
                f"The agenda needs {total} min but the slot is {plan.slot_minutes} min: cut "
                f"{total - plan.slot_minutes} min or extend the end time.",
            )
        )
    if plan.preparation:
        notice = working_days_between(now.astimezone(plan.start.tzinfo).date(), plan.start.date())
        if notice < MIN_NOTICE_DAYS:
            findings.append(
                Finding(
                    "short_notice",
                    f"Preparation is asked with {notice} working day{'s' if notice != 1 else ''} of notice (weekends "
                    f"do not count): people need at least {MIN_NOTICE_DAYS} to prepare. Move the date or drop it.",
                )
            )
    people = len(plan.participants)
    if people < MIN_PEOPLE:
        findings.append(
            Finding(
                "too_few_people", f"{people} participant{'s' if people != 1 else ''}: invite at least {MIN_PEOPLE}."
            )
        )
    elif people > MAX_PEOPLE:
        findings.append(
            Finding("too_many_people", f"{people} participants: more than {MAX_PEOPLE} rarely work together; split.")
        )
    if plan.survey == "none":
        findings.append(
            Finding("no_survey", "No follow-up questionnaire: you will not learn whether the goal was reached.")
        )
    return findings
