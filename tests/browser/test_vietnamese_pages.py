"""Every page in Vietnamese, logged out and as each role, shows no English.

English is what the catalog translates (its msgids whose Vietnamese differs), a list of
known English words, and machine codes (snake_case). Text an element marks as another
language (``lang="en"``: the language switch, an English name given beside the Vietnamese)
is not Vietnamese text and is left alone.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from tests.browser.english_words import english_in, english_phrases
from tests.browser.site_pages import ROLES, log_in, open_page, page_paths

ISO_DATE = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b")
# The text a reader meets: visible text nodes and the attributes read aloud or shown on
# hover, outside elements marked as another language. The base map's attribution is the
# tile provider's licence notice, set by GIS_TILES_ATTRIBUTION in its own words.
READ_TEXT = """() => {
  const foreign = el => {
    const marked = el.closest('[lang]');
    return marked && !marked.lang.toLowerCase().startsWith('vi');
  };
  const skip = el => !el || foreign(el)
    || el.closest('script, style, noscript, template, .leaflet-control-attribution');
  const shown = el => {
    const box = el.closest('select') || el;
    return box.checkVisibility({visibilityProperty: true});
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (node.textContent.trim() && !skip(el) && shown(el)) out.push(node.textContent.trim());
  }
  const named = '[title], [aria-label], [placeholder], [alt], optgroup[label]';
  for (const el of document.querySelectorAll(named)) {
    if (skip(el)) continue;
    for (const name of ['title', 'aria-label', 'placeholder', 'alt', 'label']) {
      const value = el.getAttribute(name);
      if (value && !(name === 'label' && el.tagName !== 'OPTGROUP')) out.push(value);
    }
  }
  for (const el of document.querySelectorAll('input[type=submit], input[type=button]')) {
    if (!skip(el)) out.push(el.value);
  }
  out.push(document.title);
  return out;
}"""


def test_the_detector_knows_english_from_vietnamese() -> None:
    assert len(english_phrases()) > 200
    assert english_in("định kỳ 6 months") == ["months"]
    assert english_in("Giai đoạn: clearing") == ["clearing"]
    assert english_in("Độ chính xác: commune_centroid") == ["commune_centroid"]
    assert "Site clearance" in english_in("Site clearance: 12 ha")
    assert english_in("Cụm công nghiệp Long Phước 1, huyện Long Thành · 12,5 ha") == []
    assert english_in("Xem /api/dashboard và ngày 31/12/2020") == []


@pytest.mark.parametrize("who", ["anonymous", *ROLES])
def test_no_english_on_vietnamese_pages(
    app, accounts, browser: Browser, live_server: str, who: str
) -> None:
    paths = page_paths(app, every_id=who == "anonymous")
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="vi-VN", extra_http_headers={}
    )
    page = context.new_page()
    page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(live_server) else r.abort(),
    )
    if who != "anonymous":
        log_in(page, live_server, ROLES[who])
    found: dict[str, list[str]] = {}
    try:
        for path in paths:
            open_page(page, live_server + path + ("&" if "?" in path else "?") + "lang=vi")
            assert page.locator("html").get_attribute("lang") in ("vi", None) or path.startswith(
                "/api/docs"
            )
            texts = page.evaluate(READ_TEXT)
            english = {w for text in texts for w in english_in(text)}
            # Dates read dd/mm/yyyy on a page; ISO 8601 stays in attributes (datetime=).
            english |= {f"ISO date {d}" for text in texts for d in ISO_DATE.findall(text)}
            english = sorted(english)
            if english:
                found[path] = english
    finally:
        context.close()
    assert len(paths) > 20
    assert found == {}, f"English on {len(found)} of {len(paths)} Vietnamese pages: {found}"
