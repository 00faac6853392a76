"""Campaigns edited in the console: change sets approved by a second person, then published.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_submissions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("campaign", sa.String(128), nullable=False),
        sa.Column("submitter", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("reason", sa.Text),
    )
    op.create_index(
        "ix_campaign_submissions_campaign_state", "campaign_submissions", ["campaign", "state"]
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_submissions_campaign_state", table_name="campaign_submissions")
    op.drop_table("campaign_submissions")
