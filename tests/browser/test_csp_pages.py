"""Pages under the Content-Security-Policy in a real browser: nothing is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch, save_screenshot


@pytest.fixture
def csp_reports(page: Page) -> list[str]:
    """Console messages in which the browser reports a CSP violation."""
    reports: list[str] = []
    page.on(
        "console",
        lambda m: (
            reports.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text
            else None
        ),
    )
    return reports


def test_map_runs_under_the_policy(
    page: Page, live_server: str, watch: PageWatch, csp_reports: list[str]
) -> None:
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("path.cluster-marker").first).to_be_attached()
    assert csp_reports == [] and watch.errors == []


def test_api_docs_render_the_document(
    page: Page, live_server: str, watch: PageWatch, csp_reports: list[str]
) -> None:
    page.goto(live_server + "/api/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert page.locator(".opblock").count() >= 15
    expect(page.locator("#swagger-ui")).to_contain_text("/ogc/collections/{collection_id}/items")
    save_screenshot(page, "api-docs")
    assert csp_reports == [] and watch.errors == [] and watch.external == []


def test_ogc_html_pages_render(
    page: Page, live_server: str, watch: PageWatch, csp_reports: list[str]
) -> None:
    page.goto(live_server + "/ogc/collections/clusters/items?f=html&limit=5")
    expect(page.locator("table.facts tbody tr")).to_have_count(5)
    page.locator('a[rel="next"]').first.click()
    expect(page.locator("p.count")).to_contain_text("6")
    page.locator("table.facts tbody a").first.click()
    expect(page.locator('tr[data-field="name_vi"]')).to_be_visible()
    assert csp_reports == [] and watch.errors == [] and watch.external == []
