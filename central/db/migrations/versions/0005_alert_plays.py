"""Alerts on screen: each alert version's time on each screen, as the players report it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_plays",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("player", sa.String(128), nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=False),
        sa.Column("group", sa.String(128)),
        sa.Column("alert_id", sa.String(256), nullable=False),
        sa.Column("issued_at", sa.DateTime),
        sa.Column("level", sa.String(16)),
        sa.Column("headline", sa.String(256)),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime, nullable=False),
        sa.Column("duration", sa.Float, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("pages_shown", sa.Integer, nullable=False),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("player", "store", "record_id", name="uq_alert_plays_record"),
    )
    op.create_index("ix_alert_plays_started", "alert_plays", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_plays_started", table_name="alert_plays")
    op.drop_table("alert_plays")
