"""Brightness in proof of play: the level each screen's wall ran at, as spans within hours.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "brightness_spans",
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
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("source", sa.String(16)),
        sa.Column("via", sa.String(32)),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("player", "store", "record_id", name="uq_brightness_spans_record"),
    )
    op.create_index(
        "ix_brightness_spans_player_started", "brightness_spans", ["player", "started_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_brightness_spans_player_started", table_name="brightness_spans")
    op.drop_table("brightness_spans")
