"""The rules of inviting experts, as pure functions: who may be invited from one form, how deep a chain may go,
how the chain reads, when an invitation is reminded and expires, and how experts' estimates combine.

Owns the limits and their defaults (a workspace may change the depth cap, the per-card limit and the expiry:
`python -m bot experts settings`), and every refusal's wording, which tells the person who tried what the rule
is and what they can do instead. No storage, no platform: the feature feeds these the facts.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.formatting import user

__all__ = [
    "Limits",
    "Plan",
    "plan_invitations",
    "chain_text",
    "reminder_at",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_PER_CARD",
    "DEFAULT_EXPIRY_DAYS",
    "MAX_PER_FORM",
    "median",
    "foreign_reason",
    "p_range",
]

DEFAULT_MAX_DEPTH = 3  # Dana asks Sam (1), Sam asks Lee (2), Lee asks Kim (3): deeper rarely reaches an expert
DEFAULT_MAX_PER_CARD = 50  # stops invitation spam on one card
DEFAULT_EXPIRY_DAYS = 7
MAX_PER_FORM = 10
MAX_DEPTH_ALLOWED = 10  # what a workspace may set at most
REMIND_BEFORE = timedelta(days=2)  # the one reminder goes this long before the invitation expires


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = DEFAULT_MAX_DEPTH
    max_per_card: int = DEFAULT_MAX_PER_CARD
    expiry_days: int = DEFAULT_EXPIRY_DAYS

    @classmethod
    def of(cls, settings: object | None) -> Limits:
        """The limits of a workspace's stored settings (storage.records.ExpertSettings), defaults where unset."""

        def pick(name: str, default: int) -> int:
            value = getattr(settings, name, None)
            return value if isinstance(value, int) and value > 0 else default

        return cls(
            pick("max_depth", DEFAULT_MAX_DEPTH),
            pick("max_per_card", DEFAULT_MAX_PER_CARD),
            pick("expiry_days", DEFAULT_EXPIRY_DAYS),
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """Who to invite (user ids, in the order picked) and, for everyone else, why not (one sentence each)."""

    invite: tuple[str, ...]
    problems: tuple[str, ...]


def plan_invitations(
    picked: list[str],
    *,
    inviter: str,
    parent_depth: int,
    already_invited: dict[str, str],
    invited_count: int,
    limits: Limits,
    names: dict[str, str] | None = None,
) -> Plan:
    """Apply the rules to the people picked in one form. `parent_depth` is the inviter's own depth (0 for the
    card's reader), `already_invited` the card's invitees (id -> name), `invited_count` how many the card has."""
    names = names or {}

    def name(uid: str) -> str:
        return user(names.get(uid) or already_invited.get(uid) or uid)

    if not picked:
        return Plan((), ("Pick at least one person to invite (the “Who” field).",))
    if len(picked) > MAX_PER_FORM:
        return Plan(
            (),
            (
                f"At most {MAX_PER_FORM} people per invitation; you picked {len(picked)}. "
                f"Invite the first {MAX_PER_FORM}, then the others in a second round.",
            ),
        )
    depth = parent_depth + 1
    if depth > limits.max_depth:
        return Plan(
            (),
            (
                f"This invitation chain is already {parent_depth} deep, the most this workspace allows "
                f"({limits.max_depth}), so nobody more can be invited from here. Answer with your own estimate, "
                "or ask the person who started it to invite them directly.",
            ),
        )
    invite: list[str] = []
    problems: list[str] = []
    room = max(0, limits.max_per_card - invited_count)
    for uid in picked:
        if uid == inviter:
            problems.append("You cannot invite yourself; give your own estimate instead.")
        elif uid in already_invited:
            problems.append(f"{name(uid)} is already invited to this card (nobody is asked twice).")
        elif len(invite) >= room:
            problems.append(
                f"{name(uid)} was not invited: this card has reached its limit of {limits.max_per_card} invitations."
            )
        else:
            invite.append(uid)
    return Plan(tuple(invite), tuple(problems))


def chain_text(names: list[str]) -> str:
    """How the invitation reached you, from the card's reader to your inviter: ["Dana"] -> "Dana asked you";
    ["Dana", "Sam"] -> "Dana asked Sam, who asked you". Names are people's text (escaped)."""
    marked = [user(n) or "Someone" for n in names] or ["Someone"]
    text = f"{marked[0]} asked "
    for middle in marked[1:]:
        text += f"{middle}, who asked "
    return text + "you"


def reminder_at(created: datetime, expires: datetime) -> datetime:
    """The one reminder: two days before it expires, but never before a day has passed."""
    return max(created + timedelta(days=1), expires - REMIND_BEFORE)


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def p_range(p_values: list[float]) -> tuple[float, float]:
    return (min(p_values), max(p_values))


def foreign_reason(person: dict[str, Any] | None, workspace_external_id: str, shown: str) -> str | None:
    """Why a Slack user (users.info's `user` object) cannot be invited from workspace `workspace_external_id` (a
    team id, or the enterprise id of an org-wide install), or None. A Slack Connect member of another team or
    enterprise, a bot or a deactivated account is refused: their DM would leave the workspace, or go nowhere."""
    if person is None:
        return f"{user(shown)} is not a member of this Slack workspace, so I cannot ask them."
    if person.get("deleted"):
        return f"{user(shown)}'s account is deactivated, so I cannot ask them."
    if person.get("is_bot") or person.get("is_app_user"):
        return f"{user(shown)} is a bot; invite a person instead."
    team = str(person.get("team_id") or "")
    enterprise = str((person.get("enterprise_user") or {}).get("enterprise_id") or person.get("enterprise_id") or "")
    if workspace_external_id.startswith("E"):
        home = enterprise == workspace_external_id
    else:
        # a member of several workspaces of one Grid lists them all under enterprise_user.teams
        teams = (person.get("enterprise_user") or {}).get("teams") or []
        home = team == workspace_external_id or workspace_external_id in teams
    if not home:
        return (
            f"{user(shown)} belongs to another Slack organisation (a Slack Connect guest), so I do not send them "
            "this workspace's forecast. Ask someone of your own workspace, or share the card with them yourself."
        )
    return None
