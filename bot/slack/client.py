"""Slack Web API clients that keep their connections open.

Owns `KeepAliveWebClient`: slack_sdk's AsyncWebClient opens a new aiohttp session, so a new TCP (and, against
slack.com, TLS) connection, for every call made without a session of its own. A card is 4 to 5 calls (post, and
the chart's upload URL, upload and completion), and `views.open` must finish within Slack's 3 seconds: this client
opens one session on its first call, in the running event loop, and reuses its connections until `close()`.

slack_sdk writes every request's parameters and every response body to its debug log, and builds those lines
whenever its logger's own level is unset, even when nothing would print them: a tenth of the CPU of each call.
Its logger is set to INFO here, so the lines are neither built nor, at LOG_LEVEL=DEBUG, written (they carry
what people wrote in cards and questions).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["KeepAliveWebClient"]

# slack_sdk tests `logger.level <= DEBUG` (its own level, 0 when unset), not whether DEBUG is enabled
for _name in ("slack_sdk.web.async_base_client", "slack_sdk.web.base_client"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.INFO)


class KeepAliveWebClient(AsyncWebClient):
    def ensure_session(self) -> None:
        """Open the session now (in the running loop): clients made from this one (Bolt's per-request client of
        an installed workspace, a worker's client per workspace token) share it and its connections."""
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))

    async def api_call(self, *args: Any, **kwargs: Any) -> Any:
        self.ensure_session()
        return await super().api_call(*args, **kwargs)

    async def _upload_file(self, *args: Any, **kwargs: Any) -> Any:
        self.ensure_session()
        return await super()._upload_file(*args, **kwargs)

    async def close(self) -> None:
        if self.session is not None and not self.session.closed:
            await self.session.close()
