"""`/scenario workshop`: plan a workshop, check it against the checklist, send it, and follow up with a survey.

Owns the command and the buttons and forms of the workshop cards:
- `workshop` opens the plan form (on Slack in the slash command's own request: its trigger_id lives 3 s);
  submitted, the plan is read (bad input: every problem with its field and an example, nothing saved), saved as a
  draft and checked: the organiser sees what is missing or risky with Send anyway / Edit / Edit survey questions;
- Send (organiser only, once) queues the `workshop.send` job (bot.core.workshops.jobs);
- Attend / Can't attend in the invitation record the reply with the person's time zone, update the channel's card
  in place and queue the reminder the day before;
- Answer opens the questionnaire (prefilled with earlier answers, editable until the survey closes);
- `workshop results` shows the channel's latest workshop's results, `workshop export` its answers as CSV,
  `workshop decisions 3, 5` (decision log numbers) or `workshop decisions: text; text` DMs the decisions.
"""

from __future__ import annotations

import difflib
import logging
from datetime import UTC
from typing import Any

from bot.core.cards import users_value
from bot.core.events import ActionInvoked, FormSubmitted, Place
from bot.core.formatting import message_text, user
from bot.core.nudges.feature import person_timezone
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.workshops import decisions as decision_log
from bot.core.workshops import jobs
from bot.core.workshops.cards import ANSWER, ATTEND, EDIT, QUESTIONS, SEND, check_card, workshop_card
from bot.core.workshops.export import answers_csv
from bot.core.workshops.forms import PLAN_FORM, plan_form, questions_form
from bot.core.workshops.plan import PlanProblem, check_plan, parse_plan
from bot.core.workshops.survey import (
    ANSWER_FORM,
    QUESTIONS_FORM,
    answer_form,
    default_questions,
    parse_questions,
    questions_text,
    read_answers,
)
from storage import NotFound
from storage.records import Workshop, WorkshopQuestion

__all__ = ["register", "opens_form", "USAGE"]

log = logging.getLogger(__name__)
USAGE = (
    "“/scenario workshop” plans a workshop (a form), “/scenario workshop results” shows the latest survey's "
    "results, “/scenario workshop export” its answers as CSV, “/scenario workshop decisions 3, 5” sends decisions "
    "from the decision log to every participant."
)
_SUBCOMMANDS = ("new", "results", "export", "decisions", "help")
MAX_CSV_CHARS = 3500


def _sub(text: str) -> tuple[str, str]:
    words = text.split(maxsplit=2)[1:]
    if not words:
        return "new", ""
    word = words[0].lower().rstrip(":")
    rest = text.split(maxsplit=1)[1][len(words[0]) :].strip() if len(words) else ""
    if word in ("plan", "create", "start", "schedule"):
        return "new", rest
    close = difflib.get_close_matches(word, _SUBCOMMANDS, n=1, cutoff=0.75)
    if close:
        return close[0], rest
    # anything else is the new workshop's title ("/scenario workshop Q1 pipeline plan"): the form opens with it
    return "new", text.split(maxsplit=1)[1].strip()


def opens_form(text: str) -> bool:
    """Whether `workshop ...` opens the plan form (Slack must run it in the request, while the trigger lives)."""
    return _sub(text)[0] == "new"


async def _say(turn: Turn, text: str) -> None:
    await turn.reply(message_text(turn.place.platform, text), thread_id=turn.answer_thread())


async def _workshop(turn: Turn, workshop_id: object, *, participants: bool = True) -> Workshop | None:
    if not isinstance(workshop_id, int):
        return None
    return await turn.storage.workshops.get(turn.workspace_id, workshop_id, participants=participants)


async def on_workshop(turn: Turn) -> None:
    sub, rest = _sub(turn.text)
    if sub == "new":
        if turn.place.platform == "slack" and getattr(turn.event, "via", "") in ("mention", "dm"):
            # a Slack modal opens only from an interaction (slash command, button): a message has no trigger_id
            await _say(turn, "Type “/scenario workshop” to open the workshop form (a mention cannot open forms).")
            return
        form = plan_form({"title": rest[:150]} if rest else None, tz=turn.event.actor.timezone)
        await turn.outbox.open_form(turn.place, form, getattr(turn.event, "trigger", None))
        return
    if sub == "help":
        await _say(turn, USAGE)
        return
    w = await turn.storage.workshops.latest(turn.workspace_id, turn.place.channel_id)
    if w is None:
        await _say(turn, "No workshop was sent from this channel yet. “/scenario workshop” plans one.")
    elif sub == "results":
        final = w.status == "closed"
        await turn.reply(await jobs.build_results(turn.storage, turn.run, turn.services.charts, w, final=final))
    elif sub == "export":
        await _export(turn, w)
    else:
        await decision_log.on_decisions(turn, w, rest)


async def _export(turn: Turn, w: Workshop) -> None:
    if not w.anonymous and turn.event.actor.user_id != w.organiser_id:
        await _say(turn, "The answers of a named survey are for its organiser only.")
        return
    answers = await turn.storage.workshops.answers(turn.workspace_id, w.id)
    if w.anonymous and len(answers) < 3:
        await _say(turn, f"Too few answers to export ({len(answers)}): an anonymous survey needs at least 3.")
        return
    text = answers_csv(w, answers)
    if len(text) > MAX_CSV_CHARS:
        await _say(
            turn,
            f"The CSV is {len(text)} characters, too long for a message: run “python -m bot workshop export "
            f"--platform {turn.place.platform} --workspace {turn.place.workspace_id} --workshop {w.id}”.",
        )
        return
    await _say(turn, f"Survey answers of {user(w.title)} as CSV:\n{user(text)}")


def _question(q: WorkshopQuestion) -> dict[str, Any]:
    return {"kind": q.kind, "text": q.text, "options": list(q.options), "driver": q.driver}


async def on_plan_form(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, FormSubmitted)
    values = dict(event.values)
    people = users_value(values.get("who"))
    values["who"] = people
    tz = (values.get("tz") or "").strip() or await person_timezone(turn) or "UTC"
    try:
        plan = parse_plan(values, people, default_tz=tz)
    except PlanProblem as problem:
        lines = "\n".join(f"- {user(p)}" for p in problem.problems)
        await _say(
            turn, f"I could not read the workshop plan; nothing was saved:\n{lines}\nRun “/scenario workshop” again."
        )
        return
    previous = await _workshop(turn, event.metadata.get("w"))
    if previous is not None and (previous.status != "draft" or previous.organiser_id != event.actor.user_id):
        previous = None  # an Edit of a plan already sent, or someone else's: a new draft
    if plan.survey == "none":
        questions = []
    elif previous is not None and previous.questions:
        questions = [_question(q) for q in previous.questions]
    else:
        questions = default_questions(plan.goal)
    agenda = [
        {"title": a.title, "minutes": a.minutes, "visual_aid": a.visual_aid, "activity": a.activity}
        for a in plan.agenda
    ]
    saved = {
        "title": plan.title, "goal": plan.goal, "scope": plan.scope, "location": plan.location,
        "preparation": plan.preparation, "cards": list(plan.cards), "timezone": plan.timezone,
        "start_at": plan.start.astimezone(UTC), "end_at": plan.end.astimezone(UTC),
        "survey_delay_minutes": plan.delay_minutes, "survey_days": plan.close_days, "anonymous": plan.survey != "named",
    }  # fmt: skip
    workshop_id = await turn.storage.workshops.save_draft(
        turn.workspace_id, platform=turn.place.platform, channel_id=turn.place.channel_id,
        organiser_id=event.actor.user_id, plan=saved, agenda=agenda, questions=questions, participants=people,
        form={**values, "tz": plan.timezone}, now=turn.now(), workshop_id=previous.id if previous else None,
    )  # fmt: skip
    w = await turn.storage.workshops.get(turn.workspace_id, workshop_id)
    await turn.reply(check_card(w, check_plan(plan, turn.now())), thread_id=turn.answer_thread())


async def _organiser_only(turn: Turn, w: Workshop | None) -> bool:
    if w is None:
        await turn.outbox.notify(turn.place, "That workshop no longer exists.", user_id=turn.event.actor.user_id)
        return False
    if w.organiser_id != turn.event.actor.user_id:
        await turn.outbox.notify(
            turn.place, "Only the workshop's organiser can do that.", user_id=turn.event.actor.user_id
        )
        return False
    return True


async def on_send(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, ActionInvoked)
    w = await _workshop(turn, event.value.get("w"))
    if not await _organiser_only(turn, w) or w is None:
        return
    first = await turn.storage.workshops.mark_sent(turn.workspace_id, w.id, now=turn.now())
    payload = jobs.job_payload(turn.place.platform, turn.place.workspace_id, turn.workspace_id, w.id)
    # queued even when this press lost the race: the key makes it once, and a retried click job still queues it
    await turn.later(jobs.SEND_JOB, f"workshop:{w.id}:send", payload, at=turn.now())
    if first:
        await _say(turn, f"Sending the invitations to {len(w.participants)} people; the workshop card follows here.")
    elif w.status != "draft":
        await turn.outbox.notify(turn.place, "This workshop was already sent.", user_id=event.actor.user_id)


async def on_edit(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, ActionInvoked)
    w = await _workshop(turn, event.value.get("w"))
    if not await _organiser_only(turn, w) or w is None:
        return
    if w.status != "draft":
        await turn.outbox.notify(turn.place, "This workshop was already sent.", user_id=event.actor.user_id)
        return
    await turn.outbox.open_form(turn.place, plan_form(w.form, workshop_id=w.id), event.trigger)


async def on_questions_button(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, ActionInvoked)
    w = await _workshop(turn, event.value.get("w"))
    if not await _organiser_only(turn, w) or w is None:
        return
    text = questions_text(list(w.questions) or default_questions(w.goal))
    await turn.outbox.open_form(turn.place, questions_form(w.id, text), event.trigger)


async def on_questions_form(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, FormSubmitted)
    w = await _workshop(turn, event.metadata.get("w"))
    if w is None or w.organiser_id != event.actor.user_id:
        await _say(turn, "Only the workshop's organiser can change its questions.")
        return
    if turn.now() >= w.start_at:
        await _say(turn, "The workshop has begun: its survey questions can no longer change.")
        return
    questions, problems = parse_questions(str(event.values.get("questions") or ""))
    if problems:
        lines = "\n".join(f"- {user(p)}" for p in problems)
        await _say(turn, f"The questions were not changed:\n{lines}")
        return
    if not await turn.storage.workshops.replace_questions(turn.workspace_id, w.id, questions):
        await _say(turn, "The survey was already sent: its questions can no longer change.")
        return
    await _say(turn, f"Survey questions saved for {user(w.title)}: {len(questions)} questions.")


async def on_attend(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, ActionInvoked)
    w = await _workshop(turn, event.value.get("w"))
    if w is None or w.status == "draft":
        return
    attending = bool(event.value.get("a"))
    tz = await person_timezone(turn)
    now = turn.now()
    me = event.actor.user_id
    if not await turn.storage.workshops.reply(turn.workspace_id, w.id, me, attending=attending, timezone=tz, now=now):
        await _say(turn, "You are not on this workshop's list; ask its organiser to add you.")
        return
    w = await turn.storage.workshops.get(turn.workspace_id, w.id)
    if w is None:
        return
    if w.card_message_id:
        channel = Place(turn.place.platform, turn.place.workspace_id, w.channel_id)
        await turn.outbox.update(channel, w.card_message_id, workshop_card(w))
    if not attending:
        await _say(turn, f"Noted: you can't attend {user(w.title)}. Changed your mind? Press Attend.")
        return
    person = next(p for p in w.participants if p.user_id == me)
    due = jobs.reminder_due(w.start_at, person.timezone or w.timezone, now)
    if due is not None:
        payload = jobs.job_payload(turn.place.platform, turn.place.workspace_id, turn.workspace_id, w.id, user=me)
        await turn.later(jobs.REMINDER_JOB, f"workshop:{w.id}:reminder:{me}", payload, at=due)
    await _say(turn, f"Thanks: you attend {user(w.title)}. I will remind you the day before.")


async def on_answer_button(turn: Turn) -> None:
    """Opens the questionnaire: a few fast reads (Slack's trigger_id lives 3 s), prefilled with earlier answers."""
    event = turn.event
    assert isinstance(event, ActionInvoked)
    w = await _workshop(turn, event.value.get("w"), participants=False)
    if w is None:
        return
    if w.status == "closed" or (w.closes_at is not None and turn.now() >= w.closes_at):
        await turn.outbox.notify(turn.place, "This survey has closed.", user_id=event.actor.user_id)
        return
    mine = await turn.storage.workshops.answer_of(turn.workspace_id, w.id, event.actor.user_id)
    form = answer_form(w.id, w.title, list(w.questions), mine.answers if mine else None)
    await turn.outbox.open_form(turn.place, form, event.trigger)


async def on_answer_form(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, FormSubmitted)
    w = await _workshop(turn, event.metadata.get("w"), participants=False)
    if w is None:
        return
    answers, problems = read_answers(list(w.questions), event.values)
    if problems:
        lines = "\n".join(f"- {user(p)}" for p in problems)
        await _say(turn, f"Your answers were not saved:\n{lines}\nPress Answer again to fix them.")
        return
    try:
        outcome = await turn.storage.workshops.save_answer(
            turn.workspace_id, w.id, event.actor.user_id, answers, now=turn.now()
        )
    except NotFound:
        return
    if outcome == "closed":
        await _say(turn, "This survey has closed: your answers were not saved.")
    elif outcome == "not_invited":
        await _say(turn, "This survey is for the workshop's participants only.")
    else:
        verb = "saved" if outcome == "new" else "updated"
        await _say(turn, f"Thanks, your answers are {verb}. You can change them until the survey closes.")


def register(router: Router) -> None:
    for word in ("workshop", "workshops"):
        router.command(word, on_workshop, opens_form=opens_form)
    router.form(PLAN_FORM, on_plan_form)
    router.form(QUESTIONS_FORM, on_questions_form)
    router.form(ANSWER_FORM, on_answer_form)
    router.action(SEND, on_send)
    router.action(EDIT, on_edit, opens_form=True)
    router.action(QUESTIONS, on_questions_button, opens_form=True)
    router.action(ANSWER, on_answer_button, opens_form=True)
    router.action(ATTEND, on_attend)
