"""The bot's settings as values: what every part of the bot receives, built by bot.config from the environment.

Owns the frozen Settings (with SlackSettings and TeamsSettings), the checks that refuse insecure production
settings (`Settings.check`), and the ONE rule for which platforms are mounted and why not (`Settings.platforms`),
used by the web app, the worker and the Slack adapter alike: Slack serves one workspace with SLACK_BOT_TOKEN, or
is installed in many workspaces with SLACK_CLIENT_ID + SLACK_CLIENT_SECRET (tokens stored encrypted with
SECRET_KEY). Secrets are SecretStr, so they never reach repr() or a log line; `.get_secret_value()` is called only
where a secret is used. Nothing here reads the environment (bot.config does); tests build these directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = [
    "ConfigError",
    "Mount",
    "Settings",
    "SlackSettings",
    "TeamsSettings",
    "DEFAULT_SLACK_API_URL",
    "DEFAULT_TEAMS_APP_TYPE",
    "SECRET_KEY_EXAMPLE",
    "TEAMS_APP_TYPES",
    "check_tenant",
    "default_database_url",
]

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_FILE = "scenario.db"
# The Azure Bot identities botbuilder knows. New multi-tenant Azure Bots cannot be created since 2025-07-31
# (learn.microsoft.com/azure/bot-service/abs-quickstart), so SingleTenant (with the tenant id) is the default;
# MultiTenant stays for bots registered before then, UserAssignedMSI for managed identities (no secret).
TEAMS_APP_TYPES = ("SingleTenant", "MultiTenant", "UserAssignedMSI")
DEFAULT_TEAMS_APP_TYPE = "SingleTenant"
_NEEDS_TENANT = ("SingleTenant", "UserAssignedMSI")
_TENANT_EXAMPLE = "d1f0e5c2-3b4a-4c8e-9f7a-1b2c3d4e5f60"
SECRET_KEY_EXAMPLE = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
_FROZEN = ConfigDict(frozen=True)


class ConfigError(ValueError):
    """A setting that is missing or wrong; the message names the environment variable."""


def _secret(value: SecretStr | str | None) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value or ""


class SlackSettings(BaseModel):
    model_config = _FROZEN

    bot_token: SecretStr = SecretStr("")
    signing_secret: SecretStr = SecretStr("")
    api_url: str = DEFAULT_SLACK_API_URL
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")

    @property
    def installs(self) -> bool:
        """Installed in many workspaces through Slack's OAuth (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set)."""
        return bool(self.client_id and _secret(self.client_secret))


class TeamsSettings(BaseModel):
    """The bot's Azure identity. Field names are the ones botbuilder's configuration classes read with
    getattr(); give botbuilder `botbuilder_config()` (plain strings), never this object, whose password is a
    SecretStr. `load_settings` defaults APP_TYPE to SingleTenant; an instance built directly keeps MultiTenant,
    the only botbuilder branch that accepts no app id (anonymous mode: Emulator, tests)."""

    model_config = _FROZEN

    APP_ID: str = ""
    APP_PASSWORD: SecretStr = SecretStr("")
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""
    enabled: bool = True  # Teams runs anonymously without an app id (Emulator, tests) unless production

    def botbuilder_config(self) -> Any:
        """The attributes botbuilder reads (APP_ID, APP_PASSWORD, APP_TYPE, APP_TENANTID), as plain strings."""
        from types import SimpleNamespace

        return SimpleNamespace(
            APP_ID=self.APP_ID,
            APP_PASSWORD=_secret(self.APP_PASSWORD),
            APP_TYPE=self.APP_TYPE,
            APP_TENANTID=self.APP_TENANTID,
        )


@dataclass(frozen=True, slots=True)
class Mount:
    """Whether a platform is mounted, and in words why (not): the server logs it at start."""

    mounted: bool
    detail: str


class Settings(BaseModel):
    model_config = _FROZEN

    # repr=False: a PostgreSQL URL carries its password
    database_url: str = Field(default=f"sqlite+aiosqlite:///{DEFAULT_DATABASE_FILE}", repr=False)
    host: str = "0.0.0.0"
    port: int = 3000
    public_url: str = ""
    environment: str = "development"
    log_level: str = "INFO"
    log_format: str = "text"  # LOG_FORMAT: text (control characters escaped) or json (one object per line)
    # how long a worker may hold a job before another worker takes it over (it renews the lease while it works)
    worker_lease_seconds: float = 120.0
    # SECRET_KEY: Fernet keys, newest first (comma-separated); encrypts installation tokens at rest
    secret_key: SecretStr = SecretStr("")
    slack: SlackSettings = Field(default_factory=SlackSettings)
    teams: TeamsSettings = Field(default_factory=TeamsSettings)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def with_(self, **changes: Any) -> Settings:
        return self.model_copy(update=changes)

    def secret_keys(self) -> list[str]:
        """The SECRET_KEY keys, newest (the one that encrypts) first; [] when unset."""
        return [key.strip() for key in _secret(self.secret_key).split(",") if key.strip()]

    # ------------------------------------------------------------------ the one mount rule

    def platforms(self) -> dict[str, Mount]:
        """Per platform: mounted or not, and why. The web app mounts by it, the worker builds senders by it,
        and `serve` prints it at start."""
        return {"slack": self._slack_mount(), "teams": self._teams_mount()}

    def _slack_mount(self) -> Mount:
        slack = self.slack
        if not _secret(slack.signing_secret):
            return Mount(False, "SLACK_SIGNING_SECRET is not set")
        if slack.client_id and not _secret(slack.client_secret):
            return Mount(False, "SLACK_CLIENT_SECRET is not set (SLACK_CLIENT_ID is: installing needs both)")
        if _secret(slack.client_secret) and not slack.client_id:
            return Mount(False, "SLACK_CLIENT_ID is not set (SLACK_CLIENT_SECRET is: installing needs both)")
        if slack.installs:
            if not self.secret_keys():
                return Mount(
                    False,
                    "SECRET_KEY is not set: installing in several workspaces (SLACK_CLIENT_ID) stores each "
                    f"workspace's tokens encrypted with it; make one with: {SECRET_KEY_EXAMPLE}",
                )
            ignored = "; SLACK_BOT_TOKEN is ignored (each workspace's token comes from its install)"
            return Mount(
                True,
                "installable in several workspaces at /slack/install (SLACK_CLIENT_ID), tokens encrypted with "
                f"SECRET_KEY{ignored if _secret(slack.bot_token) else ''}",
            )
        if not _secret(slack.bot_token):
            return Mount(
                False,
                "SLACK_BOT_TOKEN is not set (one workspace), nor SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(installed in several workspaces)",
            )
        return Mount(True, "one workspace, with SLACK_BOT_TOKEN")

    def _teams_mount(self) -> Mount:
        if not self.teams.enabled:
            return Mount(False, "TEAMS_ENABLED is false")
        if not self.teams.APP_ID:
            # fine for the Emulator and tests, and said out loud at start (production refuses it: check())
            return Mount(True, "anonymous: MICROSOFT_APP_ID is not set, fine for the Bot Framework Emulator only")
        return Mount(True, f"as app {self.teams.APP_ID} ({self.teams.APP_TYPE})")

    def check(self) -> None:
        """Refuse settings that would run insecurely in production (raises ConfigError naming the variable)."""
        if not self.production:
            return
        if self.teams.enabled and not self.teams.APP_ID:
            raise ConfigError(
                "MICROSOFT_APP_ID is not set: SCENARIO_ENV=production refuses to serve Teams anonymously. "
                "Set MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID "
                "(or set TEAMS_ENABLED=false to run without Teams)."
            )
        slack = self.slack
        if (_secret(slack.bot_token) or slack.client_id) and not _secret(slack.signing_secret):
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: SCENARIO_ENV=production refuses to accept unsigned Slack requests."
            )
        if slack.client_id or _secret(slack.client_secret):
            mount = self._slack_mount()
            if not mount.mounted:  # an install that was asked for but cannot work: say so before serving
                raise ConfigError(mount.detail)
        needs_secret = self.teams.APP_TYPE in ("MultiTenant", "SingleTenant")
        if self.teams.APP_ID and needs_secret and not _secret(self.teams.APP_PASSWORD):
            raise ConfigError(
                f"MICROSOFT_APP_PASSWORD is not set for MICROSOFT_APP_TYPE={self.teams.APP_TYPE}: create a client "
                "secret under the Azure Bot's Configuration > Manage Password (or use UserAssignedMSI)."
            )
        if self.teams.APP_ID:
            check_tenant(self.teams.APP_TYPE, self.teams.APP_TENANTID)


def check_tenant(app_type: str, tenant: str) -> None:
    if app_type in _NEEDS_TENANT and not tenant:
        default = " (the default)" if app_type == DEFAULT_TEAMS_APP_TYPE else ""
        raise ConfigError(
            f"MICROSOFT_APP_TENANT_ID is not set for MICROSOFT_APP_TYPE={app_type}{default}: set it to the "
            f"Microsoft Entra tenant id of the Azure Bot, a GUID like {_TENANT_EXAMPLE} (Azure portal > the bot > "
            "Configuration). A bot registered as multi-tenant before 2025-07-31 can set MICROSOFT_APP_TYPE=MultiTenant "
            "instead; new multi-tenant bots cannot be created."
        )


def default_database_url(cwd: Path | None = None) -> str:
    path = (cwd or Path.cwd()) / DEFAULT_DATABASE_FILE
    return f"sqlite+aiosqlite:///{path}"
