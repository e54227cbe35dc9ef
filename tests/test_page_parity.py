"""Every HTML page reads the same from the PostGIS store as from the SQLite one, logged out
and as each role.

The browser sweep (tests/browser/test_every_page.py) opens every id's page on SQLite and a
sample on PostGIS, and a role's pages on SQLite only; this is what lets SQLite stand for
the rest: the same templates given the same data make the same page.
"""

from __future__ import annotations

import re

import pytest

from gis import dates
from tests.browser.site_pages import ROLES, page_paths
from tests.conftest import app_on, login, seeded_database

# What differs between two answers by design: the CSP nonce and the session's CSRF token.
PER_ANSWER = re.compile(
    r'(nonce="|name="csrf-token" content="|name="csrf_token"[^>]* value=")[^"]+'
)


def _client(app, who: str):
    client = app.test_client()
    if who != "anonymous":
        assert login(client, ROLES[who]).status_code == 302
    return client


def _page(client, path: str) -> tuple[int, str]:
    response = client.get(path, headers={"Accept": "text/html", "Accept-Language": "vi"})
    return response.status_code, PER_ANSWER.sub(r"\1…", response.get_data(as_text=True))


@pytest.mark.parametrize("who", ["anonymous", *ROLES])
def test_every_page_reads_the_same_on_both_stores(tmp_path, request, monkeypatch, who) -> None:
    # Reports say when they were made: both stores' pages are made at the same moment.
    made = dates.now()
    monkeypatch.setattr(dates, "now", lambda: made)
    apps = {}
    for backend in ("sqlite", "postgis"):
        (tmp_path / backend).mkdir()
        url = seeded_database(backend, tmp_path / backend, request, with_accounts=True)
        apps[backend] = app_on(url, tmp_path / backend / "instance")
    try:
        # Logged out, every id (as the sweep opens on SQLite); as a role, the sweep's sample.
        paths = page_paths(apps["sqlite"], every_id=who == "anonymous")
        assert paths == page_paths(apps["postgis"], every_id=who == "anonymous")
        clients = [_client(apps[b], who) for b in ("sqlite", "postgis")]
        sqlite, postgis = ({}, {})
        for path in paths:
            sqlite[path], postgis[path] = (_page(client, path) for client in clients)
    finally:
        for application in apps.values():
            application.extensions["store"].dispose()
    assert len(paths) > 20
    if who == "admin":  # logged in for real: the administrator's own pages answer
        assert sqlite["/admin/users"][0] == postgis["/admin/users"][0] == 200
    differ = [path for path in paths if sqlite[path] != postgis[path]]
    assert differ == [], f"{len(differ)} of {len(paths)} pages differ, first {differ[:5]}"
