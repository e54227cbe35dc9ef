"""How long the workbook preview and confirmation of a 1,000-row district workbook take.

Usage: .venv/bin/python bench/workbook_bench.py [--rows 1000] [--repeat 3]
       [--backend sqlite|postgis]

Adds ``--rows`` clusters to Long Thành (no location, as a district's unsurveyed list
would be), downloads the district's workbook as its editor, changes two cells of every
added row with openpyxl, and times the upload (read, check every row with the API's
rules, keep it pending: the preview page) ``--repeat`` times, then one confirmation
(every row written with its history event, one transaction). In-process (Flask's test
client), so the figures are the server's work without network or browser.
Results go to bench/results/workbook.json.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import openpyxl
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from gis.core import workbook as wb  # noqa: E402
from gis.core.actors import Actor  # noqa: E402
from gis.core.editing import create_cluster  # noqa: E402
from gis.core.users import create_user  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench password 123"


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html)[1]


def run(backend: str, rows: int, repeat: int) -> dict:
    """Time the preview and the confirmation on one backend."""
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    else:
        pg_name = f"gis_wbbench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(pg_name)))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + pg_name
    try:
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench"})
        store = app.extensions["store"]
        admin = Actor("bench-admin", "admin")
        with store.write() as session:
            create_user(session, "bench-admin", PASSWORD, "admin")
            create_user(session, "bench-editor", PASSWORD, "editor", "740")
            for n in range(rows):
                create_cluster(
                    session,
                    admin,
                    {
                        "id": f"ccn-bench-{n:05d}",
                        "name_vi": f"CCN Thử nghiệm {n}",
                        "kind": "CCN",
                        "district_code": "740",
                        "stage": "planned",
                        "clearance_total_ha": 50.0,
                    },
                    None,
                )
        client = app.test_client()
        client.post(
            "/auth/login",
            data={
                "username": "bench-editor",
                "password": PASSWORD,
                "csrf_token": _token(client, "/auth/login"),
            },
        )
        started = time.perf_counter()
        data = client.get("/workbook/download").data
        download_s = time.perf_counter() - started
        book = openpyxl.load_workbook(io.BytesIO(data))
        sheet = book[wb.DATA_SHEET]
        stage, cleared = wb.column_letter("stage"), wb.column_letter("clearance_cleared_ha")
        changed = 0
        for r in range(2, sheet.max_row + 1):
            if str(sheet.cell(r, 1).value).startswith("ccn-bench-"):
                sheet[f"{stage}{r}"] = "Đang bồi thường, GPMB"
                sheet[f"{cleared}{r}"] = 12.5
                changed += 1
        out = io.BytesIO()
        book.save(out)
        upload = out.getvalue()
        token = _token(client, "/workbook/")
        timings = []
        html = ""
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.post(
                "/workbook/upload",
                data={"file": (io.BytesIO(upload), "bench.xlsx"), "csrf_token": token},
                content_type="multipart/form-data",
            )
            timings.append(time.perf_counter() - started)
            html = response.get_data(as_text=True)
            assert response.status_code == 200, html[:2000]
        assert f"{changed} cụm sẽ thay đổi" in html, "the preview does not list every row"
        form = {
            "token": re.search(r'name="token" value="([^"]+)"', html)[1],
            "sha256": re.search(r'name="sha256" value="([^"]+)"', html)[1],
            "csrf_token": token,
        }
        started = time.perf_counter()
        response = client.post("/workbook/confirm", data=form)
        confirm_s = time.perf_counter() - started
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        store.dispose()
        return {
            "backend": backend,
            "rows_changed": changed,
            "rows_in_workbook": sheet.max_row - 1,
            "file_bytes": len(upload),
            "download_s": round(download_s, 3),
            "preview_s": [round(t, 3) for t in timings],
            "preview_median_s": round(statistics.median(timings), 3),
            "confirm_s": round(confirm_s, 3),
        }
    finally:
        if pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(pg_name)
                    )
                )


def main() -> None:
    """Run on the chosen backends and write the results."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgis"), action="append")
    args = parser.parse_args()
    results = [run(b, args.rows, args.repeat) for b in args.backend or ("sqlite", "postgis")]
    out = ROOT / "bench" / "results" / "workbook.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
