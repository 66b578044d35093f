"""The neutral Card: one model that renders to Slack Block Kit, a Teams Adaptive Card and console text.

Owns the card's parts and the limits that make a valid card render everywhere (Slack's are the tightest:
150-character header, 3,000-character section, 75-character button label, 2,000-character button value,
50 blocks). Every card has a plain-text fallback carrying every number (Slack's `text`, Teams
notifications, the console).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.core.formatting import unmark, user

__all__ = [
    "Button",
    "Card",
    "CardError",
    "Chart",
    "Divider",
    "Facts",
    "Fact",
    "Form",
    "FormField",
    "FIELD_KINDS",
    "Option",
    "users_value",
    "Text",
    "Block",
    "MAX_TITLE",
    "MAX_TEXT",
    "MAX_BUTTON_LABEL",
    "MAX_BUTTON_VALUE",
    "MAX_BLOCKS",
    "MAX_FACTS",
    "card_to_dict",
    "card_from_dict",
]

MAX_TITLE = 150
MAX_TEXT = 3000
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_BLOCKS = 50
MAX_FACTS = 10  # Slack section fields
MAX_BUTTONS = 25
MAX_FACT_TEXT = 2000


class CardError(ValueError):
    """A card that would not render on every platform (a limit broken)."""


@dataclass(frozen=True, slots=True)
class Text:
    """Markdown subset both platforms share: *bold*, _italic_, <url|label> links, '- ' lists, newlines.

    The markup is the bot's own. People's text inside it (a question, a name, a deal or file name) must be
    wrapped in `bot.core.formatting.user(...)`: renderers show it literally, never as markup. The same holds
    for a fact's label and value and the chart's alt text; a card's title, footer and button labels are always
    plain text (renderers escape them whole)."""

    text: str


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Facts:
    """A table of label/value pairs; `header` optionally names the columns (e.g. ("", "Baseline", "Scenario"))."""

    facts: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A PNG chart. Outboxes publish it their own way (Slack uploads a file, Teams serves a URL,
    the console writes a file); `alt` describes it in words with the key numbers."""

    png: bytes
    alt: str
    name: str = "chart.png"
    # where the published image is kept (/charts/{token}.png): a stored card has the token but not the bytes,
    # so a re-rendered card (a footer update) shows the same chart
    token: str = ""

    def __repr__(self) -> str:  # keep test output readable
        return f"Chart(name={self.name!r}, alt={self.alt!r}, png=<{len(self.png)} bytes>, token={self.token!r})"


@dataclass(frozen=True, slots=True)
class Divider:
    pass


Block = Text | Facts | Chart | Divider


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action_id: str
    value: dict[str, Any] = field(default_factory=dict)
    style: str | None = None  # "primary" | "danger" | None

    def value_json(self) -> str:
        return json.dumps(self.value, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True, slots=True)
class Card:
    """A titled message with body blocks, buttons and a footer line."""

    title: str
    blocks: tuple[Block, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str | None = None
    kind: str = (
        "info"  # "scenario", "drivers", "baseline", "help", "error", "info": lets renderers and tests tell cards apart
    )

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if not self.title.strip():
            raise CardError("card title: must not be empty")
        if len(self.title) > MAX_TITLE:
            raise CardError(f"card title: at most {MAX_TITLE} characters, got {len(self.title)}")
        for block in self.blocks:
            if isinstance(block, Text) and len(block.text) > MAX_TEXT:
                raise CardError(f"card text: at most {MAX_TEXT} characters, got {len(block.text)}")
            if isinstance(block, Facts):
                if len(block.facts) > MAX_FACTS:
                    raise CardError(f"card facts: at most {MAX_FACTS} rows, got {len(block.facts)}")
                for fact in block.facts:
                    if len(fact.label) + len(fact.value) > MAX_FACT_TEXT:
                        raise CardError(f"card fact {fact.label!r}: too long")
        if len(self.buttons) > MAX_BUTTONS:
            raise CardError(f"card buttons: at most {MAX_BUTTONS}, got {len(self.buttons)}")
        for button in self.buttons:
            if not button.label.strip() or len(button.label) > MAX_BUTTON_LABEL:
                raise CardError(f"button label {button.label!r}: 1 to {MAX_BUTTON_LABEL} characters")
            if len(button.value_json()) > MAX_BUTTON_VALUE:
                raise CardError(f"button {button.action_id!r}: value over {MAX_BUTTON_VALUE} characters")
        # header + blocks + actions + footer context must fit Slack's 50-block message limit
        if len(self.blocks) + 3 > MAX_BLOCKS:
            raise CardError(f"card: at most {MAX_BLOCKS - 3} body blocks, got {len(self.blocks)}")

    @property
    def chart(self) -> Chart | None:
        return next((b for b in self.blocks if isinstance(b, Chart)), None)

    def fallback_text(self, *, keep_marks: bool = False) -> str:
        """Plain text with every number in the card: Slack `text`, notifications, screen readers, console.

        People's text is unmarked (as typed) unless `keep_marks`: a renderer that writes the fallback in a
        markup (Slack's `text` is mrkdwn) keeps the marks to escape it."""
        # the title and footer are plain text (the question as typed, a name): in a marked fallback, people's
        lines = [user(unmark(self.title)) if keep_marks else self.title]
        for block in self.blocks:
            if isinstance(block, Text):
                lines.append(block.text)
            elif isinstance(block, Facts):
                lines.extend(f"{f.label}: {f.value}" if f.label else f.value for f in block.facts)
            elif isinstance(block, Chart):
                lines.append(f"[chart] {block.alt}")
        if self.footer:
            lines.append(user(unmark(self.footer)) if keep_marks else self.footer)
        text = "\n".join(line for line in lines if line)
        return text if keep_marks else unmark(text)


FIELD_KINDS = ("text", "number", "date", "time", "users", "select")
MAX_OPTIONS = 100  # Slack static_select


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a `select` field: the value the submission carries, and the label people see."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a form. `kind` says what is asked (each platform renders its own control):
    - "text": free text (`multiline`, `max_length`, `placeholder`);
    - "number": a number (the submission carries it as typed, a string; features parse it);
    - "date" / "time": a day (YYYY-MM-DD) / a time of day (HH:MM) from a picker;
    - "users": people of the workspace (Slack multi-users select, Teams people picker over the organisation's
      directory, console @names), at most `max_selected`; the submission carries a list of user ids;
    - "select": one of `options` (the submission carries the option's value).
    `initial` prefills the field (a string; for "users" a tuple of ids). An `optional` field may be left empty
    (submitted as "" or, for "users", an empty list)."""

    id: str
    label: str
    multiline: bool = True
    placeholder: str = ""
    max_length: int = 3000
    kind: str = "text"
    options: tuple[Option, ...] = ()
    optional: bool = False
    initial: str | tuple[str, ...] | None = None
    max_selected: int = 10

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS:
            raise CardError(f"form field {self.id!r}: kind {self.kind!r} is not one of {', '.join(FIELD_KINDS)}")
        if self.kind == "select" and not 1 <= len(self.options) <= MAX_OPTIONS:
            raise CardError(f"form field {self.id!r}: a select needs 1 to {MAX_OPTIONS} options")


def users_value(value: object) -> list[str]:
    """The user ids of a submitted "users" field, however the platform sent them: a list (Slack, console) or one
    comma-separated string (the Teams people picker), without blanks or repeats, in the order given."""
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    seen: list[str] = []
    for item in items:
        text = str(item).strip()
        if text and text not in seen:
            seen.append(text)
    return seen


@dataclass(frozen=True, slots=True)
class Form:
    """A small input form (Slack modal, Teams input card, console prompt). Submitting it produces a
    FormSubmitted event with the same `form_id` and `metadata`."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"
    metadata: dict[str, Any] = field(default_factory=dict)


def card_to_dict(card: Card) -> dict[str, Any]:
    """A JSON-safe dict of the card, to store a posted card and re-render it (likes update the footer).

    Charts are kept as {"type": "chart", "name", "alt", "token"} without the PNG bytes: the image was already
    published (and is kept under its token)."""
    blocks: list[dict[str, Any]] = []
    for block in card.blocks:
        if isinstance(block, Text):
            blocks.append({"type": "text", "text": block.text})
        elif isinstance(block, Facts):
            blocks.append({"type": "facts", "facts": [[f.label, f.value] for f in block.facts]})
        elif isinstance(block, Chart):
            blocks.append({"type": "chart", "name": block.name, "alt": block.alt, "token": block.token})
        elif isinstance(block, Divider):
            blocks.append({"type": "divider"})
    return {
        "title": card.title,
        "kind": card.kind,
        "blocks": blocks,
        "buttons": [
            {"label": b.label, "action_id": b.action_id, "value": dict(b.value), "style": b.style} for b in card.buttons
        ],
        "footer": card.footer,
    }


def card_from_dict(d: dict[str, Any]) -> Card:
    """The inverse of `card_to_dict`. A stored chart comes back without its PNG bytes but in its place, with its
    alt text and token, so a re-rendered card still shows it (Slack: the chart line; Teams: the image URL)."""
    blocks: list[Block] = []
    for raw in d.get("blocks", []):
        kind = raw.get("type")
        if kind == "text":
            blocks.append(Text(raw["text"]))
        elif kind == "facts":
            blocks.append(Facts(tuple(Fact(label, value) for label, value in raw["facts"])))
        elif kind == "divider":
            blocks.append(Divider())
        elif kind == "chart":
            blocks.append(Chart(b"", raw.get("alt", ""), raw.get("name", "chart.png"), raw.get("token", "")))
    buttons = tuple(
        Button(b["label"], b["action_id"], dict(b.get("value") or {}), b.get("style")) for b in d.get("buttons", [])
    )
    return Card(
        title=d["title"], blocks=tuple(blocks), buttons=buttons, footer=d.get("footer"), kind=d.get("kind", "info")
    )
