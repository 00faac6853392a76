"""Plays summed per screen, item and local day in the office's time zone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "play_days",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("player", sa.String(128), nullable=False),
        sa.Column("group", sa.String(128), nullable=False),
        sa.Column("item_id", sa.String(256), nullable=False),
        sa.Column("plays", sa.BigInteger, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("completed", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("day", "player", "group", "item_id", name="uq_play_days"),
    )
    # Empty, so reports keep reading the hourly sums: the migration does not know the
    # office's time zone. The collector fills both tables from the plays at its start
    # (rollup.keep_days_in), in the zone of its central.yaml.
    op.create_table("play_day_zone", sa.Column("zone", sa.String(64), primary_key=True))


def downgrade() -> None:
    op.drop_table("play_day_zone")
    op.drop_table("play_days")
