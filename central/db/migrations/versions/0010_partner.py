"""Console accounts may belong to a partner, whose account sees only its own campaigns.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for the office's own accounts; a partner account names its partner as campaigns do.
    with op.batch_alter_table("console_users") as batch:
        batch.add_column(sa.Column("partner", sa.String(128)))


def downgrade() -> None:
    with op.batch_alter_table("console_users") as batch:
        batch.drop_column("partner")
