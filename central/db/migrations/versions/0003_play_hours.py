"""Plays summed per screen, item and UTC hour, for month-long proof-of-play reports.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Hours since 1970 of a naive UTC `started_at`, truncated (never rounded up to the next
# hour: SQLite's strftime would round a .9995 s fraction).
_HOUR = {
    "sqlite": "CAST(strftime('%s', substr(started_at, 1, 19)) AS INTEGER) / 3600",
    "postgresql": "CAST(FLOOR(EXTRACT(EPOCH FROM started_at) / 3600) AS BIGINT)",
}


def upgrade() -> None:
    op.create_table(
        "play_hours",
        sa.Column("hour", sa.BigInteger, nullable=False),
        sa.Column("player", sa.String(128), nullable=False),
        sa.Column("group", sa.String(128), nullable=False),
        sa.Column("item_id", sa.String(256), nullable=False),
        sa.Column("plays", sa.BigInteger, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("completed", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("hour", "player", "group", "item_id", name="uq_play_hours"),
    )
    hour = _HOUR[op.get_bind().dialect.name]
    # The plays already stored, summed the way the collector sums new ones.
    op.execute(
        f"""
        INSERT INTO play_hours (hour, player, "group", item_id, plays, seconds, completed)
        SELECT {hour}, player, COALESCE("group", ''), item_id, COUNT(*), SUM(duration),
               SUM(CASE WHEN completed THEN 1 ELSE 0 END)
        FROM plays
        GROUP BY {hour}, player, COALESCE("group", ''), item_id
        """
    )


def downgrade() -> None:
    op.drop_table("play_hours")
