"""The content workflow: media library, contributors' groups, submissions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "library_media",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("codec", sa.String(32), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("duration", sa.Float),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("uploader", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime, nullable=False),
        sa.Column("tags", sa.String(512), nullable=False),
        sa.Column("valid_from", sa.DateTime),
        sa.Column("valid_until", sa.DateTime),
        sa.Column("warnings", sa.Text),
        sa.Column("thumbnail", sa.LargeBinary),
    )
    op.create_table(
        "submit_scopes",
        sa.Column("user", sa.String(64), primary_key=True),
        sa.Column("group", sa.String(128), primary_key=True),
    )
    op.create_table(
        "submissions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("group", sa.String(128), nullable=False),
        sa.Column("submitter", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("reason", sa.Text),
        sa.Column("sequence", sa.BigInteger),
        sa.Column("restored_from", sa.BigInteger),
    )
    op.create_index("ix_submissions_group_state", "submissions", ["group", "state"])


def downgrade() -> None:
    op.drop_index("ix_submissions_group_state", "submissions")
    op.drop_table("submissions")
    op.drop_table("submit_scopes")
    op.drop_table("library_media")
