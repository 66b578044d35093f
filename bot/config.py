"""Settings: the only module that reads the environment (DESIGN section 5), with pydantic-settings.

`load_settings(environ)` reads the variables (os.environ by default) through one pydantic-settings source and
returns frozen Settings; everything else receives them. Tests build Settings directly and never read the
environment. A bad value is a ConfigError naming the variable, what was expected and an example, never the
value of a secret. Secrets (tokens, signing and client secrets, the app password, SECRET_KEY) are SecretStr, so
they never reach repr() or a log line; `.get_secret_value()` is called only where a secret is used.

Also owns the ONE rule for which platforms are mounted and why not (`Settings.platforms()`), used by the web
app, the worker and the Slack adapter alike, and which way Slack is served: one workspace with SLACK_BOT_TOKEN,
or installed in many workspaces with SLACK_CLIENT_ID + SLACK_CLIENT_SECRET (tokens stored encrypted with
SECRET_KEY).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

__all__ = [
    "ConfigError",
    "Mount",
    "Settings",
    "SlackSettings",
    "TeamsSettings",
    "load_settings",
    "DEFAULT_SLACK_API_URL",
    "TEAMS_APP_TYPES",
    "DEFAULT_TEAMS_APP_TYPE",
    "SECRET_KEY_EXAMPLE",
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


def default_database_url(cwd: Path | None = None) -> str:
    path = (cwd or Path.cwd()) / DEFAULT_DATABASE_FILE
    return f"sqlite+aiosqlite:///{path}"


# ---------------------------------------------------------------- reading the environment


class _Source(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (os.environ, or the one a caller passes)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ  # read by _load_env_vars, which the base __init__ calls
        super().__init__(settings_cls, case_sensitive=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, case_sensitive=True)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


class _Environment(BaseSettings):
    """The variables, as named in DESIGN section 5; validators give each its own clear message."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)

    DATABASE_URL: str = ""
    HOST: str = "0.0.0.0"
    PORT: int = 3000
    PUBLIC_URL: str = ""
    SCENARIO_ENV: str = "development"
    LOG_LEVEL: str = "INFO"
    LOG_FORMAT: str = "text"
    WORKER_LEASE_SECONDS: float = 120.0
    SECRET_KEY: SecretStr = SecretStr("")
    SLACK_BOT_TOKEN: SecretStr = SecretStr("")
    SLACK_SIGNING_SECRET: SecretStr = SecretStr("")
    SLACK_API_URL: str = DEFAULT_SLACK_API_URL
    SLACK_CLIENT_ID: str = ""
    SLACK_CLIENT_SECRET: SecretStr = SecretStr("")
    MICROSOFT_APP_ID: str = ""
    MICROSOFT_APP_PASSWORD: SecretStr = SecretStr("")
    MICROSOFT_APP_TYPE: str = ""
    MICROSOFT_APP_TENANT_ID: str = ""
    TEAMS_ENABLED: bool = True

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # load_settings hands over what _Source read: no second look at os.environ

    @field_validator(
        "DATABASE_URL",
        "PUBLIC_URL",
        "SLACK_CLIENT_ID",
        "MICROSOFT_APP_ID",
        "MICROSOFT_APP_TENANT_ID",
        "MICROSOFT_APP_TYPE",
        mode="before",
    )
    @classmethod
    def _strip(cls, value: Any) -> str:
        return _text(value)

    @field_validator("SECRET_KEY", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_SECRET", mode="before")
    @classmethod
    def _strip_secret(cls, value: Any) -> Any:
        return value.get_secret_value().strip() if isinstance(value, SecretStr) else _text(value)

    @field_validator("MICROSOFT_APP_PASSWORD", mode="before")
    @classmethod
    def _password(cls, value: Any) -> Any:
        return value if isinstance(value, SecretStr) else _text(value)

    @field_validator("HOST", mode="before")
    @classmethod
    def _host(cls, value: Any) -> str:
        return _text(value) or "0.0.0.0"

    @field_validator("PORT", mode="before")
    @classmethod
    def _port(cls, value: Any) -> int:
        text = _text(value) or "3000"
        try:
            port = int(text)
        except ValueError:
            raise ConfigError(f"PORT: expected a whole number like 3000, got {text!r}") from None
        if not 0 < port < 65536:
            raise ConfigError(f"PORT: expected 1 to 65535, got {port}")
        return port

    @field_validator("SCENARIO_ENV", mode="before")
    @classmethod
    def _environment(cls, value: Any) -> str:
        return _text(value).lower() or "development"

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> str:
        return _text(value).upper() or "INFO"

    @field_validator("LOG_FORMAT", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> str:
        text = _text(value).lower() or "text"
        if text not in ("text", "json"):
            raise ConfigError(f"LOG_FORMAT: expected text or json, got {text!r}")
        return text

    @field_validator("WORKER_LEASE_SECONDS", mode="before")
    @classmethod
    def _lease(cls, value: Any) -> float:
        text = _text(value)
        if not text:
            return 120.0
        try:
            seconds = float(text)
        except ValueError:
            raise ConfigError(f"WORKER_LEASE_SECONDS: expected a number of seconds like 120, got {text!r}") from None
        if not 1 <= seconds <= 86_400:
            raise ConfigError(f"WORKER_LEASE_SECONDS: expected 1 to 86400 seconds, got {seconds:g}")
        return seconds

    @field_validator("SLACK_API_URL", mode="before")
    @classmethod
    def _api_url(cls, value: Any) -> str:
        text = _text(value) or DEFAULT_SLACK_API_URL
        if not text.startswith(("https://", "http://")):
            raise ConfigError(f"SLACK_API_URL: expected an http(s) URL like {DEFAULT_SLACK_API_URL}, got {text!r}")
        return text if text.endswith("/") else text + "/"

    @field_validator("TEAMS_ENABLED", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> bool:
        text = _text(value).lower()
        if not text:
            return True
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"TEAMS_ENABLED: expected true or false, got {text!r}")

    @model_validator(mode="after")
    def _cross_checks(self) -> _Environment:
        _check_secret_key(self.SECRET_KEY.get_secret_value())
        return self

    def app_type(self) -> str:
        """MICROSOFT_APP_TYPE, spelled as botbuilder expects; SingleTenant when unset. Without an app id the bot
        runs anonymously, which botbuilder only accepts as MultiTenant (Settings.check refuses that in production)."""
        raw = self.MICROSOFT_APP_TYPE
        by_lower = {name.lower(): name for name in TEAMS_APP_TYPES}
        if raw and raw.lower() not in by_lower:
            raise ConfigError(
                f"MICROSOFT_APP_TYPE: expected one of {', '.join(TEAMS_APP_TYPES)} (e.g. SingleTenant), got {raw!r}"
            )
        app_type = by_lower.get(raw.lower(), DEFAULT_TEAMS_APP_TYPE)
        if not self.MICROSOFT_APP_ID:
            return "MultiTenant"
        # botbuilder refuses these without a tenant in any environment; say which variable, before it does
        _check_tenant(app_type, self.MICROSOFT_APP_TENANT_ID)
        return app_type


def _check_secret_key(value: str) -> None:
    """Each comma-separated key must be a Fernet key: 32 bytes, url-safe base64 (44 characters). The message
    says which key (by position) is wrong, never the key itself."""
    keys = [key.strip() for key in value.split(",")] if value.strip() else []
    for n, key in enumerate(keys, 1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii")) if len(key) == 44 else b""
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = b""
        if len(raw) != 32:
            which = f"key {n} of {len(keys)}" if len(keys) > 1 else "the key"
            raise ConfigError(
                f"SECRET_KEY: {which} is not a Fernet key (expected 44 characters of url-safe base64, 32 bytes; "
                f"several keys are comma-separated, newest first). Make one with: {SECRET_KEY_EXAMPLE}"
            )


def _problems(error: ValidationError) -> ConfigError:
    """The validators' own messages (they name the variable), one per line; pydantic's wording otherwise."""
    lines = []
    for problem in error.errors(include_input=False):
        cause = (problem.get("ctx") or {}).get("error")
        if isinstance(cause, ConfigError):
            lines.append(str(cause))
        else:
            name = ".".join(str(part) for part in problem.get("loc") or ()) or "settings"
            lines.append(f"{name}: {problem.get('msg')}")
    return ConfigError("\n".join(lines))


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read Settings from the environment (os.environ by default)."""
    env_source = _Source(_Environment, os.environ if environ is None else environ)
    try:
        env = _Environment(**env_source())
        app_type = env.app_type()
    except ValidationError as error:
        raise _problems(error) from None
    return Settings(
        database_url=env.DATABASE_URL or default_database_url(),
        host=env.HOST,
        port=env.PORT,
        public_url=env.PUBLIC_URL.rstrip("/"),
        environment=env.SCENARIO_ENV,
        log_level=env.LOG_LEVEL,
        log_format=env.LOG_FORMAT,
        worker_lease_seconds=env.WORKER_LEASE_SECONDS,
        secret_key=env.SECRET_KEY,
        slack=SlackSettings(
            bot_token=env.SLACK_BOT_TOKEN,
            signing_secret=env.SLACK_SIGNING_SECRET,
            api_url=env.SLACK_API_URL,
            client_id=env.SLACK_CLIENT_ID,
            client_secret=env.SLACK_CLIENT_SECRET,
        ),
        teams=TeamsSettings(
            APP_ID=env.MICROSOFT_APP_ID,
            APP_PASSWORD=env.MICROSOFT_APP_PASSWORD,
            APP_TYPE=app_type,
            APP_TENANTID=env.MICROSOFT_APP_TENANT_ID,
            enabled=env.TEAMS_ENABLED,
        ),
    )
