"""Card -> Slack Block Kit: the blocks and the plain-text fallback `text` of chat.postMessage/chat.update.

Owns the mapping of the neutral card onto `slack_sdk.models.blocks` (whose validators enforce Slack's limits)
and the escaping of user text. The chart is not an image block: Slack image blocks need a public URL, so the
Slack outbox uploads the PNG under the card with files_upload_v2 and the card shows the chart's alt text.
Block ids are stable ("title", "facts-2", "actions", "footer") so chat.update and tests can find blocks.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.core.cards import MAX_TITLE, Card, Chart, Divider, Facts, Text
from bot.core.formatting import SLACK_MRKDWN, USER_START, clean, render, slack_escape, slack_user, unmark

__all__ = ["render_blocks", "escape", "mrkdwn"]

MAX_FIELDS = 10  # Slack: at most 10 fields per section
MAX_FIELD_TEXT = 2000
MAX_SECTION_TEXT = 3000
MAX_FALLBACK = 40000  # Slack truncates a message's `text` past 40,000 characters


def escape(text: str) -> str:
    """Slack's three control characters as entities; everything else Slack shows as written."""
    return slack_escape(text)


def mrkdwn(text: str) -> str:
    """Card markdown to Slack mrkdwn: the bot's *bold*, _italic_ and <url|label> links kept, its other <, >, &
    escaped; people's text (marked by `user`) escaped whole, so a question such as "<!channel>" or
    "<https://evil|Reset your password>" shows as text, never as a mention or a link."""
    return render(text, SLACK_MRKDWN)


def _mrkdwn_object(text: str, limit: int) -> MarkdownTextObject:
    """A mrkdwn text object; `verbatim` when it holds people's text, so Slack does not auto-link or parse
    mentions in it either (the bot's own links are explicit <url|label> and need no auto-linking)."""
    verbatim = True if USER_START in text else None
    return MarkdownTextObject(text=_fit(mrkdwn(text), limit), verbatim=verbatim)


def _fit(text: str, limit: int) -> str:
    """Cut to `limit` characters with an ellipsis, never inside an entity such as '&amp;'."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def _header(title: str) -> HeaderBlock:
    # The title is plain text (a plain_text object: no mrkdwn, no mentions). Escaping can lengthen it past the
    # 150-character header limit: shorten the raw text until it fits.
    raw = clean(unmark(title))
    text = escape(raw)
    while len(text) > MAX_TITLE:
        raw = raw[:-1]
        text = escape(raw.rstrip()) + "…"
    return HeaderBlock(block_id="title", text=PlainTextObject(text=text, emoji=True))


def _facts(facts: Facts, index: int) -> list[SectionBlock]:
    fields = [_mrkdwn_object(f"*{f.label}*\n{f.value}" if f.label else f.value, MAX_FIELD_TEXT) for f in facts.facts]
    chunks = [fields[i : i + MAX_FIELDS] for i in range(0, len(fields), MAX_FIELDS)] or [[]]
    return [
        SectionBlock(block_id=f"facts-{index}" if n == 0 else f"facts-{index}-{n}", fields=chunk)
        for n, chunk in enumerate(chunks)
        if chunk
    ]


def _body(card: Card) -> list[Block]:
    blocks: list[Block] = []
    for index, block in enumerate(card.blocks):
        if isinstance(block, Text):
            blocks.append(SectionBlock(block_id=f"text-{index}", text=_mrkdwn_object(block.text, MAX_SECTION_TEXT)))
        elif isinstance(block, Facts):
            blocks.extend(_facts(block, index))
        elif isinstance(block, Chart):
            alt = _mrkdwn_object(":bar_chart: " + block.alt, MAX_SECTION_TEXT)
            blocks.append(ContextBlock(block_id="chart", elements=[alt]))
        elif isinstance(block, Divider):
            blocks.append(DividerBlock(block_id=f"divider-{index}"))
    return blocks


def render_blocks(card: Card) -> tuple[list[dict], str]:
    """Block Kit blocks (dicts, ready for chat.postMessage) and the fallback text with every number."""
    blocks: list[Block] = [_header(card.title), *_body(card)]
    if card.buttons:
        buttons = [
            ButtonElement(
                text=PlainTextObject(text=unmark(b.label), emoji=True),
                action_id=b.action_id,
                value=b.value_json(),
                style=b.style,
            )
            for b in card.buttons
        ]
        blocks.append(ActionsBlock(block_id="actions", elements=buttons))
    if card.footer:
        # plain text ("2 likes · 1 comment", "Used as baseline v3 by Dana"): escaped whole, as a person's text
        footer = MarkdownTextObject(text=_fit(slack_user(clean(unmark(card.footer))), MAX_SECTION_TEXT))
        blocks.append(ContextBlock(block_id="footer", elements=[footer]))
    # Slack parses <...> and mrkdwn in `text` too (notifications show it): the same escaping as the blocks
    fallback = _fit(mrkdwn(card.fallback_text(keep_marks=True)), MAX_FALLBACK)
    return [b.to_dict() for b in blocks], fallback
