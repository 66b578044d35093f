"""The workshop's cards: the plan check, the channel's workshop card, the invitation, reminders, the survey DM,
the results and the decisions. People's text (title, goal, agenda, answers) is always wrapped in `user(...)`.

Owns the action ids of the workshop buttons and what each card says; no storage, no platform.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.core.cards import Button, Card, Chart, Divider, Fact, Facts, Text
from bot.core.formatting import pct, user
from bot.core.jobs import zone
from bot.core.workshops.plan import Finding
from bot.core.workshops.results import Summary

__all__ = [
    "SEND",
    "EDIT",
    "QUESTIONS",
    "ATTEND",
    "ANSWER",
    "who",
    "when_text",
    "check_card",
    "workshop_card",
    "invitation_card",
    "reminder_card",
    "survey_card",
    "survey_reminder_card",
    "results_card",
    "decisions_card",
]

SEND = "card.workshop.send"
EDIT = "card.workshop.edit"
QUESTIONS = "card.workshop.questions"
ATTEND = "card.workshop.attend"
ANSWER = "card.workshop.answer"
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
MAX_LISTED = 40
DRIVER_WORDS = {
    "new_opps_per_rep_week": "new opportunities per rep per week",
    "win_rate": "win rate",
    "deal_size": "average deal size",
    "cycle_weeks": "weeks of sales cycle",
    "reps": "reps",
}


def who(platform: str, user_id: str) -> str:
    """A person on a card: a Slack mention (the bot's own markup, for a well-formed id only), else their id as text."""
    if platform == "slack" and _SLACK_ID.match(user_id):
        return f"<@{user_id}>"
    return user(user_id)


def _people(platform: str, ids: list[str]) -> str:
    shown = ", ".join(who(platform, u) for u in ids[:MAX_LISTED])
    return shown + (f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else "")


def when_text(start: datetime, end: datetime, tz: str) -> str:
    s, e = start.astimezone(zone(tz)), end.astimezone(zone(tz))
    return f"{s:%a} {s:%b} {s.day}, {s:%H:%M}–{e:%H:%M} {tz}"


def _agenda(w: Any) -> str:
    lines = []
    for item in w.agenda:
        extra = " · ".join(user(x) for x in (item.visual_aid, item.activity) if x)
        lines.append(f"- {user(item.title)} ({item.minutes} min)" + (f" · {extra}" if extra else ""))
    total = sum(item.minutes for item in w.agenda)
    return ("*Agenda* (" + f"{total} min)\n" + "\n".join(lines)) if lines else ""


def _plan_blocks(w: Any) -> list[Any]:
    facts = [Fact("When", when_text(w.start_at, w.end_at, w.timezone))]
    if w.location:
        facts.append(Fact("Where", user(w.location)))
    if w.goal:
        facts.append(Fact("Goal", user(w.goal[:900])))
    if w.scope:
        facts.append(Fact("Scope", user(w.scope[:900])))
    if w.preparation:
        facts.append(Fact("Prepare", user(w.preparation[:900])))
    blocks: list[Any] = [Facts(tuple(facts))]
    agenda = _agenda(w)
    if agenda:
        blocks.append(Text(agenda[:2900]))
    if w.cards:
        blocks.append(Text("*Scenario cards to bring*\n" + "\n".join(f"- {user(c[:300])}" for c in w.cards)))
    return blocks


def _survey_note(w: Any) -> str:
    if not w.questions:
        return "No follow-up survey is planned."
    if w.anonymous:
        return (
            f"After the workshop you get a short survey ({len(w.questions)} questions). It is anonymous: results are "
            "shown only as totals, once at least 3 people answered, and never with names."
        )
    return (
        f"After the workshop you get a short survey ({len(w.questions)} questions). It is named: the organiser sees "
        "who answered what."
    )


def check_card(w: Any, findings: list[Finding]) -> Card:
    """What the plan misses or risks, with Send anyway / Edit (never blocks)."""
    if findings:
        head = "*Before you send it*, the checklist found:\n" + "\n".join(f"- {f.text}" for f in findings)
    else:
        head = "The plan covers the checklist: goal, timing, preparation notice, people and follow-up."
    people = f"{len(w.participants)} participant{'s' if len(w.participants) != 1 else ''}"
    blocks = [Text(head), Divider(), *_plan_blocks(w), Text(f"{people}. {_survey_note(w)}")]
    buttons = (
        Button("Send anyway" if findings else "Send invitations", SEND, {"w": w.id}, "primary"),
        Button("Edit", EDIT, {"w": w.id}),
        Button("Edit survey questions", QUESTIONS, {"w": w.id}),
    )
    return Card(f"Workshop plan: {w.title}", tuple(blocks), buttons, kind="workshop")


def workshop_card(w: Any) -> Card:
    """The channel's card: the plan and everyone's reply, updated in place as people answer the invitation."""
    by: dict[str, list[str]] = {"attending": [], "declined": [], "invited": []}
    for p in w.participants:
        by.setdefault(p.status, []).append(p.user_id)
    lines = [
        f"*Attending ({len(by['attending'])})*: {_people(w.platform, by['attending']) or '-'}",
        f"*Can't attend ({len(by['declined'])})*: {_people(w.platform, by['declined']) or '-'}",
        f"*No reply yet ({len(by['invited'])})*: {_people(w.platform, by['invited']) or '-'}",
    ]
    blocks = [Text(f"Organised by {who(w.platform, w.organiser_id)}."), *_plan_blocks(w), Text("\n".join(lines))]
    buttons = (Button("Edit survey questions", QUESTIONS, {"w": w.id}),) if w.survey_sent_at is None else ()
    return Card(f"Workshop: {w.title}", tuple(blocks), buttons, footer=_survey_note(w)[:200], kind="workshop")


def invitation_card(w: Any) -> Card:
    blocks = [
        Text(f"{who(w.platform, w.organiser_id)} invites you to a workshop."),
        *_plan_blocks(w),
        Text(_survey_note(w)),
    ]
    buttons = (
        Button("Attend", ATTEND, {"w": w.id, "a": 1}, "primary"),
        Button("Can't attend", ATTEND, {"w": w.id, "a": 0}),
    )
    return Card(f"Invitation: {w.title}", tuple(blocks), buttons, kind="workshop")


def reminder_card(w: Any, tz: str) -> Card:
    blocks = [Text(f"Tomorrow: {when_text(w.start_at, w.end_at, tz)}."), *_plan_blocks(w)]
    return Card(f"Reminder: {w.title}", tuple(blocks), kind="workshop")


def _closes(w: Any, closes_at: datetime, tz: str) -> str:
    local = closes_at.astimezone(zone(tz))
    return f"{local:%a} {local:%b} {local.day}, {local:%H:%M} {tz}"


def survey_card(w: Any, closes_at: datetime, tz: str) -> Card:
    how = (
        "anonymous: only totals are shown, from 3 answers" if w.anonymous else "named: the organiser sees your answers"
    )
    text = (
        f"How did the workshop go? {len(w.questions)} short questions ({how}). You can change your answers until "
        f"{_closes(w, closes_at, tz)}."
    )
    return Card(
        f"Survey: {w.title}", (Text(text),), (Button("Answer", ANSWER, {"w": w.id}, "primary"),), kind="workshop"
    )


def survey_reminder_card(w: Any, closes_at: datetime, tz: str) -> Card:
    text = f"A reminder: the survey about this workshop closes {_closes(w, closes_at, tz)}. It takes two minutes."
    return Card(
        f"Survey: {w.title}", (Text(text),), (Button("Answer", ANSWER, {"w": w.id}, "primary"),), kind="workshop"
    )


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def results_card(w: Any, summary: Summary, computed: dict[str, Any], *, final: bool) -> Card:
    """Response rate, each rating's distribution (with the chart), choices, free texts without names (anonymous),
    and the number question's median and range run through the engine."""
    state = "Final results" if final else "Results so far"
    rate = summary.answered / summary.invited if summary.invited else 0.0
    blocks: list[Any] = [Text(f"{state}: {summary.answered} of {summary.invited} answered ({pct(rate)}).")]
    if not summary.shown:
        blocks.append(
            Text("Too few answers to show: results appear from 3 answers, so that no one's answers can be told apart.")
        )
        return Card(f"Survey results: {w.title}", tuple(blocks), kind="workshop")
    if summary.ratings:
        facts = []
        for question, counts in summary.ratings:
            n = sum(counts.values())
            mean = sum(k * v for k, v in counts.items()) / n if n else 0.0
            spread = "  ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
            facts.append(Fact(user(question[:200]), f"average {mean:.1f} ({spread})"))
        blocks.append(Facts(tuple(facts[:10])))
    for question, chosen in summary.choices:
        blocks.append(Text(f"*{user(question[:200])}*\n" + "\n".join(f"- {user(o)}: {n}" for o, n in chosen.items())))
    for question, texts in summary.texts:
        if texts:
            body = "\n".join(
                f"- {who(w.platform, by) + ': ' if by else ''}{user(t[:300])}" for by, t in texts[:MAX_LISTED]
            )
            blocks.append(Text(f"*{user(question[:200])}*\n{body}"[:2900]))
    scenarios = {s["driver"]: s for s in computed.get("scenarios", [])}
    for number in summary.numbers:
        line = (
            f"*{user(number.question[:200])}*\nTeam's estimate: median {_number(number.median)} (range "
            f"{_number(number.low)} to {_number(number.high)}, {number.count} answers)."
        )
        found = scenarios.get(number.driver or "")
        if found is not None:
            words = DRIVER_WORDS.get(found["driver"], found["driver"])
            unit = "%" if found["driver"] == "win_rate" and number.median > 1 else ""
            line += (
                f"\nIf the team's own estimate of {_number(number.median)}{unit} {words} holds, P(reach target) is "
                f"{pct(found['p_hit'])}"
                + (f" (today's baseline: {pct(computed['p_base'])})." if computed.get("p_base") is not None else ".")
            )
        elif number.driver:
            line += "\nNo baseline in this channel yet, so I cannot say what it means for the target."
        blocks.append(Text(line))
    if computed.get("chart"):
        alt = "; ".join(
            f"{q[:80]}: " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items())) for q, c in summary.ratings
        )
        blocks.append(Chart(computed["chart"], f"Ratings: {alt}", name=f"workshop-{w.id}-ratings.png"))
    return Card(f"Survey results: {w.title}", tuple(blocks[:40]), kind="workshop")


def decisions_card(w: Any, decisions: list[tuple[int, str]]) -> Card:
    lines = "\n".join(f"- #{n}: {user(text[:400])}" for n, text in decisions)
    return Card(
        f"Decisions: {w.title}",
        (Text(f"The decisions reached in the workshop, from {who(w.platform, w.organiser_id)}:\n{lines}"[:2900]),),
        kind="workshop",
    )
