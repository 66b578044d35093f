"""The decision log's tables: decisions taken on scenario cards, and the manager role.

Kept beside storage.models (which re-exports them) so that module stays readable; same Base, same naming
convention, every row scoped by `workspace_id`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
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

__all__ = ["DecisionRow", "RoleRow"]


class DecisionRow(Base):
    """A decision taken on a scenario card: what was decided (adopt the scenario, keep the plan, other), who
    decided, its owner and due date, open or done, and the decision card the bot posted. `key` (the delivery of
    the form that created it) makes a re-run of that delivery find the same decision instead of a second one."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "id"),
        UniqueConstraint("workspace_id", "key"),
        ForeignKeyConstraint(["workspace_id", "sent_message_id"], ["sent_messages.workspace_id", "sent_messages.id"]),
        ForeignKeyConstraint(["workspace_id", "scenario_id"], ["scenarios.workspace_id", "scenarios.id"]),
        CheckConstraint("kind IN ('adopt', 'keep', 'other')", name="kind"),
        CheckConstraint("status IN ('open', 'done')", name="status"),
        Index("ix_decisions_channel", "workspace_id", "channel_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False)
    key: Mapped[str | None] = mapped_column(String(512))
    sent_message_id: Mapped[int] = mapped_column(Integer, nullable=False)
    scenario_id: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    owner_id: Mapped[str] = mapped_column(String(255), nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open", server_default="open")
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[str | None] = mapped_column(String(255))
    card_message_id: Mapped[str | None] = mapped_column(String(255))
    baseline_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = _when()


class RoleRow(Base):
    """A person's role in a workspace ("manager": may decide on any scenario card), for every channel (`channel_id`
    "") or one channel. Set by a workspace admin (`role` command) or an operator (`python -m bot roles set`)."""

    __tablename__ = "roles"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "user_id"),
        CheckConstraint("role IN ('manager')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False, default="")
    user_id: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    set_by: Mapped[str] = mapped_column(String(255), nullable=False)
    set_at: Mapped[datetime] = _when()
