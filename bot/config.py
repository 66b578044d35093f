"""Settings: the only module that reads the environment (DESIGN section 5).

`load_settings(environ)` returns frozen Settings; everything else receives them. Tests build Settings
directly and never read the environment. Secrets are kept out of repr() so they never reach logs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = ["ConfigError", "Settings", "SlackSettings", "TeamsSettings", "load_settings", "DEFAULT_SLACK_API_URL"]

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_FILE = "scenario.db"


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
    # Attribute names are the ones botbuilder's configuration classes read with getattr().
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
                "Set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (or set TEAMS_ENABLED=false to run without Teams)."
            )
        if (self.slack.bot_token or self.slack.client_id) and not self.slack.signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: SCENARIO_ENV=production refuses to accept unsigned Slack requests."
            )
        if self.teams.APP_ID and self.teams.APP_TYPE == "MultiTenant" and not self.teams.APP_PASSWORD:
            raise ConfigError("MICROSOFT_APP_PASSWORD is not set for MICROSOFT_APP_TYPE=MultiTenant.")
        if self.teams.APP_ID and self.teams.APP_TYPE == "SingleTenant" and not self.teams.APP_TENANTID:
            raise ConfigError("MICROSOFT_APP_TENANT_ID is not set for MICROSOFT_APP_TYPE=SingleTenant.")


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def default_database_url(cwd: Path | None = None) -> str:
    path = (cwd or Path.cwd()) / DEFAULT_DATABASE_FILE
    return f"sqlite+aiosqlite:///{path}"


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
            APP_TYPE=env.get("MICROSOFT_APP_TYPE", "MultiTenant").strip() or "MultiTenant",
            APP_TENANTID=env.get("MICROSOFT_APP_TENANT_ID", "").strip(),
            enabled=_flag(env.get("TEAMS_ENABLED"), True),
        ),
    )
