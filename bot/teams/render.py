"""Card -> Microsoft Teams Adaptive Card (schema 1.5) as a plain dict; Form -> an input card.

Owns the mapping of the neutral card onto Adaptive Card elements and of the card's markdown subset onto the
Markdown Teams renders (*bold* -> **bold**, <url|label> -> [label](url)); people's text (the title, `user`
runs) is backslash-escaped there, so "[Reset your password](https://evil)" or "**" typed by someone shows as
typed. The tokenizer and the escaping are bot.core.formatting's, shared with the Slack and console renderers.
Pure dicts: wrapping into an Attachment (botbuilder's CardFactory) happens in the Teams outbox, so this module
needs no SDK.

Buttons are `Action.Submit`, not `Action.Execute`: Submit works in every Teams client (desktop, web, mobile)
and in the Bot Framework Emulator, and arrives as an ordinary message activity whose `value` holds the data
({"action_id": ..., **button.value}); bot/teams translates that into the same ActionInvoked event a Slack
button produces. Execute would need an invoke response within seconds and a refresh model we do not use.

Teams shows at most 6 top-level actions (maxActions in its host config) and silently drops the rest. A card with
more buttons keeps them all: the largest family of buttons (action ids sharing a prefix, e.g. the import
preview's "import.driver.<name>" switches) folds into one Action.ShowCard ("Change drivers…") that opens them
inline, until 6 remain; without such a family the last ones fold into "More…".
"""

from __future__ import annotations

from typing import Any

from bot.core.cards import Button, Card, Chart, Divider, Facts, Form, FormField, Text
from bot.core.formatting import TEAMS_MARKDOWN, clean, render, teams_user, unmark

__all__ = ["render_adaptive", "render_form", "markdown", "SCHEMA", "VERSION", "MAX_ACTIONS"]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
MAX_ACTIONS = 6  # maxActions in the Teams host config (microsoft-teams-light.json)
# the title of a folded family of buttons, by the action id prefix they share; others fold under "More…"
GROUP_TITLES = {"import.driver": "Change drivers…"}


def _line_breaks(text: str) -> str:
    """TextBlock text is Markdown, where a single newline is no break (microsoft/AdaptiveCards#5538): paragraphs
    get a blank line between them; consecutive '- ' list items keep one newline so they stay one list."""
    lines = text.split("\n")
    out = lines[:1]
    for previous, line in zip(lines, lines[1:], strict=False):
        list_item = previous.startswith("- ") and line.startswith("- ")
        out.append(("\n" if list_item else "\n\n") + line)
    return "".join(out)


def markdown(text: str) -> str:
    """Card markdown to Teams Markdown: **bold**, _italic_ unchanged, [label](url) links, paragraph breaks;
    people's text escaped."""
    return _line_breaks(render(text, TEAMS_MARKDOWN))


def _plain(text: str) -> str:
    """A plain-text field (title, footer) in a TextBlock, which Teams reads as Markdown: escaped whole."""
    return teams_user(clean(unmark(text)))


def _text_block(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def _body(card: Card, image_url: str | None) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = [
        # the title is plain text, often the question as typed: escaped, so "*" in a question stays a "*"
        _text_block(_plain(card.title), size="Large", weight="Bolder", id="title", style="heading"),
    ]
    for block in card.blocks:
        if isinstance(block, Text):
            body.append(_text_block(markdown(block.text)))
        elif isinstance(block, Facts):
            facts = [{"title": render(f.label, TEAMS_MARKDOWN), "value": markdown(f.value)} for f in block.facts]
            body.append({"type": "FactSet", "facts": facts})
        elif isinstance(block, Chart):
            if image_url:
                body.append({"type": "Image", "url": image_url, "altText": unmark(block.alt), "size": "Stretch"})
            else:
                body.append(_text_block(markdown(block.alt), isSubtle=True, size="Small", id="chart"))
        elif isinstance(block, Divider):
            body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": []})
    if card.footer:
        body.append(_text_block(_plain(card.footer), isSubtle=True, size="Small", id="footer", spacing="Medium"))
    return body


def render_adaptive(card: Card, *, image_url: str | None = None) -> dict[str, Any]:
    """The Adaptive Card dict; the chart is an Image when `image_url` is given (PUBLIC_URL/charts/...)."""
    result: dict[str, Any] = {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": VERSION,
        "body": _body(card, image_url),
        # Teams notifications and screen readers use this when the card cannot be shown
        "fallbackText": card.fallback_text(),
    }
    if card.buttons:
        result["actions"] = _actions(list(card.buttons))
    return result


def _submit(b: Button) -> dict[str, Any]:
    return {
        "type": "Action.Submit",
        "title": unmark(b.label),
        "data": {"action_id": b.action_id, **b.value},
        **({"style": "positive" if b.style == "primary" else "destructive"} if b.style else {}),
    }


def _show_card(title: str, buttons: list[Button]) -> dict[str, Any]:
    inner = {"type": "AdaptiveCard", "body": [], "actions": [_submit(b) for b in buttons[:MAX_ACTIONS]]}
    return {"type": "Action.ShowCard", "title": title, "card": inner}


def _actions(buttons: list[Button]) -> list[dict[str, Any]]:
    """Top-level actions, never more than MAX_ACTIONS: families of buttons fold into Action.ShowCards."""
    items: list[Button | tuple[str, list[Button]]] = list(buttons)
    while len(items) > MAX_ACTIONS:
        families: dict[str, list[Button]] = {}
        for item in items:
            if isinstance(item, Button) and "." in item.action_id:
                families.setdefault(item.action_id.rsplit(".", 1)[0], []).append(item)
        prefix, members = max(families.items(), key=lambda kv: len(kv[1]), default=("", []))
        if len(members) < 2:
            # no family to fold: the last buttons go under "More…"
            keep = items[: MAX_ACTIONS - 1]
            rest = [b for b in items[MAX_ACTIONS - 1 :] if isinstance(b, Button)]
            items = [*keep, ("More…", rest)]
            break
        first = items.index(members[0])
        group = (GROUP_TITLES.get(prefix, "More…"), members)
        items = [group if i == first else item for i, item in enumerate(items) if item not in members or i == first]
    return [_submit(item) if isinstance(item, Button) else _show_card(*item) for item in items]


def _input(f: FormField) -> dict[str, Any]:
    """The Adaptive Card input for a field's kind. People come from the organisation's directory through the
    people picker (Input.ChoiceSet over the graph.microsoft.com/users dataset; learn.microsoft.com/microsoftteams/
    platform/task-modules-and-cards/cards/people-picker), submitted as comma-separated AAD object ids."""
    # no isRequired: features check what is missing and say so in words, the same on every platform
    item: dict[str, Any] = {"id": f.id, "label": f.label}
    initial = f.initial
    if f.kind == "users":
        item.update(
            type="Input.ChoiceSet",
            choices=[],
            isMultiSelect=f.max_selected > 1,
            style="filtered",
        )
        item["choices.data"] = {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
        if initial:
            item["value"] = ",".join(initial)
    elif f.kind == "select":
        item.update(
            type="Input.ChoiceSet",
            choices=[{"title": o.label, "value": o.value} for o in f.options],
            style="compact",
        )
        if initial:
            item["value"] = str(initial)
    elif f.kind in ("date", "time", "number"):
        item["type"] = {"date": "Input.Date", "time": "Input.Time", "number": "Input.Number"}[f.kind]
        if initial:
            item["value"] = str(initial)
    else:
        item.update(type="Input.Text", isMultiline=f.multiline, maxLength=f.max_length)
        if initial:
            item["value"] = str(initial)[: f.max_length]
    if f.placeholder and f.kind in ("text", "number", "select", "users"):
        item["placeholder"] = f.placeholder
    return item


def render_form(form: Form) -> dict[str, Any]:
    """An input card: one input per field (by its kind) and a Submit whose data names the form and carries its metadata.

    Teams merges the inputs' values into the submitted `value` by input id, next to form_id and metadata."""
    body: list[dict[str, Any]] = [_text_block(form.title, size="Large", weight="Bolder", id="title")]
    body.extend(_input(f) for f in form.fields)
    return {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": VERSION,
        "body": body,
        "actions": [
            {
                "type": "Action.Submit",
                "title": form.submit_label,
                "data": {"form_id": form.form_id, "metadata": dict(form.metadata)},
            }
        ],
    }
