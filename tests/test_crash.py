"""The crash bench, short: SIGKILL the server during acknowledged writes, on both stores."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import crash_bench

from tests.conftest import PASSWORD

CYCLES = 3


def test_killed_server_loses_no_acknowledged_write(app, accounts, database_url) -> None:
    """3 SIGKILLs of gunicorn mid-write: every 200 kept once, integrity and chains sound."""
    result = crash_bench.run_cycles(database_url, CYCLES, ["admin"], PASSWORD, writers=4)
    assert result["failures"] == []
    assert result["acknowledged"] > 0  # writes really were acknowledged before each kill
    assert result["lost"] == result["duplicated"] == result["server_errors"] == 0
    assert result["history_verify_cli"] is True
