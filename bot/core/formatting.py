"""How numbers and text read on every card and message: money, percentages, rates, driver values, and
people's text kept apart from the bot's markup.

Owns the short forms people scan in a channel ("$2.99M", "42%", "9.1") and the rules that keep them honest:
a probability is never shown as "0%" or "100%" unless it is exactly that, because "0%" on a card reads as
"impossible" and makes the team stop arguing. Owns, too, the one tokenizer of the bot's markup and the
escaping of people's text for Slack mrkdwn, Teams Markdown and plain text (see `user`, `render`), which the
three renderers share. Pure functions, no platform and no engine imports.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = [
    "money",
    "money_full",
    "pct",
    "rate",
    "driver_value",
    "number",
    "CURRENCY_SYMBOLS",
    "user",
    "mark_user",
    "unmark",
    "clean",
    "runs",
    "parse",
    "render",
    "message_text",
    "Span",
    "Dialect",
    "SLACK_MRKDWN",
    "TEAMS_MARKDOWN",
    "PLAIN",
    "slack_escape",
    "slack_user",
    "teams_user",
    "USER_START",
    "USER_END",
]

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}

_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _prefix(currency: str) -> str:
    code = (currency or "USD").upper()
    symbol = CURRENCY_SYMBOLS.get(code)
    return symbol if symbol else f"{code} "


def _three_significant(x: float) -> str:
    """1.23, 12.3, 123: always three significant digits ("2.50", "3.00"), so figures side by side on a card
    ("$3.70M", "$3.00M", "$3.03M") read with the same precision and a rounded one does not look exact."""
    decimals = 2 if round(x, 2) < 10 else 1 if round(x, 1) < 100 else 0
    return f"{x:.{decimals}f}"


def money(x: float, currency: str = "USD") -> str:
    """Short money: "$2.99M", "$812k", "€300k", "$950", "CHF 1.20M", "-$40.0k", "$3.00M" (three significant
    digits, one rule for every card and chart)."""
    x = float(x)
    if not math.isfinite(x):
        return f"{_prefix(currency)}{x}"
    sign = "-" if x < 0 else ""
    value = abs(x)
    for size, unit in _UNITS:
        # 999,600 rounds to 1.00M rather than "1000k": compare against the rounding edge
        if value >= size * 0.9995:
            return f"{sign}{_prefix(currency)}{_three_significant(value / size)}{unit}"
    return f"{sign}{_prefix(currency)}{value:,.0f}"


def money_full(x: float, currency: str = "USD") -> str:
    """Money to the unit with thousands separators: "$2,993,443"."""
    x = float(x)
    sign = "-" if x < 0 else ""
    return f"{sign}{_prefix(currency)}{abs(x):,.0f}"


def pct(p: float) -> str:
    """A probability as a percentage: "42%"; one decimal under 1% and over 99% ("0.4%", "99.6%").

    Never "0%" or "100%" unless p is exactly 0 or 1: a tiny chance prints "<0.1%", a near-certainty ">99.9%".
    """
    p = float(p)
    if p <= 0:
        return "0%"
    if p >= 1:
        return "100%"
    value = p * 100
    if 1 <= value <= 99:
        text = f"{value:.0f}"
        return f"{text}%"
    text = f"{value:.1f}"
    if text == "0.0":
        return "<0.1%"
    if text == "100.0":
        return ">99.9%"
    if text in ("1.0", "99.0"):  # the edges of the whole-number range
        text = text[:-2]
    return f"{text}%"


def rate(x: float) -> str:
    """New opportunities per rep per week, one decimal: "9.1"."""
    return f"{float(x):.1f}"


def number(x: float) -> str:
    """A count or plain quantity: "10", "10.5" (no trailing ".0")."""
    x = float(x)
    return f"{x:,.0f}" if x == round(x) else f"{x:,.1f}"


def _share(x: float) -> str:
    """A rate such as a win rate (0.225) as a percentage with at most one decimal: "22.5%"."""
    text = f"{float(x) * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def driver_value(driver: str, value: float | str | None, currency: str = "USD") -> str:
    """A driver's value as the bot echoes it: win rate "25%", deal size "$20k", cycle "4 weeks", reps "10"."""
    if value is None:
        return "—"
    if driver in ("win_rate", "deal"):
        return _share(float(value))
    if driver in ("target", "booked", "deal_size"):
        return money(float(value), currency)
    if driver == "new_opps_per_rep_week":
        return rate(float(value))
    if driver == "cycle_weeks":
        return f"{number(float(value))} weeks"
    if driver == "reps":
        return number(float(value))
    return str(value)


# ---------------------------------------------------------------------------------------------------------------
# People's text and the bot's own markup
#
# Every string a card or message shows is written by the bot, in a small markup (*bold*, _italic_,
# <https://url|label> links), but often has people's text inside it: a question, a comment, a display name, a
# file name, a deal or column name from a CSV. `user(text)` marks such a run (between two control characters
# that `user` strips from the text itself), so the f-strings, joins and trims that build cards keep working;
# `parse` splits a marked string into spans with ONE tokenizer for the bot's markup, and `render` writes the
# spans in a `Dialect`: Slack mrkdwn, Teams Markdown or plain text. People's text never becomes markup there:
# no `<!channel>`, `<@U..>`, `<https://evil|label>`, `[label](https://evil)` or `**bold**` typed by someone
# reaches a platform as anything but the characters they typed.

USER_START = "\x0e"  # SO and SI: control characters nobody types, and `user` drops them from the text
USER_END = "\x0f"
_PLACE = "\ufffc"  # stands for one run of people's text while the bot's markup is tokenized
ZWSP = "\u200b"

# control characters (except tab and newline; ESC starts ANSI sequences) and the invisible bidi overrides that
# can make "invoice\u202Egpj.csv" read as something else
_DROP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

_LINK = r"<(?P<url>https?://[^\s<>|\ufffc]+)(?:\|(?P<label>[^<>]*))?>"  # a URL never holds people's text
# *bold* (Slack style) but not **bold** already, nor a lone '*' in "5 * 3"; _italic_ but not snake_case
_BOLD = r"(?<![\w*])\*(?=\S)(?P<bold>[^*\n]+?)(?<=\S)\*(?![\w*])"
_ITALIC = r"(?<!\w)_(?=\S)(?P<italic>[^_\n]+?)(?<=\S)_(?!\w)"
_MARKUP = re.compile(f"{_LINK}|{_BOLD}|{_ITALIC}")


def clean(text: str) -> str:
    """`text` without control characters (tab and newline kept) and bidi overrides: safe for a terminal."""
    return _DROP.sub("", text)


def user(text: object) -> str:
    """`text` marked as written by a person: every renderer shows it literally, never as markup."""
    words = clean(str(text))
    return f"{USER_START}{words}{USER_END}" if words else ""


def mark_user(text: str, value: str) -> str:
    """`text` (a bot sentence built elsewhere) with every occurrence of the person's `value` marked by `user`."""
    return text.replace(value, user(value)) if value and USER_START not in text else text


def unmark(text: str) -> str:
    """The words as written, marks removed: plain-text fallbacks, notifications, alt texts, button labels."""
    return text.replace(USER_START, "").replace(USER_END, "")


def runs(text: str) -> list[tuple[bool, str]]:
    """(is_people's_text, text) runs in order; an unclosed run (a trimmed title) is people's text to the end."""
    out: list[tuple[bool, str]] = []
    pos = 0
    while pos < len(text):
        start = text.find(USER_START, pos)
        if start == -1:
            start = len(text)
        if start > pos:
            out.append((False, text[pos:start].replace(USER_END, "")))
        if start == len(text):
            break
        end = text.find(USER_END, start + 1)
        end = len(text) if end == -1 else end
        if end > start + 1:
            out.append((True, text[start + 1 : end]))
        pos = end + 1
    return out


@dataclass(frozen=True, slots=True)
class Span:
    """One piece of a marked string: "words" (the bot's), "user" (a person's), "bold", "italic" (holding
    `inner` spans) or "link" (`text` is the URL, `inner` the label, empty for a bare URL)."""

    kind: str
    text: str = ""
    inner: tuple[Span, ...] = ()


def _words(segment: str, people: Iterator[str]) -> list[Span]:
    out: list[Span] = []
    for n, part in enumerate(segment.split(_PLACE)):
        if n:
            out.append(Span("user", next(people)))
        if part:
            out.append(Span("words", part))
    return out


def _spans(skeleton: str, people: Iterator[str]) -> list[Span]:
    out: list[Span] = []
    pos = 0
    for match in _MARKUP.finditer(skeleton):
        out += _words(skeleton[pos : match.start()], people)
        if match.group("url") is not None:
            label = match.group("label") or ""
            out.append(Span("link", match.group("url"), tuple(_words(label, people))))
        elif match.group("bold") is not None:
            out.append(Span("bold", inner=tuple(_spans(match.group("bold"), people))))
        else:
            out.append(Span("italic", inner=tuple(_spans(match.group("italic"), people))))
        pos = match.end()
    return out + _words(skeleton[pos:], people)


def parse(text: str) -> tuple[Span, ...]:
    """The bot's markup as spans, with each run of people's text one opaque "user" span: a person's `*`, `<`
    or `_` can neither open markup nor close the bot's."""
    skeleton: list[str] = []
    people: list[str] = []
    for is_user, part in runs(text):
        if is_user:
            skeleton.append(_PLACE)
            people.append(part)
        else:
            skeleton.append(part.replace(_PLACE, ""))
    return tuple(_spans("".join(skeleton), iter(people)))


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one target writes the spans: the bot's plain words, a person's text (escaped), bold, italic, a
    link (url, rendered label or "")."""

    words: Callable[[str], str]
    user: Callable[[str], str]
    bold: Callable[[str], str]
    italic: Callable[[str], str]
    link: Callable[[str, str], str]


def _write(spans: tuple[Span, ...], dialect: Dialect) -> str:
    out: list[str] = []
    for span in spans:
        if span.kind == "words":
            out.append(dialect.words(span.text))
        elif span.kind == "user":
            out.append(dialect.user(span.text))
        elif span.kind == "bold":
            out.append(dialect.bold(_write(span.inner, dialect)))
        elif span.kind == "italic":
            out.append(dialect.italic(_write(span.inner, dialect)))
        else:
            out.append(dialect.link(span.text, _write(span.inner, dialect)))
    return "".join(out)


def render(text: str, dialect: Dialect) -> str:
    """A marked string written in `dialect`."""
    return _write(parse(text), dialect)


def _could_format(text: str, i: int) -> bool:
    """Whether the marker at text[i] could open or close emphasis (start/end of a person's run count as edges)."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    opens = not before.isalnum() and not after.isspace()
    closes = not before.isspace() and not after.isalnum()
    return opens or closes


def slack_escape(text: str) -> str:
    """Slack's three control characters as entities (what Slack asks for; it shows them as written)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def slack_user(text: str) -> str:
    """A person's text in Slack mrkdwn: &, <, > as entities (so no `<!channel>`, `<@U..>` or `<url|label>`
    survives), a zero-width space on both sides of a *, _, ~ or ` that could start or end formatting (Slack
    has no backslash escape; either way Slack reads the space, the marker no longer touches a word), and one
    after the @ of @channel, @here, @everyone."""
    text = _BROADCAST.sub(lambda m: f"@{ZWSP}{m.group(1)}", slack_escape(text))
    out = []
    for i, char in enumerate(text):
        if char == "`" or (char in "*_~" and _could_format(text, i)):
            out.append(f"{ZWSP}{char}{ZWSP}")
        else:
            out.append(char)
    return "".join(out)


def teams_user(text: str) -> str:
    """A person's text in Teams Markdown: a backslash before every character that could make markup (links,
    autolinks, emphasis, code, strike; < and > also because some clients read a TextBlock holding them as
    HTML); an underscore inside a word stays as it is (it formats nothing)."""
    out = []
    for i, char in enumerate(text):
        if char in "\\*[]~`<>" or (char == "_" and _could_format(text, i)):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


SLACK_MRKDWN = Dialect(
    words=slack_escape,
    user=slack_user,
    bold=lambda inner: f"*{inner}*",
    italic=lambda inner: f"_{inner}_",
    link=lambda url, label: f"<{url}|{label}>" if label else f"<{url}>",
)
TEAMS_MARKDOWN = Dialect(
    words=lambda words: words,
    user=teams_user,
    bold=lambda inner: f"**{inner}**",
    italic=lambda inner: f"_{inner}_",
    link=lambda url, label: f"[{label or url}]({url})",
)
PLAIN = Dialect(
    words=clean,
    user=clean,
    bold=lambda inner: inner,
    italic=lambda inner: inner,
    link=lambda url, label: f"{label} ({url})" if label else url,
)
# A plain message's own words in Slack when none of its < could pair with a later > (a lone "<0.1%" opens no
# control sequence): left as written, but for text that reads as one of Slack's entities.
_SLACK_MESSAGE = Dialect(
    words=lambda words: re.sub(r"&(?=amp;|lt;|gt;)", "&amp;", words),
    user=slack_user,
    bold=SLACK_MRKDWN.bold,
    italic=SLACK_MRKDWN.italic,
    link=SLACK_MRKDWN.link,
)


def _bot_words(spans: tuple[Span, ...]) -> Iterator[str]:
    for span in spans:
        if span.kind == "words":
            yield span.text
        elif span.kind != "user":
            yield from _bot_words(span.inner)


def message_text(platform: str, text: str) -> str:
    """A plain message (outbox.send/notify with a string) written for `platform`: Slack parses `<...>` and
    mrkdwn in a message's text, Teams reads Markdown, the console gets plain words. Call it on a bot template
    holding `user(...)` runs, e.g. message_text(turn.place.platform, f"{user(name)} is not a CSV file").
    People's text is always escaped; the bot's own words in Slack only when a < of theirs could pair with a
    later > ("now <0.1% (was >99.9%)")."""
    spans = parse(text)
    if platform == "slack":
        words = "".join(_bot_words(spans))
        opened = words.find("<")
        pairs = opened != -1 and ">" in words[opened:]
        return _write(spans, SLACK_MRKDWN if pairs else _SLACK_MESSAGE)
    return _write(spans, TEAMS_MARKDOWN if platform == "teams" else PLAIN)
