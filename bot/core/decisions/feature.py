"""Deciding on a scenario card, announcing the decision, and the channel's decision log.

Owns:
- the scenario card's Decide button (request path: a few reads, then the form; anyone but the asker or a manager
  gets a notice saying who can decide and how to get the role) and its form (decision, text, owner, due date);
- the form's submission: checked again (who, which card in which workspace, every field: bad input gets one
  message naming each problem, and nothing is stored), stored once per delivery, posted to the channel as the
  decision card (linked to the scenario where the platform gives links; elsewhere a note in the scenario's thread),
  and DMed once to every participant of the card (`participants`), never to the decider; every send is keyed, so
  a re-run of the job repeats nothing;
- Mark done (the owner or a manager), `decisions` (the list, newest first; `decisions open`) and `decisions
  export` (a CSV file: Slack uploads it, the console writes it, Teams gets it as text);
- `role` / `roles` (bot.core.decisions.roles) and the adoption of a scenario as the baseline
  (bot.core.decisions.adopt).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.core.cards import Card, Text, users_value
from bot.core.decisions import adopt, roles
from bot.core.decisions.cards import (
    DECIDE_FORM,
    DONE_ACTION,
    FIELD_DUE,
    FIELD_KIND,
    FIELD_OWNER,
    FIELD_TEXT,
    KINDS,
    decide_form,
    decision_dm_card,
    decisions_list_card,
    due_label,
    figures_text,
)
from bot.core.decisions.export import export_rows, file_name
from bot.core.decisions.participants import participants
from bot.core.decisions.views import (
    acted_on,
    channel_place,
    name_of,
    notice,
    permalink,
    refresh_card,
    render_decision,
    scenario_of,
)
from bot.core.events import ActionInvoked, FormSubmitted
from bot.core.formatting import message_text, user
from bot.core.router import Router
from bot.core.scenarios.cards import DECIDE_ACTION
from bot.core.turn import Turn

__all__ = ["register", "validate", "DECISIONS_USAGE"]

DECISIONS_USAGE = (
    "“/scenario decisions” lists this channel's decisions (newest first), “/scenario decisions open” the open ones, "
    "“/scenario decisions export” gives them as a CSV file."
)
DUE_EXAMPLE = "e.g. 2026-12-15"
MAX_TEXT = 1000  # the form's limit (Slack enforces it; a Teams input card does not)
MAX_TEXT_EXPORT_BLOCKS = 8  # a Teams message holds about 28 KB: the rest is the operator CLI's


def validate(values: dict[str, Any], today: date) -> tuple[dict[str, Any], list[str]]:
    """The form's values read and checked: (kind, text, owner, due), and the problems, each naming its field."""
    problems: list[str] = []
    kind = str(values.get(FIELD_KIND) or "").strip()
    if kind not in KINDS:
        problems.append("Decision: choose “Adopt this scenario”, “Keep the plan” or “Other”")
    text = " ".join(str(values.get(FIELD_TEXT) or "").split())
    if not text:
        problems.append("What was decided: it is empty; write the decision, e.g. “We hire 2 reps in January”")
    elif len(text) > MAX_TEXT:
        problems.append(f"What was decided: at most {MAX_TEXT:,} characters (got {len(text):,}); say it shorter")
    owners = users_value(values.get(FIELD_OWNER))
    if len(owners) != 1:
        problems.append(f"Owner: pick exactly one person (got {len(owners)})")
    raw_due = str(values.get(FIELD_DUE) or "").strip()
    due: date | None = None
    try:
        due = date.fromisoformat(raw_due) if raw_due else None
    except ValueError:
        problems.append(f"Due date: “{user(raw_due)}” is not a date; pick one in the calendar, {DUE_EXAMPLE}")
    else:
        if due is None:
            problems.append(f"Due date: it is empty; pick a day, {DUE_EXAMPLE}")
        elif due < today:
            problems.append(f"Due date: {due_label(due)} is in the past; pick today ({due_label(today)}) or later")
    return {"kind": kind, "text": text, "owner": owners[0] if owners else "", "due": due}, problems


def _today(turn: Turn) -> date:
    return turn.services.today or turn.now().date()


async def on_decide_button(turn: Turn) -> None:
    """Decide on a scenario card: the form, for the asker or a manager (runs in the request path)."""
    event = turn.event
    assert isinstance(event, ActionInvoked)
    card = None
    if event.message_id:
        card = await turn.storage.messages.find(turn.workspace_id, turn.place.channel_id, event.message_id)
    if card is None or card.kind != "scenario":
        await notice(turn, "That card is not a scenario card I know in this workspace, so no decision can be recorded.")
        return
    question, scenario = await scenario_of(turn, card)
    if not await roles.may_decide(turn, scenario, event.actor.user_id, card.channel_id):
        await notice(turn, roles.not_allowed_text("record a decision on this scenario"))
        return
    await turn.outbox.open_form(turn.place, decide_form(card.id, question), event.trigger)


async def on_decide_form(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, FormSubmitted)
    raw_id = event.metadata.get("sent_message_id")
    card = await turn.storage.messages.get(turn.workspace_id, raw_id) if isinstance(raw_id, int) else None
    if card is None or card.kind != "scenario":
        # a form of another workspace (a forged id) or a card that is gone: nothing is recorded
        await notice(turn, "That scenario card is not known in this workspace, so the decision was not recorded.")
        return
    question, scenario = await scenario_of(turn, card)
    actor = event.actor.user_id
    if not await roles.may_decide(turn, scenario, actor, card.channel_id):
        await notice(turn, roles.not_allowed_text("record a decision on this scenario") + " Nothing was recorded.")
        return
    fields, problems = validate(event.values, _today(turn))
    if problems:
        await notice(turn, "The decision was not recorded: " + "; ".join(problems) + ". Press Decide to try again.")
        return
    decision, _ = await turn.storage.decisions.create(
        turn.workspace_id,
        card.channel_id,
        key=f"form:{event.delivery_id}" if event.delivery_id else None,
        sent_message_id=card.id,
        scenario_id=card.scenario_id,
        decided_by=actor,
        kind=fields["kind"],
        text=fields["text"],
        owner_id=fields["owner"],
        due_date=fields["due"],
    )
    # a re-run of this delivery finds the same decision and repeats each send under its key: nothing twice
    channel = channel_place(turn, card.channel_id)
    posted = await turn.outbox.send(channel, await render_decision(turn, decision))
    if posted is not None:
        await turn.storage.decisions.set_card(turn.workspace_id, decision.id, posted.message_id)
    decision_link = await permalink(turn, channel, posted.message_id) if posted else None
    if decision_link is None:
        # no link between messages here (Teams, console): the scenario's thread says where the decision is
        note = f"Decision recorded: {user(decision.text)} (the decision card is posted in the channel)."
        await turn.outbox.send(
            channel, message_text(channel.platform, note), thread_id=card.thread_id or card.message_id
        )
    dm = decision_dm_card(
        decision,
        question=question,
        figures=figures_text(scenario.summary) if scenario is not None else None,
        decider=await name_of(turn, actor),
        owner=await name_of(turn, decision.owner_id),
        decision_link=decision_link,
    )
    people = [p for p in await participants(turn.storage, turn.workspace_id, card.id) if p != actor]
    told = 0
    for person in people:  # the decider knows; the bot's own likes and replies never reach storage
        if await turn.dm(person, dm, key=f"dm:decision:{decision.id}:{person}") is not None:
            told += 1
    if not people:
        who = "nobody else took part (no likes or comments), so no DMs went out"
    elif told == len(people):
        who = f"I told the {told} {'person' if told == 1 else 'people'} who took part by DM"
    else:
        who = f"I told {told} of the {len(people)} people who took part by DM (the others cannot get a DM from me)"
    await notice(turn, f"Decision #{decision.id} recorded in the channel; {who}.")


async def on_done(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, ActionInvoked)
    decision = await acted_on(turn)
    if decision is None:
        return
    if not await roles.may_mark_done(turn, decision, event.actor.user_id):
        await notice(
            turn,
            f"Only the owner of decision #{decision.id} ({user(await name_of(turn, decision.owner_id))}) or someone "
            "with the manager role can mark it done. A workspace admin gives the role with “/scenario role @you "
            "manager”.",
        )
        return
    done, changed = await turn.storage.decisions.mark_done(
        turn.workspace_id, decision.id, by=event.actor.user_id, now=turn.now()
    )
    if done is None or not changed:
        await notice(turn, f"Decision #{decision.id} was already done.")
        return
    await refresh_card(turn, done)
    who = await name_of(turn, event.actor.user_id)
    text = f"Decision #{done.id} marked done by {user(who)}: {user(done.text)}"
    await turn.outbox.send(
        channel_place(turn, done.channel_id),
        message_text(turn.place.platform, text),
        thread_id=done.card_message_id,
    )


async def _list(turn: Turn, only_open: bool) -> None:
    decisions = await turn.storage.decisions.list(turn.workspace_id, turn.place.channel_id)
    if only_open:
        decisions = [d for d in decisions if d.status == "open"]
    questions: dict[int, str] = {}
    names: dict[str, str] = {}
    for d in decisions[:20]:
        questions[d.id] = (await scenario_of(turn, d))[0]
        if d.owner_id not in names:
            names[d.owner_id] = await name_of(turn, d.owner_id)
    await turn.reply(decisions_list_card(decisions, questions, names, only_open), thread_id=turn.answer_thread())


async def _export(turn: Turn) -> None:
    data = await export_rows(turn.storage, turn.workspace_id, turn.place.channel_id)
    name = file_name(turn.place.channel_id)
    send_file = getattr(turn.outbox, "send_file", None)
    title = "Decision log of this channel (CSV)"
    if send_file is not None and await send_file(turn.place, name, data, title=title, thread_id=turn.answer_thread()):
        return
    # no file sharing for this bot here (Teams): the CSV as text, shown literally
    chunks: list[str] = []
    for line in data.decode("utf-8-sig").splitlines():
        if chunks and len(chunks[-1]) + len(line) + 1 <= 2800:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line[:2800])
    body = [Text(user(chunk)) for chunk in chunks[:MAX_TEXT_EXPORT_BLOCKS]]
    if len(chunks) > MAX_TEXT_EXPORT_BLOCKS:
        body.append(Text("The log goes on: an operator gets it all with “python -m bot decisions export”."))
    await turn.reply(Card(title=name, blocks=tuple(body), kind="info"), thread_id=turn.answer_thread())


async def on_decisions(turn: Turn) -> None:
    words = [w.lower().strip(".!?") for w in turn.text.split()[1:]]
    if not words or words[0] in ("list", "show", "all", "log"):
        await _list(turn, only_open=False)
    elif words[0] in ("open", "pending", "todo"):
        await _list(turn, only_open=True)
    elif words[0] in ("export", "csv", "download", "exprot", "expot", "file"):
        await _export(turn)
    else:
        shown = " ".join(turn.text.split()[1:])
        text = f"I do not know “{user(shown)}” for decisions. {DECISIONS_USAGE}"
        await turn.reply(message_text(turn.place.platform, text), thread_id=turn.answer_thread())


def register(router: Router) -> None:
    router.action(DECIDE_ACTION, on_decide_button, opens_form=True)
    router.form(DECIDE_FORM, on_decide_form)
    router.action(DONE_ACTION, on_done)
    for word in ("decisions", "decision", "decisons", "descisions"):
        router.command(word, on_decisions)
    router.command("role", roles.on_role)
    router.command("roles", roles.on_role)
    adopt.register(router)
