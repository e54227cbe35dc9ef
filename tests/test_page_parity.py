"""Every HTML page reads the same from the PostGIS store as from the SQLite one.

The browser sweep (tests/browser/test_every_page.py) opens every id's page on SQLite and a
sample on PostGIS; this is what lets the sample stand for the rest there: the same
templates given the same data make the same page.
"""

from __future__ import annotations

import re

from tests.browser.site_pages import page_paths
from tests.conftest import app_on, seeded_database

# What differs between two answers by design: the CSP nonce and the session's CSRF token.
PER_ANSWER = re.compile(
    r'(nonce="|name="csrf-token" content="|name="csrf_token"[^>]* value=")[^"]+'
)


def _pages(app, paths: list[str]) -> dict[str, tuple[int, str]]:
    client = app.test_client()
    pages = {}
    for path in paths:
        response = client.get(path, headers={"Accept": "text/html", "Accept-Language": "vi"})
        html = PER_ANSWER.sub(r"\1…", response.get_data(as_text=True))
        pages[path] = (response.status_code, html)
    return pages


def test_every_page_reads_the_same_on_both_stores(tmp_path, request) -> None:
    apps = {}
    for backend in ("sqlite", "postgis"):
        (tmp_path / backend).mkdir()
        url = seeded_database(backend, tmp_path / backend, request)
        apps[backend] = app_on(url, tmp_path / backend / "instance")
    try:
        paths = page_paths(apps["sqlite"])
        assert paths == page_paths(apps["postgis"])
        sqlite, postgis = (_pages(apps[b], paths) for b in ("sqlite", "postgis"))
    finally:
        for application in apps.values():
            application.extensions["store"].dispose()
    assert len(paths) > 100
    differ = [path for path in paths if sqlite[path] != postgis[path]]
    assert differ == [], f"{len(differ)} of {len(paths)} pages differ, first {differ[:5]}"
