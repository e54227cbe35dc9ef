"""Province approval: proposed cluster changes, and who approved a published change.

Revision ID: 0007_proposals
Revises: 0006_access_tokens
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_proposals"
down_revision = "0006_access_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all is stamped at 0001 and may already hold these.
    inspector = sa.inspect(op.get_bind())
    columns = {c["name"] for c in inspector.get_columns("change_events")}
    if "approved_by" not in columns:
        with op.batch_alter_table("change_events") as batch:
            batch.add_column(sa.Column("approved_by", sa.String(length=80), nullable=True))
    if inspector.has_table("proposals"):
        return
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cluster_id", sa.String(length=80), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("change_set", sa.String(length=40), nullable=True),
        sa.Column("proposed_by", sa.String(length=80), nullable=False),
        sa.Column("proposer_district", sa.String(length=5), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_proposals_cluster_id", "proposals", ["cluster_id"], unique=False)
    op.create_index("ix_proposals_proposed_by", "proposals", ["proposed_by"], unique=False)
    op.create_index("ix_proposals_status", "proposals", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_proposals_status", table_name="proposals")
    op.drop_index("ix_proposals_proposed_by", table_name="proposals")
    op.drop_index("ix_proposals_cluster_id", table_name="proposals")
    op.drop_table("proposals")
    with op.batch_alter_table("change_events") as batch:
        batch.drop_column("approved_by")
