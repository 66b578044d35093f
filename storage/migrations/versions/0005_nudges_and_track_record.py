"""Nudges and track record: published forecasts and period outcomes.

Every P(reach target) the bot publishes (cards, nudges) is a `forecasts` row with its baseline version, time
and period; `period_outcomes` holds what an ended period booked against its target. Nudge schedules use the
`schedules` table of 0004.

Revision ID: 0005_nudges_and_track_record
Revises: 0004_durable_work
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_nudges_and_track_record"
down_revision: str | None = "0004_durable_work"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=True),
        sa.Column("p_hit", sa.Double(), nullable=False),
        sa.Column("baseline_id", sa.Integer(), nullable=True),
        sa.Column("baseline_version", sa.Integer(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("target", sa.Double(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "baseline_id"],
            ["baselines.workspace_id", "baselines.id"],
            name=op.f("fk_forecasts_workspace_id_baseline_id_baselines"),
        ),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_forecasts_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecasts")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_forecasts_workspace_id_key")),
    )
    with op.batch_alter_table("forecasts", schema=None) as batch_op:
        batch_op.create_index("ix_forecasts_channel", ["workspace_id", "channel_id", "published_at"], unique=False)

    op.create_table(
        "period_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=512), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("target", sa.Double(), nullable=False),
        sa.Column("booked", sa.Double(), nullable=False),
        sa.Column("hit", sa.Boolean(), nullable=False),
        sa.Column("baseline_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "baseline_id"],
            ["baselines.workspace_id", "baselines.id"],
            name=op.f("fk_period_outcomes_workspace_id_baseline_id_baselines"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_period_outcomes_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_outcomes")),
        sa.UniqueConstraint(
            "workspace_id",
            "channel_id",
            "period_end",
            name=op.f("uq_period_outcomes_workspace_id_channel_id_period_end"),
        ),
    )


def downgrade() -> None:
    op.drop_table("period_outcomes")
    with op.batch_alter_table("forecasts", schema=None) as batch_op:
        batch_op.drop_index("ix_forecasts_channel")

    op.drop_table("forecasts")
