"""Backups of the store: SQLite's online backup API, or pg_dump for PostgreSQL.

Never a file copy: copying a live SQLite file beside its -wal and -shm can yield a
database that looks whole and is not. The backup API copies a consistent snapshot from
one read transaction while the app goes on writing (WAL lets writers proceed).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

SQLITE_BUSY_TIMEOUT_S = 10.0


class BackupError(Exception):
    """The backup could not be made; the message says why."""


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///`` URL (an in-memory database has none)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has no file to back up")
    return Path(database)


def backup_sqlite(database: Path, target: Path) -> dict[str, int]:
    """Copy ``database`` to ``target`` with the online backup API; returns row counts.

    The copy is written beside the target and renamed into place once it passes
    ``PRAGMA integrity_check``, so a failed backup never leaves a file that looks whole.
    """
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file (a backup never overwrites)")
    if target.resolve() == database.resolve():
        raise BackupError("the backup must not be the database itself")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_S)
    copy = sqlite3.connect(partial)
    try:
        # pages=-1: the whole database in one step, that is from one read transaction,
        # so the copy is one consistent moment; writers in WAL mode are not blocked.
        source.backup(copy, pages=-1)
        # One self-contained file: the copy needs no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the copy failed its integrity check: {result}")
        counts = {
            table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in ("clusters", "change_events", "users")
            if copy.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()
        }
    except BaseException:
        copy.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    copy.close()
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    partial.replace(target)
    return counts


def pg_dump_command(url: str, target: Path) -> tuple[list[str], dict[str, str]]:
    """The pg_dump call (custom format) for ``url``, and the environment with its password.

    The password goes in PGPASSWORD rather than on the command line, where ``ps`` shows it.
    """
    parsed = make_url(url)
    password = parsed.password
    libpq = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    command = [
        "pg_dump",
        "--format=custom",
        "--no-owner",
        f"--file={target}",
        f"--dbname={libpq.render_as_string(hide_password=False)}",
    ]
    env = {"PGPASSWORD": str(password)} if password else {}
    return command, env


def backup_postgresql(url: str, target: Path) -> str:
    """Run pg_dump into ``target``; BackupError when pg_dump is missing or fails."""
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file (a backup never overwrites)")
    command, env = pg_dump_command(url, target)
    executable = shutil.which("pg_dump")
    if executable is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(
        [executable, *command[1:]],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return " ".join(command)
