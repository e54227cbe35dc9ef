"""Personal access tokens (hashed) and a record of each use, for OGC API writes.

Revision ID: 0006_access_tokens
Revises: 0005_login_throttle
Create Date: 2026-12-02 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_access_tokens"
down_revision = "0005_login_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all is stamped at 0001 and may already hold these tables.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "access_tokens" in existing:
        return
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("use_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_access_tokens_user_id", "access_tokens", ["user_id"], unique=False)
    op.create_table(
        "access_token_uses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["access_tokens.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_access_token_uses_token_id", "access_token_uses", ["token_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_access_token_uses_token_id", table_name="access_token_uses")
    op.drop_table("access_token_uses")
    op.drop_index("ix_access_tokens_user_id", table_name="access_tokens")
    op.drop_table("access_tokens")
