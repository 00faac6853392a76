"""The screens' health history: one row per minute's sample, pruned after a while.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "health_samples",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("player", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("temp_c", sa.Float),
        sa.Column("throttled", sa.Boolean),
        sa.Column("under_voltage", sa.Boolean),
        sa.Column("load_1m", sa.Float),
        sa.Column("mem_available_bytes", sa.BigInteger),
        sa.Column("mem_total_bytes", sa.BigInteger),
        sa.Column("disk_free_bytes", sa.BigInteger),
        sa.Column("disk_total_bytes", sa.BigInteger),
        sa.Column("sd_read_only", sa.Boolean),
        sa.Column("io_errors", sa.BigInteger),
        sa.Column("uptime_s", sa.Float),
        sa.Column("wifi_signal_dbm", sa.Float),
        sa.Column("modem_signal_percent", sa.Integer),
    )
    op.create_index("ix_health_samples_player_at", "health_samples", ["player", "at"])
    op.create_index("ix_health_samples_at", "health_samples", ["at"])


def downgrade() -> None:
    op.drop_index("ix_health_samples_at", "health_samples")
    op.drop_index("ix_health_samples_player_at", "health_samples")
    op.drop_table("health_samples")
