"""The store revision counted in several rows (slots), summed when read.

Revision ID: 0007_revision_slots
Revises: 0006_access_tokens
Create Date: 2026-12-07 13:00:00

One row bumped by every write made PostgreSQL's commits wait for each other's flush (the
row stays locked until the commit is on disk); a write bumps one slot picked at random,
so concurrent writers rarely meet and their commits share a WAL flush. Each commit adds
exactly one to the sum, so the sum still names one committed state.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_revision_slots"
down_revision = "0007_proposals"
branch_labels = None
depends_on = None

SLOTS = 16  # gis.store.db.REVISION_SLOTS when this migration was written


def upgrade() -> None:
    bind = op.get_bind()
    epoch = bind.scalar(sa.text("SELECT epoch FROM store_revision WHERE id = 1"))
    if epoch is None:
        return  # emptied: Store.create_schema puts every slot back
    present = set(bind.scalars(sa.text("SELECT id FROM store_revision")).all())
    for slot in range(2, SLOTS + 1):
        if slot not in present:
            bind.execute(
                sa.text("INSERT INTO store_revision (id, epoch, revision) VALUES (:i, :e, 0)"),
                {"i": slot, "e": epoch},
            )


def downgrade() -> None:
    op.execute(
        "UPDATE store_revision SET revision = (SELECT sum(revision) FROM store_revision)"
        " WHERE id = 1"
    )
    op.execute("DELETE FROM store_revision WHERE id > 1")
