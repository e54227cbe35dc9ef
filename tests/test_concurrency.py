"""No lost updates and no 5xx: many writers over HTTP on a loaded machine, on both backends."""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from gis.errors import StoreBusy
from gis.store.db import Store, WriteQueue
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = "ccn-long-phuoc-1"
THREADS, UPDATES = 16, 100
HOG_SECONDS = 150  # the CPU hogs end by themselves even if the test is killed


def _hog(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@contextmanager
def cpu_saturated() -> Iterator[None]:
    """One busy-looping process per core (two at least) for the duration of the block."""
    context = multiprocessing.get_context("spawn")
    hogs = [
        context.Process(target=_hog, args=(HOG_SECONDS,), daemon=True)
        for _ in range(max(2, os.cpu_count() or 2))
    ]
    for hog in hogs:
        hog.start()
    try:
        yield
    finally:
        for hog in hogs:
            hog.terminate()
        for hog in hogs:
            hog.join(timeout=10)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, workers: int = 2, threads: int = 8) -> Iterator[str]:
    """The app under gunicorn (threaded workers, so writers meet in and across processes)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "GIS_ENV": "development",  # plain-HTTP cookies on loopback
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            *("--workers", str(workers), "--threads", str(threads)),
            *("--bind", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning"),
            # Idle keep-alive connections stay open: a loaded client may pause for seconds.
            *("--keep-alive", "300"),
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/api/clusters?limit=1", timeout=10).raise_for_status()
                break
            except requests.RequestException:
                assert process.poll() is None and time.monotonic() < deadline, "no gunicorn"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


class HttpEditor:
    """A logged-in requests session that PATCHes clusters as the map page does."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.http = requests.Session()
        token = self._token("/auth/login")
        data = {"username": username, "password": PASSWORD, "csrf_token": token}
        answer = self.http.post(f"{base}/auth/login", data=data, allow_redirects=False, timeout=120)
        assert answer.status_code == 302, answer.text
        self.token = self._token("/")

    def _token(self, path: str) -> str:
        html = self.http.get(f"{self.base}{path}", timeout=120).text
        return re.search(r'name="csrf-token" content="([^"]+)"', html)[1]

    def etag(self, cluster_id: str) -> str:
        """The cluster's ETag as read now."""
        return self.http.get(f"{self.base}/api/clusters/{cluster_id}", timeout=120).headers["ETag"]

    def patch(self, cluster_id: str, body: dict, etag: str) -> requests.Response:
        """PATCH with If-Match and the CSRF header."""
        return self.http.patch(
            f"{self.base}/api/clusters/{cluster_id}",
            json=body,
            headers={"If-Match": etag, "X-CSRFToken": self.token},
            timeout=120,
        )


def test_concurrent_writers_never_lose_or_duplicate_an_update(
    history, app, accounts, database_url
) -> None:
    """16 writers × 100 PATCHes over HTTP while the CPU is saturated: no 5xx, none lost."""
    accepted: list[tuple[int, str]] = []  # (version after the change, value written)
    statuses: Counter[int] = Counter()
    crashed: list[str] = []
    lock = threading.Lock()

    with gunicorn(database_url) as base:
        editors = [HttpEditor(base, "lt-editor") for _ in range(THREADS)]
        start = threading.Barrier(THREADS)

        def writer(index: int, api: HttpEditor) -> None:
            try:
                write(index, api)
            except BaseException as exc:  # reported below, and the others are not left waiting
                start.abort()
                with lock:
                    crashed.append(repr(exc))

        def write(index: int, api: HttpEditor) -> None:
            rng = random.Random(index)
            etag = api.etag(CLUSTER)
            start.wait(timeout=120)
            for i in range(UPDATES):
                if rng.random() < 0.5:
                    etag = api.etag(CLUSTER)  # fresh half the time, possibly stale otherwise
                value = f"writer {index} update {i}"
                response = api.patch(CLUSTER, {"investor": value}, etag)
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code == 200:
                        accepted.append((response.json()["properties"]["version"], value))
                if response.status_code == 200:
                    etag = response.headers["ETag"]

        with cpu_saturated():
            threads = [threading.Thread(target=writer, args=(i, e)) for i, e in enumerate(editors)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

    assert crashed == []
    assert set(statuses) <= {200, 412}, statuses  # no 5xx (not even 503) and nothing else
    assert statuses[200] + statuses[412] == THREADS * UPDATES
    assert statuses[200] > THREADS and statuses[412] > 0  # both paths really ran
    versions = sorted(v for v, _ in accepted)
    assert versions == list(range(2, 2 + len(accepted)))  # one version per accepted change

    client = app.test_client()
    events = history(CLUSTER)
    written = [c["to"] for e in events for c in e["changes"] if c["field"] == "investor"]
    assert Counter(written) == Counter(value for _, value in accepted)  # each exactly once
    last_value = max(accepted)[1]
    final = client.get(f"/api/clusters/{CLUSTER}").get_json()["properties"]
    assert final["investor"] == last_value
    assert final["version"] == 1 + len(accepted)
    assert app.test_cli_runner().invoke(args=["history", "verify"]).exit_code == 0


def test_write_queue_serves_writers_in_arrival_order() -> None:
    """A writer that arrived first gets the lock first; a timed-out one leaves the line."""
    queue = WriteQueue()
    assert queue.acquire(1)
    order: list[int] = []
    arrived = threading.Event()

    def waiter(index: int) -> None:
        arrived.set()
        assert queue.acquire(30)
        order.append(index)
        queue.release()

    threads = []
    for index in range(5):
        arrived.clear()
        thread = threading.Thread(target=waiter, args=(index,))
        thread.start()
        arrived.wait()
        time.sleep(0.05)  # let it reach the line before the next one arrives
        threads.append(thread)
    assert not queue.acquire(0.05)  # the line is long: a short wait gives up
    queue.release()
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3, 4]


def test_a_write_that_cannot_start_answers_503_with_retry_after(
    app, api_as, store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Contention beyond the bound: 503 in the one JSON error shape, never a 500."""
    editor = api_as("lt-editor")
    etag = editor.etag(CLUSTER)
    before = store.revision()
    if store.sql.name == "sqlite":
        # Another process holds SQLite's write lock longer than the busy timeout.
        import sqlite3

        monkeypatch.setattr("gis.store.db.SQLITE_BUSY_TIMEOUT_MS", 200)
        other = sqlite3.connect(store.engine.url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        busy_store = Store(str(store.engine.url))  # its connections use the short timeout
        app.extensions["store"] = busy_store
    else:
        # Another session holds the cluster's row longer than the lock timeout.
        import psycopg

        monkeypatch.setattr("gis.store.dialects.PG_LOCK_TIMEOUT_MS", 200)
        other = psycopg.connect(str(store.engine.url.set(drivername="postgresql")))
        other.execute("UPDATE clusters SET version = version WHERE id = %s", (CLUSTER,))
    try:
        response = editor.patch(CLUSTER, {"investor": "blocked"}, etag=etag)
    finally:
        other.rollback()
        other.close()
        app.extensions["store"] = store
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert body["status"] == 503 and "busy" in body["detail"]
    assert store.revision() == before  # nothing was written
    assert editor.patch(CLUSTER, {"investor": "after"}, etag=etag).status_code == 200


def test_store_busy_is_raised_when_the_queue_is_full(tmp_path: Path, monkeypatch) -> None:
    """The in-process line (SQLite's) has a bound too: the write is refused, not hung."""
    store = Store(f"sqlite:///{tmp_path / 'queue.sqlite'}")
    store.create_schema()
    monkeypatch.setattr("gis.store.db.WRITE_QUEUE_TIMEOUT_S", 0.1)
    holder_in, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.write():
            holder_in.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    holder_in.wait(10)
    try:
        with pytest.raises(StoreBusy), store.write():
            pass
    finally:
        release.set()
        thread.join()
        store.dispose()
