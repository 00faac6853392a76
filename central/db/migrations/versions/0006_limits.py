"""Attempt limits reserved before the attempt: counter keys and slots replace failed logins.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "limit_keys",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("used_at", sa.DateTime, nullable=False),
    )
    attempts = op.create_table(
        "limit_attempts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_limit_attempts_kind_key_at", "limit_attempts", ["kind", "key", "at"])
    # Failed logins still count after the upgrade: each was a slot of both login limits.
    failures = sa.table(
        "login_failures", sa.column("at", sa.DateTime), sa.column("user", sa.String),
        sa.column("address", sa.String),
    )  # fmt: skip
    for kind, column in (("login-user", failures.c.user), ("login-address", failures.c.address)):
        op.execute(
            attempts.insert().from_select(
                ["kind", "key", "at"], sa.select(sa.literal(kind), column, failures.c.at)
            )
        )
    op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_index("ix_login_failures_user_at", "login_failures", ["user", "at"])
    op.create_index("ix_login_failures_address_at", "login_failures", ["address", "at"])
    op.drop_table("limit_attempts")
    op.drop_table("limit_keys")
