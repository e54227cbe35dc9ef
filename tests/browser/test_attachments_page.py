"""A site photo from a phone: attached on the cluster page, seen on the map where taken."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from gis.store.files import FolderStore
from tests.browser.conftest import save_screenshot
from tests.conftest import PASSWORD
from tests.helpers import GPS, LT, jpeg_with_exif


def test_editor_attaches_a_phone_photo_and_sees_it_on_the_map(
    app, browser: Browser, live_server: str, accounts, client, tmp_path
) -> None:
    app.extensions["files"] = FolderStore(tmp_path / "attachments")
    photo = tmp_path / "IMG_20251120_091500.jpg"
    photo.write_bytes(jpeg_with_exif())
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(live_server + "/auth/login")
        page.fill("input[name=username]", "lt-editor")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("body[data-ready]")

        page.goto(f"{live_server}/clusters/{LT}")
        camera = page.locator("#photo-form input[type=file]")
        expect(camera).to_have_attribute("capture", "environment")
        expect(camera).to_have_attribute("accept", "image/*")
        camera.set_input_files(str(photo))
        page.fill("#photo-form input[name=caption]", "Cổng chính, nhìn từ đường 25B")
        page.locator("#photo-form button[type=submit]").click()
        expect(page.locator(".flashes")).to_contain_text("Đã đính kèm")
        item = page.locator("#photo-gallery li")
        expect(item).to_have_count(1)
        expect(item.locator(".taken")).to_contain_text("20/11/2025 09:15")
        expect(item.locator("img")).to_have_js_property("complete", True)
        assert item.locator("img").evaluate("img => img.naturalWidth") == 320
        attachment_id = item.get_attribute("data-attachment")
        save_screenshot(page, "phone-cluster-photo")

        # On the map, where it was taken.
        page.goto(live_server + "/")
        page.wait_for_selector("body[data-photos-drawn='1']")
        marker = page.locator(f'.photo-marker span[data-attachment="{attachment_id}"]')
        expect(marker).to_have_count(1)
        position = page.evaluate(
            """(id) => {
                const cfg = document.getElementById('map-config').textContent;
                const map = window[JSON.parse(cfg).map];
                let found = null;
                map.eachLayer((layer) => {
                    const el = layer.getElement && layer.getElement();
                    if (el && el.querySelector && el.querySelector(`[data-attachment="${id}"]`)) {
                        found = layer.getLatLng();
                    }
                });
                return found;
            }""",
            attachment_id,
        )
        assert abs(position["lat"] - GPS[0]) < 1e-4 and abs(position["lng"] - GPS[1]) < 1e-4
        save_screenshot(page, "phone-map-photo")
        assert errors == []
    finally:
        context.close()
