"""Decision cards: the Decide form, the decision card in the channel, its DM, the adopt confirmation and the list.

Pure functions from plain values (a storage Decision, the scenario's question and figures, names) to neutral Cards
and Forms. Everything a person typed (the decision, the question, names) is shown through `user(...)`; only the
bot's own words and a platform permalink carry markup.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.core.baselines.freshness import day_label
from bot.core.cards import Button, Card, Fact, Facts, Form, FormField, Option, Text
from bot.core.formatting import pct, user
from bot.core.scenarios.cards import trim_title

__all__ = [
    "DECIDE_FORM",
    "DONE_ACTION",
    "ADOPT_ACTION",
    "ADOPT_CONFIRM_ACTION",
    "KINDS",
    "FIELD_KIND",
    "FIELD_TEXT",
    "FIELD_OWNER",
    "FIELD_DUE",
    "decide_form",
    "decision_card",
    "decision_dm_card",
    "adopt_confirm_card",
    "decisions_list_card",
    "figures_text",
    "due_label",
]

DECIDE_FORM = "decision"
DONE_ACTION = "decision.done"
ADOPT_ACTION = "decision.adopt"
ADOPT_CONFIRM_ACTION = "decision.adopt_confirm"
FIELD_KIND, FIELD_TEXT, FIELD_OWNER, FIELD_DUE = "kind", "text", "owner", "due"
KINDS = {"adopt": "Adopt this scenario", "keep": "Keep the plan", "other": "Other"}
_TITLES = {"adopt": "Decision: adopt this scenario", "keep": "Decision: keep the plan", "other": "Decision"}
MAX_LISTED = 20
MAX_DONE_BUTTONS = 5


def decide_form(sent_message_id: int, question: str) -> Form:
    return Form(
        form_id=DECIDE_FORM,
        title="Record a decision",
        fields=(
            FormField(
                FIELD_KIND,
                "Decision",
                kind="select",
                options=tuple(Option(value, label) for value, label in KINDS.items()),
                initial="adopt",
            ),
            FormField(
                FIELD_TEXT,
                f"What was decided about “{trim_title(question, 80)}”",
                placeholder="e.g. We hire 2 reps in January and review the win rate in March",
                max_length=1000,
            ),
            FormField(FIELD_OWNER, "Owner (one person)", kind="users", max_selected=1),
            FormField(FIELD_DUE, "Due date", kind="date"),
        ),
        submit_label="Record decision",
        metadata={"sent_message_id": sent_message_id},
    )


def due_label(day: date) -> str:
    return f"{day_label(day)}, {day.year}"


def figures_text(summary: dict[str, Any] | None) -> str | None:
    """'41% → 58%' (baseline → scenario), or '41%' for a plain forecast; None when the scenario has no figures."""
    summary = summary or {}
    before = (summary.get("baseline") or {}).get("p_hit")
    after = (summary.get("scenario") or {}).get("p_hit")
    if not isinstance(before, int | float):
        return None
    return pct(before) if not isinstance(after, int | float) else f"{pct(before)} → {pct(after)}"


def _facts(decision: Any, question: str, figures: str | None, decider: str, owner: str) -> Facts:
    facts = [Fact("Scenario", user(trim_title(question, 200)))]
    if figures:
        facts.append(Fact("P(reach target)", figures))
    facts += [
        Fact("Decided by", user(decider)),
        Fact("Owner", user(owner)),
        Fact("Due", due_label(decision.due_date)),
    ]
    status = "open"
    if decision.status == "done":
        status = f"done on {due_label(decision.done_at.date())}" if decision.done_at else "done"
    facts.append(Fact("Status", status))
    if decision.baseline_version is not None:
        facts.append(Fact("Baseline", f"made the channel's baseline v{decision.baseline_version}"))
    return Facts(tuple(facts))


def decision_card(
    decision: Any, *, question: str, figures: str | None, decider: str, owner: str, scenario_link: str | None
) -> Card:
    """The decision as posted to the channel: what, on which scenario (linked where the platform gives a link),
    who decided, owner, due date, status; Mark done while open, Make it the baseline for an adoption not yet
    adopted."""
    where = f"<{scenario_link}|See the scenario card>" if scenario_link else "The scenario card is in this channel."
    buttons: list[Button] = []
    value = {"decision_id": decision.id}
    if decision.kind == "adopt" and decision.baseline_version is None:
        buttons.append(Button("Make it the baseline", ADOPT_ACTION, value, style="primary"))
    if decision.status == "open":
        buttons.append(Button("Mark done", DONE_ACTION, value))
    return Card(
        title=_TITLES.get(decision.kind, "Decision"),
        blocks=(
            Text(f"*{user(decision.text)}*"),
            _facts(decision, question, figures, decider, owner),
            Text(where),
        ),
        buttons=tuple(buttons),
        kind="decision",
    )


def decision_dm_card(
    decision: Any, *, question: str, figures: str | None, decider: str, owner: str, decision_link: str | None
) -> Card:
    """The DM to each participant: the work they took part in led to this decision."""
    where = f"<{decision_link}|See the decision in the channel>" if decision_link else "It is posted in the channel."
    lead = (
        f"{user(decider)} recorded a decision on a scenario you took part in "
        "(you liked it, commented on it or were asked for your view)."
    )
    return Card(
        title=_TITLES.get(decision.kind, "Decision"),
        blocks=(
            Text(lead),
            Text(f"*{user(decision.text)}*"),
            _facts(decision, question, figures, decider, owner),
            Text(where),
        ),
        kind="decision",
    )


def adopt_confirm_card(decision: Any, *, question: str, changes: str, latest_version: int, note: str | None) -> Card:
    """ "Make it the baseline?": what the new version changes, and the button that does it."""
    lines = [
        f"Make the scenario “{user(trim_title(question, 200))}” this channel's baseline? It becomes version "
        f"{latest_version + 1}, with {changes}; the other values stay as in version {latest_version}."
    ]
    if note:
        lines.append(note)
    lines.append("Only the decider or a manager can confirm.")
    return Card(
        title="Make this scenario the baseline?",
        blocks=(Text("\n".join(lines)),),
        buttons=(
            Button(
                f"Yes, save it as version {latest_version + 1}",
                ADOPT_CONFIRM_ACTION,
                {"decision_id": decision.id},
                style="primary",
            ),
        ),
        kind="info",
    )


def _chunks(lines: list[str], limit: int = 2900) -> list[Text]:
    """Lines grouped into Text blocks under a card's 3,000-character limit."""
    blocks: list[str] = []
    for line in lines:
        if blocks and len(blocks[-1]) + 1 + len(line) <= limit:
            blocks[-1] += "\n" + line
        else:
            blocks.append(line[:limit])
    return [Text(b) for b in blocks]


def decisions_list_card(
    decisions: list[Any], questions: dict[int, str], names: dict[str, str], only_open: bool = False
) -> Card:
    """The channel's decisions, newest first: status, what, owner, due date, on which scenario; a Mark done button
    for the newest open ones."""
    shown = decisions[:MAX_LISTED]
    if not shown:
        what = "open decisions" if only_open else "decisions"
        return Card(
            title="Decisions in this channel",
            blocks=(Text(f"No {what} yet. Press Decide on a scenario card to record one."),),
            kind="info",
        )
    lines = []
    for d in shown:
        status = "done" if d.status == "done" else "open"
        question = questions.get(d.id)
        about = f" · on “{user(trim_title(question, 60))}”" if question else ""
        lines.append(
            f"- #{d.id} *{status}* · {KINDS.get(d.kind, d.kind).lower()}: {user(trim_title(d.text, 120))} · "
            f"owner {user(names.get(d.owner_id, d.owner_id))} · due {due_label(d.due_date)}{about}"
        )
    more = len(decisions) - len(shown)
    if more > 0:
        lines.append(f"- and {more} older (“/scenario decisions export” has them all)")
    open_ones = [d for d in shown if d.status == "open"][:MAX_DONE_BUTTONS]
    buttons = tuple(Button(f"Mark #{d.id} done", DONE_ACTION, {"decision_id": d.id}) for d in open_ones)
    return Card(
        title="Decisions in this channel" + (" (open)" if only_open else ""),
        blocks=(
            *_chunks(lines),
            Text("The owner of a decision, or a manager, can mark it done. “/scenario decisions export” gives a CSV."),
        ),
        buttons=buttons,
        kind="info",
    )
