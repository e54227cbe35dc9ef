"""Server CPU per accepted update, in process: the steadier figure on a shared machine.

Usage: .venv/bin/python bench/write_cpu.py [--backends sqlite postgis] [--updates 300]
       [--profile FILE.prof]

Each update is what an editor of write_bench.py does (a GET of the cluster for its ETag, then
a PATCH with If-Match), through Flask's test client: no HTTP, no gunicorn, one thread, so the
figure is the app's own CPU (``time.process_time``) per accepted update. 2 cores give at most
2000 / (ms per update) updates/s, before any HTTP cost. ``--profile`` writes cProfile's
statistics of the loop (first backend) and prints the top entries.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import database_url, log

from app import create_app

PASSWORD = "bench password 123"
CLUSTER = "ccn-long-phuoc-1"


def _client(application):
    from gis.core.users import create_user

    store = application.extensions["store"]
    with store.write() as session:
        create_user(session, "cpu-editor", PASSWORD, "admin", None, None)
    client = application.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
    client.post(
        "/auth/login",
        data={"username": "cpu-editor", "password": PASSWORD, "csrf_token": token},
    )
    page = client.get("/").get_data(as_text=True)
    return client, re.search(r'name="csrf-token" content="([^"]+)"', page)[1]


def _update(client, token: str, n: int) -> None:
    etag = client.get(f"/api/clusters/{CLUSTER}").headers["ETag"]
    response = client.patch(
        f"/api/clusters/{CLUSTER}",
        json={"investor": f"Nhà đầu tư {n}"},
        headers={"If-Match": etag, "X-CSRFToken": token},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def measure(backend: str, updates: int, profile: str | None) -> dict:
    """CPU ms per update (GET + PATCH) on a freshly seeded database of ``backend``."""
    url = database_url(backend, f"bench_write_cpu_{backend}")
    application = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench-secret", "GIS_ENV": "development"}
    )
    client, token = _client(application)
    for n in range(20):  # warm the caches and the statement cache
        _update(client, token, n)
    # Timed by CPU, not the clock: on a loaded machine the clock counts other processes.
    profiler = cProfile.Profile(time.process_time) if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for n in range(updates):
        _update(client, token, 100 + n)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    application.extensions["store"].dispose()
    if profiler and profile:
        profiler.dump_stats(profile)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    return {
        "updates": updates,
        "cpu_ms_per_update": round(1000 * cpu / updates, 2),
        "wall_ms_per_update": round(1000 * wall / updates, 2),
    }


def main() -> None:
    """Measure each backend in turn."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgis"])
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--profile", help="write cProfile statistics here (first backend)")
    args = parser.parse_args()
    for index, backend in enumerate(args.backends):
        log(f"cpu per update on {backend}")
        result = measure(backend, args.updates, args.profile if index == 0 else None)
        print(backend, result, flush=True)


if __name__ == "__main__":
    main()
