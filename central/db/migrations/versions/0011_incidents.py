"""Incidents the office is told of (a screen offline, hot, behind; an alert not shown).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(400), nullable=False),
        sa.Column("group", sa.String(128), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("facts", sa.Text),
        sa.Column("told_at", sa.DateTime),
        sa.Column("ended_at", sa.DateTime),
        sa.Column("told_end_at", sa.DateTime),
    )
    op.create_index("ix_incidents_open", "incidents", ["kind", "subject", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_incidents_open", table_name="incidents")
    op.drop_table("incidents")
