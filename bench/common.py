"""Shared pieces of the benchmarks: data sets, databases, servers, wrk."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
WORK = BENCH / "work"
VENV_BIN = ROOT / ".venv" / "bin"
PG_ADMIN = os.environ.get("GIS_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BASE = PG_ADMIN.rsplit("/", 1)[0]
VIETNAM_BBOX = "102,8,110,24"
BENCH_USER = "bench-admin"
IMPORT_SECONDS: dict[str, float] = {}


def log(message: str) -> None:
    """Progress on stderr, results stay on stdout."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def dataset(count: int) -> Path:
    """The synthetic GeoJSON of ``count`` features, generated once."""
    path = DATA / f"synthetic_{count}.geojson"
    if not path.exists():
        subprocess.run([VENV_BIN / "python", BENCH / "generate.py", str(count), path], check=True)
    return path


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str) -> dict[str, str]:
    """Environment of the app for a benchmark database of national extent."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "GIS_EXTENT_BBOX": VIETNAM_BBOX,
        "SECRET_KEY": "bench-secret",
        # Development mode only so that session cookies are not Secure-only: the bench
        # talks plain HTTP on loopback. Debug stays off (no FLASK_DEBUG).
        "GIS_ENV": "development",
    }


def flask(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run a flask CLI command of the app; returns its output."""
    result = subprocess.run(
        [VENV_BIN / "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def database_url(backend: str, name: str) -> str:
    """A fresh database (dropped first) of the backend, named ``name``."""
    if backend == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        path = WORK / f"{name}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_BASE}/{name}"


def load_through_import(backend: str, count: int) -> str:
    """A database holding ``count`` synthetic features, loaded by `flask clusters import`.

    Loaded once per run of the benchmarks: a marker file lets later steps reuse it.
    """
    name = f"bench_{backend}_{count}"
    marker = WORK / f"{name}.loaded"
    if marker.exists():
        return marker.read_text().strip()
    url = database_url(backend, name)
    env = app_env(url)
    flask(env, "db", "init")
    # An empty store keeps the province's seed clusters: the benchmark data replaces them.
    flask(
        env,
        "users",
        "create",
        BENCH_USER,
        "--role",
        "admin",
        "--password-stdin",
        stdin="bench password 123\n",
    )
    started = time.perf_counter()
    flask(env, "clusters", "import", str(dataset(count)), "--user", BENCH_USER)
    IMPORT_SECONDS[name] = round(time.perf_counter() - started, 1)
    log(f"imported {count} features into {backend} in {IMPORT_SECONDS[name]} s")
    marker.write_text(url)
    return url


@contextmanager
def server(command: list[str], env: dict[str, str], port: int, ready_path: str = "/"):
    """Run a server process until the block ends; waits until it answers."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=60).read()
                break
            except Exception:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError(f"server did not start: {command}") from None
                time.sleep(0.3)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def gunicorn_app(database_url: str, port: int, workers: int, threads: int = 1):
    """Our app under gunicorn (sync workers, or gthread ones with ``threads`` > 1)."""
    command = [
        str(VENV_BIN / "gunicorn"),
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "app:create_app()",
    ]
    return server(command, app_env(database_url), port, "/api/clusters?limit=1")


_LUA = """
local paths = {}
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def wrk(
    base: str, paths: list[str], seconds: int = 10, connections: int = 8, threads: int = 2
) -> dict[str, float]:
    """requests/s and latency percentiles (ms) of GETs spread over ``paths``."""
    WORK.mkdir(parents=True, exist_ok=True)
    script = WORK / "paths.lua"
    script.write_text(_LUA)
    listing = WORK / f"paths-{os.getpid()}.txt"
    listing.write_text("\n".join(paths) + "\n")
    # A short warm-up, so caches and connection pools are as they would be in service.
    subprocess.run(
        ["wrk", "-t1", "-c2", "-d2s", "-s", script, base, "--", listing],
        capture_output=True,
        check=True,
    )
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "--latency",
            "-s",
            script,
            base,
            "--",
            listing,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(out)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(out: str) -> dict[str, float]:
    """The figures of a wrk --latency report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    result = {"rps": rps}
    for pct in ("50", "99"):
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        result[f"p{pct}_ms"] = _ms(match[1], match[2]) if match else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(errors[1]) if errors else 0
    timeouts = re.search(r"timeout (\d+)", out)
    result["timeouts"] = int(timeouts[1]) if timeouts else 0
    result["requests"] = int(re.search(r"(\d+) requests in", out)[1])
    return result


def write_json(path: Path, data: object) -> None:
    """Write results as indented JSON."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
