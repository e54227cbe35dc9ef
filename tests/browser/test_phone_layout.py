"""Every page on a phone (390 × 844): a zoomable viewport, nothing wider than the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from tests.browser.site_pages import ROLES, log_in, open_page, page_paths

PHONE = {"width": 390, "height": 844}

# What each page reports about itself: its viewport declarations and how wide it lays out.
MEASURE = """() => ({
  viewports: [...document.querySelectorAll('meta[name=viewport]')].map(m => m.content),
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  wide: [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.leaflet-container'))
    .slice(0, 5)
    .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
})"""


def check_viewport(content: str) -> list[str]:
    """What is wrong with a viewport declaration (empty when it is responsive and zoomable)."""
    parts = dict(
        (k.strip().lower(), v.strip().lower())
        for k, _, v in (p.partition("=") for p in re.split(r"[,;]", content))
    )
    problems = []
    if parts.get("width") != "device-width":
        problems.append("width is not device-width")
    if parts.get("initial-scale") not in ("1", "1.0"):
        problems.append("initial-scale is not 1")
    if parts.get("user-scalable") in ("no", "0"):
        problems.append("user-scalable=no blocks pinch-zoom")
    if "maximum-scale" in parts:
        problems.append("maximum-scale limits zoom")
    return problems


def test_viewport_check_finds_what_blocks_zoom() -> None:
    assert check_viewport("width=device-width, initial-scale=1") == []
    assert check_viewport(
        "width=device-width,\n initial-scale=1.0, maximum-scale=1.0, user-scalable=no"
    ) == ["user-scalable=no blocks pinch-zoom", "maximum-scale limits zoom"]
    assert check_viewport("width=980") == ["width is not device-width", "initial-scale is not 1"]


@pytest.mark.parametrize("who", ["anonymous", "admin", "editor"])
def test_every_page_fits_a_phone(app, accounts, browser: Browser, live_server: str, who) -> None:
    paths = page_paths(app, every_id=who == "anonymous")
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(live_server) else r.abort(),
    )
    if who != "anonymous":
        log_in(page, live_server, ROLES[who])
    problems: dict[str, object] = {}
    try:
        for path in paths:
            open_page(page, live_server + path)
            seen = page.evaluate(MEASURE)
            if len(seen["viewports"]) != 1:
                problems[path] = f"{len(seen['viewports'])} viewport declarations"
                continue
            wrong = check_viewport(seen["viewports"][0])
            if wrong:
                problems[path] = wrong
            # A mobile browser widens its layout viewport to fit wide content (innerWidth
            # grows with it), so the page is measured against the phone's own width too.
            elif seen["scrollWidth"] > min(seen["innerWidth"], PHONE["width"]):
                problems[path] = (
                    f"{seen['scrollWidth']} px wide on a {seen['innerWidth']} px screen: "
                    f"{seen['wide']}"
                )
    finally:
        context.close()
    assert len(paths) > 20
    assert problems == {}, f"{len(problems)} of {len(paths)} pages: {problems}"
