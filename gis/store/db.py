"""Engine and session set-up for SQLite (embedded default) and PostgreSQL/PostGIS."""

from __future__ import annotations

import os
import random
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Table,
    bindparam,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from gis.errors import StoreBusy
from gis.store import migrate, sql_functions
from gis.store.dialects import Dialect, dialect_for
from gis.store.models import StoreRevision

SQLITE_BUSY_TIMEOUT_MS = 10_000
# How long a write waits for its turn among this process's writers before it is refused
# with 503 (then up to SQLITE_BUSY_TIMEOUT_MS more for another process's write on SQLite).
WRITE_QUEUE_TIMEOUT_S = 20.0
RETRY_AFTER_S = 2
# SQLSTATEs that mean "contention, try again": serialization failure, deadlock, lock
# not available (lock_timeout).
_PG_RETRYABLE = frozenset({"40001", "40P01", "55P03"})
T = TypeVar("T")
# Rows the store revision is counted in (migration 0008): each write bumps one at random,
# so PostgreSQL's concurrent writers rarely wait on one row until the other's commit is
# flushed, and their commits can share one WAL flush. The revision is the rows' sum.
REVISION_SLOTS = 16
MEMO_ENTRIES = 256  # names kept by Store.memo; least recently computed go first
_REVISIONS = cast(Table, StoreRevision.__table__)
# One Core statement built once (every write runs it): no ORM statement to build per write.
_BUMP = (
    update(_REVISIONS)
    .where(_REVISIONS.c.id == bindparam("slot"))
    .values(revision=_REVISIONS.c.revision + 1)
)


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
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: each commit's WAL frames reach the disk (fsync) before the commit returns,
        # so a committed write survives a power cut or OS crash, as on PostgreSQL
        # (synchronous_commit=on). Store.write switches its own transactions to NORMAL and
        # flushes the WAL itself, once for a group of commits (WalFlusher), before the
        # write is acknowledged; everything else (CLI imports, migrations) stays FULL.
        cursor.execute("PRAGMA synchronous=FULL")
        _record.info["synchronous"] = "FULL"
        cursor.close()
        # What PostGIS and PostgreSQL do natively, for CQL2 filters (gis.core.cql2).
        dbapi_connection.create_function("gis_intersects", 2, sql_functions.intersects)
        dbapi_connection.create_function("cql2_like", 2, sql_functions.like)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        # PRAGMA synchronous cannot change inside a transaction: set it before BEGIN, and
        # only when this connection's last setting differs (most transactions are reads).
        sync = options.get("sqlite_synchronous", "FULL")
        info = connection.connection.info
        # On the DB-API connection itself: SQLAlchemy's execution machinery for these two
        # fixed statements cost more than a read's query (every session begins this way).
        raw = cast(sqlite3.Connection, connection.connection.dbapi_connection)
        if info.get("synchronous") != sync:
            raw.execute(f"PRAGMA synchronous={sync}")
            info["synchronous"] = sync
        mode = options.get("sqlite_begin", "DEFERRED")
        if mode == "DEFERRED":
            raw.execute("BEGIN DEFERRED")  # takes no lock: cannot meet "database is locked"
        else:
            # Through SQLAlchemy: "locked" then arrives as its OperationalError, which
            # Store.write turns into StoreBusy (503), never a 500.
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


class WriteQueue:
    """A first-come, first-served lock with a bounded wait: one writer at a time.

    SQLite's own busy handler polls with growing sleeps, so under load a waiting writer
    can lose to newer ones again and again until its busy timeout ends; queueing this
    process's writers in arrival order leaves SQLite to arbitrate between processes only.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._waiting: deque[object] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        """Wait for this caller's turn; False when ``timeout`` seconds pass first."""
        me = object()
        deadline = time.monotonic() + timeout
        with self._condition:
            self._waiting.append(me)
            while self._held or self._waiting[0] is not me:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._waiting.remove(me)
                    self._condition.notify_all()  # the next in line may be first now
                    return False
                self._condition.wait(remaining)
            self._waiting.popleft()
            self._held = True
            return True

    def release(self) -> None:
        """Let the next writer in."""
        with self._condition:
            self._held = False
            self._condition.notify_all()


class WalFlusher:
    """Group commit for SQLite in WAL mode: one fsync of the WAL makes many commits durable.

    Writers commit with ``synchronous=NORMAL`` (the WAL is written, not flushed), take a
    ticket, leave the write lock to the next writer, then wait here until a flush that
    began after their commit has ended. One waiter at a time flushes, for every commit
    counted before it began; those who committed meanwhile wait for the next flush, which
    covers them all. The WAL is appended in commit order and fsync flushes the whole file
    (whichever process wrote it), so a flush that covers a commit covers every earlier one
    too: an acknowledged write never depends on one that a power cut could take back.
    """

    def __init__(self, wal_path: str) -> None:
        self._wal_path = wal_path
        self._condition = threading.Condition()
        self._committed = 0  # commits counted so far (tickets given)
        self._flushed = 0  # every ticket up to this one is on the disk
        self._flushing = False
        self.flushes = 0  # how many fsyncs ran (for tests and benchmarks)

    def committed(self) -> int:
        """A ticket for a commit that has just returned; pass it to ``flush``."""
        with self._condition:
            self._committed += 1
            return self._committed

    def flush(self, ticket: int) -> None:
        """Return once the commit of ``ticket`` is on the disk (an fsync begun after it)."""
        with self._condition:
            while self._flushed < ticket and self._flushing:
                self._condition.wait()
            if self._flushed >= ticket:
                return
            self._flushing = True
            target = self._committed
        done = False
        try:
            _fsync_file(self._wal_path)
            done = True
        finally:
            with self._condition:
                self._flushing = False
                if done:
                    self._flushed = max(self._flushed, target)
                    self.flushes += 1
                self._condition.notify_all()


def _fsync_file(path: str) -> None:
    # Opened per flush: SQLite deletes the WAL when its last connection closes (after a
    # complete checkpoint, which syncs the database file) and creates a new one later;
    # a kept descriptor would flush the old file. No WAL: nothing left to flush.
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        # fdatasync, as SQLite's own sync: the data and the size, not the timestamps, whose
        # flush would cost a journal commit of the file system at every write.
        os.fdatasync(fd)
    finally:
        os.close(fd)


_queues: dict[str, WriteQueue] = {}
_flushers: dict[str, WalFlusher] = {}
_queues_lock = threading.Lock()


def write_queue(key: str) -> WriteQueue:
    """The process-wide write queue of one database (shared by every Store on it)."""
    with _queues_lock:
        return _queues.setdefault(key, WriteQueue())


def wal_flusher(database: str) -> WalFlusher:
    """The process-wide WAL flusher of one SQLite database file."""
    with _queues_lock:
        if database not in _flushers:
            _flushers[database] = WalFlusher(database + "-wal")
        return _flushers[database]


def _is_contention(exc: OperationalError) -> bool:
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig).lower()
        return "locked" in text or "busy" in text
    return getattr(orig, "sqlstate", None) in _PG_RETRYABLE


class Store:
    """The app's database: an engine, a session factory and schema set-up."""

    def __init__(
        self,
        url: str,
        extent_bbox: tuple[float, float, float, float] | None = None,
        district_boxes: dict[str, tuple[float, float, float, float]] | None = None,
    ) -> None:
        self.engine = make_engine(url)
        # Everything SQLite and PostgreSQL do differently, chosen once (gis.store.dialects).
        self.sql: Dialect = dialect_for(self.engine)
        # The area this store's data may lie in when no boundaries are loaded (None: the
        # province), and each district's extent (editors' scope without boundaries); every
        # session carries them so the core's checks need no configuration.
        info: dict[str, Any] = {"extent_bbox": extent_bbox} if extent_bbox else {}
        info["district_boxes"] = district_boxes or {}
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._memo: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._memo_lock = threading.Lock()
        database = str(self.engine.url.database or ":memory:")
        single_writer = self.sql.single_writer
        self._queue = write_queue(database) if single_writer else None
        # An in-memory database has no WAL and nothing to make durable: FULL commits.
        self._flusher = (
            wal_flusher(os.path.abspath(database))
            if single_writer and database != ":memory:"
            else None
        )

    def session(self) -> Session:
        """A new session for reading (and writing, when a transaction is begun)."""
        return self._sessions()

    @contextmanager
    def write(self, *, revision: bool = True) -> Iterator[Session]:
        """A session in one write transaction; with ``revision`` it bumps the store revision.

        Writes that no cached answer depends on (login throttling) pass ``revision=False``,
        so they leave every response cache valid. A write that cannot start or finish for
        contention raises StoreBusy (the web layer answers 503 with Retry-After), never a
        raw "database is locked".
        """
        queue = self._queue
        if queue is not None and not queue.acquire(WRITE_QUEUE_TIMEOUT_S):
            raise StoreBusy(RETRY_AFTER_S, "too many writes are waiting")
        ticket = None
        try:
            with self._sessions() as session:
                try:
                    self.sql.begin_write(session, group_commit=self._flusher is not None)
                    yield session
                    if revision:
                        self._bump_revision(session)
                    session.commit()
                    if self._flusher is not None:
                        ticket = self._flusher.committed()
                except OperationalError as exc:
                    session.rollback()
                    if _is_contention(exc):
                        raise StoreBusy(RETRY_AFTER_S) from exc
                    raise
                except BaseException:
                    session.rollback()
                    raise
        finally:
            if queue is not None:
                queue.release()
        if ticket is not None and self._flusher is not None:
            # Outside the write lock: the next writers commit while this flush runs, and
            # the next flush covers them all. The caller acknowledges only after this.
            self._flusher.flush(ticket)

    def _bump_revision(self, session: Session) -> None:
        # Last in the transaction: the slot's row lock is held only until the commit.
        slot = random.randint(1, REVISION_SLOTS)
        bumped = cast(CursorResult[Any], session.execute(_BUMP, {"slot": slot}))
        if bumped.rowcount == 0:
            # A slot missing (a table emptied by hand): the first row always counts.
            session.execute(_BUMP, {"slot": 1})

    def create_schema(self) -> None:
        """Migrate the database to the newest schema (idempotent, fast when at head)."""
        migrate.upgrade(self.engine)
        # The migrations insert the revision's rows; this puts them back if emptied.
        with self._sessions.begin() as session:
            first = session.get(StoreRevision, 1)
            if first is None:
                first = StoreRevision(id=1, epoch=secrets.token_hex(8), revision=0)
                session.add(first)
            present = set(session.scalars(select(StoreRevision.id)))
            for slot in range(2, REVISION_SLOTS + 1):
                if slot not in present:
                    session.add(StoreRevision(id=slot, epoch=first.epoch, revision=0))

    def revision(self) -> str:
        """A token that changes whenever committed data changes ("epoch:count")."""
        # Every cached answer asks this first, so it skips the ORM and the explicit BEGIN:
        # one autocommit SELECT on a pooled DB-API connection costs about a tenth as much.
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            # One statement, one snapshot: every slot as of the same commits.
            cursor.execute(
                "SELECT max(CASE WHEN id = 1 THEN epoch END), sum(revision) FROM store_revision"
            )
            row = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()
        return f"{row[0]}:{row[1]}" if row and row[0] is not None else "empty"

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
        """After a bulk load: what the planner needs for the new rows (Dialect's choice)."""
        self.sql.refresh_statistics(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
