"""Report PDFs cannot starve the readers: cached per store revision, rendered one at a
time (a machine-wide lock), stopped past a time bound with a clean answer."""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from pathlib import Path

from gis.web import report_pdf
from gis.web.report_pdf import render_lock

AS_OF = "2020-07-15"
URL = f"/reports/740.pdf?as_of={AS_OF}"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


def _assert_clean_503(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert int(response.headers["Retry-After"]) > 0
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    assert response.mimetype == "text/html"


def test_the_same_revision_gives_the_same_pdf_without_rendering(app, client, api_as, backend):
    first = client.get(URL)
    assert first.status_code == 200
    with render_lock(app.instance_path):
        # Rendering needs the lock, held here: only a cached answer can come back.
        again = client.get(URL)
        assert again.status_code == 200
        assert again.data == first.data
        # A change makes a new revision: its PDF must be rendered, and the renderer is busy.
        editor = api_as("lt-editor")
        assert editor.patch("ccn-long-phuoc-1", {"stage": "building"}).status_code == 200
        _assert_clean_503(client.get(URL))
    fresh = client.get(URL)
    assert fresh.status_code == 200
    assert fresh.data.startswith(b"%PDF")


def test_a_report_past_its_time_bound_answers_a_clean_error(app, client, backend) -> None:
    app.config["GIS_REPORT_PDF_TIMEOUT"] = 0.001
    response = client.get(URL)
    _assert_clean_503(response)
    assert "Báo cáo mất quá nhiều thời gian để tạo" in response.get_data(as_text=True)
    # The worker lives on and answers the next requests.
    assert client.get("/api/clusters").status_code == 200
    app.config["GIS_REPORT_PDF_TIMEOUT"] = 120
    response = client.get(URL)
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


def test_concurrent_pdf_requests_never_hold_readers(app, live_server, backend) -> None:
    """Three anonymous PDF requests at once: each is a PDF or a quick 503 with Retry-After,
    and readers are answered meanwhile."""
    answers: list[tuple[int, str | None]] = []

    def fetch_pdf(as_of: str) -> None:
        try:
            with urllib.request.urlopen(f"{live_server}/reports/province.pdf?as_of={as_of}") as r:
                answers.append((r.status, None))
        except urllib.error.HTTPError as exc:
            answers.append((exc.code, exc.headers.get("Retry-After")))

    threads = [
        threading.Thread(target=fetch_pdf, args=(f"2020-0{month}-01",)) for month in (4, 5, 6)
    ]
    for thread in threads:
        thread.start()
    readers = []
    for _ in range(5):
        with urllib.request.urlopen(f"{live_server}/api/clusters?district=740") as r:
            readers.append(r.status)
    for thread in threads:
        thread.join(timeout=120)
    assert readers == [200] * 5
    assert len(answers) == 3
    assert all(status == 200 or (status == 503 and retry) for status, retry in answers), answers
    assert any(status == 200 for status, _ in answers)


def test_a_pdf_rendered_by_one_worker_is_served_by_another(app, client, backend) -> None:
    """The cache is shared by files in the instance folder: a worker that never rendered
    this revision's PDF (here: its memory emptied) answers it without rendering."""
    first = client.get(URL)
    assert first.status_code == 200
    folder = Path(app.instance_path) / report_pdf.CACHE_DIR
    files = list(folder.iterdir())
    assert [f.suffix for f in files] == [".pdf"]  # written whole, no temporary left
    assert files[0].read_bytes() == first.data
    report_pdf._cache.clear()  # another process: nothing in its memory
    with render_lock(app.instance_path):
        again = client.get(URL)  # rendering is impossible meanwhile: the file answers
    assert again.status_code == 200
    assert again.data == first.data


def test_the_shared_cache_keeps_its_size_bound(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(report_pdf, "DISK_CACHE_BYTES", 2500)
    keys = [("rev:1", "province", str(n)) for n in range(4)]
    for n, key in enumerate(keys):
        report_pdf._keep(key, bytes([n]) * 1000, tmp_path)
        # mtime orders the files; a coarse clock could tie them.
        os.utime(report_pdf._cache_file(tmp_path, key), (n, n))
    report_pdf._keep(("rev:2", "province", "x"), b"x" * 1000, tmp_path)
    report_pdf._cache.clear()
    kept = [key for key in keys if report_pdf.cached(key, tmp_path) is not None]
    assert kept == keys[-1:]  # the least recently used went first
    assert report_pdf.cached(("rev:2", "province", "x"), tmp_path) == b"x" * 1000
    total = sum(f.stat().st_size for f in (tmp_path / report_pdf.CACHE_DIR).iterdir())
    assert total <= 2500
