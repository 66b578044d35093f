"""Pending CSV imports remember what their drivers were fitted from and the user's per-driver choices.

The `fit` column (JSON, NULL for imports previewed before this revision) holds the base baseline's drivers, the
history window, the explicit choices and a revision number; `history` (JSON, written once) the history rows any
window can use. So the chat can re-fit over another window or switch a driver without the file, a switch does
not rewrite the (large) history, and "Use as baseline" can refuse a card older than the stored choices.

Revision ID: 0003_import_choices
Revises: 0002_pending_imports
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_import_choices"
down_revision: str | None = "0002_pending_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pending_imports") as batch:
        batch.add_column(sa.Column("fit", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("history", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pending_imports") as batch:
        batch.drop_column("history")
        batch.drop_column("fit")
