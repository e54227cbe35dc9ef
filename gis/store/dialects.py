"""One object per database backend: every statement and decision that differs between them.

``Store`` picks one when it is built (``Store.sql``) and core functions take it wherever
SQLite and PostgreSQL/PostGIS differ, as pygeoapi gives each backend its own provider:
nothing outside gis.store asks which database it runs on. Only the spatial index's DDL is
elsewhere (gis.store.spatial), because migration 0001 runs it and must stay as written.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    LargeBinary,
    Select,
    SQLColumnExpression,
    bindparam,
    column,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gis.store.backup import backup_postgresql, backup_sqlite, pg_dump_command, sqlite_path
from gis.store.models import Base, Cluster

Box = tuple[float, float, float, float]
# PostgreSQL advisory-lock keys: plain numbers that mean something only to the code that
# takes them, shared by every session of the database, so each job needs its own. Both are
# taken for one transaction (released at commit), so a worker that waited finds the job
# done. Arbitrary values; any other key used in the same database must differ from them.
SEED_LOCK = 73100  # the first start's seeding (gis.core.dataset.initialise_store)
UPGRADE_LOCK = 73101  # schema migrations (gis.store.migrate.upgrade)
# PostgreSQL: a write waits this long for a row or table lock before it is refused.
PG_LOCK_TIMEOUT_MS = 10_000


class Dialect(ABC):
    """What one backend does its own way; core code calls these instead of asking its name."""

    name: ClassVar[str]  # SQLAlchemy's name of the dialect, for messages and tests
    # Whether filter_bbox is already exact; if not, exact_bbox checks the shapes of a page.
    exact_bbox_in_sql: ClassVar[bool]
    # One writer at a time for the whole database (SQLite's file lock): Store then queues
    # this process's writers in arrival order and flushes the WAL for groups of commits.
    single_writer: ClassVar[bool]
    # Whether the database encodes Mapbox Vector Tiles itself (ST_AsMVT).
    native_mvt: ClassVar[bool]
    # Execution options of a connection whose transaction writes from its start (migrations).
    write_options: ClassVar[dict[str, str]] = {}

    def __eq__(self, other: object) -> bool:
        # ``store.sql == "sqlite"`` would quietly be False (as ``store.dialect`` once was a
        # name): fail loudly instead, and let the dialect answer what differs.
        if isinstance(other, str):
            raise TypeError(f"a Dialect is not its name {other!r}: ask it what differs")
        return other is self

    __hash__ = object.__hash__

    @abstractmethod
    def filter_bbox(self, query: Select, bbox: Box) -> Select:
        """Restrict ``query`` to clusters whose geometry meets ``bbox`` (lon/lat), by index."""

    def exact_bbox(self, rows: list[Cluster], bbox: Box | None) -> list[Cluster]:
        """Of ``rows`` that filter_bbox selected, those whose geometry truly meets ``bbox``."""
        if bbox is None or self.exact_bbox_in_sql:
            return rows
        # The index matched bounding boxes; keep only true intersections for polygons.
        area = box(*bbox)
        return [
            c
            for c in rows
            if c.geom_wkb is None
            or c.min_lon == c.max_lon
            or area.intersects(shapely.from_wkb(c.geom_wkb))
        ]

    @abstractmethod
    def intersects(self, geom: BaseGeometry) -> ColumnElement[bool]:
        """Clusters whose stored geometry intersects ``geom`` (CRS84), exactly, in SQL."""

    @abstractmethod
    def wkb_intersects(
        self, column: SQLColumnExpression[Any], geom: BaseGeometry
    ) -> ColumnElement[bool]:
        """Rows whose WKB ``column`` (CRS84) meets ``geom``, exactly, in SQL; NULL meets nothing.

        Unindexed: for the small reference tables (districts) only.
        """

    @abstractmethod
    def like(self, column: SQLColumnExpression[Any], pattern: str) -> ColumnElement[bool]:
        """SQL LIKE (``%``, ``_``, ``\\`` escapes), case-sensitive."""

    @abstractmethod
    def by_code_point(self, column: SQLColumnExpression[Any]) -> SQLColumnExpression[Any]:
        """``column`` (text) compared and ordered by code point, the same on both databases."""

    @abstractmethod
    def insert(self, table: type[Base]) -> postgresql.Insert | sqlite.Insert:
        """An INSERT into ``table`` that takes ``on_conflict_do_update`` (an upsert)."""

    @abstractmethod
    def begin_write(self, session: Session, group_commit: bool) -> None:
        """Begin ``session``'s write transaction so that contention ends, not hangs.

        ``group_commit``: its commit need not reach the disk; Store flushes it after.
        """

    @abstractmethod
    def hold_lock(self, conn: Connection | Session, key: int) -> None:
        """Wait until no other process holds ``key``, then hold it until this transaction ends."""

    def hold_seed_lock(self, session: Session) -> None:
        """In a write transaction: be the only process seeding, however long the other takes."""
        self.hold_lock(session, SEED_LOCK)

    @abstractmethod
    def refresh_statistics(self, engine: Engine) -> None:
        """After a bulk load: what the planner needs to plan the new rows well."""

    @abstractmethod
    def backup(self, engine: Engine, target: Path) -> str:
        """Back the database up to ``target``; says what was written. BackupError if not."""

    def backup_by_hand(self, engine: Engine, target: Path) -> str | None:
        """After a failed backup: the command a person could run instead, if there is one."""
        return None


class SQLiteDialect(Dialect):
    """The embedded default: an R-tree for boxes, shapely in registered SQL functions."""

    name = "sqlite"
    exact_bbox_in_sql = False
    single_writer = True
    native_mvt = False
    # BEGIN IMMEDIATE takes the write lock up front: no deadlock on a later lock upgrade.
    write_options: ClassVar[dict[str, str]] = {"sqlite_begin": "IMMEDIATE"}

    def filter_bbox(self, query: Select, bbox: Box) -> Select:
        """The R-tree answers the box test; exact_bbox then checks polygons with shapely."""
        minx, miny, maxx, maxy = bbox
        return query.where(
            Cluster.pk.in_(
                text(
                    "SELECT pk FROM clusters_rtree WHERE max_lon >= :minx AND min_lon <= :maxx "
                    "AND max_lat >= :miny AND min_lat <= :maxy"
                )
                .bindparams(minx=minx, miny=miny, maxx=maxx, maxy=maxy)
                .columns(column("pk", Integer))
            )
        )

    def intersects(self, geom: BaseGeometry) -> ColumnElement[bool]:
        """gis_intersects, registered on every connection (gis.store.db), runs shapely."""
        return self.wkb_intersects(Cluster.geom_wkb, geom)

    def wkb_intersects(
        self, column: SQLColumnExpression[Any], geom: BaseGeometry
    ) -> ColumnElement[bool]:
        """gis_intersects on the stored WKB."""
        wkb = bindparam(None, shapely.to_wkb(geom), type_=LargeBinary)
        return func.gis_intersects(column, wkb) == 1

    def like(self, column: SQLColumnExpression[Any], pattern: str) -> ColumnElement[bool]:
        """SQLite's own LIKE ignores ASCII case; cql2_like (gis.store.db) does not."""
        return func.cql2_like(column, pattern) == 1

    def by_code_point(self, column: SQLColumnExpression[Any]) -> SQLColumnExpression[Any]:
        """SQLite's default collation, BINARY, already compares by code point."""
        return column

    def insert(self, table: type[Base]) -> postgresql.Insert | sqlite.Insert:
        """SQLite's INSERT … ON CONFLICT."""
        return sqlite.insert(table)

    def begin_write(self, session: Session, group_commit: bool) -> None:
        """BEGIN IMMEDIATE; with group commit, synchronous=NORMAL (the WAL is not flushed)."""
        options = dict(self.write_options)
        if group_commit:
            options["sqlite_synchronous"] = "NORMAL"
        session.connection(execution_options=options)

    def hold_lock(self, conn: Connection | Session, key: int) -> None:
        """Nothing to take: a write transaction (BEGIN IMMEDIATE) already excludes every
        other writer of the file until it ends."""

    def refresh_statistics(self, engine: Engine) -> None:
        """Nothing: SQLite's indexes hold the rowid, and it plans well without statistics."""

    def backup(self, engine: Engine, target: Path) -> str:
        """SQLite's online backup API, checked with integrity_check."""
        url = engine.url.render_as_string(hide_password=False)
        counts = backup_sqlite(sqlite_path(url), target)
        held = ", ".join(f"{n} {table}" for table, n in counts.items())
        return f"Backed up to {target} ({held}); integrity check ok."


class PostGISDialect(Dialect):
    """PostgreSQL with PostGIS: a GiST-indexed geometry column, tiles encoded in SQL."""

    name = "postgresql"
    exact_bbox_in_sql = True
    single_writer = False
    native_mvt = True

    def filter_bbox(self, query: Select, bbox: Box) -> Select:
        """``&&`` finds the candidates in the GiST index; ST_Intersects keeps true ones."""
        minx, miny, maxx, maxy = bbox
        envelope = "ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)"
        return query.where(
            text(
                f"clusters.geom && {envelope} AND ST_Intersects(clusters.geom, {envelope})"
            ).bindparams(minx=minx, miny=miny, maxx=maxx, maxy=maxy)
        )

    def intersects(self, geom: BaseGeometry) -> ColumnElement[bool]:
        """ST_Intersects on clusters.geom, the generated column (gis.store.spatial)."""
        wkb = bindparam(None, shapely.to_wkb(geom), type_=LargeBinary)
        return func.ST_Intersects(literal_column("clusters.geom"), func.ST_GeomFromWKB(wkb, 4326))

    def wkb_intersects(
        self, column: SQLColumnExpression[Any], geom: BaseGeometry
    ) -> ColumnElement[bool]:
        """ST_Intersects of the WKB read as geometry (no index: small tables only)."""
        wkb = bindparam(None, shapely.to_wkb(geom), type_=LargeBinary)
        return func.ST_Intersects(func.ST_GeomFromWKB(column, 4326), func.ST_GeomFromWKB(wkb, 4326))

    def like(self, column: SQLColumnExpression[Any], pattern: str) -> ColumnElement[bool]:
        """PostgreSQL's LIKE is case-sensitive already; ``\\`` is named the escape."""
        return column.like(pattern, escape="\\")

    def by_code_point(self, column: SQLColumnExpression[Any]) -> SQLColumnExpression[Any]:
        """The C collation: code point order, whatever the database's locale."""
        return column.collate("C")

    def insert(self, table: type[Base]) -> postgresql.Insert | sqlite.Insert:
        """PostgreSQL's INSERT … ON CONFLICT."""
        return postgresql.insert(table)

    def begin_write(self, session: Session, group_commit: bool) -> None:
        """Bounded waits for locks: contention ends in StoreBusy, not a hung worker."""
        session.connection().exec_driver_sql(f"SET LOCAL lock_timeout = {PG_LOCK_TIMEOUT_MS}")

    def hold_lock(self, conn: Connection | Session, key: int) -> None:
        """A transaction-scoped advisory lock, waited for without lock_timeout."""
        conn.execute(text("SET LOCAL lock_timeout = 0"))
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def refresh_statistics(self, engine: Engine) -> None:
        """VACUUM (ANALYZE): the visibility map that index-only scans (the list's paging)
        need and the row counts the planner weighs; autovacuum would, but only later."""
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) clusters")

    def backup(self, engine: Engine, target: Path) -> str:
        """pg_dump, custom format (needs postgresql-client)."""
        backup_postgresql(engine.url.render_as_string(hide_password=False), target)
        return (
            f"Backed up to {target} with pg_dump (custom format); restore with "
            f"pg_restore --clean --if-exists --no-owner --dbname=URL {target}"
        )

    def backup_by_hand(self, engine: Engine, target: Path) -> str | None:
        """The pg_dump command, its password hidden (PGPASSWORD holds it)."""
        command, _env = pg_dump_command(engine.url.render_as_string(), target)
        return "Run it yourself (PGPASSWORD holds the password): " + " ".join(command)


_DIALECTS: dict[str, type[Dialect]] = {"sqlite": SQLiteDialect, "postgresql": PostGISDialect}


def dialect_for(engine: Engine | Connection) -> Dialect:
    """The Dialect of ``engine``'s database; ValueError for a database the app does not run on."""
    name = engine.dialect.name
    if name not in _DIALECTS:
        raise ValueError(f"unsupported database {name!r}: use SQLite or PostgreSQL/PostGIS")
    return _DIALECTS[name]()
