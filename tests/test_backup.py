"""flask backup: a copy taken while writers go on holds every write acknowledged before it."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import select

from app import create_app
from gis.core.actors import Actor
from gis.core.clusters import get_cluster
from gis.core.editing import update_cluster
from gis.core.history import verify
from gis.store import backup as backup_module
from gis.store.models import ChangeEvent
from tests.conftest import PG_ADMIN_URL

WRITTEN = ("ccn-vinh-tan", "ccn-long-phuoc-1", "ccn-an-vien", "ccn-xuan-hung")
ADMIN = Actor("admin", "admin")
WRITES_PER_THREAD = 400


class Writers:
    """Threads that each keep changing one cluster and log every acknowledged write."""

    def __init__(self, store) -> None:
        self.store = store
        self.acked: list[tuple[str, int, float]] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(c,)) for c in WRITTEN]

    def _run(self, cluster_id: str) -> None:
        try:
            for n in range(WRITES_PER_THREAD):
                if self.stop.is_set():
                    return
                with self.store.write() as session:
                    version = get_cluster(session, cluster_id).version
                    result = update_cluster(
                        session, ADMIN, cluster_id, version, {"status_note": f"write {n}"}
                    )
                    written = result.event.version
                # The commit has returned: this write is acknowledged.
                with self.lock:
                    self.acked.append((cluster_id, written, time.monotonic()))
        except BaseException as exc:  # report it in the test, not in a dead thread
            self.errors.append(exc)

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        while len(self.acked) < 20 and not self.errors:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def acknowledged_before(self, moment: float) -> set[tuple[str, int]]:
        with self.lock:
            return {(c, v) for c, v, at in self.acked if at < moment}


def _backups_while_writing(store, runner, tmp_path: Path, count: int) -> tuple[Writers, list]:
    taken = []
    with Writers(store) as writers:
        for i in range(count):
            target = tmp_path / f"backup-{i}.bak"
            started = time.monotonic()
            result = runner.invoke(args=["backup", str(target)])
            assert result.exit_code == 0, result.output
            during = [a for a in writers.acked if a[2] >= started]
            taken.append((target, started, result.output, len(during)))
            time.sleep(0.05)
    assert not writers.errors, writers.errors
    return writers, taken


def _check_restored(url: str, must_hold: set[tuple[str, int]], tmp_path: Path) -> None:
    """Open the copy as the app's database: every acknowledged write is there."""
    restored = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "restore-check", "GIS_AUTO_INIT": True}
    )
    restored.instance_path = str(tmp_path / "restored-instance")
    try:
        store = restored.extensions["store"]
        with store.session() as session:
            held = {
                (e.subject_id, e.version)
                for e in session.scalars(
                    select(ChangeEvent).where(ChangeEvent.subject_kind == "cluster")
                )
            }
            assert must_hold <= held, sorted(must_hold - held)[:5]
            checked, problems = verify(session)
            assert problems == [] and checked == len(held)
        client = restored.test_client()
        for cluster_id in WRITTEN:
            newest = max((v for c, v in must_hold if c == cluster_id), default=1)
            response = client.get(f"/api/clusters/{cluster_id}")
            assert response.status_code == 200
            assert response.get_json()["properties"]["version"] >= newest
    finally:
        restored.extensions["store"].dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_backup_while_writing_keeps_every_acknowledged_write(
    app, store, runner, tmp_path
) -> None:
    writers, taken = _backups_while_writing(store, runner, tmp_path, count=3)
    assert sum(during for *_rest, during in taken) > 0, "writes went on while backing up"
    for target, started, output, _during in taken:
        assert "integrity check ok" in output
        must_hold = writers.acknowledged_before(started)
        assert must_hold, "some writes were acknowledged before the backup"
        # Restore: a fresh copy of the backup file becomes the app's database.
        restored = tmp_path / f"restored-{target.stem}.sqlite"
        shutil.copyfile(target, restored)
        _check_restored(f"sqlite:///{restored}", must_hold, tmp_path)


@pytest.mark.parametrize("backend", ["postgis"])
def test_postgresql_backup_with_pg_dump_restores_every_acknowledged_write(
    app, store, runner, tmp_path
) -> None:
    assert shutil.which("pg_dump") and shutil.which("pg_restore"), "postgresql-client"
    writers, taken = _backups_while_writing(store, runner, tmp_path, count=2)
    for target, started, output, _during in taken:
        assert "pg_dump" in output and target.stat().st_size > 0
        name = f"gis_restore_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        try:
            restore = subprocess.run(
                ["pg_restore", "--no-owner", f"--dbname={url}", str(target)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert restore.returncode == 0, restore.stderr
            _check_restored(url, writers.acknowledged_before(started), tmp_path)
        finally:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def test_backup_never_overwrites(runner, tmp_path) -> None:
    target = tmp_path / "exists.bak"
    target.write_text("an older backup")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and "exists" in result.output
    assert target.read_text() == "an older backup"


@pytest.mark.parametrize("backend", ["postgis"])
def test_without_pg_dump_the_command_to_run_is_printed(app, runner, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(backup_module.shutil, "which", lambda _name: None)
    result = runner.invoke(args=["backup", str(tmp_path / "db.dump")])
    assert result.exit_code == 1
    assert "pg_dump is not installed" in result.output
    assert "pg_dump --format=custom --no-owner" in result.output
    assert "***" in result.output or "PGPASSWORD" in result.output


def test_pg_dump_command_keeps_the_password_off_the_command_line() -> None:
    command, env = backup_module.pg_dump_command(
        "postgresql+psycopg://gis:s3cret@db.local:5432/clusters", Path("/backups/x.dump")
    )
    assert "s3cret" not in " ".join(command)
    assert env == {"PGPASSWORD": "s3cret"}
    assert "--dbname=postgresql://gis@db.local:5432/clusters" in command
