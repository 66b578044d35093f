"""Pending CSV imports: the preview a channel accepts ("Use as baseline") or cancels.

Revision ID: 0002_pending_imports
Revises: 0001_initial
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_pending_imports"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=512), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("candidate", sa.JSON(), nullable=False),
        sa.Column("preview", sa.JSON(), nullable=False),
        sa.Column("baseline_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=255), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'cancelled')", name=op.f("ck_pending_imports_status")),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_pending_imports_workspace_id_workspaces")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "baseline_id"],
            ["baselines.workspace_id", "baselines.id"],
            name=op.f("fk_pending_imports_workspace_id_baseline_id_baselines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_imports")),
        sa.UniqueConstraint("workspace_id", "id", name=op.f("uq_pending_imports_workspace_id_id")),
    )
    op.create_index(
        "ix_pending_imports_channel", "pending_imports", ["workspace_id", "channel_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_pending_imports_channel", table_name="pending_imports")
    op.drop_table("pending_imports")
