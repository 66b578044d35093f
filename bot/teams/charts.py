"""Chart images for Teams: Adaptive Cards show an image only from a URL Teams can fetch.

Owns an in-memory store of rendered PNGs under unguessable tokens (secrets.token_urlsafe, 256 bits) with an
expiry and a size cap, the `GET /charts/{token}.png` handler that serves them, and which image a posted card
showed (so a footer update, which re-renders the card from its stored payload without the PNG, keeps it).

In memory on purpose for now: a restart forgets the charts (cards posted earlier then show a broken image;
Teams caches images it already fetched), and with several web processes the request must reach the one that
rendered the chart. docs/teams.md says so.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import web

__all__ = ["ChartStore", "ShownImage", "CHART_PATH", "DEFAULT_TTL_SECONDS"]

CHART_PATH = "/charts/{token}.png"
DEFAULT_TTL_SECONDS = 7 * 24 * 3600.0
DEFAULT_MAX_CHARTS = 500
_TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class ShownImage:
    """The chart a posted card showed: its URL, alt text and its position among the card's blocks."""

    url: str
    alt: str
    index: int


class ChartStore:
    """`put(png) -> token`, `get(token) -> png | None`; entries expire after `ttl` seconds and the oldest go
    first beyond `max_charts` (a chart is ~50 kB, so the default cap is ~25 MB)."""

    def __init__(self, *, ttl: float = DEFAULT_TTL_SECONDS, max_charts: int = DEFAULT_MAX_CHARTS, clock=time.monotonic):
        self.ttl = ttl
        self.max_charts = max_charts
        self._clock = clock
        self._charts: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._shown: OrderedDict[str, tuple[float, ShownImage]] = OrderedDict()

    def put(self, png: bytes) -> str:
        self._expire()
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        self._charts[token] = (self._clock() + self.ttl, png)
        while len(self._charts) > self.max_charts:
            self._charts.popitem(last=False)
        return token

    def get(self, token: str) -> bytes | None:
        entry = self._charts.get(token)
        if entry is None or entry[0] < self._clock():
            return None
        return entry[1]

    def remember(self, message_key: str, image: ShownImage) -> None:
        self._shown[message_key] = (self._clock() + self.ttl, image)
        while len(self._shown) > self.max_charts:
            self._shown.popitem(last=False)

    def shown(self, message_key: str) -> ShownImage | None:
        entry = self._shown.get(message_key)
        if entry is None or entry[0] < self._clock():
            return None
        return entry[1]

    def __len__(self) -> int:
        return len(self._charts)

    def _expire(self) -> None:
        now = self._clock()
        for store in (self._charts, self._shown):
            # entries are in insertion order with one TTL, so the expired ones are at the front
            while store and next(iter(store.values()))[0] < now:
                store.popitem(last=False)

    def handler(self):
        """The aiohttp handler for GET /charts/{token}.png: the PNG, or 404 for unknown or expired tokens."""

        async def serve_chart(request: web.Request) -> web.Response:
            png = self.get(request.match_info["token"])
            if png is None:
                return web.json_response({"error": "chart not found or expired"}, status=404)
            return web.Response(
                body=png,
                content_type="image/png",
                headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
            )

        return serve_chart
