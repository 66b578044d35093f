"""Slack installations: the bot token of each workspace or organisation, who installed it, and OAuth states.

Owns storing what Slack's OAuth v2 hands over (sealed with storage.secrets: a token is never written in clear,
and without a SECRET_KEY it is not written at all), finding the bot for a workspace the way Bolt looks it up
(an org-wide install is keyed by its organisation alone), deleting it on uninstall, and rotating a bot token
so that two processes never spend one refresh token: on PostgreSQL the bot's row is locked (SELECT ... FOR
UPDATE) from reading the refresh token to saving its successor, and a second process waits, then finds the
token already rotated; on SQLite one process owns the file, and an asyncio lock per installation does the same.
OAuth states are single-use: consuming one is one DELETE, so two callbacks with the same state cannot both win.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update

from storage.models import utcnow
from storage.models_install import OAuthStateRow, SlackBotRow, SlackInstallationRow
from storage.repositories._base import Database, as_utc
from storage.secrets import Secrets

__all__ = ["SlackBot", "SlackInstaller", "Refreshed", "SlackInstallRepository", "OAuthStateRepository"]

# per (database, enterprise, team): the rotation lock of one process (SQLite: the only process)
_ROTATION_LOCKS: dict[tuple[str, str, str], asyncio.Lock] = {}


def _key(value: str | None) -> str:
    return value or ""


def _none(value: str) -> str | None:
    return value or None


@dataclass(frozen=True, slots=True)
class SlackBot:
    """The bot of one installation: a workspace (`team_id`), or an organisation (`team_id` None, org-wide)."""

    workspace_id: int
    enterprise_id: str | None
    team_id: str | None
    is_enterprise_install: bool
    bot_id: str
    bot_user_id: str
    bot_scopes: str
    bot_token: str = field(repr=False)
    bot_refresh_token: str | None = field(default=None, repr=False)
    bot_token_expires_at: datetime | None = None
    app_id: str | None = None
    enterprise_name: str | None = None
    team_name: str | None = None
    installed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SlackInstaller:
    """Who installed the app (and their user token, when the app asks for user scopes)."""

    workspace_id: int
    enterprise_id: str | None
    team_id: str | None
    user_id: str
    is_enterprise_install: bool
    app_id: str | None = None
    enterprise_name: str | None = None
    enterprise_url: str | None = None
    team_name: str | None = None
    token_type: str | None = None
    user_token: str | None = field(default=None, repr=False)
    user_scopes: str | None = None
    user_refresh_token: str | None = field(default=None, repr=False)
    user_token_expires_at: datetime | None = None
    incoming_webhook_url: str | None = field(default=None, repr=False)
    incoming_webhook_channel: str | None = None
    incoming_webhook_channel_id: str | None = None
    incoming_webhook_configuration_url: str | None = None
    installed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Refreshed:
    """A rotated bot token: the new token, the refresh token for the next rotation, and when it expires."""

    token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None


_BOT_SECRETS = ("bot_token", "bot_refresh_token")
_INSTALLER_SECRETS = ("user_token", "user_refresh_token", "incoming_webhook_url")


class SlackInstallRepository:
    def __init__(self, db: Database, secrets: Secrets):
        self._db = db
        self._secrets = secrets

    # ------------------------------------------------------------------ rows <-> records

    def _bot(self, row: SlackBotRow) -> SlackBot:
        return SlackBot(
            workspace_id=row.workspace_id,
            enterprise_id=_none(row.enterprise_id),
            team_id=_none(row.team_id),
            is_enterprise_install=row.is_enterprise_install,
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes,
            bot_token=self._secrets.open(row.bot_token) or "",
            bot_refresh_token=self._secrets.open(row.bot_refresh_token),
            bot_token_expires_at=as_utc(row.bot_token_expires_at),
            app_id=row.app_id,
            enterprise_name=row.enterprise_name,
            team_name=row.team_name,
            installed_at=as_utc(row.installed_at),
        )

    def _installer(self, row: SlackInstallationRow) -> SlackInstaller:
        values = {f.name: getattr(row, f.name) for f in dataclasses.fields(SlackInstaller)}
        for name in _INSTALLER_SECRETS:
            values[name] = self._secrets.open(values[name])
        values.update(
            enterprise_id=_none(row.enterprise_id),
            team_id=_none(row.team_id),
            user_token_expires_at=as_utc(row.user_token_expires_at),
            installed_at=as_utc(row.installed_at),
        )
        return SlackInstaller(**values)

    def _bot_values(self, bot: SlackBot, now: datetime) -> dict[str, Any]:
        values = {f.name: getattr(bot, f.name) for f in dataclasses.fields(SlackBot)}
        for name in _BOT_SECRETS:
            values[name] = self._secrets.seal(values[name])
        values.update(
            enterprise_id=_key(bot.enterprise_id),
            team_id=_key(bot.team_id),
            installed_at=bot.installed_at or now,
            updated_at=now,
        )
        return values

    def _installer_values(self, installer: SlackInstaller, now: datetime) -> dict[str, Any]:
        values = {f.name: getattr(installer, f.name) for f in dataclasses.fields(SlackInstaller)}
        for name in _INSTALLER_SECRETS:
            values[name] = self._secrets.seal(values[name])
        values.update(
            enterprise_id=_key(installer.enterprise_id),
            team_id=_key(installer.team_id),
            installed_at=installer.installed_at or now,
        )
        return values

    # ------------------------------------------------------------------ writes

    async def save(self, installer: SlackInstaller | None, bot: SlackBot | None) -> None:
        """Store an installation (who installed it, and its bot) in one transaction; a reinstall replaces both.
        Raises storage.secrets.NoSecretKey, storing nothing, when there is no key to seal the tokens with."""
        now = utcnow()
        statements = []
        if bot is not None:
            statements.append(self._upsert(SlackBotRow, self._bot_values(bot, now), ["enterprise_id", "team_id"]))
        if installer is not None:
            keys = ["enterprise_id", "team_id", "user_id"]
            statements.append(self._upsert(SlackInstallationRow, self._installer_values(installer, now), keys))
        async with self._db.write() as session:
            for statement in statements:
                await session.execute(statement)

    def _upsert(self, model: Any, values: dict[str, Any], keys: list[str]) -> Any:
        stmt = self._db.insert(model).values(**values)
        return stmt.on_conflict_do_update(
            index_elements=keys, set_={name: stmt.excluded[name] for name in values if name not in keys}
        )

    async def delete_bot(self, enterprise_id: str | None, team_id: str | None) -> int:
        async with self._db.write() as session:
            result = await session.execute(
                delete(SlackBotRow).where(
                    SlackBotRow.enterprise_id == _key(enterprise_id), SlackBotRow.team_id == _key(team_id)
                )
            )
            return int(cast(CursorResult[Any], result).rowcount or 0)

    async def delete_installers(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> int:
        """Delete who installed the app there (only `user_id`'s row when given)."""
        query = delete(SlackInstallationRow).where(
            SlackInstallationRow.enterprise_id == _key(enterprise_id), SlackInstallationRow.team_id == _key(team_id)
        )
        if user_id is not None:
            query = query.where(SlackInstallationRow.user_id == user_id)
        async with self._db.write() as session:
            return int(cast(CursorResult[Any], await session.execute(query)).rowcount or 0)

    # ------------------------------------------------------------------ reads

    async def find_bot(self, enterprise_id: str | None, team_id: str | None) -> SlackBot | None:
        async with self._db.read() as session:
            row = await session.scalar(self._bot_query(enterprise_id, team_id))
            return None if row is None else self._bot(row)

    async def find_installer(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> SlackInstaller | None:
        """`user_id`'s installation there, or (None) the latest one."""
        query = select(SlackInstallationRow).where(
            SlackInstallationRow.enterprise_id == _key(enterprise_id), SlackInstallationRow.team_id == _key(team_id)
        )
        if user_id is not None:
            query = query.where(SlackInstallationRow.user_id == user_id)
        query = query.order_by(SlackInstallationRow.installed_at.desc(), SlackInstallationRow.id.desc()).limit(1)
        async with self._db.read() as session:
            row = await session.scalar(query)
            return None if row is None else self._installer(row)

    async def bots_of(self, workspace_id: int) -> list[SlackBot]:
        """The bots installed for a tenant: an org-wide install first, then the newest workspace install."""
        query = (
            select(SlackBotRow)
            .where(SlackBotRow.workspace_id == workspace_id)
            .order_by(SlackBotRow.is_enterprise_install.desc(), SlackBotRow.installed_at.desc(), SlackBotRow.id.desc())
        )
        async with self._db.read() as session:
            return [self._bot(row) for row in await session.scalars(query)]

    async def listing(self) -> list[dict[str, Any]]:
        """Every installed bot, without its tokens: for operators."""
        async with self._db.read() as session:
            rows = await session.scalars(select(SlackBotRow).order_by(SlackBotRow.installed_at))
            return [
                {
                    "workspace_id": row.workspace_id,
                    "enterprise_id": _none(row.enterprise_id),
                    "team_id": _none(row.team_id),
                    "org_wide": row.is_enterprise_install,
                    "name": row.team_name or row.enterprise_name,
                    "installed_at": as_utc(row.installed_at),
                    "token_expires_at": as_utc(row.bot_token_expires_at),
                }
                for row in rows
            ]

    @staticmethod
    def _bot_query(enterprise_id: str | None, team_id: str | None) -> Any:
        return select(SlackBotRow).where(
            SlackBotRow.enterprise_id == _key(enterprise_id), SlackBotRow.team_id == _key(team_id)
        )

    # ------------------------------------------------------------------ rotation

    async def rotate_bot(
        self,
        enterprise_id: str | None,
        team_id: str | None,
        *,
        due: Callable[[SlackBot], bool],
        refresh: Callable[[SlackBot], Awaitable[Refreshed]],
    ) -> SlackBot | None:
        """The bot, its token rotated by `refresh` first when `due(bot)` says so, with no other rotation of the
        same bot in between (see the module docstring). None when it is not installed (any more)."""
        bot = await self.find_bot(enterprise_id, team_id)
        if bot is None or not due(bot):
            return bot  # the common case, a plain read: requests and sends do not queue on the bot's lock
        if self._db.dialect == "postgresql":
            async with self._db.write() as session:
                row = await session.scalar(self._bot_query(enterprise_id, team_id).with_for_update())
                if row is None:
                    return None
                bot = self._bot(row)
                if not due(bot):
                    return bot
                fresh = await refresh(bot)  # the row stays locked: a second process waits here, then sees this
                self._apply(row, fresh)
                return self._bot(row)
        key = (str(self._db.engine.url), _key(enterprise_id), _key(team_id))
        async with _ROTATION_LOCKS.setdefault(key, asyncio.Lock()):
            bot = await self.find_bot(enterprise_id, team_id)
            if bot is None or not due(bot):
                return bot
            fresh = await refresh(bot)
            async with self._db.write() as session:
                row = await session.scalar(self._bot_query(enterprise_id, team_id))
                if row is None:
                    return None  # uninstalled while rotating: the new token is not kept
                self._apply(row, fresh)
                return self._bot(row)

    def _apply(self, row: SlackBotRow, fresh: Refreshed) -> None:
        row.bot_token = self._secrets.seal(fresh.token) or ""
        row.bot_refresh_token = self._secrets.seal(fresh.refresh_token)
        row.bot_token_expires_at = fresh.expires_at
        row.updated_at = utcnow()

    async def reseal(self) -> int:
        """Seal every stored credential again with the newest SECRET_KEY key (after adding a new key first);
        one transaction. Returns the number of rows rewritten."""
        count = 0
        models: tuple[tuple[type[SlackBotRow] | type[SlackInstallationRow], tuple[str, ...]], ...] = (
            (SlackBotRow, _BOT_SECRETS),
            (SlackInstallationRow, _INSTALLER_SECRETS),
        )
        async with self._db.write() as session:
            for model, names in models:
                for row in await session.scalars(select(model)):
                    values = {name: self._secrets.reseal(getattr(row, name)) for name in names}
                    await session.execute(update(model).where(model.id == row.id).values(**values))  # type: ignore[attr-defined]
                    count += 1
        return count


class OAuthStateRepository:
    """The `state` values of OAuth installs in progress (storage's side of Bolt's OAuthStateStore)."""

    def __init__(self, db: Database):
        self._db = db

    async def issue(self, state: str, *, expires_at: datetime, now: datetime) -> None:
        async with self._db.write() as session:
            await session.execute(delete(OAuthStateRow).where(OAuthStateRow.expires_at <= now))  # tidy as we go
            session.add(OAuthStateRow(state=state, expires_at=expires_at))

    async def consume(self, state: str, *, now: datetime) -> bool:
        """True once for a state that was issued and has not expired; it is gone afterwards either way."""
        async with self._db.write() as session:
            found = await session.scalar(select(OAuthStateRow.expires_at).where(OAuthStateRow.state == state))
            result = cast(
                CursorResult[Any], await session.execute(delete(OAuthStateRow).where(OAuthStateRow.state == state))
            )
            expires = as_utc(found)
            return bool(result.rowcount) and expires is not None and expires > now
