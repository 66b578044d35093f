"""Decisions and roles: the decision log of scenario cards, and who holds the manager role.

`decisions` records what was decided on a scenario card (adopt / keep the plan / other), by whom, its owner,
due date and status, and the decision card posted; `roles` holds the manager role per workspace (or channel).

Revision ID: 0008_decisions
Revises: 0007_experts
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_decisions"
down_revision: str | None = "0007_experts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=512), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("set_by", sa.String(length=255), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('manager')", name=op.f("ck_roles_role")),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_roles_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint(
            "workspace_id", "channel_id", "user_id", name=op.f("uq_roles_workspace_id_channel_id_user_id")
        ),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=512), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=True),
        sa.Column("sent_message_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=255), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=255), nullable=True),
        sa.Column("card_message_id", sa.String(length=255), nullable=True),
        sa.Column("baseline_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('adopt', 'keep', 'other')", name=op.f("ck_decisions_kind")),
        sa.CheckConstraint("status IN ('open', 'done')", name=op.f("ck_decisions_status")),
        sa.ForeignKeyConstraint(
            ["workspace_id", "scenario_id"],
            ["scenarios.workspace_id", "scenarios.id"],
            name=op.f("fk_decisions_workspace_id_scenario_id_scenarios"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "sent_message_id"],
            ["sent_messages.workspace_id", "sent_messages.id"],
            name=op.f("fk_decisions_workspace_id_sent_message_id_sent_messages"),
        ),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_decisions_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("workspace_id", "id", name=op.f("uq_decisions_workspace_id_id")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_decisions_workspace_id_key")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_channel", ["workspace_id", "channel_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_channel")

    op.drop_table("decisions")
    op.drop_table("roles")
