"""Settings: the only module that reads the environment (DESIGN section 5).

`load_settings(environ)` returns frozen Settings; everything else receives them. Tests build Settings
directly and never read the environment. Secrets are kept out of repr() so they never reach logs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = [
    "ConfigError",
    "Settings",
    "SlackSettings",
    "TeamsSettings",
    "load_settings",
    "DEFAULT_SLACK_API_URL",
    "TEAMS_APP_TYPES",
    "DEFAULT_TEAMS_APP_TYPE",
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


class ConfigError(ValueError):
    """A setting that is missing or wrong; the message names the environment variable."""


@dataclass(frozen=True, slots=True)
class SlackSettings:
    bot_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    api_url: str = DEFAULT_SLACK_API_URL
    client_id: str = ""
    client_secret: str = field(default="", repr=False)

    @property
    def enabled(self) -> bool:
        """Slack is mounted when it can verify requests and post (multi-workspace OAuth is not built yet)."""
        return bool(self.signing_secret and self.bot_token)


@dataclass(frozen=True, slots=True)
class TeamsSettings:
    """The bot's Azure identity. Attribute names are the ones botbuilder's configuration classes read with
    getattr(). `load_settings` defaults APP_TYPE to SingleTenant; an instance built directly keeps MultiTenant,
    the only botbuilder branch that accepts no app id (anonymous mode: Emulator, tests)."""

    APP_ID: str = ""
    APP_PASSWORD: str = field(default="", repr=False)
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""
    enabled: bool = True  # Teams runs anonymously without an app id (Emulator, tests) unless production


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DATABASE_FILE}"
    host: str = "0.0.0.0"
    port: int = 3000
    public_url: str = ""
    environment: str = "development"
    log_level: str = "INFO"
    log_format: str = "text"  # LOG_FORMAT: text (control characters escaped) or json (one object per line)
    # how long a worker may hold a job before another worker takes it over (it renews the lease while it works)
    worker_lease_seconds: float = 120.0
    slack: SlackSettings = field(default_factory=SlackSettings)
    teams: TeamsSettings = field(default_factory=TeamsSettings)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

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
        if (self.slack.bot_token or self.slack.client_id) and not self.slack.signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: SCENARIO_ENV=production refuses to accept unsigned Slack requests."
            )
        needs_secret = self.teams.APP_TYPE in ("MultiTenant", "SingleTenant")
        if self.teams.APP_ID and needs_secret and not self.teams.APP_PASSWORD:
            raise ConfigError(
                f"MICROSOFT_APP_PASSWORD is not set for MICROSOFT_APP_TYPE={self.teams.APP_TYPE}: create a client "
                "secret under the Azure Bot's Configuration > Manage Password (or use UserAssignedMSI)."
            )
        if self.teams.APP_ID:
            _check_tenant(self.teams.APP_TYPE, self.teams.APP_TENANTID)


def _check_tenant(app_type: str, tenant: str) -> None:
    if app_type in _NEEDS_TENANT and not tenant:
        default = " (the default)" if app_type == DEFAULT_TEAMS_APP_TYPE else ""
        raise ConfigError(
            f"MICROSOFT_APP_TENANT_ID is not set for MICROSOFT_APP_TYPE={app_type}{default}: set it to the "
            f"Microsoft Entra tenant id of the Azure Bot, a GUID like {_TENANT_EXAMPLE} (Azure portal > the bot > "
            "Configuration). A bot registered as multi-tenant before 2025-07-31 can set MICROSOFT_APP_TYPE=MultiTenant "
            "instead; new multi-tenant bots cannot be created."
        )


def _app_type(env: Mapping[str, str]) -> str:
    """MICROSOFT_APP_TYPE, spelled as botbuilder expects; SingleTenant when unset. Without an app id the bot runs
    anonymously, which botbuilder only accepts as MultiTenant (Settings.check refuses that in production)."""
    raw = env.get("MICROSOFT_APP_TYPE", "").strip()
    by_lower = {name.lower(): name for name in TEAMS_APP_TYPES}
    if raw and raw.lower() not in by_lower:
        raise ConfigError(
            f"MICROSOFT_APP_TYPE: expected one of {', '.join(TEAMS_APP_TYPES)} (e.g. SingleTenant), got {raw!r}"
        )
    app_type = by_lower.get(raw.lower(), DEFAULT_TEAMS_APP_TYPE)
    app_id, tenant = env.get("MICROSOFT_APP_ID", "").strip(), env.get("MICROSOFT_APP_TENANT_ID", "").strip()
    if not app_id:
        return "MultiTenant"
    # botbuilder refuses these without a tenant in any environment; say which variable, before it does
    _check_tenant(app_type, tenant)
    return app_type


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name}: expected a number of seconds like {default:g}, got {text!r}") from None
    if not 1 <= value <= 86_400:
        raise ConfigError(f"{name}: expected 1 to 86400 seconds, got {value:g}")
    return value


def default_database_url(cwd: Path | None = None) -> str:
    path = (cwd or Path.cwd()) / DEFAULT_DATABASE_FILE
    return f"sqlite+aiosqlite:///{path}"


def _log_format(env: Mapping[str, str]) -> str:
    value = env.get("LOG_FORMAT", "").strip().lower() or "text"
    if value not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT: expected text or json, got {value!r}")
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read Settings from the environment (os.environ by default)."""
    env = os.environ if environ is None else environ
    port_text = env.get("PORT", "3000").strip() or "3000"
    try:
        port = int(port_text)
    except ValueError:
        raise ConfigError(f"PORT: expected a whole number like 3000, got {port_text!r}") from None
    if not 0 < port < 65536:
        raise ConfigError(f"PORT: expected 1 to 65535, got {port}")
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    if not api_url.endswith("/"):
        api_url += "/"
    return Settings(
        database_url=env.get("DATABASE_URL", "").strip() or default_database_url(),
        host=env.get("HOST", "0.0.0.0").strip() or "0.0.0.0",
        port=port,
        public_url=env.get("PUBLIC_URL", "").strip().rstrip("/"),
        environment=env.get("SCENARIO_ENV", "development").strip().lower() or "development",
        log_level=env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO",
        log_format=_log_format(env),
        worker_lease_seconds=_seconds(env, "WORKER_LEASE_SECONDS", 120.0),
        slack=SlackSettings(
            bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
            signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
            api_url=api_url,
            client_id=env.get("SLACK_CLIENT_ID", "").strip(),
            client_secret=env.get("SLACK_CLIENT_SECRET", "").strip(),
        ),
        teams=TeamsSettings(
            APP_ID=env.get("MICROSOFT_APP_ID", "").strip(),
            APP_PASSWORD=env.get("MICROSOFT_APP_PASSWORD", "").strip(),
            APP_TYPE=_app_type(env),
            APP_TENANTID=env.get("MICROSOFT_APP_TENANT_ID", "").strip(),
            enabled=_flag(env.get("TEAMS_ENABLED"), True),
        ),
    )
