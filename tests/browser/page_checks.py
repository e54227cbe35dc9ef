"""What the every-page sweep checks on one open page: its fit on a phone and its language."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from tests.browser.english_words import english_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
ISO_DATE = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b")

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


def phone_problems(page: Page) -> object:
    """Why the open page does not fit a phone; None when it does."""
    seen = page.evaluate(MEASURE)
    if len(seen["viewports"]) != 1:
        return f"{len(seen['viewports'])} viewport declarations"
    wrong = check_viewport(seen["viewports"][0])
    if wrong:
        return wrong
    # A mobile browser widens its layout viewport to fit wide content (innerWidth grows
    # with it), so the page is measured against the phone's own width too.
    if seen["scrollWidth"] > min(seen["innerWidth"], PHONE["width"]):
        return f"{seen['scrollWidth']} px wide on a {seen['innerWidth']} px screen: {seen['wide']}"
    return None


def english_shown(page: Page) -> list[str]:
    """The English words and ISO dates a reader of the open page meets, sorted."""
    texts = page.evaluate(READ_TEXT)
    english = {w for text in texts for w in english_in(text)}
    # Dates read dd/mm/yyyy on a page; ISO 8601 stays in attributes (datetime=).
    english |= {f"ISO date {d}" for text in texts for d in ISO_DATE.findall(text)}
    return sorted(english)
