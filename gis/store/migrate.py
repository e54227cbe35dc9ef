"""Schema migrations: Alembic, configured in code, run against the app's engine.

``upgrade`` is the one way the schema comes to be (first start, ``db init`` and
``db upgrade``). A database already at head costs one small query; on PostgreSQL the
upgrade holds an advisory lock, so several workers starting at once migrate only once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Engine, inspect

from gis.store.dialects import UPGRADE_LOCK, dialect_for

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The revision that matches a schema made by create_all before migrations existed.
INITIAL_REVISION = "0001_initial"

# Objects made by gis.store.spatial's dialect-specific DDL, not by the models: the SQLite
# R-tree (a virtual table and its shadow tables), PostGIS's generated ``geom`` column and
# its GiST index, and PostGIS's own ``spatial_ref_sys``. Autogenerate must not drop them.
_SPATIAL_TABLES = ("clusters_rtree", "spatial_ref_sys")
_SPATIAL_INDEXES = ("ix_clusters_geom",)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Whether autogenerate compares ``obj``: everything but the spatial DDL's objects."""
    if type_ == "table" and name and name.startswith(_SPATIAL_TABLES):
        return False
    if type_ == "index" and name in _SPATIAL_INDEXES:
        return False
    return not (
        type_ == "column"
        and name == "geom"
        and isinstance(obj, Column)
        and obj.table.name == "clusters"
    )


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration of the store, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@cache  # the scripts do not change while the process runs; reading them costs ~50 ms
def head() -> str:
    """The newest revision."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"
    return heads[0]


def current(conn: Connection) -> tuple[str, ...]:
    """The revisions the database is at (empty before the first migration)."""
    return MigrationContext.configure(conn).get_current_heads()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (idempotent; fast when already there)."""
    if revision == "head":
        with engine.connect() as conn:
            if current(conn) == (head(),):
                return
    sql = dialect_for(engine)
    with engine.connect().execution_options(**sql.write_options) as conn, conn.begin():
        # Released at commit; a worker that waited finds the database migrated.
        sql.hold_lock(conn, UPGRADE_LOCK)
        config = alembic_config(conn)
        if not current(conn) and inspect(conn).has_table("clusters"):
            # A database created by create_all before migrations: it is at the first one.
            command.stamp(config, INITIAL_REVISION)
        command.upgrade(config, revision)
