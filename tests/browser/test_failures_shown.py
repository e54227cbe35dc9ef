"""A request that fails is said to the user in the page's language, never swallowed."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import PageWatch
from tests.browser.english_words import english_in
from tests.helpers import LT, login_page, open_popup

SAVE_FAILED = "Lưu không thành công. Vui lòng thử lại."
LOAD_FAILED = "Không tải được dữ liệu cụm công nghiệp. Vui lòng thử lại."
PLACES_FAILED = "Không tải được các địa điểm tham chiếu"
PHOTOS_FAILED = "Không tải được ảnh hiện trường."
REVERT_FAILED = "Không hoàn tác được thay đổi này."


def _server_error(route: Route) -> None:
    route.fulfill(status=500, content_type="application/problem+json", body='{"title": "Boom"}')


def test_a_save_that_fails_is_said_in_vietnamese(
    page: Page, live_server: str, accounts, client, watch: PageWatch
) -> None:
    before = client.get(f"/api/clusters/{LT}").get_json()["properties"]
    login_page(page, live_server, "lt-editor")
    open_popup(page, LT)
    page.locator('.popup-actions button[data-action="update"]').click()
    panel = page.locator("#edit-panel")
    panel.locator("input[name=investor]").fill("Công ty thử")

    # The server answers 500: the panel says the save failed, in Vietnamese.
    page.route(
        "**/api/clusters/*",
        lambda r: _server_error(r) if r.request.method == "PATCH" else r.continue_(),
    )
    panel.locator("button[type=submit]").click()
    message = panel.locator(".edit-message.error")
    expect(message).to_have_text(SAVE_FAILED)

    # The connection drops: said the same way, and what was typed is kept.
    page.unroute("**/api/clusters/*")
    page.route(
        "**/api/clusters/*",
        lambda r: r.abort() if r.request.method == "PATCH" else r.continue_(),
    )
    message.evaluate("node => node.replaceChildren()")
    panel.locator("button[type=submit]").click()
    expect(message).to_have_text(SAVE_FAILED)
    expect(panel.locator("input[name=investor]")).to_have_value("Công ty thử")
    assert english_in(panel.inner_text()) == []
    assert client.get(f"/api/clusters/{LT}").get_json()["properties"] == before
    assert watch.errors == []


def test_failed_fetches_are_said_in_vietnamese(
    page: Page, live_server: str, watch: PageWatch
) -> None:
    # The reference places and the site photos fail; the map still draws its clusters.
    page.route("**/api/places*", _server_error)
    page.route("**/api/photos*", lambda r: r.abort())
    page.goto(live_server + "/?lang=vi")
    page.wait_for_selector("body[data-ready]")
    notices = page.locator("#notices .notice[role=alert]")
    expect(notices.filter(has_text=PLACES_FAILED)).to_have_count(1)
    expect(notices.filter(has_text=PHOTOS_FAILED)).to_have_count(1)
    expect(page.locator("path.cluster-marker").first).to_be_attached()

    # A cluster's facts fail to load: its popup says so instead of staying empty.
    page.route("**/api/clusters/*", lambda r: r.abort())
    page.locator(f'#cluster-list button[data-id="{LT}"]').click()
    expect(page.locator(".leaflet-popup-content .error")).to_have_text(LOAD_FAILED)
    assert english_in(page.locator("#notices").inner_text()) == []

    # A notice goes when dismissed.
    notices.filter(has_text=PHOTOS_FAILED).get_by_role("button").click()
    expect(notices.filter(has_text=PHOTOS_FAILED)).to_have_count(0)
    assert watch.errors == []


def test_a_refused_revert_is_said_in_vietnamese(
    page: Page, live_server: str, accounts, api_as, watch: PageWatch
) -> None:
    assert api_as("admin").patch(LT, {"investor": "Công ty A"}).status_code == 200
    login_page(page, live_server, "admin")
    page.goto(f"{live_server}/clusters/{LT}?lang=vi")
    page.wait_for_selector("body[data-ready]")
    # The server refuses (its detail is English): the page says it in Vietnamese.
    page.route(
        "**/revert",
        lambda r: r.fulfill(
            status=409,
            content_type="application/problem+json",
            body='{"title": "Conflict", "detail": "A later change touched these fields."}',
        ),
    )
    button = page.locator("button.revert").first
    button.click()
    note = page.locator("#timeline [role=alert]")
    expect(note).to_contain_text(REVERT_FAILED)
    expect(button).to_be_enabled()
    assert "later change" not in page.locator("#timeline").inner_text()
    assert watch.errors == []
