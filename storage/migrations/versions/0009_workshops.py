"""Workshops and their follow-up surveys.

A workshop planned in a channel (`workshops`), the people invited with their reply and time zone
(`workshop_participants`), its agenda (`workshop_agenda_items`), its survey questions (`workshop_questions`) and
one row of answers per person (`workshop_answers`, unique per workshop and person), all scoped by workspace with
composite keys to the workshop.

Revision ID: 0009_workshops
Revises: 0008_decisions
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_workshops"
down_revision: str | None = "0008_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=512), nullable=False),
        sa.Column("organiser_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("preparation", sa.Text(), nullable=False),
        sa.Column("cards", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("survey_delay_minutes", sa.Integer(), nullable=False),
        sa.Column("survey_days", sa.Integer(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("card_message_id", sa.String(length=255), nullable=True),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("survey_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'sent', 'closed')", name=op.f("ck_workshops_status")),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_workshops_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshops")),
        sa.UniqueConstraint("workspace_id", "id", name=op.f("uq_workshops_workspace_id_id")),
    )
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.create_index("ix_workshops_channel", ["workspace_id", "channel_id", "created_at"], unique=False)

    op.create_table(
        "workshop_agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("visual_aid", sa.Text(), nullable=False),
        sa.Column("activity", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "workshop_id"],
            ["workshops.workspace_id", "workshops.id"],
            name=op.f("fk_workshop_agenda_items_workspace_id_workshop_id_workshops"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_agenda_items")),
        sa.UniqueConstraint("workshop_id", "position", name=op.f("uq_workshop_agenda_items_workshop_id_position")),
    )
    op.create_table(
        "workshop_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "workshop_id"],
            ["workshops.workspace_id", "workshops.id"],
            name=op.f("fk_workshop_answers_workspace_id_workshop_id_workshops"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_answers")),
        sa.UniqueConstraint("workshop_id", "user_id", name=op.f("uq_workshop_answers_workshop_id_user_id")),
    )
    op.create_table(
        "workshop_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('invited', 'attending', 'declined')", name=op.f("ck_workshop_participants_status")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "workshop_id"],
            ["workshops.workspace_id", "workshops.id"],
            name=op.f("fk_workshop_participants_workspace_id_workshop_id_workshops"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_participants")),
        sa.UniqueConstraint("workshop_id", "user_id", name=op.f("uq_workshop_participants_workshop_id_user_id")),
    )
    op.create_table(
        "workshop_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("driver", sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind IN ('rating', 'choice', 'number', 'text')", name=op.f("ck_workshop_questions_kind")),
        sa.ForeignKeyConstraint(
            ["workspace_id", "workshop_id"],
            ["workshops.workspace_id", "workshops.id"],
            name=op.f("fk_workshop_questions_workspace_id_workshop_id_workshops"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_questions")),
        sa.UniqueConstraint("workshop_id", "position", name=op.f("uq_workshop_questions_workshop_id_position")),
    )


def downgrade() -> None:
    op.drop_table("workshop_questions")
    op.drop_table("workshop_participants")
    op.drop_table("workshop_answers")
    op.drop_table("workshop_agenda_items")
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_index("ix_workshops_channel")

    op.drop_table("workshops")
