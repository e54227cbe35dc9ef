"""Login throttling: one counter row per account-and-address and per address.

Replaces login_failures (one row per failure, counted by a SELECT before the INSERT, so
parallel attempts slipped past the limit) with a table updated by a single upsert.

Revision ID: 0005_login_throttle
Revises: 0004_attachments
Create Date: 2026-12-02 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_login_throttle"
down_revision = "0004_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all before migrations existed is stamped at 0001 but may
    # already be shaped like the models: create and drop only what is (not) there.
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if "login_throttle" not in tables:
        op.create_table(
            "login_throttle",
            sa.Column("key", sa.String(length=300), nullable=False),
            sa.Column("failures", sa.Integer(), nullable=False),
            sa.Column("last_failure", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("key"),
        )
    if "login_failures" in tables:
        op.drop_index(op.f("ix_login_failures_key"), table_name="login_failures")
        op.drop_index(op.f("ix_login_failures_at"), table_name="login_failures")
        op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_login_failures_at"), "login_failures", ["at"], unique=False)
    op.create_index(op.f("ix_login_failures_key"), "login_failures", ["key"], unique=False)
    op.drop_table("login_throttle")
