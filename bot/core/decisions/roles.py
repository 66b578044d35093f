"""Who may decide, mark done and adopt, and how the manager role is given (`role @person manager|none`).

Owns the rules: a decision on a scenario card is recorded by the person who asked the scenario or by someone with
the manager role (in every channel of the workspace, or in this channel only with `here`); a decision is marked
done by its owner or a manager; an adopted scenario becomes the baseline at the decider's or a manager's word.
Roles are given by a workspace admin or owner in Slack (users.info `is_admin` / `is_owner`, asked through the
sender), by anyone at the console (it is the operator's own terminal), and in Teams by an operator only
(`python -m bot roles set --platform teams ...`): Teams tells a bot nobody's admin rights without Graph
permissions this app does not ask for.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.formatting import message_text, user
from bot.core.turn import Turn

__all__ = [
    "MANAGER",
    "is_manager",
    "may_decide",
    "may_mark_done",
    "may_adopt",
    "not_allowed_text",
    "on_role",
    "ROLE_USAGE",
    "parse_person",
]

MANAGER = "manager"
CLI_HINT = "python -m bot roles set --platform PLATFORM --workspace ID --user ID --role manager"
ROLE_USAGE = (
    "“/scenario role @person manager” lets them decide on any scenario card in this workspace (add “here” for "
    "this channel only); “/scenario role @person none” takes it away; “/scenario roles” lists the managers. "
    "Only a workspace admin or owner can give roles (operators: “" + CLI_HINT + "”)."
)
TEAMS_ROLES = (
    "In Teams, roles are given by an operator of the bot: “" + CLI_HINT.replace("PLATFORM", "teams") + "” with the "
    "person's Microsoft Entra object id (the tenant id as the workspace)."
)
# Slack: <@U123> or <@U123|name> (an @mention, or a slash command with escaping), or a bare member id (the test
# fakes use ids like U_LEE, so an underscore is let through)
_SLACK_MENTION = re.compile(r"^<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>$")
_SLACK_ID = re.compile(r"^[UW][A-Z0-9_]{2,}$")
_MANAGER_WORDS = {"manager", "managers", "mgr", "manger", "manageer"}
_NONE_WORDS = {"none", "no", "off", "remove", "revoke", "nothing", "member", "-"}


async def is_manager(turn: Turn, user_id: str, channel_id: str) -> bool:
    """Whether `user_id` holds the manager role in `channel_id` (there, or in every channel of the workspace)."""
    return await turn.storage.roles.has(turn.workspace_id, user_id, MANAGER, channel_id)


async def may_decide(turn: Turn, scenario: Any, user_id: str, channel_id: str) -> bool:
    """The person who asked the scenario, or a manager."""
    if scenario is not None and scenario.asked_by == user_id:
        return True
    return await is_manager(turn, user_id, channel_id)


async def may_mark_done(turn: Turn, decision: Any, user_id: str) -> bool:
    """The decision's owner, or a manager."""
    return decision.owner_id == user_id or await is_manager(turn, user_id, decision.channel_id)


async def may_adopt(turn: Turn, decision: Any, user_id: str) -> bool:
    """The person who recorded the decision, or a manager."""
    return decision.decided_by == user_id or await is_manager(turn, user_id, decision.channel_id)


def not_allowed_text(what: str) -> str:
    """Why someone may not `what` ("record a decision on this scenario"), and how to get the right."""
    return (
        f"Only the person who asked this scenario or someone with the manager role can {what}. "
        "A workspace admin gives the role with “/scenario role @you manager” (in Teams, an operator of the bot)."
    )


def parse_person(platform: str, word: str) -> str | None:
    """The user id a typed person names: a Slack mention or member id; at the console, the name itself."""
    word = word.strip()
    if platform == "slack":
        found = _SLACK_MENTION.match(word)
        if found:
            return found.group(1)
        return word if _SLACK_ID.match(word) else None
    if platform == "console":
        name = word.lstrip("@").strip()
        return name or None
    return None


async def _is_admin(turn: Turn) -> bool | None:
    """Whether the person typing is a workspace admin; None where the platform cannot say (Teams)."""
    platform = turn.place.platform
    if platform == "console":
        return True
    sender = getattr(turn.outbox, "sender", None)
    check = getattr(sender, "is_admin", None)
    if check is None:
        return None
    return bool(await check(turn.place.workspace_id, turn.event.actor.user_id))


async def _say(turn: Turn, text: str) -> None:
    await turn.reply(message_text(turn.place.platform, text), thread_id=turn.answer_thread())


async def _list(turn: Turn) -> None:
    holders = await turn.storage.roles.holders(turn.workspace_id, MANAGER, turn.place.channel_id)
    if not holders:
        await _say(turn, f"Nobody has the manager role here yet. {ROLE_USAGE}")
        return
    names = ", ".join(
        user(h.user_id) + ("" if h.channel_id == "" else " (this channel)") for h in holders
    )  # ids: the listing is read by admins, who give roles by id or mention
    await _say(turn, f"Managers here: {names}. They can decide on any scenario card. {ROLE_USAGE}")


async def on_role(turn: Turn) -> None:
    """`role @person manager [here]`, `role @person none`, `roles`."""
    words = turn.text.split()[1:]
    platform = turn.place.platform
    if not words or words[0].lower() in ("list", "show"):
        await _list(turn)
        return
    if platform == "teams":
        await _say(turn, TEAMS_ROLES)
        return
    person = parse_person(platform, words[0])
    if person is None:
        await _say(
            turn,
            f"I could not tell who “{user(words[0])}” is: @mention the person (in Slack, mention the bot: "
            "“@Scenario role @Lee manager”) or give their Slack member ID (profile > ⋮ > Copy member ID), e.g. "
            "“/scenario role U012AB3CD manager”. Nothing was changed.",
        )
        return
    rest = [w.lower().strip(".,!") for w in words[1:]]
    here = "here" in rest
    rest = [w for w in rest if w not in ("here", "the", "as", "a", "role", "to")]
    if len(rest) != 1 or (rest[0] not in _MANAGER_WORDS and rest[0] not in _NONE_WORDS):
        shown = " ".join(words[1:]) or "nothing"
        await _say(turn, f"“{user(shown)}” is not a role: use “manager” or “none”. {ROLE_USAGE} Nothing was changed.")
        return
    admin = await _is_admin(turn)
    if not admin:
        await _say(
            turn,
            "Only a workspace admin or owner can give or take the manager role; nothing was changed. "
            f"Ask one of them, or an operator of the bot (“{CLI_HINT}”).",
        )
        return
    actor = turn.event.actor.user_id
    roles, ws = turn.storage.roles, turn.workspace_id
    who = user(person)
    if rest[0] in _MANAGER_WORDS:
        channel = turn.place.channel_id if here else ""
        added = await roles.set(ws, person, MANAGER, set_by=actor, channel_id=channel)
        where = "in this channel" if here else "in every channel of this workspace"
        state = "now has" if added else "already had"
        await _say(turn, f"{who} {state} the manager role {where}: they can decide on any scenario card.")
        return
    removed = await roles.remove(ws, person, set_by=actor, channel_id=turn.place.channel_id if here else None)
    if removed:
        await _say(turn, f"{who} no longer has the manager role{' in this channel' if here else ''}.")
    else:
        await _say(turn, f"{who} had no manager role{' in this channel' if here else ''}; nothing was changed.")
