"""Experts: invitations by DM to give a view on a scenario card, their estimates, and per-workspace limits.

`expert_invitations` keeps the chain (parent and depth) and is unique per (card, invitee), so nobody is invited
twice to the same card even when two people invite them at the same instant; `expert_estimates` holds what an
expert estimated and the P(reach target) the engine gave it; `expert_settings` a workspace's own depth cap,
per-card limit and expiry.

Revision ID: 0007_experts
Revises: 0006_installations
Create Date: 2026-11-29 21:26:08.115373
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_experts"
down_revision: str | None = "0006_installations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "expert_settings",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("max_depth", sa.Integer(), nullable=True),
        sa.Column("max_per_card", sa.Integer(), nullable=True),
        sa.Column("expiry_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_expert_settings_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_expert_settings")),
    )
    op.create_table(
        "expert_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("sent_message_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=512), nullable=False),
        sa.Column("inviter_id", sa.String(length=255), nullable=False),
        sa.Column("inviter_name", sa.String(length=255), nullable=False),
        sa.Column("invitee_id", sa.String(length=255), nullable=False),
        sa.Column("invitee_name", sa.String(length=255), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("driver", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("dm_channel_id", sa.String(length=512), nullable=True),
        sa.Column("dm_message_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'answered', 'declined', 'expired')", name=op.f("ck_expert_invitations_status")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "parent_id"],
            ["expert_invitations.workspace_id", "expert_invitations.id"],
            name=op.f("fk_expert_invitations_workspace_id_parent_id_expert_invitations"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "sent_message_id"],
            ["sent_messages.workspace_id", "sent_messages.id"],
            name=op.f("fk_expert_invitations_workspace_id_sent_message_id_sent_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_invitations")),
        sa.UniqueConstraint(
            "sent_message_id", "invitee_id", name=op.f("uq_expert_invitations_sent_message_id_invitee_id")
        ),
        sa.UniqueConstraint("workspace_id", "id", name=op.f("uq_expert_invitations_workspace_id_id")),
    )
    with op.batch_alter_table("expert_invitations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_expert_invitations_dm", ["workspace_id", "dm_channel_id", "dm_message_id"], unique=False
        )

    op.create_table(
        "expert_estimates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("driver", sa.String(length=64), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("p_hit", sa.Double(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "invitation_id"],
            ["expert_invitations.workspace_id", "expert_invitations.id"],
            name=op.f("fk_expert_estimates_workspace_id_invitation_id_expert_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_estimates")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_expert_estimates_invitation_id")),
    )


def downgrade() -> None:
    op.drop_table("expert_estimates")
    with op.batch_alter_table("expert_invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_expert_invitations_dm")

    op.drop_table("expert_invitations")
    op.drop_table("expert_settings")
