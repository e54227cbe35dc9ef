"""Every page, logged out and as each role, on a phone and on a desktop in Vietnamese.

One visit per page checks both: on a phone (390 × 844) a zoomable viewport and nothing
wider than the screen; then, widened to a desktop in the same visit, no English (what the
catalog translates, known English words, machine codes, ISO dates). Text an element marks
as another language (``lang="en"``: the language switch, an English name given beside the
Vietnamese) is not Vietnamese text and is left alone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.english_words import english_in, english_phrases
from tests.browser.page_checks import (
    DESKTOP,
    PHONE,
    check_viewport,
    english_shown,
    phone_problems,
)
from tests.browser.site_pages import ROLES, log_in, open_page, page_paths


def test_viewport_check_finds_what_blocks_zoom() -> None:
    assert check_viewport("width=device-width, initial-scale=1") == []
    assert check_viewport(
        "width=device-width,\n initial-scale=1.0, maximum-scale=1.0, user-scalable=no"
    ) == ["user-scalable=no blocks pinch-zoom", "maximum-scale limits zoom"]
    assert check_viewport("width=980") == ["width is not device-width", "initial-scale is not 1"]


def test_the_detector_knows_english_from_vietnamese() -> None:
    assert len(english_phrases()) > 200
    assert english_in("định kỳ 6 months") == ["months"]
    assert english_in("Giai đoạn: clearing") == ["clearing"]
    assert english_in("Độ chính xác: commune_centroid") == ["commune_centroid"]
    assert "Site clearance" in english_in("Site clearance: 12 ha")
    assert english_in("Cụm công nghiệp Long Phước 1, huyện Long Thành · 12,5 ha") == []
    assert english_in("Xem /api/dashboard và ngày 31/12/2020") == []


# Logged out on both stores; as each role on SQLite. tests/test_page_parity.py shows every
# page these open reads the same on PostGIS, logged out and as each role. The longest
# sweep, every id logged out, runs as four tests (clusters' pages, their printable pages,
# OGC pages, the rest), so that the run's workers share it instead of one ending it alone.
PARTS = {
    "clusters": lambda path: path.startswith("/clusters/") and not path.endswith("/print"),
    "prints": lambda path: path.startswith("/clusters/") and path.endswith("/print"),
    "ogc": lambda path: path.startswith("/ogc"),
    "rest": lambda path: not path.startswith(("/clusters/", "/ogc")),
}
WHO = [
    *(pytest.param("sqlite", "anonymous", part, id=f"sqlite-anonymous-{part}") for part in PARTS),
    pytest.param("postgis", "anonymous", None, id="postgis-anonymous"),
    *(pytest.param("sqlite", role, None, id=f"sqlite-{role}") for role in ROLES),
]


@pytest.mark.parametrize(("backend", "who", "part"), WHO)
def test_every_page_fits_a_phone_and_shows_no_english(
    app, accounts, browser: Browser, live_server: str, backend: str, who: str, part: str | None
) -> None:
    # Logged out on SQLite, every id of every page (texts and widths come from the data).
    # Otherwise a sample of ids: what a role adds is the same on every cluster, and the
    # PostGIS store gives the same data to the same templates (tests/test_page_parity.py).
    every_id = (who, backend) == ("anonymous", "sqlite")
    paths = page_paths(app, every_id, PARTS[part]) if part else page_paths(app, every_id)
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    page = context.new_page()
    if who != "anonymous":
        log_in(page, live_server, ROLES[who])
    too_wide: dict[str, object] = {}
    english: dict[str, list[str]] = {}
    try:
        for path in paths:
            page.set_viewport_size(PHONE)
            open_page(page, live_server + path + ("&" if "?" in path else "?") + "lang=vi")
            problem = phone_problems(page)
            if problem:
                too_wide[path] = problem
            # On a desktop every column shows (a phone folds some tables' headers away).
            page.set_viewport_size(DESKTOP)
            assert page.locator("html").get_attribute("lang") in ("vi", None) or path.startswith(
                "/api/docs"
            )
            words = english_shown(page)
            if words:
                english[path] = words
    finally:
        context.close()
    assert len(paths) > 20
    assert too_wide == {}, f"{len(too_wide)} of {len(paths)} pages do not fit a phone: {too_wide}"
    assert english == {}, f"English on {len(english)} of {len(paths)} Vietnamese pages: {english}"
