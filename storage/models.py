"""The tables (SQLAlchemy ORM models). Only repositories and migrations use them; callers get records.

Every table but `workspaces` and `inbox` carries `workspace_id`, and child rows point at their parent
with a composite foreign key `(workspace_id, parent_id)`, so the database itself refuses a row that joins
two tenants. Constraint names follow one naming convention so that migrations can name them on both
SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false as sa_false
from sqlalchemy.sql.expression import true as sa_true

__all__ = [
    "Base",
    "WorkspaceRow",
    "ConversationRow",
    "BaselineRow",
    "BaselineDealRow",
    "ScenarioRow",
    "SentMessageRow",
    "LikeRow",
    "CommentRow",
    "InboxRow",
    "AuditRow",
    "PendingImportRow",
    "JobRow",
    "OutboxRow",
    "ScheduleRow",
    "ChartRow",
    "WorkerBeatRow",
    "ForecastRow",
    "PeriodOutcomeRow",
    "DecisionRow",
    "RoleRow",
    "DECISION_KINDS",
    "DECISION_STATUSES",
    "ROLES",
    "ExpertInvitationRow",
    "ExpertEstimateRow",
    "ExpertSettingsRow",
    "INVITATION_STATUSES",
    "JOB_STATUSES",
    "OUTBOX_STATUSES",
    "IMPORT_STATUSES",
    "PLATFORMS",
    "utcnow",
]

PLATFORMS = ("slack", "teams", "console")
_PLATFORM_CHECK = "platform IN ('slack', 'teams', 'console')"
IMPORT_STATUSES = ("pending", "accepted", "cancelled")
DECISION_KINDS = ("adopt", "keep", "other")
DECISION_STATUSES = ("open", "done")
ROLES = ("manager",)
INVITATION_STATUSES = ("pending", "answered", "declined", "expired")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _when() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WorkspaceRow(Base):
    """A tenant: a Slack team or enterprise, a Teams tenant, or the local console."""

    __tablename__ = "workspaces"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        CheckConstraint(_PLATFORM_CHECK, name="platform"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), nullable=False)
    external_id: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(8), nullable=False, default="USD", server_default="USD")
    confidence: Mapped[float] = mapped_column(Double, nullable=False, default=0.8, server_default="0.8")
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC", server_default="UTC")
    created_at: Mapped[datetime] = _when()


class ConversationRow(Base):
    """Where the bot can post: Teams keeps the full conversation reference for proactive messages."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    reference: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[datetime] = _when()


class BaselineRow(Base):
    """One version of a channel's baseline: the top-level fields; the deals are baseline_deals rows."""

    __tablename__ = "baselines"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "version"),
        UniqueConstraint("workspace_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    deal_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    created_by: Mapped[str] = mapped_column(String(255), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = _when()


class BaselineDealRow(Base):
    """One open deal of a baseline version, in the pipeline's order (`position`)."""

    __tablename__ = "baseline_deals"
    __table_args__ = (
        UniqueConstraint("baseline_id", "position"),
        ForeignKeyConstraint(
            ["workspace_id", "baseline_id"], ["baselines.workspace_id", "baselines.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer, nullable=False)
    baseline_id: Mapped[int] = mapped_column(Integer, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    external_id: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[float] = mapped_column(Double, nullable=False)
    probability: Mapped[float] = mapped_column(Double, nullable=False)
    close_date: Mapped[date] = mapped_column(Date, nullable=False)
    stage: Mapped[str | None] = mapped_column(String(255))
    owner: Mapped[str | None] = mapped_column(String(255))


class ScenarioRow(Base):
    """A what-if question as asked and answered: the changes read from it and the forecast summaries."""

    __tablename__ = "scenarios"
    __table_args__ = (
        UniqueConstraint("workspace_id", "id"),
        ForeignKeyConstraint(["workspace_id", "baseline_id"], ["baselines.workspace_id", "baselines.id"]),
        Index("ix_scenarios_channel", "workspace_id", "channel_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    intent: Mapped[str] = mapped_column(String(64), nullable=False)
    changes: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    baseline_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    asked_by: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = _when()


class SentMessageRow(Base):
    """A message (card) the bot posted, with the card as a dict so it can be re-rendered."""

    __tablename__ = "sent_messages"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "message_id"),
        UniqueConstraint("workspace_id", "id"),
        ForeignKeyConstraint(["workspace_id", "scenario_id"], ["scenarios.workspace_id", "scenarios.id"]),
        CheckConstraint(_PLATFORM_CHECK, name="platform"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    platform: Mapped[str] = mapped_column(String(16), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False)
    message_id: Mapped[str] = mapped_column(String(255), nullable=False)
    thread_id: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    scenario_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = _when()
    updated_at: Mapped[datetime] = _when()


class LikeRow(Base):
    """One like of a card by a user from one source (a reaction name, or 'button')."""

    __tablename__ = "likes"
    __table_args__ = (
        UniqueConstraint("sent_message_id", "user_id", "source"),
        ForeignKeyConstraint(
            ["workspace_id", "sent_message_id"], ["sent_messages.workspace_id", "sent_messages.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sent_message_id: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[str] = mapped_column(String(255), nullable=False)
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = _when()


class CommentRow(Base):
    """A reply in a card's thread; edits update it, deletions mark it."""

    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("sent_message_id", "message_id"),
        ForeignKeyConstraint(
            ["workspace_id", "sent_message_id"], ["sent_messages.workspace_id", "sent_messages.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sent_message_id: Mapped[int] = mapped_column(Integer, nullable=False)
    author_id: Mapped[str] = mapped_column(String(255), nullable=False)
    message_id: Mapped[str] = mapped_column(String(255), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _when()
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InboxRow(Base):
    """A platform delivery seen once: retries of the same delivery id are ignored."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("platform", "delivery_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), nullable=False)
    delivery_id: Mapped[str] = mapped_column(String(255), nullable=False)
    workspace_external_id: Mapped[str | None] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False, index=True)


class AuditRow(Base):
    """Append-only: who changed what, when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_workspace_at", "workspace_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    actor: Mapped[str] = mapped_column(String(255), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    object_type: Mapped[str] = mapped_column(String(64), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    at: Mapped[datetime] = _when()


class PendingImportRow(Base):
    """A CSV import shown as a preview and waiting for "Use as baseline" or "Cancel": the candidate baseline
    (DESIGN section 6 JSON), the preview the card was built from, and once accepted the version it became."""

    __tablename__ = "pending_imports"
    __table_args__ = (
        UniqueConstraint("workspace_id", "id"),
        CheckConstraint("status IN ('pending', 'accepted', 'cancelled')", name="status"),
        ForeignKeyConstraint(["workspace_id", "baseline_id"], ["baselines.workspace_id", "baselines.id"]),
        Index("ix_pending_imports_channel", "workspace_id", "channel_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False)
    created_by: Mapped[str] = mapped_column(String(255), nullable=False)
    source_name: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    candidate: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    preview: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    baseline_id: Mapped[int | None] = mapped_column(Integer)
    # what the drivers were fitted from and the per-driver choices (bot.core.import_choices); NULL before 0003
    fit: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the history rows a re-fit reads (up to MBs): written once, loaded only on request (ImportRepository.history)
    history: Mapped[list[Any] | None] = mapped_column(JSON, deferred=True)
    decided_by: Mapped[str | None] = mapped_column(String(255))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _when()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


JOB_STATUSES = ("queued", "running", "done", "dead")
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "unknown")


class JobRow(Base):
    """Durable work: an acknowledged delivery, a footer update, a due schedule. Claimed by one worker at a time
    (`lease_until` is the visibility timeout: a job held by a killed worker is claimed again after it)."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("key"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'dead')", name="status"),
        Index("ix_jobs_due", "status", "run_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(512), nullable=False)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=8, server_default="8")
    runs: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # a coalesced job (a card's footer) asked for again while it was running: it runs once more after it finishes
    again: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=sa_false())
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    leased_by: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = _when()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxRow(Base):
    """One message the bot sends (a card, a footer update, a notice, a chart upload, a DM), under a unique
    idempotency key. `status` 'sent' with `remote_id` means the platform accepted it: it is never sent again;
    'unknown' means a send whose outcome was lost (sent, no answer): it is looked up, never blindly re-posted."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'unknown')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(512), nullable=False)
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id"))
    platform: Mapped[str] = mapped_column(String(16), nullable=False)
    operation: Mapped[str] = mapped_column(String(32), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False)
    thread_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    remote_id: Mapped[str | None] = mapped_column(String(255))
    remote_channel: Mapped[str | None] = mapped_column(String(512))
    chart_token: Mapped[str | None] = mapped_column(String(64))  # the stored chart a posted card shows
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(255))
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _when()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScheduleRow(Base):
    """A recurring job: a cron expression read in an IANA time zone. Each due time becomes one job whose key
    names the due time, so it runs once however many workers see it; `next_run_at` moves past *now* (not past
    the due time), so a worker that was down for a week catches up with one run, not a flood."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("key"), Index("ix_schedules_due", "active", "next_run_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(512), nullable=False)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id"))
    cron: Mapped[str] = mapped_column(String(128), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=sa_true())
    next_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _when()


class ChartRow(Base):
    """A rendered chart PNG under an unguessable token, served by any web process at /charts/{token}.png."""

    __tablename__ = "charts"
    __table_args__ = (UniqueConstraint("token"), Index("ix_charts_created", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), nullable=False)
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id"))
    png: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = _when()


class WorkerBeatRow(Base):
    """When each worker last finished a polling round: /healthz reports the newest."""

    __tablename__ = "worker_beats"

    worker_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ForecastRow(Base):
    """A P(reach target) the bot published (a card, a nudge, an answer): with the baseline version it came from,
    when, and the period it is about, so the track record can compare it with the period's outcome. `key` (the
    message's idempotency key) makes recording the same publication twice a no-op."""

    __tablename__ = "forecasts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        ForeignKeyConstraint(["workspace_id", "baseline_id"], ["baselines.workspace_id", "baselines.id"]),
        Index("ix_forecasts_channel", "workspace_id", "channel_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    key: Mapped[str | None] = mapped_column(String(512))
    p_hit: Mapped[float] = mapped_column(Double, nullable=False)
    baseline_id: Mapped[int | None] = mapped_column(Integer)
    baseline_version: Mapped[int | None] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    target: Mapped[float | None] = mapped_column(Double)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PeriodOutcomeRow(Base):
    """What a channel booked in a period that has ended, and whether that reached the target (from a baseline
    or import whose as_of is on or after the period end)."""

    __tablename__ = "period_outcomes"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "period_end"),
        ForeignKeyConstraint(["workspace_id", "baseline_id"], ["baselines.workspace_id", "baselines.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(512), nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    target: Mapped[float] = mapped_column(Double, nullable=False)
    booked: Mapped[float] = mapped_column(Double, nullable=False)
    hit: Mapped[bool] = mapped_column(Boolean, nullable=False)
    baseline_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


# The decision log's and the experts' tables live in their own modules too (same Base); re-exported here.
# The workshop tables live in their own module (same Base); imported here so Base.metadata has them wherever the
# models are loaded (migrations' comparison, create_all).
# The install tables live in their own module (storage.models_install); importing it here registers them on Base,
# so every user of Base.metadata (migrations, the workspace export and delete) sees them.
from storage import models_install as _install  # noqa: E402,F401
from storage.models_decisions import DecisionRow, RoleRow  # noqa: E402
from storage.models_experts import ExpertEstimateRow, ExpertInvitationRow, ExpertSettingsRow  # noqa: E402
from storage.workshop_models import (  # noqa: E402,F401
    WorkshopAgendaItemRow,
    WorkshopAnswerRow,
    WorkshopParticipantRow,
    WorkshopQuestionRow,
    WorkshopRow,
)
