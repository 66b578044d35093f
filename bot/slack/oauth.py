"""Installing the Slack app in many workspaces: Bolt's AsyncOAuthFlow on our stores, and who a request is for.

Owns, when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set (bot.config decides: `SlackSettings.installs`):
- the OAuth v2 flow (slack_bolt's AsyncOAuthFlow): `GET /slack/install` hands out a single-use `state` (cookie and
  URL) and the link to Slack's authorize page; `GET /slack/oauth_redirect` checks the state (missing, forged,
  reused or older than 10 minutes: Bolt's failure page, and no code is exchanged, nothing is saved), exchanges
  the code (oauth.v2.access) and saves the installation (bot.slack.installations, tokens sealed), for a workspace
  or, on Enterprise Grid, a whole organisation (org-wide install);
- `InstalledAuthorize`: who each signed request is for. Bolt's own authorize rotates tokens without a lock and
  calls auth.test on every request; this one takes the installation's bot from the TokenKeeper (rotated under
  the per-installation lock) and builds the AuthorizeResult from what the install stored, so acknowledging costs
  no Web API call. A revoked token is not discovered here: Slack says so with tokens_revoked / app_uninstalled,
  which delete the installation (bot.slack.installations.forget).
The link to Slack's authorize page is on the same host as SLACK_API_URL (slack.com in production; the fake in
tests). The redirect URL is PUBLIC_URL + /slack/oauth_redirect when PUBLIC_URL is set (it must be one of the
app's Redirect URLs), else Slack uses the app's first configured one.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.slack.installations import STATE_SECONDS, InstallationStore, StateStore, TokenKeeper, TokenUnavailable

__all__ = ["BOT_SCOPES", "INSTALL_PATH", "REDIRECT_PATH", "InstalledAuthorize", "build_oauth_flow", "keeper_for",
           "mount_install_routes"]  # fmt: skip

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The bot scopes manifests/slack.yaml declares (a test keeps the two equal): what an install asks for.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "app_mentions:read",
    "im:history",
    "im:write",
    "channels:history",
    "reactions:read",
    "files:write",
    "files:read",
    "users:read",
)


def keeper_for(settings: Settings, storage: Any) -> TokenKeeper:
    slack = settings.slack
    return TokenKeeper(
        storage,
        client_id=slack.client_id,
        client_secret=slack.client_secret.get_secret_value(),
        api_url=slack.api_url,
    )


def _authorize_url(api_url: str) -> str:
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}/oauth/v2/authorize"


def build_oauth_flow(settings: Settings, storage: Any) -> AsyncOAuthFlow:
    """Bolt's OAuth flow over our installation and state stores."""
    slack = settings.slack
    # a person's browser waits on the redirect, not Slack's 3 s: the code exchange may take its time
    client = AsyncWebClient(base_url=slack.api_url, timeout=10)
    oauth_settings = AsyncOAuthSettings(
        client_id=slack.client_id,
        client_secret=slack.client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=f"{settings.public_url}{REDIRECT_PATH}" if settings.public_url else None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=_authorize_url(slack.api_url),
        installation_store=InstallationStore(storage),
        installation_store_bot_only=True,
        state_store=StateStore(storage, expiration_seconds=STATE_SECONDS),
        state_expiration_seconds=STATE_SECONDS,
        logger=logging.getLogger("bot.slack.oauth"),
    )
    # Bolt logs a failed exchange with the code in it: bot.slack.redact filters this logger
    return AsyncOAuthFlow(client=client, settings=oauth_settings, logger=logging.getLogger("bot.slack.oauth"))


class InstalledAuthorize(AsyncAuthorize):
    """The installation's bot for a request (see the module docstring)."""

    def __init__(self, keeper: TokenKeeper) -> None:
        super().__init__()
        self.keeper = keeper

    async def __call__(
        self,
        *,
        context: Any,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        team = None if context.is_enterprise_install else team_id
        try:
            bot = await self.keeper.bot(enterprise_id, team)
        except TokenUnavailable as error:
            log.error("slack request for %s: no usable token (%s)", team or enterprise_id, error.code)
            return None
        if bot is None:
            log.warning("slack request for %s, where the app is not installed", team or enterprise_id)
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


def mount_install_routes(web_app: web.Application, flow: AsyncOAuthFlow) -> None:
    """GET /slack/install and GET /slack/oauth_redirect on our aiohttp server, through Bolt's flow."""

    async def install(request: web.Request) -> web.StreamResponse:
        bolt_request = AsyncBoltRequest(body="", query=request.query_string, headers=dict(request.headers))
        return await to_aiohttp_response(await flow.handle_installation(bolt_request))

    async def redirect(request: web.Request) -> web.StreamResponse:
        bolt_request = AsyncBoltRequest(body="", query=request.query_string, headers=dict(request.headers))
        return await to_aiohttp_response(await flow.handle_callback(bolt_request))

    web_app.router.add_get(INSTALL_PATH, install)
    web_app.router.add_get(REDIRECT_PATH, redirect)
