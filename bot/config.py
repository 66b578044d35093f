"""Settings from the environment: the only module that reads it (DESIGN section 5), with pydantic-settings.

`load_settings(environ)` reads the variables (os.environ by default) through one pydantic-settings source and
returns the frozen Settings of bot.settings (re-exported here, with the one rule for what is mounted); everything
else receives them. A bad value is a ConfigError naming the variable, what was expected and an example, never the
value of a secret; every problem is reported at once, one per line.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from bot.settings import (
    DEFAULT_SLACK_API_URL,
    DEFAULT_TEAMS_APP_TYPE,
    SECRET_KEY_EXAMPLE,
    TEAMS_APP_TYPES,
    ConfigError,
    Mount,
    Settings,
    SlackSettings,
    TeamsSettings,
    check_tenant,
    default_database_url,
)

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


# ---------------------------------------------------------------- reading the environment


class _Source(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (os.environ, or the one a caller passes)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ  # read by _load_env_vars, which the base __init__ calls
        super().__init__(settings_cls, case_sensitive=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, case_sensitive=True)


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
        check_tenant(app_type, self.MICROSOFT_APP_TENANT_ID)
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
