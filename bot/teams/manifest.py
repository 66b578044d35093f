"""The Teams app package: manifest.json (schema 1.16) plus the two icons, zipped for upload to Teams.

Owns what the bot asks Teams for: a bot in personal, team and group-chat scope with its command list, the
resource-specific permission ChannelMessage.Read.Group (so replies in a card's thread arrive without an
@mention and count as comments), the valid domain serving chart images, and generated icons (color 192x192,
outline 32x32 white on transparent) so no binary files live in the repository.
`python -m bot teams-manifest --app-id ID --host HOST [--out FILE.zip]` calls `write_package`.
"""

from __future__ import annotations

import io
import json
import re
import struct
import uuid
import zipfile
import zlib
from pathlib import Path
from typing import Any

__all__ = ["ManifestError", "build_manifest", "write_package", "png", "SCHEMA_VERSION"]

SCHEMA_VERSION = "1.16"
_SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{SCHEMA_VERSION}/MicrosoftTeams.schema.json"
_HOST = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$")
_ACCENT = (0x2E, 0x6F, 0xD8)

COMMANDS = (
    ("help", "What I can answer, with examples"),
    ("do we reach the target?", "The chance to reach the target, with the range of outcomes"),
    ("what if win rate drops to 22%", "A scenario: the chance to reach the target, before and after"),
    ("drivers", "Which driver moves the chance to reach the target most"),
    ("baseline sample", "Load the sample team's numbers into this channel"),
    ("baseline show", "The numbers this channel's answers use"),
)


class ManifestError(ValueError):
    """A bad --app-id or --host; the message names the option and gives an example."""


def _app_id(value: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ManifestError(
            f"--app-id: expected the bot's Microsoft App ID, a GUID like 8c2f6f0e-1b7a-4c1e-9d35-2a1f0b6e4c11, "
            f"got {value!r}"
        ) from None


def _host(value: str) -> str:
    host = value.strip().lower()
    host = re.sub(r"^[a-z]+://", "", host).split("/", 1)[0]
    if not _HOST.match(host):
        raise ManifestError(
            f"--host: expected the public host name that serves the bot (no scheme, port or path), "
            f"like scenario.example.com, got {value!r}"
        )
    return host


def build_manifest(app_id: str, host: str, *, version: str = "1.0.0") -> dict[str, Any]:
    """manifest.json as a dict. Raises ManifestError for an app id that is not a GUID or a bad host."""
    app_id, host = _app_id(app_id), _host(host)
    scopes = ["personal", "team", "groupChat"]
    return {
        "$schema": _SCHEMA,
        "manifestVersion": SCHEMA_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": "Sales Scenario bot",
            "websiteUrl": f"https://{host}/",
            "privacyUrl": f"https://{host}/privacy",
            "termsOfUseUrl": f"https://{host}/terms",
        },
        "name": {"short": "Scenario", "full": "Sales Scenario bot"},
        "description": {
            "short": "Ask 'what if' about reaching the sales target, in the channel.",
            "full": (
                "Answers what-if questions about reaching the sales target with a probability, not a guess: "
                "@mention Scenario in a channel or chat with it directly. Each answer is a scenario card the team "
                "discusses: reactions are likes, replies in the card's thread are comments."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*_ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": scopes,
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": scopes, "commands": [{"title": t, "description": d} for t, d in COMMANDS]}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
        "webApplicationInfo": {"id": app_id, "resource": f"api://{host}/{app_id}"},
        "authorization": {
            "permissions": {"resourceSpecific": [{"name": "ChannelMessage.Read.Group", "type": "Application"}]}
        },
    }


def png(width: int, height: int, pixel) -> bytes:
    """An RGBA PNG where `pixel(x, y)` gives (r, g, b, a); stdlib only (zlib), so no imaging dependency."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter type 0 for each scanline
        for x in range(width):
            raw.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


def _bars(size: int, x: int, y: int) -> bool:
    """Three rising bars, the app's mark, on a size x size canvas."""
    unit = size / 8
    for i, height in enumerate((2, 3.5, 5)):
        left = unit * (1.5 + i * 1.9)
        if left <= x < left + unit * 1.2 and size - unit * 1.5 - unit * height <= y < size - unit * 1.5:
            return True
    return False


def _icons() -> dict[str, bytes]:
    white, clear = (255, 255, 255, 255), (0, 0, 0, 0)
    color = png(192, 192, lambda x, y: white if _bars(192, x, y) else (*_ACCENT, 255))
    outline = png(32, 32, lambda x, y: white if _bars(32, x, y) else clear)
    return {"color.png": color, "outline.png": outline}


def write_package(app_id: str, host: str, out: str | Path) -> Path:
    """Write the zip (manifest.json, color.png, outline.png at its root, as Teams requires); returns its path."""
    manifest = build_manifest(app_id, host)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2))
        for name, data in _icons().items():
            package.writestr(name, data)
    path = Path(out)
    path.write_bytes(buffer.getvalue())
    return path
