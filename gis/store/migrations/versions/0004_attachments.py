"""Attachments: site photos and documents of a cluster, whose files live outside the database.

Revision ID: 0004_attachments
Revises: 0003_workbook_uploads
Create Date: 2026-12-02 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_attachments"
down_revision = "0003_workbook_uploads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all before migrations existed is stamped at 0001, yet its
    # models may already have had this table: create only what is missing.
    if sa.inspect(op.get_bind()).has_table("attachments"):
        return
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cluster_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("file_key", sa.String(length=120), nullable=False),
        sa.Column("thumb_key", sa.String(length=120), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("taken_at", sa.String(length=32), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("added_by", sa.String(length=80), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attachments_cluster_id", "attachments", ["cluster_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_attachments_cluster_id", table_name="attachments")
    op.drop_table("attachments")
