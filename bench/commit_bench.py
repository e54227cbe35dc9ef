"""Durable commits per second through Store.write, without HTTP or the ORM's checks.

Usage: .venv/bin/python bench/commit_bench.py [--seconds 10] [--threads 8] [--backends ...]

What bounds writes besides CPU: each thread runs write transactions that change one row
of its own (as an editor's update changes its cluster) and bump the store revision, as
an API write does; every transaction is acknowledged only once durable (SQLite: the WAL
flushed; PostgreSQL: synchronous_commit=on). Reports commits/s, and for SQLite how many
fsyncs they took. Results go to bench/results/commits.json.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import BENCH, WORK, database_url, log, write_json

from gis.store.db import Store


def run(url: str, threads: int, seconds: float) -> dict:
    """``threads`` writers for ``seconds``; commits/s, and fsyncs on SQLite."""
    store = Store(url)
    store.create_schema()
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS bench_rows")
        connection.exec_driver_sql("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, n INTEGER)")
        for index in range(threads):
            connection.exec_driver_sql(f"INSERT INTO bench_rows VALUES ({index}, 0)")
    counts = [0] * threads
    stop = time.perf_counter() + seconds
    flusher = getattr(store, "_flusher", None)
    flushes_before = flusher.flushes if flusher else 0

    def writer(index: int) -> None:
        while time.perf_counter() < stop:
            with store.write() as session:
                session.execute(text("UPDATE bench_rows SET n = n + 1 WHERE id = :i"), {"i": index})
            counts[index] += 1

    workers = [threading.Thread(target=writer, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    with store.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT sum(n) FROM bench_rows").scalar_one()
    store.dispose()
    commits = sum(counts)
    assert stored == commits, (stored, commits)  # every acknowledged commit is there
    out = {
        "threads": threads,
        "commits": commits,
        "seconds": round(elapsed, 1),
        "commits_per_s": round(commits / elapsed, 1),
    }
    if flusher:
        flushes = flusher.flushes - flushes_before
        out["fsyncs"] = flushes
        out["commits_per_fsync"] = round(commits / max(flushes, 1), 1)
    return out


def main() -> None:
    """Measure on each backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgis"])
    parser.add_argument("--out", default="commits.json", help="file name in bench/results/")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    out: dict = {}
    for backend in args.backends:
        log(f"commits on {backend}")
        out[backend] = run(
            database_url(backend, f"bench_commits_{backend}"), args.threads, args.seconds
        )
        print(backend, out[backend], flush=True)
    (BENCH / "results").mkdir(exist_ok=True)
    write_json(BENCH / "results" / args.out, out)


if __name__ == "__main__":
    main()
