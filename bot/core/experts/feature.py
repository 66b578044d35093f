"""Experts: "Ask an expert" on a scenario card, the invitation form, and the DMs it sends.

Owns the Ask an expert button (a form: who, the question, the driver asked about), inviting people from it or
from an invitation DM ("Invite someone else", the chain), the rules' refusals told to the person who tried, the
Slack check that an invitee is a person of this workspace (users.info: no Slack Connect guest, bot or deactivated
account is DMed), the DM itself (through the durable outbox, once per invitation) and its reminder and expiry
jobs. The DM's buttons are `experts.answers`. Every id from a button or form is looked up in the workspace (and
channel) it came from: a card of another workspace is simply not found.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.core.cards import Form, FormField, Option, users_value
from bot.core.events import ActionInvoked, Actor, FormSubmitted, Place
from bot.core.experts import answers, jobs
from bot.core.experts.cards import ASK, INVITE, invitation_card
from bot.core.experts.estimate import DRIVER_CHOICES
from bot.core.experts.rules import Limits, foreign_reason, plan_invitations, reminder_at
from bot.core.formatting import message_text, user
from bot.core.outbox import display_name
from bot.core.router import Router
from bot.core.turn import Turn

__all__ = ["register", "INVITE_FORM", "channel_place", "name_of", "notify"]

log = logging.getLogger(__name__)
INVITE_FORM = "expert.invite"
MAX_QUESTION = 1000
MAX_USER_ID = 255  # the longest id a platform gives (Teams AAD object ids are 36); longer is not a person
ANY_DRIVER = "any"
_NOT_INSTALLED = {
    "teams": (
        "I could not reach {name} in Teams: the Scenario app is not installed for them. Ask them to add it "
        "(Teams → Apps → search “Scenario” → Add) or ask your Teams admin to install it for everyone, then "
        "invite them again."
    ),
}
_UNREACHABLE = "I could not open a direct message with {name}, so they were not invited."


def channel_place(turn: Turn, sent: Any) -> Place:
    """The channel card's place (updates and thread replies go there, whatever place the button was in)."""
    return Place(turn.place.platform, turn.place.workspace_id, sent.channel_id, sent.thread_id, False)


async def name_of(turn: Turn, user_id: str) -> str:
    return await display_name(turn.outbox, Actor(turn.place.platform, user_id), turn.place.workspace_id)


async def notify(turn: Turn, text: str) -> None:
    """A short answer only the person who acted sees (Slack: ephemeral; in a DM: a message there)."""
    await turn.outbox.notify(turn.place, message_text(turn.place.platform, text), user_id=turn.event.actor.user_id)


def _question_prefill(sent: Any) -> str:
    title = str((sent.payload or {}).get("title") or "this scenario")
    return f"Is this realistic: “{title}”? What would you estimate?"[:MAX_QUESTION]


def _driver_of(sent: Any, scenario: Any) -> str | None:
    for change in getattr(scenario, "changes", None) or []:
        if change.get("driver") in dict(DRIVER_CHOICES):
            return str(change["driver"])
    return None


def invite_form(*, metadata: dict[str, Any], question: str, driver: str | None, title: str) -> Form:
    options = (Option(ANY_DRIVER, "Any (their overall view)"),) + tuple(Option(v, label) for v, label in DRIVER_CHOICES)
    return Form(
        form_id=INVITE_FORM,
        title=title,
        fields=(
            FormField("who", "Who (1 to 10 people)", kind="users", max_selected=10),
            FormField("question", "Your question to them", initial=question, max_length=MAX_QUESTION),
            FormField("driver", "About which driver", kind="select", options=options, optional=True, initial=driver),
        ),
        submit_label="Invite",
        metadata=metadata,
    )


async def on_ask_button(turn: Turn) -> None:
    """Ask an expert, on a scenario card: the invitation form (a few fast reads: the form opens in 3 s)."""
    event = turn.event
    assert isinstance(event, ActionInvoked)
    sent = await turn.storage.messages.find(turn.workspace_id, turn.place.channel_id, event.message_id or "")
    if sent is None or sent.kind != "scenario":
        await notify(turn, "That card is no longer known to me, so experts cannot be asked about it.")
        return
    scenario = await turn.storage.scenarios.get(turn.workspace_id, sent.scenario_id) if sent.scenario_id else None
    form = invite_form(
        metadata={"sent_message_id": sent.id},
        question=_question_prefill(sent),
        driver=_driver_of(sent, scenario),
        title="Ask an expert",
    )
    await turn.outbox.open_form(turn.place, form, event.trigger)


async def on_invite_form(turn: Turn) -> None:
    event = turn.event
    assert isinstance(event, FormSubmitted)
    storage, workspace_id, actor = turn.storage, turn.workspace_id, event.actor.user_id
    parent = None
    raw_invitation = event.metadata.get("invitation_id")
    raw_card = event.metadata.get("sent_message_id")
    if isinstance(raw_invitation, int):  # "Invite someone else" from an invitation DM: only its invitee may
        parent = await storage.experts.get(workspace_id, raw_invitation)
        if parent is None or parent.invitee_id != actor:
            return
        parent = await answers.remember_name(turn, parent)
        sent = await storage.messages.get(workspace_id, parent.sent_message_id)
    elif isinstance(raw_card, int):
        sent = await storage.messages.get(workspace_id, raw_card)
        if sent is not None and sent.channel_id != turn.place.channel_id:
            return  # a card of another channel (a forged or replayed form): nothing changes
    else:
        return
    if sent is None:
        return
    if parent is not None and answers.expired(parent, turn.now()):
        await notify(turn, answers.expired_text(parent))
        return
    # the platforms limit the field's length in the form, but a submission is people's data: bounded here too
    question = " ".join(str(event.values.get("question") or "").split())[:MAX_QUESTION] or _question_prefill(sent)
    driver = await _driver_asked(turn, str(event.values.get("driver") or "").strip(), sent, parent)
    picked = [uid for uid in users_value(event.values.get("who")) if len(uid) <= MAX_USER_ID and uid.isprintable()]
    await invite(turn, sent, picked, question=question, driver=driver, parent=parent)


async def _driver_asked(turn: Turn, chosen: str, sent: Any, parent: Any) -> str | None:
    """The driver the invitees are asked about: the one chosen, none for "any", else (left empty) the inviter's own
    invitation's or the card's scenario's."""
    if chosen in dict(DRIVER_CHOICES):
        return chosen
    if chosen == ANY_DRIVER:
        return None
    if parent is not None:
        return str(parent.driver) if parent.driver else None
    scenario = await turn.storage.scenarios.get(turn.workspace_id, sent.scenario_id) if sent.scenario_id else None
    return _driver_of(sent, scenario)


async def invite(turn: Turn, sent: Any, picked: list[str], *, question: str, driver: str | None, parent: Any) -> None:
    """Invite `picked` to the card `sent` (from `parent`'s DM when not None) and tell the inviter what happened."""
    storage, workspace_id, actor = turn.storage, turn.workspace_id, turn.event.actor.user_id
    limits = Limits.of(await storage.experts.settings(workspace_id))
    existing = await storage.experts.for_card(workspace_id, sent.id)
    plan = plan_invitations(
        picked,
        inviter=actor,
        parent_depth=parent.depth if parent is not None else 0,
        already_invited={i.invitee_id: i.invitee_name for i in existing},
        invited_count=len(existing),
        limits=limits,
    )
    problems = list(plan.problems)
    inviter_name = await display_name(turn.outbox, turn.event.actor, turn.place.workspace_id)
    chain = await _chain(turn, parent) + [inviter_name]
    invited: list[str] = []
    for uid in plan.invite:
        name = await name_of(turn, uid)
        refused, title = await _check(turn, uid, name)
        if refused:
            problems.append(refused)
            continue
        credited = f"{name} ({title})" if title else name  # "Priya (Marketing)": their role says why they were asked
        now = turn.now()
        created = await storage.experts.invite(
            workspace_id,
            sent_message_id=sent.id,
            channel_id=sent.channel_id,
            inviter_id=actor,
            inviter_name=inviter_name,
            invitee_id=uid,
            invitee_name=credited,
            parent_id=parent.id if parent is not None else None,
            depth=parent.depth + 1 if parent is not None else 1,
            question=question,
            driver=driver,
            expires_at=now + timedelta(days=limits.expiry_days),
            max_per_card=limits.max_per_card,
        )
        if isinstance(created, str):
            problems.append(
                f"{user(name)} is already invited to this card (nobody is asked twice)."
                if created == "duplicate"
                else f"{user(name)} was not invited: this card has reached its limit of {limits.max_per_card}."
            )
            continue
        card = invitation_card(
            invitation_id=created.id,
            chain=chain,
            channel_label=f"channel {sent.channel_id}",
            question=question,
            driver=driver,
            scenario_payload=sent.payload,
            expires_at=created.expires_at,
        )
        # the key names this very invitation: a withdrawn one's id may be handed out again (SQLite reuses rowids)
        dm = await turn.dm(uid, card, key=f"dm:expert:{created.id}:{uid}:{created.created_at.timestamp():.6f}")
        if dm is None:
            await storage.experts.withdraw(workspace_id, created.id)
            problems.append(_NOT_INSTALLED.get(turn.place.platform, _UNREACHABLE).format(name=user(name)))
            continue
        await storage.experts.set_dm(workspace_id, created.id, channel_id=dm.place.channel_id, message_id=dm.message_id)
        await jobs.schedule(turn, created, reminder_at(created.created_at, created.expires_at))
        invited.append(name)
    lines = []
    if invited:
        lines.append("Invited " + ", ".join(user(n) for n in invited) + ": I sent each of them a direct message.")
    lines += problems
    if lines:
        await notify(turn, "\n".join(lines))
    if invited:
        await turn.services.schedule_footer(workspace_id, sent.id, channel_place(turn, sent), turn.outbox)


async def _chain(turn: Turn, invitation: Any) -> list[str]:
    """The names from the card's reader down to `invitation`'s inviter (empty for a direct invitation)."""
    names: list[str] = []
    seen: set[int] = set()
    while invitation is not None and invitation.id not in seen:
        seen.add(invitation.id)
        names.insert(0, invitation.inviter_name or invitation.inviter_id)
        parent_id = invitation.parent_id
        invitation = await turn.storage.experts.get(turn.workspace_id, parent_id) if parent_id else None
    return names


async def _check(turn: Turn, user_id: str, name: str) -> tuple[str | None, str]:
    """(why `user_id` may not be invited from here, or None; their job title if the platform says it). Slack:
    users.info says another team or enterprise, a bot or deactivated; a look-up that fails invites nobody."""
    sender = getattr(turn.outbox, "sender", None)
    lookup = getattr(sender, "person", None)
    if lookup is None:
        return None, ""
    try:
        person = await lookup(turn.place.workspace_id, user_id)
    except Exception as error:  # a DM must not leave the workspace unchecked: ask again later instead
        log.warning("expert invitee look-up failed: %s", type(error).__name__)
        return f"I could not check that {user(name)} is a member of this workspace; please invite them again.", ""
    title = str(((person or {}).get("profile") or {}).get("title") or "").strip()[:60]
    return foreign_reason(person, turn.place.workspace_id, name), title


async def on_invite_button(turn: Turn) -> None:
    """Invite someone else, in an invitation DM: the same form, its chain kept."""
    event = turn.event
    assert isinstance(event, ActionInvoked)
    invitation = await answers.own_invitation(turn)
    if invitation is None:
        return
    form = invite_form(
        metadata={"invitation_id": invitation.id},
        question=invitation.question,
        driver=invitation.driver,
        title="Invite someone else",
    )
    await turn.outbox.open_form(turn.place, form, event.trigger)


def register(router: Router) -> None:
    router.action(ASK, on_ask_button, opens_form=True)
    router.action(INVITE, on_invite_button, opens_form=True)
    router.form(INVITE_FORM, on_invite_form)
    answers.register(router)
