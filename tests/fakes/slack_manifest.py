"""Reads manifests/slack.yaml for the fakes and the fidelity tests: the scopes the app asks for, the events it
subscribes to, App Home.

Owns a deliberately small YAML reader (the project has no YAML dependency, and the manifest uses a plain
subset): nested mappings by indentation, `- item` lists of scalars or of mappings, `# comments`, quoted
scalars, `true`/`false`, and `>-` folded blocks. Anything outside that subset raises ValueError naming the
line, so a manifest edit that this reader cannot follow fails loudly instead of being half read.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["MANIFEST", "load", "parse", "bot_scopes", "bot_events"]

MANIFEST = Path(__file__).resolve().parents[2] / "manifests" / "slack.yaml"
_FOLDED = "\x00"  # marks a block scalar already folded into one line: taken as text, never re-read
_KEY = re.compile(r"^(?P<key>[A-Za-z0-9_.\-/]+):(?:\s+(?P<value>.*))?$")


def _strip_comment(text: str) -> str:
    # a '#' starts a comment at line start or after whitespace, outside quotes
    quote = None
    for i, ch in enumerate(text):
        if ch in "\"'" and quote in (None, ch):
            quote = None if quote else ch
        elif ch == "#" and quote is None and (i == 0 or text[i - 1].isspace()):
            return text[:i].rstrip()
    return text.rstrip()


def _scalar(text: str) -> Any:
    text = text.strip()
    if text.startswith(_FOLDED):
        return text[1:]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def parse(text: str) -> dict[str, Any]:
    """The manifest as nested dicts and lists."""
    raw = text.splitlines()
    lines: list[tuple[int, int, str]] = []  # (line number, indent, content)
    i = 0
    while i < len(raw):
        content = _strip_comment(raw[i])
        if content.strip():
            indent = len(content) - len(content.lstrip(" "))
            body = content.strip()
            if body.endswith((": >-", ": >", ": |", ": |-")):
                # a block scalar: the following more-indented lines, folded into one line
                key = body.rsplit(":", 1)[0]
                parts = []
                i += 1
                while i < len(raw) and (not raw[i].strip() or len(raw[i]) - len(raw[i].lstrip(" ")) > indent):
                    parts.append(raw[i].strip())
                    i += 1
                lines.append((i, indent, f"{key}: {_FOLDED}{' '.join(p for p in parts if p)}"))
                continue
            lines.append((i + 1, indent, body))
        i += 1
    value, end = _block(lines, 0, 0)
    if end != len(lines):
        raise ValueError(f"manifest line {lines[end][0]}: unexpected indentation")
    if not isinstance(value, dict):
        raise ValueError("manifest: the top level must be a mapping")
    return value


def _block(lines: list[tuple[int, int, str]], start: int, indent: int) -> tuple[Any, int]:
    if start >= len(lines):
        return None, start
    if lines[start][2].startswith("- "):
        return _list(lines, start, lines[start][1])
    return _mapping(lines, start, lines[start][1])


def _mapping(lines: list[tuple[int, int, str]], start: int, indent: int) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    i = start
    while i < len(lines) and lines[i][1] == indent and not lines[i][2].startswith("- "):
        number, _, body = lines[i]
        match = _KEY.match(body)
        if match is None:
            raise ValueError(f"manifest line {number}: expected 'key: value', got {body!r}")
        key, value = match["key"], match["value"]
        i += 1
        if value is not None and value != "":
            out[key] = _scalar(value)
        elif i < len(lines) and (lines[i][1] > indent or (lines[i][1] == indent and lines[i][2].startswith("- "))):
            out[key], i = _block(lines, i, lines[i][1])
        else:
            out[key] = None
    if i < len(lines) and lines[i][1] > indent:
        raise ValueError(f"manifest line {lines[i][0]}: unexpected indentation")
    return out, i


def _list(lines: list[tuple[int, int, str]], start: int, indent: int) -> tuple[list[Any], int]:
    out: list[Any] = []
    i = start
    while i < len(lines) and lines[i][1] == indent and lines[i][2].startswith("- "):
        number, _, body = lines[i]
        item = body[2:].strip()
        if _KEY.match(item):
            # "- key: value" opens a mapping whose other keys sit two columns further in
            lines[i] = (number, indent + 2, item)
            value, i = _mapping(lines, i, indent + 2)
            out.append(value)
        else:
            out.append(_scalar(item))
            i += 1
    return out, i


@cache
def load(path: Path = MANIFEST) -> dict[str, Any]:
    return parse(path.read_text(encoding="utf-8"))


def bot_scopes(manifest: dict[str, Any] | None = None) -> frozenset[str]:
    """The bot token scopes the manifest asks for (oauth_config.scopes.bot)."""
    manifest = load() if manifest is None else manifest
    return frozenset(((manifest.get("oauth_config") or {}).get("scopes") or {}).get("bot") or [])


def bot_events(manifest: dict[str, Any] | None = None) -> frozenset[str]:
    """The Events API events the manifest subscribes the bot to (settings.event_subscriptions.bot_events)."""
    manifest = load() if manifest is None else manifest
    return frozenset(((manifest.get("settings") or {}).get("event_subscriptions") or {}).get("bot_events") or [])
