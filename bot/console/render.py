"""Card -> terminal text for the local console, and a Form -> the prompt the console asks.

Owns the plain-text layout: the title underlined, text with the card markdown reduced to plain words, facts
as aligned `label: value` columns, the chart as the path it was saved to (or its alt text), buttons as
numbered choices the user picks with `/click N`, then the footer.
"""

from __future__ import annotations

from bot.core.cards import Card, Chart, Divider, Facts, Form, Text
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


def render_form_prompt(form: Form) -> str:
    """What the console prints before reading a form's answers, field by field."""
    lines = [form.title, "=" * min(len(form.title), 80)]
    for n, f in enumerate(form.fields, start=1):
        how = "several lines, end with an empty line" if f.multiline else "one line"
        # a placeholder that already reads "e.g. ..." is not prefixed again ("e.g. e.g.")
        example = f.placeholder if f.placeholder.lower().startswith("e.g.") else f"e.g. {f.placeholder}"
        hint = f", {example}" if f.placeholder else ""
        lines.append(f"{n}. {f.label} ({how}, at most {f.max_length} characters{hint})")
    lines.append(f"Answer each in turn (/cancel to stop); the answers are then sent as “{form.submit_label}”.")
    return "\n".join(lines)
