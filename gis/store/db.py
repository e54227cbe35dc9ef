"""Engine and session set-up for SQLite (embedded default) and PostgreSQL/PostGIS."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import orjson
from sqlalchemy import Engine, create_engine, event, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from gis.store import migrate
from gis.store.models import StoreRevision

SQLITE_BUSY_TIMEOUT_MS = 10_000
T = TypeVar("T")
MEMO_ENTRIES = 256  # names kept by Store.memo; least recently computed go first


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """Create an engine with the per-dialect settings this app relies on."""
    url = normalise_url(url)
    # orjson reads the stored records (a list page parses hundreds) several times faster.
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            json_deserializer=orjson.loads,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, json_deserializer=orjson.loads)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN; take control so writers can
    # ask for BEGIN IMMEDIATE and never deadlock on a lock upgrade.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    # Switching a new file to WAL needs the database to itself, and SQLite answers "locked"
    # at once rather than waiting when another process is migrating it: retry for a while.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Store:
    """The app's database: an engine, a session factory and schema set-up."""

    def __init__(
        self,
        url: str,
        extent_bbox: tuple[float, float, float, float] | None = None,
        district_boxes: dict[str, tuple[float, float, float, float]] | None = None,
    ) -> None:
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        # The area this store's data may lie in when no boundaries are loaded (None: the
        # province), and each district's extent (editors' scope without boundaries); every
        # session carries them so the core's checks need no configuration.
        info: dict[str, Any] = {"extent_bbox": extent_bbox} if extent_bbox else {}
        info["district_boxes"] = district_boxes or {}
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._memo: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._memo_lock = threading.Lock()

    def session(self) -> Session:
        """A new session for reading (and writing, when a transaction is begun)."""
        return self._sessions()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction that also bumps the store revision."""
        with self._sessions() as session:
            if self.dialect == "sqlite":
                # Take the write lock up front: no deadlock on a later lock upgrade.
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            try:
                yield session
                session.execute(update(StoreRevision).values(revision=StoreRevision.revision + 1))
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def create_schema(self) -> None:
        """Migrate the database to the newest schema (idempotent, fast when at head)."""
        migrate.upgrade(self.engine)
        # The first migration inserts the revision row; this puts it back if emptied.
        with self._sessions.begin() as session:
            if session.get(StoreRevision, 1) is None:
                session.add(StoreRevision(id=1, epoch=secrets.token_hex(8), revision=0))

    def revision(self) -> str:
        """A token that changes whenever committed data changes ("epoch:count")."""
        # Every cached answer asks this first, so it skips the ORM and the explicit BEGIN:
        # one autocommit SELECT on a pooled DB-API connection costs about a tenth as much.
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT epoch, revision FROM store_revision WHERE id = 1")
            row = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()
        return f"{row[0]}:{row[1]}" if row else "empty"

    def memo(self, revision: str, name: str, build: Callable[[], T]) -> T:
        """``build()``, computed once per store revision and process (small derived data)."""
        with self._memo_lock:
            cached = self._memo.get(name)
        if cached is not None and cached[0] == revision:
            return cached[1]
        value = build()
        with self._memo_lock:
            self._memo[name] = (revision, value)
            self._memo.move_to_end(name)
            while len(self._memo) > MEMO_ENTRIES:
                self._memo.popitem(last=False)
        return value

    def refresh_statistics(self) -> None:
        """After a bulk load: let PostgreSQL plan with fresh statistics and index-only scans.

        VACUUM (ANALYZE) sets the visibility map that index-only scans (the list's paging)
        need and the row counts the planner weighs; autovacuum would, but only later.
        SQLite needs neither: its indexes hold the rowid, and it plans well without them.
        """
        if self.dialect != "postgresql":
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) clusters")

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
