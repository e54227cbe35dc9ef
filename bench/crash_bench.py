"""Kill the server during acknowledged writes; check that none is lost and the store is sound.

Usage: .venv/bin/python bench/crash_bench.py [--cycles 20] [--writers 8] [--backends sqlite postgis]

Each cycle starts the app under gunicorn (2 workers), lets --writers editors PATCH
clusters (a fresh read, then the update with If-Match) for a random 0.5–2 s, then sends
SIGKILL to the master and every worker at once. Then, with the server dead:

- every write answered 200 is in the history at the version the answer gave, exactly once;
- SQLite's `PRAGMA integrity_check` says "ok" (PostgreSQL: the tables can be read);
- every hash chain verifies (`gis.core.history.verify`, in process), and after the last
  cycle `flask --app app history verify` exits 0.

Results go to bench/results/crash.json; `run_cycles` is what tests/test_crash.py runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH, ROOT, VENV_BIN, WORK, app_env, database_url, flask, free_port, log

PASSWORD = "bench password 123"


class Editor:
    """A logged-in HTTP session that records the writes the server acknowledged."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.http = requests.Session()
        token = self._token("/auth/login")
        data = {"username": username, "password": password, "csrf_token": token}
        answer = self.http.post(f"{base}/auth/login", data=data, allow_redirects=False)
        if answer.status_code != 302:
            raise RuntimeError(f"login of {username} failed: {answer.status_code}")
        self.token = self._token("/")

    def _token(self, path: str) -> str:
        html = self.http.get(f"{self.base}{path}", timeout=30).text
        return re.search(r'name="csrf-token" content="([^"]+)"', html)[1]

    def write_until_dead(
        self, cluster: str, tag: str, acked: list[tuple[str, int, str]], statuses: Counter
    ) -> None:
        """PATCH ``cluster`` until the server stops answering; append each 200 to ``acked``."""
        n = 0
        while True:
            value = f"crash {tag} {n}"
            n += 1
            try:
                url = f"{self.base}/api/clusters/{cluster}"
                etag = self.http.get(url, timeout=30).headers["ETag"]
                answer = self.http.patch(
                    url,
                    json={"investor": value},
                    headers={"If-Match": etag, "X-CSRFToken": self.token},
                    timeout=30,
                )
            except (requests.RequestException, KeyError):
                return  # the server is gone (or answered a half-written response)
            statuses[answer.status_code] += 1
            if answer.status_code == 200:
                acked.append((cluster, answer.json()["properties"]["version"], value))


def _start(url: str, port: int, workers: int) -> subprocess.Popen:
    command = [
        str(VENV_BIN / "gunicorn"),
        *("-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "critical"),
        "app:create_app()",
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=app_env(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/clusters?limit=1", timeout=30)
            return process
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)


def _events(url: str) -> list[tuple[str, int, list]]:
    """(cluster, version, changes) of every cluster event, read straight from the store."""
    query = "SELECT subject_id, version, changes FROM change_events WHERE subject_kind = 'cluster'"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            rows = conn.execute(query).fetchall()
    else:
        with psycopg.connect(url) as conn:
            rows = conn.execute(query).fetchall()
    return [(s, v, c if isinstance(c, list) else json.loads(c)) for s, v, c in rows]


def _integrity(url: str) -> str:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute("PRAGMA integrity_check").fetchone()[0]
    with psycopg.connect(url) as conn:  # no integrity_check: read every table instead
        for (table,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall():
            conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    return "ok"


def _chain_problems(url: str) -> list[str]:
    """What `history verify` would report, computed in this process (no app start-up)."""
    sys.path.insert(0, str(ROOT))
    from gis.core.history import verify
    from gis.store.db import Store

    store = Store(url)
    try:
        with store.session() as session:
            _count, problems = verify(session)
    finally:
        store.dispose()
    return [f"{p.subject}: {p.reason}" for p in problems]


def _history_verify(url: str) -> bool:
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "app", "history", "verify"],
        cwd=ROOT,
        env={**app_env(url), "GIS_AUTO_INIT": "0"},
        capture_output=True,
        text=True,
    )
    return result.returncode == 0


def check(url: str, acked: list[tuple[str, int, str]]) -> dict:
    """Every acknowledged write present once, at its version; integrity; history verify."""
    investor_at: dict[tuple[str, int], list[str]] = {}
    for subject, version, changes in _events(url):
        for change in changes:
            if change["field"] == "investor":
                investor_at.setdefault((subject, version), []).append(change["to"])
    written = Counter(v for values in investor_at.values() for v in values)
    lost = [a for a in acked if a[2] not in investor_at.get((a[0], a[1]), [])]
    duplicated = [a for a in acked if written[a[2]] != 1]
    return {
        "lost": len(lost),
        "duplicated": len(duplicated),
        "integrity": _integrity(url),
        "history_problems": _chain_problems(url),
    }


def run_cycles(
    url: str,
    cycles: int,
    usernames: list[str],
    password: str,
    writers: int = 8,
    workers: int = 2,
    seed: int = 0,
) -> dict:
    """SIGKILL the server ``cycles`` times during writes; the figures and any failure.

    The editors log in once: their session cookies outlive the server, as a user's do.
    Each cycle checks the acknowledged writes, the integrity and the hash chains (in
    process, with the same code as the CLI); `flask history verify` runs after the last.
    """
    rng = random.Random(seed)
    totals: Counter = Counter()
    failures: list[str] = []
    started = time.perf_counter()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    editors: list[Editor] = []
    clusters: list[str] = []
    for cycle in range(cycles):
        process = _start(url, port, workers)
        try:
            if not editors:
                listed = requests.get(f"{base}/api/clusters?limit={writers}", timeout=30).json()
                clusters = [f["id"] for f in listed["features"]]
                editors = [
                    Editor(base, usernames[i % len(usernames)], password) for i in range(writers)
                ]
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        acked: list[tuple[str, int, str]] = []
        statuses: Counter = Counter()
        threads = [
            threading.Thread(
                target=e.write_until_dead,
                args=(clusters[i % len(clusters)], f"{seed}-{cycle}-{i}", acked, statuses),
            )
            for i, e in enumerate(editors)
        ]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.5, 2.0))
        os.killpg(process.pid, signal.SIGKILL)  # master and workers, mid-write
        process.wait()
        for thread in threads:
            thread.join()
        result = check(url, acked)
        totals["acknowledged"] += len(acked)
        totals["lost"] += result["lost"]
        totals["duplicated"] += result["duplicated"]
        for code, count in statuses.items():
            totals[f"status_{code}"] += count
        if result["lost"] or result["duplicated"]:
            failures.append(f"cycle {cycle}: {result['lost']} lost, {result['duplicated']} dup")
        if result["integrity"] != "ok":
            failures.append(f"cycle {cycle}: integrity_check: {result['integrity']}")
        if result["history_problems"]:
            failures.append(f"cycle {cycle}: history: {result['history_problems']}")
        log(f"cycle {cycle + 1}/{cycles}: {len(acked)} acknowledged, {result}")
    cli_verify = _history_verify(url)
    if not cli_verify:
        failures.append("flask history verify failed")
    return {
        "cycles": cycles,
        **totals,
        "server_errors": sum(v for k, v in totals.items() if k.startswith("status_5")),
        "history_verify_cli": cli_verify,
        "failures": failures,
        "seconds": round(time.perf_counter() - started, 1),
    }


def prepared(backend: str, writers: int) -> str:
    """A fresh province database with ``writers`` admin accounts."""
    url = database_url(backend, f"bench_crash_{backend}")
    env = app_env(url)
    flask(env, "db", "init")
    for index in range(writers):
        flask(
            env,
            *("users", "create", f"crash{index}", "--role", "admin", "--password-stdin"),
            stdin=PASSWORD + "\n",
        )
    return url


def main() -> None:
    """Crash cycles on each backend; figures to bench/results/crash.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgis"])
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    out: dict = {"writers": args.writers, "workers": 2}
    ok = True
    for backend in args.backends:
        url = prepared(backend, args.writers)
        names = [f"crash{i}" for i in range(args.writers)]
        log(f"crash cycles on {backend}")
        out[backend] = run_cycles(url, args.cycles, names, PASSWORD, args.writers)
        print(backend, out[backend], flush=True)
        ok = ok and not out[backend]["failures"] and not out[backend]["server_errors"]
    (BENCH / "results").mkdir(exist_ok=True)
    path = BENCH / "results" / "crash.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
