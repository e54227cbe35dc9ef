"""Writes under load, and a worker's memory over a long mixed load.

Usage: .venv/bin/python bench/write_bench.py [--seconds 30] [--soak-minutes 10] [--threads 1]

Updates per second with history and the version check, 8 concurrent editors (each on
its own cluster, each update a fresh read then a PATCH), on SQLite and on PostGIS, app
under gunicorn with 2 workers. Then, on SQLite, a soak: wrk reads plus the 8 writers for
--soak-minutes while the workers' RSS is sampled every 10 s.
Results go to bench/results/writes.json (--out names another file there).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BENCH,
    WORK,
    app_env,
    database_url,
    flask,
    free_port,
    gunicorn_app,
    log,
    write_json,
)

EDITORS = 8
PASSWORD = "bench password 123"


def _session(base: str, username: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(f"{base}/auth/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
    session.post(
        f"{base}/auth/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    token = re.search(r'name="csrf-token" content="([^"]+)"', session.get(f"{base}/").text)[1]
    return session, token


def writers(base: str, cluster_ids: list[str], seconds: float) -> dict:
    """EDITORS threads updating for ``seconds``; counts accepted and refused updates."""
    counts = {"accepted": 0, "refused": 0, "errors": 0}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(index: int) -> None:
        session, token = _session(base, f"editor{index}")
        cluster = cluster_ids[index % len(cluster_ids)]
        n = 0
        while time.perf_counter() < stop:
            etag = session.get(f"{base}/api/clusters/{cluster}").headers["ETag"]
            response = session.patch(
                f"{base}/api/clusters/{cluster}",
                json={"investor": f"Nhà đầu tư {index}-{n}"},
                headers={"If-Match": etag, "X-CSRFToken": token},
            )
            n += 1
            key = {200: "accepted", 412: "refused"}.get(response.status_code, "errors")
            with lock:
                counts[key] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(EDITORS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        **counts,
        "seconds": round(elapsed, 1),
        "updates_per_s": round(counts["accepted"] / elapsed, 1),
    }


def prepared(backend: str) -> str:
    """A province database with EDITORS admin accounts (admins: any cluster)."""
    url = database_url(backend, f"bench_writes_{backend}")
    env = app_env(url)
    flask(env, "db", "init")
    for index in range(EDITORS):
        flask(
            env,
            "users",
            "create",
            f"editor{index}",
            "--role",
            "admin",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    return url


CLUSTERS = [
    "ccn-long-phuoc-1",
    "ccn-hung-loc",
    "ccn-phu-tuc",
    "ccn-long-giao",
    "ccn-xuan-hung",
    "ccn-vinh-tan",
    "ccn-tri-an",
    "ccn-an-vien",
]


def soak(url: str, minutes: float) -> dict:
    """Mixed load for ``minutes``; RSS of each gunicorn worker every 10 s."""
    port = free_port()
    samples: list[dict] = []
    with gunicorn_app(url, port, 2) as master:
        base = f"http://127.0.0.1:{port}"
        seconds = minutes * 60
        reader = subprocess.Popen(
            ["wrk", "-t1", "-c4", f"-d{int(seconds)}s", f"{base}/api/clusters?kind=CCN"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        result: dict = {}
        thread = threading.Thread(target=lambda: result.update(writers(base, CLUSTERS, seconds)))
        thread.start()
        started = time.perf_counter()
        while thread.is_alive():
            workers = psutil.Process(master.pid).children()
            samples.append(
                {
                    "t_s": round(time.perf_counter() - started),
                    "rss_mb": [round(w.memory_info().rss / 2**20, 1) for w in workers],
                }
            )
            thread.join(timeout=10)
        reader.wait()
    first = [max(s["rss_mb"]) for s in samples[1:4]]
    last = [max(s["rss_mb"]) for s in samples[-3:]]
    return {
        "minutes": minutes,
        "writes": result,
        "samples": samples,
        "rss_first_mb": max(first) if first else None,
        "rss_last_mb": max(last),
    }


def main() -> None:
    """Measure writes on both backends, then the soak."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--soak-minutes", type=float, default=10)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgis"])
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (gthread above 1: writers of a process share flushes)",
    )
    parser.add_argument("--out", default="writes.json", help="file name in bench/results/")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    out: dict = {"editors": EDITORS, "workers": 2, "threads": args.threads}
    for backend in args.backends:
        url = prepared(backend)
        port = free_port()
        with gunicorn_app(url, port, 2, args.threads):
            log(f"writes on {backend}")
            out[backend] = writers(f"http://127.0.0.1:{port}", CLUSTERS, args.seconds)
            print(backend, out[backend], flush=True)
    if args.soak_minutes > 0:
        log(f"soak for {args.soak_minutes} min on sqlite")
        out["soak_sqlite"] = soak(prepared("sqlite"), args.soak_minutes)
        print("soak", {k: v for k, v in out["soak_sqlite"].items() if k != "samples"})
    (BENCH / "results").mkdir(exist_ok=True)
    write_json(BENCH / "results" / args.out, out)


if __name__ == "__main__":
    main()
