"""SQLite group commit: a write is acknowledged only after an fsync of the WAL, shared by many."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from gis.store.db import Store, WalFlusher


@pytest.fixture
def sqlite_store(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'group.sqlite'}")
    store.create_schema()
    with store.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    yield store
    store.dispose()


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every real fdatasync of the process: (the file's path, its size then)."""
    calls: list[tuple[str, int]] = []
    real = os.fdatasync

    def spy(fd: int) -> None:
        calls.append((os.readlink(f"/proc/self/fd/{fd}"), os.fstat(fd).st_size))
        real(fd)

    monkeypatch.setattr(os, "fdatasync", spy)
    return calls


def _synchronous(session) -> int:  # type: ignore[no-untyped-def]
    return session.execute(text("PRAGMA synchronous")).scalar_one()


def test_a_write_returns_after_an_fsync_of_the_whole_wal(sqlite_store, fsyncs) -> None:
    wal = str(Path(sqlite_store.engine.url.database).resolve()) + "-wal"
    with sqlite_store.write() as session:
        # The commit itself does not flush (NORMAL: 1); write() flushes after it.
        assert _synchronous(session) == 1
        session.execute(text("INSERT INTO notes (body) VALUES ('acknowledged')"))
        assert fsyncs == []
    size_after = os.path.getsize(wal)
    assert size_after > 0
    assert [path for path, _ in fsyncs] == [wal]
    assert fsyncs[0][1] >= size_after  # the flush covered every frame of this commit


def test_other_transactions_keep_synchronous_full(sqlite_store) -> None:
    """Imports and migrations commit outside write(): SQLite flushes those itself."""
    with sqlite_store.write():
        pass
    with sqlite_store.session() as session:
        assert _synchronous(session) == 2  # FULL
    with sqlite_store.engine.begin() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2


def test_a_refused_write_flushes_nothing(sqlite_store, fsyncs) -> None:
    with pytest.raises(RuntimeError), sqlite_store.write() as session:
        session.execute(text("INSERT INTO notes (body) VALUES ('never')"))
        raise RuntimeError("refused")
    assert fsyncs == []
    with sqlite_store.session() as session:
        assert session.execute(text("SELECT count(*) FROM notes")).scalar_one() == 0


def test_concurrent_writers_share_flushes_and_all_are_kept(
    sqlite_store, fsyncs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow disk (each fsync 30 ms longer): writers that commit meanwhile share the next."""
    spy = os.fdatasync

    def slow(fd: int) -> None:
        time.sleep(0.03)
        spy(fd)

    monkeypatch.setattr(os, "fdatasync", slow)
    threads, per_thread = 8, 15
    acknowledged: list[str] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        for n in range(per_thread):
            body = f"{index}-{n}"
            with sqlite_store.write() as session:
                session.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": body})
            with lock:
                acknowledged.append(body)

    workers = [threading.Thread(target=writer, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    writes = threads * per_thread
    flusher = sqlite_store._flusher
    assert isinstance(flusher, WalFlusher)
    assert len(acknowledged) == writes
    assert flusher.flushes == len(fsyncs)
    assert len(fsyncs) < writes / 2, len(fsyncs)  # grouped: far fewer flushes than commits
    with sqlite_store.session() as session:
        stored = session.execute(text("SELECT body FROM notes")).scalars().all()
    assert sorted(stored) == sorted(acknowledged)
    assert sqlite_store.revision().endswith(f":{writes}")


def test_a_failed_flush_fails_the_write_and_the_next_flush_retries(
    sqlite_store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An fsync error (a failing disk) is never acknowledged as a durable write."""
    real = os.fdatasync
    failures = [OSError(5, "Input/output error")]

    def failing(fd: int) -> None:
        if failures:
            raise failures.pop()
        real(fd)

    monkeypatch.setattr(os, "fdatasync", failing)
    with pytest.raises(OSError), sqlite_store.write() as session:
        session.execute(text("INSERT INTO notes (body) VALUES ('a')"))
    with sqlite_store.write() as session:
        session.execute(text("INSERT INTO notes (body) VALUES ('b')"))
    assert sqlite_store._flusher.flushes == 1
