"""The workshop tables: a planned workshop, its participants, agenda items, survey questions and answers.

Kept beside storage.models (which re-exports them) so that module stays readable; same Base, same naming
convention. Every row carries `workspace_id`, and children point at their workshop with the composite key
`(workspace_id, workshop_id)`, so the database refuses a participant or answer that joins two tenants.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
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

from storage.models import Base, utcnow

__all__ = [
    "WorkshopRow",
    "WorkshopParticipantRow",
    "WorkshopAgendaItemRow",
    "WorkshopQuestionRow",
    "WorkshopAnswerRow",
    "WORKSHOP_STATUSES",
    "ATTEND_STATUSES",
]

WORKSHOP_STATUSES = ("draft", "sent", "closed")
ATTEND_STATUSES = ("invited", "attending", "declined")


def _child_key() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["workspace_id", "workshop_id"], ["workshops.workspace_id", "workshops.id"])


class WorkshopRow(Base):
    """A workshop as planned in a channel. `form` keeps the organiser's form values as typed (Edit re-opens the form
    with them); the parsed plan is in the columns and the child tables. `status`: draft -> sent -> closed (the
    survey closed). Times are UTC; `timezone` is the one the organiser gave the times in."""

    __tablename__ = "workshops"
    __table_args__ = (
        UniqueConstraint("workspace_id", "id"),
        CheckConstraint("status IN ('draft', 'sent', 'closed')", name="status"),
        Index("ix_workshops_channel", "workspace_id", "channel_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    platform: Mapped[str] = mapped_column(String(16), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False)
    organiser_id: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    title: Mapped[str] = mapped_column(Text, nullable=False)
    goal: Mapped[str] = mapped_column(Text, nullable=False, default="")
    scope: Mapped[str] = mapped_column(Text, nullable=False, default="")
    location: Mapped[str] = mapped_column(Text, nullable=False, default="")
    preparation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cards: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    start_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    end_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    survey_delay_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    survey_days: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    form: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    card_message_id: Mapped[str | None] = mapped_column(String(255))
    decisions: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    survey_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WorkshopParticipantRow(Base):
    """A person invited: their reply (`status`), their IANA time zone when known, and survey reminders sent."""

    __tablename__ = "workshop_participants"
    __table_args__ = (
        UniqueConstraint("workshop_id", "user_id"),
        _child_key(),
        CheckConstraint("status IN ('invited', 'attending', 'declined')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer, nullable=False)
    workshop_id: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="invited")
    timezone: Mapped[str | None] = mapped_column(String(64))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminders: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class WorkshopAgendaItemRow(Base):
    """One agenda point in order: what, how many minutes, the visual aid, and a discussion or an activity."""

    __tablename__ = "workshop_agenda_items"
    __table_args__ = (UniqueConstraint("workshop_id", "position"), _child_key())

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer, nullable=False)
    workshop_id: Mapped[int] = mapped_column(Integer, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    visual_aid: Mapped[str] = mapped_column(Text, nullable=False, default="")
    activity: Mapped[str] = mapped_column(Text, nullable=False, default="")


class WorkshopQuestionRow(Base):
    """A survey question in order: `kind` rating (1-5), choice (`options`), number (`driver`: the engine driver
    the team's estimate is run through), or text."""

    __tablename__ = "workshop_questions"
    __table_args__ = (
        UniqueConstraint("workshop_id", "position"),
        _child_key(),
        CheckConstraint("kind IN ('rating', 'choice', 'number', 'text')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer, nullable=False)
    workshop_id: Mapped[int] = mapped_column(Integer, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    options: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    driver: Mapped[str | None] = mapped_column(String(64))


class WorkshopAnswerRow(Base):
    """One person's answers to a workshop's survey (one row per person: an edit replaces the values until the
    survey closes). `answers` maps the question position (as text) to the value given."""

    __tablename__ = "workshop_answers"
    __table_args__ = (UniqueConstraint("workshop_id", "user_id"), _child_key())

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer, nullable=False)
    workshop_id: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[str] = mapped_column(String(255), nullable=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
