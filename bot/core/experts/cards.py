"""Expert cards: the invitation DM, the experts' lines on the channel card, and the median of their estimates.

Owns what an invited person sees (who asked, through whom, in which channel, the question, the scenario's
headline figures and chart, and the five buttons), what the scenario card adds once experts are involved
("Experts: 3 asked, 2 answered" and one line per estimate), and the card that says what the experts'
disagreement means for the target. Pure functions: names, questions and estimates are people's text, escaped.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from bot.core.cards import Button, Card, Chart, Facts, Text, card_from_dict
from bot.core.experts.estimate import driver_label
from bot.core.experts.rules import chain_text
from bot.core.formatting import driver_value, pct, user
from bot.core.scenarios.cards import trim_title

__all__ = [
    "invitation_card",
    "experts_footer",
    "experts_block",
    "with_experts",
    "consensus_text",
    "consensus_title",
    "estimate_title",
    "expiry_label",
    "LIKE",
    "COMMENT",
    "ESTIMATE",
    "INVITE",
    "DECLINE",
    "ASK",
]

ASK = "expert.ask"  # on the scenario card
LIKE = "expert.like"
COMMENT = "expert.comment"
ESTIMATE = "expert.estimate"
INVITE = "expert.invite"
DECLINE = "expert.decline"
_HEADLINE_FACTS = ("P(reach target)", "Period", "Expected bookings", "Target")


def expiry_label(when: datetime) -> str:
    return f"{when:%b} {when.day}, {when:%H:%M} UTC"


def invitation_card(
    *,
    invitation_id: int,
    chain: list[str],
    channel_label: str,
    question: str,
    driver: str | None,
    scenario_payload: dict[str, Any],
    expires_at: datetime,
) -> Card:
    """The DM to an invited expert: `chain` names the people from the card's reader to the inviter."""
    scenario = card_from_dict(scenario_payload)
    blocks: list[Any] = [
        Text(f"{chain_text(chain)} for your view on a scenario in {user(channel_label)}:\n*“{user(question)}”*"),
    ]
    if driver:
        blocks.append(Text(f"They ask about: *{driver_label(driver).lower()}*"))
    blocks.append(Text(f"The scenario: “{user(scenario.title)}”"))
    headline = next((b for b in scenario.blocks if isinstance(b, Text) and "chance of reaching" in b.text), None)
    if headline is not None:
        blocks.append(headline)
    facts = next((b for b in scenario.blocks if isinstance(b, Facts)), None)
    if facts is not None:
        kept = tuple(f for f in facts.facts if f.label in _HEADLINE_FACTS)
        if kept:
            blocks.append(Facts(kept))
    if scenario.chart is not None:  # the stored chart (its token): the same image as on the channel card
        blocks.append(scenario.chart)
    value = {"invitation_id": invitation_id}
    return Card(
        title="Your view is asked on a scenario",
        blocks=tuple(blocks),
        buttons=(
            Button("Like", LIKE, value),
            Button("Comment", COMMENT, value),
            Button("Give my estimate", ESTIMATE, value, style="primary"),
            Button("Invite someone else", INVITE, value),
            Button("Can't help", DECLINE, value),
        ),
        footer=f"This invitation expires on {expiry_label(expires_at)}.",
        kind="expert_invitation",
    )


def experts_footer(invitations: list[Any]) -> str | None:
    """'Experts: 3 asked, 2 answered' (None when nobody was asked)."""
    if not invitations:
        return None
    answered = sum(1 for i in invitations if i.status == "answered")
    return f"Experts: {len(invitations)} asked, {answered} answered"


def _estimate_line(estimate: Any, currency: str) -> str:
    name = estimate.invitation.invitee_name or estimate.invitation.invitee_id
    driver = estimate.driver or next((c.get("driver") for c in estimate.changes), None)
    value = next((c.get("to") for c in estimate.changes if c.get("driver") == driver), None)
    shown = (
        f"{driver_value(driver, value, currency)} {_unit(driver)}".rstrip()
        if value is not None and driver is not None
        else "—"
    )
    return f"- {user(name)}: {shown} → {pct(estimate.p_hit)}"


def _unit(driver: str | None) -> str:
    return {"new_opps_per_rep_week": "opps/rep/week", "reps": "reps"}.get(driver or "", "")


_STATUS_WORDS = {"pending": "asked", "answered": "answered", "declined": "can't help", "expired": "expired"}
MAX_NAMED = 10


def experts_block(invitations: list[Any], estimates: list[Any], currency: str = "USD") -> Text | None:
    """Who was asked and where each stands ("Sam (Finance) answered, Lee can't help, Kim asked"), then the
    estimates received, one line each ("Priya: 8 opps/rep/week → 41%")."""
    if not invitations:
        return None
    named = [
        f"{user(i.invitee_name or i.invitee_id)} {_STATUS_WORDS.get(i.status, i.status)}"
        for i in invitations[:MAX_NAMED]
    ]
    if len(invitations) > MAX_NAMED:
        named.append(f"and {len(invitations) - MAX_NAMED} more")
    lines = [f"*Experts*: {', '.join(named)}"]
    lines += [_estimate_line(e, currency) for e in estimates[:20]]
    if len(estimates) > 20:
        lines.append(f"- and {len(estimates) - 20} more estimates")
    return Text("\n".join(lines))


def with_experts(card: Card, invitations: list[Any], estimates: list[Any], currency: str = "USD") -> Card:
    """The scenario card with its experts' lines (who was asked, the estimates; before the chart) and the footer
    count."""
    summary = experts_footer(invitations)
    if summary is None:
        return card
    blocks = list(card.blocks)
    block = experts_block(invitations, estimates, currency)
    if block is not None:
        at = next((n for n, b in enumerate(blocks) if isinstance(b, Chart)), len(blocks))
        blocks.insert(at, block)
    footer = f"{card.footer} · {summary}" if card.footer else summary
    return dataclasses.replace(card, blocks=tuple(blocks), footer=footer)


def consensus_text(driver: str, values: list[float], p_values: list[float], median_p: float, currency: str) -> str:
    """What the experts' disagreement means for the target, said above the median's card."""
    low, high = min(p_values), max(p_values)
    shown = ", ".join(driver_value(driver, v, currency) for v in values)
    return (
        f"{len(values)} experts estimated {driver_label(driver).lower()}: {shown}. At their median the chance of "
        f"reaching the target is *{pct(median_p)}*; across their estimates it ranges from {pct(low)} to {pct(high)}."
    )


def consensus_title(driver: str, median_value: float, currency: str) -> str:
    label = f"{driver_label(driver)} at the experts' median, {driver_value(driver, median_value, currency)}"
    return trim_title(label)


def estimate_title(name: str, text: str) -> str:
    return trim_title(f"Estimate by {name}: {text}")
