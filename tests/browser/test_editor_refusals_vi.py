"""The server's refusals reach the Vietnamese editor in Vietnamese, never in the API's English."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch
from tests.browser.english_words import english_in
from tests.helpers import LT, MAP
from tests.helpers import login_page as _login
from tests.helpers import open_popup as _open_popup


def _panel_text(page: Page) -> str:
    return page.locator("#edit-panel").inner_text()


def test_server_refusals_read_in_vietnamese(
    page: Page, live_server: str, accounts, client, watch: PageWatch
) -> None:
    before = client.get(f"/api/clusters/{LT}").get_json()
    _login(page, live_server, "lt-editor")

    # 1. Cleared more than the total to clear: the server's part-of-whole check.
    _open_popup(page, LT)
    page.locator('.popup-actions button[data-action="update"]').click()
    panel = page.locator("#edit-panel")
    panel.locator("input[name=clearance_cleared_ha]").fill("60")
    panel.locator("input[name=clearance_total_ha]").fill("50")
    with page.expect_response(lambda r: r.request.method == "PATCH") as answer:
        panel.locator("button[type=submit]").click()
    refusal = answer.value.json()
    assert answer.value.status == 422 and refusal["errors"][0]["code"] == "exceeds"
    assert "exceeds" in refusal["errors"][0]["reason"]  # the API's reason is English
    field = panel.locator('[data-field="clearance_cleared_ha"] .field-error')
    expect(field).to_have_text("60 ha lớn hơn Tổng diện tích cần GPMB (50 ha).")
    expect(panel.locator(".edit-message.error")).to_contain_text("Vui lòng sửa lại")
    assert english_in(_panel_text(page)) == []

    # 2. A point moved out of the editor's district: the server's geometry check.
    panel.locator("button", has_text="Hủy").click()
    _open_popup(page, LT)
    page.locator('.popup-actions button[data-action="move"]').click()
    handle = page.locator(".move-handle")
    page.evaluate(f"() => {MAP}.setZoom(10, {{animate: false}})")
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 250, y - 20, steps=10)  # about 35 km east: Cẩm Mỹ, Xuân Lộc
    page.mouse.up()
    panel.locator("select[name=location_precision]").select_option("surveyed")
    with page.expect_response(lambda r: r.request.method == "PATCH") as answer:
        panel.locator("button[type=submit]").click()
    refusal = answer.value.json()
    assert answer.value.status == 422
    assert [e["code"] for e in refusal["errors"]] == ["outside_district"]
    assert "outside" in refusal["errors"][0]["reason"]
    message = panel.locator(".edit-message.error")
    expect(message).to_contain_text(
        "Vị trí: Vị trí nằm ngoài huyện, thành phố của cụm công nghiệp."
    )
    assert english_in(_panel_text(page)) == []

    # 3. A negative area: the record's schema (a limit the message cites).
    panel.locator("button", has_text="Hủy").click()
    _open_popup(page, LT)
    page.locator('.popup-actions button[data-action="update"]').click()
    panel.locator("input[name=leased_land_ha]").fill("-3")
    with page.expect_response(lambda r: r.request.method == "PATCH") as answer:
        panel.locator("button[type=submit]").click()
    assert answer.value.status == 422
    expect(panel.locator('[data-field="leased_land_ha"] .field-error')).to_have_text(
        "Phải từ 0 trở lên."
    )
    assert english_in(_panel_text(page)) == []

    assert client.get(f"/api/clusters/{LT}").get_json() == before  # nothing written
    assert watch.errors == []
