"""Installations: Slack bots and installers per workspace or organisation, OAuth states, Teams installs.

`slack_bots` holds each installation's bot token (and, with token rotation, its refresh token and expiry);
`slack_installations` who installed it; `slack_oauth_states` the single-use `state` of installs in progress;
`teams_installations` where the Teams app is (or was) installed per tenant. Token columns hold Fernet
ciphertext only (storage.secrets).

Revision ID: 0006_installations
Revises: 0005_nudges_and_track_record
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_installations"
down_revision: str | None = "0005_nudges_and_track_record"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_oauth_states")),
        sa.UniqueConstraint("state", name=op.f("uq_slack_oauth_states_state")),
    )
    with op.batch_alter_table("slack_oauth_states", schema=None) as batch_op:
        batch_op.create_index("ix_slack_oauth_states_expires", ["expires_at"], unique=False)

    op.create_table(
        "slack_bots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=True),
        sa.Column("enterprise_name", sa.String(length=255), nullable=True),
        sa.Column("team_name", sa.String(length=255), nullable=True),
        sa.Column("bot_id", sa.String(length=64), nullable=False),
        sa.Column("bot_user_id", sa.String(length=64), nullable=False),
        sa.Column("bot_scopes", sa.Text(), nullable=False),
        sa.Column("bot_token", sa.Text(), nullable=False),
        sa.Column("bot_refresh_token", sa.Text(), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_slack_bots_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_bots")),
        sa.UniqueConstraint("enterprise_id", "team_id", name=op.f("uq_slack_bots_enterprise_id_team_id")),
    )
    with op.batch_alter_table("slack_bots", schema=None) as batch_op:
        batch_op.create_index("ix_slack_bots_workspace", ["workspace_id"], unique=False)

    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=True),
        sa.Column("enterprise_name", sa.String(length=255), nullable=True),
        sa.Column("enterprise_url", sa.String(length=512), nullable=True),
        sa.Column("team_name", sa.String(length=255), nullable=True),
        sa.Column("token_type", sa.String(length=16), nullable=True),
        sa.Column("user_token", sa.Text(), nullable=True),
        sa.Column("user_scopes", sa.Text(), nullable=True),
        sa.Column("user_refresh_token", sa.Text(), nullable=True),
        sa.Column("user_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("incoming_webhook_url", sa.Text(), nullable=True),
        sa.Column("incoming_webhook_channel", sa.String(length=255), nullable=True),
        sa.Column("incoming_webhook_channel_id", sa.String(length=64), nullable=True),
        sa.Column("incoming_webhook_configuration_url", sa.String(length=512), nullable=True),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_slack_installations_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_installations")),
        sa.UniqueConstraint(
            "enterprise_id", "team_id", "user_id", name=op.f("uq_slack_installations_enterprise_id_team_id_user_id")
        ),
    )
    with op.batch_alter_table("slack_installations", schema=None) as batch_op:
        batch_op.create_index("ix_slack_installations_workspace", ["workspace_id"], unique=False)

    op.create_table(
        "teams_installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=512), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_teams_installations_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_installations")),
        sa.UniqueConstraint(
            "workspace_id", "conversation_id", name=op.f("uq_teams_installations_workspace_id_conversation_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("teams_installations")
    with op.batch_alter_table("slack_installations", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_installations_workspace")

    op.drop_table("slack_installations")
    with op.batch_alter_table("slack_bots", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_bots_workspace")

    op.drop_table("slack_bots")
    with op.batch_alter_table("slack_oauth_states", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_oauth_states_expires")

    op.drop_table("slack_oauth_states")
