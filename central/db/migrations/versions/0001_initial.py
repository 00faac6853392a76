"""The first schema: screens, status changes, online periods, errors, plays, screenshots, audit.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column:
    return sa.Column("id", ID, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "screens",
        sa.Column("player", sa.String(128), primary_key=True),
        sa.Column("group", sa.String(128)),
        sa.Column("version", sa.String(64)),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
        sa.Column("online", sa.Boolean, nullable=False),
        sa.Column("online_since", sa.DateTime),
        sa.Column("offline_reason", sa.Text),
        sa.Column("status", sa.Text),
        sa.Column("dropped", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "status_changes",
        _id(),
        sa.Column("player", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
    )
    op.create_index("ix_status_changes_player_at", "status_changes", ["player", "at"])
    op.create_table(
        "online_periods",
        _id(),
        sa.Column("player", sa.String(128), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime),
        sa.Column("end_reason", sa.Text),
    )
    op.create_index("ix_online_periods_player_started", "online_periods", ["player", "started_at"])
    op.create_table(
        "errors",
        _id(),
        sa.Column("player", sa.String(128), nullable=False),
        sa.Column("first_at", sa.DateTime, nullable=False),
        sa.Column("last_at", sa.DateTime, nullable=False),
        sa.Column("level", sa.String(16)),
        sa.Column("where", sa.String(128)),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_errors_player_last", "errors", ["player", "last_at"])
    op.create_table(
        "plays",
        _id(),
        sa.Column("player", sa.String(128), nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=False),
        sa.Column("group", sa.String(128)),
        sa.Column("item_id", sa.String(256), nullable=False),
        sa.Column("media", sa.String(64)),
        sa.Column("playlist", sa.String(256)),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime, nullable=False),
        sa.Column("duration", sa.Float, nullable=False),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("player", "store", "record_id", name="uq_plays_record"),
    )
    op.create_index("ix_plays_started", "plays", ["started_at"])
    op.create_table(
        "screenshots",
        _id(),
        sa.Column("player", sa.String(128), nullable=False),
        sa.Column("taken_at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("item", sa.String(256)),
        sa.Column("playlist", sa.String(256)),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("jpeg", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_screenshots_player_id", "screenshots", ["player", "id"])
    op.create_table(
        "audit",
        _id(),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(256)),
        sa.Column("detail", sa.Text),
    )


def downgrade() -> None:
    for table in (
        "audit",
        "screenshots",
        "plays",
        "errors",
        "online_periods",
        "status_changes",
        "screens",
    ):
        op.drop_table(table)
