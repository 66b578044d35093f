"""Helpers for the multi-workspace install tests: settings with SLACK_CLIENT_ID/SECRET and SECRET_KEY, and the
OAuth v2 round trip as a browser and Slack make it (GET /slack/install, the person approves on Slack, GET
/slack/oauth_redirect with the state and its cookie)."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.fernet import Fernet

from bot.config import Settings, SlackSettings, TeamsSettings
from tests.fakes import slack_payloads as sp
from tests.fakes.platform_server import FakePlatform
from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET

__all__ = ["KEY", "install_settings", "start_install", "finish_install", "install", "COOKIE"]

KEY = Fernet.generate_key().decode()
COOKIE = "slack-app-oauth-state"


def install_settings(fake: FakePlatform, database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=KEY,
        slack=SlackSettings(
            signing_secret=sp.SECRET, api_url=fake.slack_api_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
        ),
        teams=TeamsSettings(enabled=False),
    )


async def start_install(client: Any) -> SimpleNamespace:
    """GET /slack/install: the page's link to Slack's authorize page, and the state (in the link and the cookie)."""
    response = await client.get("/slack/install")
    assert response.status == 200, await response.text()
    link = html.unescape(re.search(r'<a href="([^"]+)"', await response.text())[1])
    query = parse_qs(urlsplit(link).query)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}={query['state'][0]};")
    return SimpleNamespace(link=link, query=query, state=query["state"][0])


async def finish_install(client: Any, *, code: str | None, state: str | None, cookie: str | None = None) -> Any:
    """The browser comes back from Slack to /slack/oauth_redirect (with the state cookie set at the start)."""
    params = {k: v for k, v in {"code": code, "state": state}.items() if v is not None}
    headers = {"Cookie": f"{COOKIE}={cookie if cookie is not None else state}"} if (cookie or state) else {}
    return await client.get(f"/slack/oauth_redirect?{urlencode(params)}", headers=headers)


async def install(client: Any, fake: FakePlatform, **grant: Any) -> Any:
    """A whole install; `grant` goes to fake.oauth.authorize (team=..., org_wide=..., rotation=...)."""
    started = await start_install(client)
    code = fake.oauth.authorize(**grant)
    response = await finish_install(client, code=code, state=started.state)
    assert response.status == 200, await response.text()
    return response
