"""Slack installations over our database: Bolt's stores, the token keeper, and what an uninstall stops.

Owns
- `InstallationStore` and `StateStore`: Bolt's AsyncInstallationStore and AsyncOAuthStateStore over storage (the
  slack_bots / slack_installations / slack_oauth_states tables, tokens sealed with SECRET_KEY). The tenant of an
  installation is the organisation for an org-wide install, else the workspace (bot.slack.translate.workspace_id),
  as for every event, so the data of an install and of its events meet under one workspace row.
- `TokenKeeper`: the current bot token of an installation, for requests (bot.slack.oauth's authorize) and for the
  worker (bot.slack.sender), rotated first when it expires within ROTATE_BEFORE. The rotation runs inside storage's
  per-installation lock (a row lock on PostgreSQL), so two processes never spend one refresh token: the second
  finds the token already rotated. Token expiry is Slack's wall clock, never the worker's (pinnable) clock.
- `forget`: what `app_uninstalled` and `tokens_revoked` do: delete the installation's rows at once and, when no
  bot is left for the tenant, cancel its queued jobs, unsent messages and schedules: nothing more is sent there.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.translate import workspace_id
from storage import NoSecretKey, Refreshed, SlackBot, SlackInstaller, Tenant

__all__ = [
    "InstallationStore",
    "StateStore",
    "TokenKeeper",
    "TokenUnavailable",
    "forget",
    "ROTATE_BEFORE",
    "STATE_SECONDS",
]

log = logging.getLogger(__name__)

ROTATE_BEFORE = timedelta(minutes=10)
STATE_SECONDS = 600  # an install started more than 10 minutes ago must start again (Bolt's default, and Slack's)


def _at(value: float | int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), UTC)


def _epoch(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _team(team_id: str | None, is_enterprise_install: bool | None) -> str | None:
    """An org-wide install is keyed by its organisation alone (Bolt's rule)."""
    return None if is_enterprise_install else team_id


class InstallationStore(AsyncInstallationStore):
    """Bolt's installation store on our database (`storage.slack_installs`)."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage
        self._logger = logging.getLogger("bot.slack.installations")

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_save(self, installation: Installation) -> None:
        team = _team(installation.team_id, installation.is_enterprise_install)
        tenant = workspace_id(installation.enterprise_id, team)
        name = installation.team_name if team else installation.enterprise_name
        try:
            ws = await self.storage.workspaces.ensure("slack", tenant, name)
            bot = None
            if installation.bot_token:
                bot = _bot_record(ws.id, installation.to_bot(), team)
            installer = SlackInstaller(
                workspace_id=ws.id,
                enterprise_id=installation.enterprise_id,
                team_id=team,
                user_id=installation.user_id or "",
                is_enterprise_install=bool(installation.is_enterprise_install),
                app_id=installation.app_id,
                enterprise_name=installation.enterprise_name,
                enterprise_url=installation.enterprise_url,
                team_name=installation.team_name,
                token_type=installation.token_type,
                user_token=installation.user_token,
                user_scopes=",".join(installation.user_scopes or []) or None,
                user_refresh_token=installation.user_refresh_token,
                user_token_expires_at=_at(installation.user_token_expires_at),
                incoming_webhook_url=installation.incoming_webhook_url,
                incoming_webhook_channel=installation.incoming_webhook_channel,
                incoming_webhook_channel_id=installation.incoming_webhook_channel_id,
                incoming_webhook_configuration_url=installation.incoming_webhook_configuration_url,
                installed_at=_at(installation.installed_at),
            )
            await self.storage.slack_installs.save(installer, bot)
        except NoSecretKey as error:
            # Bolt turns a BoltError into its failure page ("storage_error"); the message says what to set
            raise BoltError(str(error)) from None
        log.info("slack installed for %s (enterprise %s, team %s)", tenant, installation.enterprise_id, team)

    async def async_save_bot(self, bot: Bot) -> None:
        team = _team(bot.team_id, bot.is_enterprise_install)
        tenant = workspace_id(bot.enterprise_id, team)
        try:
            ws = await self.storage.workspaces.ensure("slack", tenant)
            await self.storage.slack_installs.save(None, _bot_record(ws.id, bot, team))
        except NoSecretKey as error:
            raise BoltError(str(error)) from None

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        found = await self.storage.slack_installs.find_bot(enterprise_id, _team(team_id, is_enterprise_install))
        return None if found is None else _sdk_bot(found)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        team = _team(team_id, is_enterprise_install)
        installer = await self.storage.slack_installs.find_installer(enterprise_id, team, user_id)
        if installer is None and user_id is not None:
            return None
        bot = await self.storage.slack_installs.find_bot(enterprise_id, team)
        if installer is None and bot is None:
            return None
        values: dict[str, Any] = {"enterprise_id": enterprise_id, "team_id": team, "user_id": ""}
        if bot is not None:
            values.update(_sdk_bot(bot).to_dict_for_copying())
            values.pop("installed_at", None)
        if installer is not None:
            values.update(
                user_id=installer.user_id,
                app_id=installer.app_id,
                enterprise_name=installer.enterprise_name,
                enterprise_url=installer.enterprise_url,
                team_name=installer.team_name,
                token_type=installer.token_type,
                user_token=installer.user_token,
                user_scopes=installer.user_scopes or "",
                user_refresh_token=installer.user_refresh_token,
                user_token_expires_at=_epoch(installer.user_token_expires_at),
                incoming_webhook_url=installer.incoming_webhook_url,
                incoming_webhook_channel=installer.incoming_webhook_channel,
                incoming_webhook_channel_id=installer.incoming_webhook_channel_id,
                incoming_webhook_configuration_url=installer.incoming_webhook_configuration_url,
                installed_at=_epoch(installer.installed_at),
            )
        values["is_enterprise_install"] = bool(is_enterprise_install or team is None)
        return Installation(**{k: v for k, v in values.items() if k != "custom_values"})

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.storage.slack_installs.delete_bot(enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self.storage.slack_installs.delete_installers(enterprise_id, team_id, user_id)


def _bot_record(ws_id: int, bot: Bot, team: str | None) -> SlackBot:
    return SlackBot(
        workspace_id=ws_id,
        enterprise_id=bot.enterprise_id,
        team_id=team,
        is_enterprise_install=bool(bot.is_enterprise_install),
        bot_id=bot.bot_id or "",
        bot_user_id=bot.bot_user_id or "",
        bot_scopes=",".join(bot.bot_scopes or []),
        bot_token=bot.bot_token,
        bot_refresh_token=bot.bot_refresh_token,
        bot_token_expires_at=_at(bot.bot_token_expires_at),
        app_id=bot.app_id,
        enterprise_name=bot.enterprise_name,
        team_name=bot.team_name,
        installed_at=_at(bot.installed_at),
    )


def _sdk_bot(bot: SlackBot) -> Bot:
    return Bot(
        app_id=bot.app_id,
        enterprise_id=bot.enterprise_id,
        enterprise_name=bot.enterprise_name,
        team_id=bot.team_id,
        team_name=bot.team_name,
        bot_token=bot.bot_token,
        bot_id=bot.bot_id,
        bot_user_id=bot.bot_user_id,
        bot_scopes=bot.bot_scopes,
        bot_refresh_token=bot.bot_refresh_token,
        bot_token_expires_at=int(bot.bot_token_expires_at.timestamp()) if bot.bot_token_expires_at else None,
        is_enterprise_install=bot.is_enterprise_install,
        installed_at=_epoch(bot.installed_at) or time.time(),
    )


class StateStore(AsyncOAuthStateStore):
    """Bolt's OAuth state store on our database: a state is random, good for `expiration_seconds`, and usable
    once (a reused, forged or expired state fails the callback before any code is exchanged)."""

    def __init__(
        self, storage: Any, *, expiration_seconds: int = STATE_SECONDS, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.storage = storage
        self.expiration_seconds = expiration_seconds
        self.clock = clock or (lambda: datetime.now(UTC))
        self._logger = logging.getLogger("bot.slack.installations")

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = self.clock()
        await self.storage.oauth_states.issue(
            state, expires_at=now + timedelta(seconds=self.expiration_seconds), now=now
        )
        return state

    async def async_consume(self, state: str) -> bool:
        if not state:
            return False
        return await self.storage.oauth_states.consume(state, now=self.clock())


class TokenUnavailable(Exception):
    """The bot token could not be made current: `code` is Slack's error code (or the failure's type);
    `for_good` when only a reinstall helps (the refresh token was refused)."""

    def __init__(self, code: str, *, for_good: bool) -> None:
        super().__init__(code)
        self.code = code
        self.for_good = for_good


class TokenKeeper:
    """`TokenKeeper(storage, client_id=..., client_secret=..., api_url=...)`: current bot tokens (see module)."""

    def __init__(
        self,
        storage: Any,
        *,
        client_id: str,
        client_secret: str,
        api_url: str,
        rotate_before: timedelta = ROTATE_BEFORE,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.storage = storage
        self.client_id = client_id
        self._client_secret = client_secret
        self.rotate_before = rotate_before
        self.clock = clock or (lambda: datetime.now(UTC))
        self.client = AsyncWebClient(base_url=api_url, timeout=10, retry_handlers=[])
        self.rotations = 0  # refreshes this keeper made (tests read it)

    def _due(self, bot: SlackBot) -> bool:
        expires = bot.bot_token_expires_at
        return bool(bot.bot_refresh_token) and expires is not None and expires <= self.clock() + self.rotate_before

    async def _refresh(self, bot: SlackBot) -> Refreshed:
        try:
            answer = await self.client.oauth_v2_access(
                client_id=self.client_id,
                client_secret=self._client_secret,
                grant_type="refresh_token",
                refresh_token=bot.bot_refresh_token,
            )
        except SlackApiError as error:
            code = (error.response.get("error") if error.response is not None else None) or "oauth_error"
            log.error("slack token rotation refused for %s: %s", bot.team_id or bot.enterprise_id, code)
            raise TokenUnavailable(code, for_good=True) from None
        except (SlackClientError, OSError, TimeoutError) as error:
            raise TokenUnavailable(type(error).__name__, for_good=False) from None
        if answer.get("token_type") != "bot" or not answer.get("access_token"):
            raise TokenUnavailable("not_a_bot_token", for_good=True)
        self.rotations += 1
        expires_in = answer.get("expires_in")
        return Refreshed(
            token=answer["access_token"],
            refresh_token=answer.get("refresh_token"),
            expires_at=self.clock() + timedelta(seconds=int(expires_in)) if expires_in is not None else None,
        )

    async def bot(self, enterprise_id: str | None, team_id: str | None) -> SlackBot | None:
        """The installation's bot with a current token (rotated first if due); None when not installed."""
        return await self.storage.slack_installs.rotate_bot(
            enterprise_id, team_id, due=self._due, refresh=self._refresh
        )

    async def bot_for(self, tenant: str) -> SlackBot | None:
        """The bot of a tenant (a workspace, or an organisation): its org-wide install, else its newest one."""
        ws = await self.storage.workspaces.get("slack", tenant)
        if ws is None:
            return None
        bots = await self.storage.slack_installs.bots_of(ws.id)
        if not bots:
            return None
        first = bots[0]
        return first if not self._due(first) else await self.bot(first.enterprise_id, first.team_id)

    async def token_for(self, tenant: str) -> str | None:
        found = await self.bot_for(tenant)
        return None if found is None else found.bot_token


async def forget(
    storage: Any,
    enterprise_id: str | None,
    team_id: str | None,
    *,
    bot: bool = True,
    users: list[str] | None = None,
    reason: str,
) -> dict[str, int]:
    """An uninstall (`users` None) or a revocation: delete the installation's rows now; when no bot is left for
    the tenant, cancel what it still had coming. Returns what was cancelled (empty when something is left)."""
    if bot:
        await storage.slack_installs.delete_bot(enterprise_id, team_id)
    if users is None:
        await storage.slack_installs.delete_installers(enterprise_id, team_id)
    else:
        for user in users:
            await storage.slack_installs.delete_installers(enterprise_id, team_id, user)
    tenant = workspace_id(enterprise_id, team_id)
    if not tenant or not bot:
        return {}
    ws = await storage.workspaces.get("slack", tenant)
    if ws is not None and await storage.slack_installs.bots_of(ws.id):
        return {}  # another installation of this tenant (a workspace of the same organisation) still sends
    # no workspace row yet: its deliveries were recorded but none handled; their jobs are found by the tenant
    target = ws or Tenant("slack", tenant)
    cancelled = await storage.workspace_data.cancel_pending(target, now=datetime.now(UTC), reason=reason)
    log.warning(
        "slack %s for %s: %d queued jobs, %d unsent messages and %d schedules cancelled",
        reason,
        tenant,
        cancelled["jobs"],
        cancelled["sends"],
        cancelled["schedules"],
    )
    return cancelled
