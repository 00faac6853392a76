"""Submissions carry their group's ticker and clock (the layout) beside the items.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL on submissions made before: no ticker, no clock (what their publishes showed).
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("layout", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("layout")
