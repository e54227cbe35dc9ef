"""Index the list's whole order (sort_name, id), so a page at any offset reads only the index.

With sort_name alone, SQLite sorted every run of equal names by id in a temporary B-tree
and read each skipped row in full: a page deep into 100,000 clusters took hundreds of ms.

Revision ID: 0002_name_order_index
Revises: 0001_initial
Create Date: 2026-11-29 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_name_order_index"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all before migrations existed is stamped at 0001, but the
    # models it was made from may already have had this index: create only what is missing.
    existing = {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("clusters")}
    if "ix_clusters_name_order" not in existing:
        op.create_index("ix_clusters_name_order", "clusters", ["sort_name", "id"], unique=False)
    # The new index begins with sort_name, so it serves every query the old one did.
    if "ix_clusters_sort_name" in existing:
        op.drop_index("ix_clusters_sort_name", table_name="clusters")


def downgrade() -> None:
    op.create_index("ix_clusters_sort_name", "clusters", ["sort_name"], unique=False)
    op.drop_index("ix_clusters_name_order", table_name="clusters")
