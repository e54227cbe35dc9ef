"""Pending district workbooks: a parsed upload kept server-side until its user confirms it.

Revision ID: 0003_workbook_uploads
Revises: 0002_name_order_index
Create Date: 2026-12-02 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_workbook_uploads"
down_revision = "0002_name_order_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all before migrations existed is stamped at 0001, yet its
    # models may already have had this table: create only what is missing.
    if sa.inspect(op.get_bind()).has_table("workbook_uploads"):
        return
    op.create_table(
        "workbook_uploads",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index("ix_workbook_uploads_user_id", "workbook_uploads", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_workbook_uploads_user_id", table_name="workbook_uploads")
    op.drop_table("workbook_uploads")
