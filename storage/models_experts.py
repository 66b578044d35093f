"""The experts' tables: invitations by DM (with their chain), estimates, and a workspace's invitation limits.

Kept beside storage.models (which re-exports them) so that module stays readable; same Base, same naming
convention, every row scoped by `workspace_id`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, _when

__all__ = ["ExpertInvitationRow", "ExpertEstimateRow", "ExpertSettingsRow"]


class ExpertInvitationRow(Base):
    """A person asked by DM for their view of a scenario card (`sent_message_id`): who asked, the invitation that
    led to it (`parent_id`, the chain) and its `depth`, the question and driver, where the DM went, and its status.
    Unique (card, invitee): nobody is invited twice to the same card, however many ask at once."""

    __tablename__ = "expert_invitations"
    __table_args__ = (
        UniqueConstraint("sent_message_id", "invitee_id"),
        UniqueConstraint("workspace_id", "id"),
        ForeignKeyConstraint(
            ["workspace_id", "sent_message_id"], ["sent_messages.workspace_id", "sent_messages.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "parent_id"], ["expert_invitations.workspace_id", "expert_invitations.id"]
        ),
        CheckConstraint("status IN ('pending', 'answered', 'declined', 'expired')", name="status"),
        Index("ix_expert_invitations_dm", "workspace_id", "dm_channel_id", "dm_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sent_message_id: Mapped[int] = mapped_column(Integer, nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False)
    inviter_id: Mapped[str] = mapped_column(String(255), nullable=False)
    inviter_name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    invitee_id: Mapped[str] = mapped_column(String(255), nullable=False)
    invitee_name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    parent_id: Mapped[int | None] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer, nullable=False)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    driver: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    dm_channel_id: Mapped[str | None] = mapped_column(String(512))
    dm_message_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = _when()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ExpertEstimateRow(Base):
    """An expert's estimate: the text as typed, the changes read from it, the P(reach target) the engine gave,
    and the thread card that shows it. One per invitation (a second estimate replaces the first)."""

    __tablename__ = "expert_estimates"
    __table_args__ = (
        UniqueConstraint("invitation_id"),
        ForeignKeyConstraint(
            ["workspace_id", "invitation_id"],
            ["expert_invitations.workspace_id", "expert_invitations.id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer, nullable=False)
    invitation_id: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    driver: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    p_hit: Mapped[float] = mapped_column(Double, nullable=False)
    message_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = _when()


class ExpertSettingsRow(Base):
    """A workspace's limits for expert invitations (absent: the defaults of bot.core.experts.rules)."""

    __tablename__ = "expert_settings"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    max_depth: Mapped[int | None] = mapped_column(Integer)
    max_per_card: Mapped[int | None] = mapped_column(Integer)
    expiry_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = _when()
