"""The spatial index of each backend, as migration 0001 creates it (kept as written).

SQLite keeps an R-tree virtual table in step with ``clusters`` through triggers; PostGIS
derives a ``geometry`` column from the WKB with a GiST index. Both answer a bbox query
from the index (gis.store.dialects holds the queries), so its cost follows the size of the
result rather than of the table.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

_SQLITE_DDL = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS clusters_rtree
       USING rtree(pk, min_lon, max_lon, min_lat, max_lat)""",
    """CREATE TRIGGER IF NOT EXISTS clusters_rtree_insert AFTER INSERT ON clusters
       WHEN NEW.min_lon IS NOT NULL BEGIN
         INSERT INTO clusters_rtree VALUES
           (NEW.pk, NEW.min_lon, NEW.max_lon, NEW.min_lat, NEW.max_lat);
       END""",
    """CREATE TRIGGER IF NOT EXISTS clusters_rtree_update AFTER UPDATE OF
         min_lon, max_lon, min_lat, max_lat ON clusters BEGIN
         DELETE FROM clusters_rtree WHERE pk = OLD.pk;
         INSERT INTO clusters_rtree SELECT NEW.pk, NEW.min_lon, NEW.max_lon,
           NEW.min_lat, NEW.max_lat WHERE NEW.min_lon IS NOT NULL;
       END""",
    """CREATE TRIGGER IF NOT EXISTS clusters_rtree_delete AFTER DELETE ON clusters BEGIN
         DELETE FROM clusters_rtree WHERE pk = OLD.pk;
       END""",
)

_POSTGIS_DDL = (
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                        WHERE table_schema = current_schema() AND table_name = 'clusters'
                          AND column_name = 'geom') THEN
           ALTER TABLE clusters ADD COLUMN geom geometry(Geometry, 4326)
             GENERATED ALWAYS AS (ST_SetSRID(ST_GeomFromWKB(geom_wkb), 4326)) STORED;
         END IF;
       END $$""",
    "CREATE INDEX IF NOT EXISTS ix_clusters_geom ON clusters USING GIST (geom)",
)


def before_create(conn: Connection) -> None:
    """Prepare the database before tables are created (PostGIS extension)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))


def after_create(conn: Connection) -> None:
    """Create the spatial index of the dialect in use."""
    statements = _SQLITE_DDL if conn.dialect.name == "sqlite" else _POSTGIS_DDL
    for statement in statements:
        conn.execute(text(statement))
