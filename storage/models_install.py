"""The install tables: where the bot is installed, per workspace or organisation, with its tokens sealed.

Owns four tables (registered on storage.models.Base, which imports this module):
- `slack_bots`: the bot of one installation, one row per Slack workspace (`team_id`) or, for an org-wide install
  on Enterprise Grid, per organisation (`team_id` ''): its token, refresh token and expiry (token rotation).
- `slack_installations`: who installed it (one row per installing user), with their user token if any.
- `slack_oauth_states`: the OAuth `state` values handed out by /slack/install, each usable once until it expires.
- `teams_installations`: where the Teams app is installed or was removed (a team, a group chat, a personal chat),
  per tenant.
Every column holding a credential is marked `info={"secret": True}`: its value is Fernet ciphertext
(storage.secrets), and the operators' export leaves it out. Slack ids that may be absent (no Enterprise Grid,
an org-wide install) are stored as '' rather than NULL, so the unique keys hold (NULLs never collide).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow

__all__ = ["SlackBotRow", "SlackInstallationRow", "OAuthStateRow", "TeamsInstallationRow", "SECRET"]

SECRET = {"secret": True}  # column info: sealed at rest, never exported


def _when() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class SlackBotRow(Base):
    """The bot token of one Slack installation (a workspace, or an organisation for an org-wide install)."""

    __tablename__ = "slack_bots"
    __table_args__ = (UniqueConstraint("enterprise_id", "team_id"), Index("ix_slack_bots_workspace", "workspace_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    enterprise_id: Mapped[str] = mapped_column(String(64), nullable=False)
    team_id: Mapped[str] = mapped_column(String(64), nullable=False)
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, nullable=False)
    app_id: Mapped[str | None] = mapped_column(String(64))
    enterprise_name: Mapped[str | None] = mapped_column(String(255))
    team_name: Mapped[str | None] = mapped_column(String(255))
    bot_id: Mapped[str] = mapped_column(String(64), nullable=False)
    bot_user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    bot_scopes: Mapped[str] = mapped_column(Text, nullable=False)
    bot_token: Mapped[str] = mapped_column(Text, nullable=False, info=SECRET)
    bot_refresh_token: Mapped[str | None] = mapped_column(Text, info=SECRET)
    bot_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    installed_at: Mapped[datetime] = _when()
    updated_at: Mapped[datetime] = _when()


class SlackInstallationRow(Base):
    """Who installed the app in a workspace or organisation (the bot's own token is in slack_bots)."""

    __tablename__ = "slack_installations"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "team_id", "user_id"),
        Index("ix_slack_installations_workspace", "workspace_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    enterprise_id: Mapped[str] = mapped_column(String(64), nullable=False)
    team_id: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, nullable=False)
    app_id: Mapped[str | None] = mapped_column(String(64))
    enterprise_name: Mapped[str | None] = mapped_column(String(255))
    enterprise_url: Mapped[str | None] = mapped_column(String(512))
    team_name: Mapped[str | None] = mapped_column(String(255))
    token_type: Mapped[str | None] = mapped_column(String(16))
    user_token: Mapped[str | None] = mapped_column(Text, info=SECRET)
    user_scopes: Mapped[str | None] = mapped_column(Text)
    user_refresh_token: Mapped[str | None] = mapped_column(Text, info=SECRET)
    user_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    incoming_webhook_url: Mapped[str | None] = mapped_column(Text, info=SECRET)
    incoming_webhook_channel: Mapped[str | None] = mapped_column(String(255))
    incoming_webhook_channel_id: Mapped[str | None] = mapped_column(String(64))
    incoming_webhook_configuration_url: Mapped[str | None] = mapped_column(String(512))
    installed_at: Mapped[datetime] = _when()


class OAuthStateRow(Base):
    """An OAuth `state` handed to a browser at /slack/install: consumed once, refused after `expires_at`."""

    __tablename__ = "slack_oauth_states"
    __table_args__ = (UniqueConstraint("state"), Index("ix_slack_oauth_states_expires", "expires_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(128), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class TeamsInstallationRow(Base):
    """Where the Teams app is installed in a tenant: a team, a group chat or a personal chat (`scope`), and
    whether it still is (`removed_at` set when it was removed)."""

    __tablename__ = "teams_installations"
    __table_args__ = (UniqueConstraint("workspace_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    conversation_id: Mapped[str] = mapped_column(String(512), nullable=False)
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    installed_at: Mapped[datetime] = _when()
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
