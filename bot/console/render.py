"""Card -> terminal text for the local console, and a Form -> the prompt the console asks.

Owns the plain-text layout: the title underlined, text with the card markdown reduced to plain words, facts
as aligned `label: value` columns, the chart as the path it was saved to (or its alt text), buttons as
numbered choices the user picks with `/click N`, then the footer.
"""

from __future__ import annotations

from typing import Any

from bot.core.cards import Card, Chart, Divider, Facts, Form, FormField, Text
from bot.core.formatting import PLAIN, clean, render, unmark

__all__ = ["render_text", "render_form_prompt", "plain"]


def plain(text: str) -> str:
    """Card markdown as a terminal shows it: *bold* and _italic_ marks dropped, links as 'label (url)';
    people's text as typed, but without control characters (no ANSI escape reaches the terminal)."""
    return render(text, PLAIN)


def _line(text: str) -> str:
    """A plain-text field (title, footer, button label): marks and control characters removed."""
    return clean(unmark(text))


def _facts(block: Facts) -> list[str]:
    labels = [plain(f.label) for f in block.facts]
    width = max((len(label) for label in labels), default=0)
    return [
        f"  {(label + ':').ljust(width + 1)} {plain(f.value)}" if label else f"  {plain(f.value)}"
        for label, f in zip(labels, block.facts, strict=True)
    ]


def render_text(card: Card, *, chart_path: str | None = None) -> str:
    """The card as lines of text; `chart_path` is where the console saved the chart PNG, if it did."""
    title = _line(card.title)
    lines = [title, "=" * min(len(title), 80)]
    for block in card.blocks:
        if isinstance(block, Text):
            lines.append(plain(block.text))
        elif isinstance(block, Facts):
            lines.extend(_facts(block))
        elif isinstance(block, Chart):
            lines.append(f"[chart saved to {chart_path}]" if chart_path else f"[chart] {plain(block.alt)}")
        elif isinstance(block, Divider):
            lines.append("-" * 40)
    if card.buttons:
        choices = "  ".join(f"[{n}] {_line(b.label)}" for n, b in enumerate(card.buttons, start=1))
        lines.append(f"{choices} — type /click N")
    if card.footer:
        lines.append(_line(card.footer))
    return "\n".join(lines)


_KIND_HINTS = {
    "users": "people: @names separated by commas, e.g. @priya, @sam",
    "number": "a number, e.g. 8",
    "date": "a date, e.g. 2026-12-03",
    "time": "a time of day, e.g. 14:30",
}


def _choices(f: FormField) -> str:
    return "one of: " + ", ".join(f"{o.value} ({o.label})" if o.label != o.value else o.value for o in f.options)


def render_form_prompt(form: Form) -> str:
    """What the console prints before reading a form's answers, field by field."""
    lines = [form.title, "=" * min(len(form.title), 80)]
    for n, f in enumerate(form.fields, start=1):
        if f.kind != "text":
            optional = ", may be left empty" if f.optional else ""
            lines.append(f"{n}. {f.label} ({_KIND_HINTS.get(f.kind) or _choices(f)}{optional})")
            continue
        how = "several lines, end with an empty line" if f.multiline else "one line"
        # a placeholder that already reads "e.g. ..." is not prefixed again ("e.g. e.g.")
        example = f.placeholder if f.placeholder.lower().startswith("e.g.") else f"e.g. {f.placeholder}"
        hint = f", {example}" if f.placeholder else ""
        lines.append(f"{n}. {f.label} ({how}, at most {f.max_length} characters{hint})")
    lines.append(f"Answer each in turn (/cancel to stop); the answers are then sent as “{form.submit_label}”.")
    return "\n".join(lines)


def console_value(f: FormField, typed: str) -> Any:
    """A typed answer as the platforms would submit it: "users" as a list of ids (@names, lower-cased: the
    console's people are their names), a select's option by value or label, anything else as typed."""
    if f.kind == "users":
        return [name.strip().lstrip("@").lower() for name in typed.split(",") if name.strip().lstrip("@")]
    if f.kind == "select":
        wanted = typed.strip().lower()
        for option in f.options:
            if wanted in (option.value.lower(), option.label.lower()):
                return option.value
        return typed.strip()
    return typed[: f.max_length] if f.kind == "text" else typed.strip()
