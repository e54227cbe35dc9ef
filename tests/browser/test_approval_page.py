"""Province approval in a real browser, and attaching a photo from the map's popup on a phone.

With GIS_APPROVAL on, an editor's change in the map's panel waits: the public map keeps
the published value until a reviewer approves it at /review; then the map shows the new one.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from gis.store.files import FolderStore
from tests.browser.conftest import save_screenshot
from tests.helpers import jpeg_with_exif
from tests.helpers import login_page as _login

LT = "ccn-long-phuoc-1"  # Long Thành
BUILDING = "#f0e442"  # the fill of stage "building"


def _context(browser: Browser, **options):
    return browser.new_context(locale="vi-VN", **options)


def _fill(page: Page, cluster_id: str) -> str:
    return page.locator(f'path.cluster-marker[data-id="{cluster_id}"]').get_attribute("fill")


def _open_popup(page: Page, cluster_id: str) -> None:
    page.locator(f'#cluster-list button[data-id="{cluster_id}"]').click()
    expect(page.locator(".leaflet-popup")).to_have_count(1)
    expect(page.locator(".leaflet-popup-content")).to_be_visible()


def test_an_editors_change_waits_until_a_reviewer_approves_it(
    app, browser: Browser, live_server: str, accounts, client, history
) -> None:
    app.config["GIS_APPROVAL"] = True
    published_stage = client.get(f"/api/clusters/{LT}").get_json()["properties"]["stage"]
    assert published_stage != "building"
    events_before = len(history(LT))
    errors: list[str] = []
    editor_context, public_context, reviewer_context = (_context(browser) for _ in range(3))
    try:
        # The editor changes the stage in the map's panel: it is sent for approval.
        editor = editor_context.new_page()
        editor.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(editor, live_server, "lt-editor")
        fill_before = _fill(editor, LT)
        _open_popup(editor, LT)
        editor.locator('.popup-actions button[data-action="update"]').click()
        form = editor.locator("#edit-panel form")
        form.locator("select[name=stage]").select_option("building")
        form.locator("textarea[name=note]").fill("Đã khởi công hạ tầng")
        form.locator("button[type=submit]").click()
        expect(editor.locator(".edit-status")).to_contain_text("phê duyệt")
        expect(editor.locator(f'#cluster-list .proposed-badge[data-id="{LT}"]')).to_be_visible()
        expect(editor.locator(".leaflet-popup .proposed-badge")).to_contain_text("chờ duyệt")
        assert _fill(editor, LT) == fill_before  # the map still shows the published stage
        save_screenshot(editor, "approval-editor-proposed")

        # The public map keeps the published value, and shows no badge.
        public = public_context.new_page()
        public.goto(live_server + "/")
        public.wait_for_selector("body[data-ready]")
        assert _fill(public, LT) == fill_before
        assert public.locator(".proposed-badge").count() == 0
        assert client.get(f"/api/clusters/{LT}").get_json()["properties"]["stage"] == (
            published_stage
        )

        # The reviewer compares old and new in words and approves.
        reviewer = reviewer_context.new_page()
        reviewer.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(reviewer, live_server, "reviewer")
        reviewer.locator("#review-link").click()
        proposal = reviewer.locator(f'#pending article[data-cluster="{LT}"]')
        expect(proposal).to_have_count(1)
        expect(proposal.locator('tr[data-field="stage"]')).to_contain_text(
            "Tình trạng: Đang bồi thường, GPMB → Đang xây dựng hạ tầng"
        )
        expect(proposal).to_contain_text("lt-editor")
        save_screenshot(reviewer, "approval-review-queue")
        proposal.locator("button.approve").click()
        expect(reviewer.locator(".flashes")).to_contain_text("đã được phê duyệt")
        expect(reviewer.locator(f'#decided article[data-cluster="{LT}"]')).to_have_attribute(
            "data-status", "approved"
        )

        # Published: the public map now shows the new stage.
        public.reload()
        public.wait_for_selector("body[data-ready]")
        public.wait_for_function(
            f"""() => {{
                const m = document.querySelector('path.cluster-marker[data-id="{LT}"]');
                return m && m.getAttribute('fill').toLowerCase() === '{BUILDING}';
            }}"""
        )
        events = history(LT)
        assert len(events) == events_before + 1
        assert (events[-1]["actor"], events[-1]["approved_by"]) == ("lt-editor", "reviewer")
        assert errors == []
    finally:
        for context in (editor_context, public_context, reviewer_context):
            context.close()


def test_attach_a_photo_from_the_map_popup_on_a_phone(
    app, browser: Browser, live_server: str, accounts, tmp_path
) -> None:
    app.extensions["files"] = FolderStore(tmp_path / "attachments")
    photo = tmp_path / "IMG_20251120_091500.jpg"
    photo.write_bytes(jpeg_with_exif())
    context = _context(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(page, live_server, "lt-editor")
        _open_popup(page, LT)
        link = page.locator(".leaflet-popup .popup-actions a.attach-photo")
        expect(link).to_contain_text("Đính kèm ảnh")
        link.click()
        page.wait_for_url(f"**/clusters/{LT}#photo-form")
        camera = page.locator("#photo-form input[type=file]")
        expect(camera).to_have_attribute("capture", "environment")
        expect(camera).to_have_attribute("accept", "image/*")
        expect(page.locator("#photo-form")).to_be_in_viewport()
        camera.set_input_files(str(photo))
        page.locator("#photo-form button[type=submit]").click()
        expect(page.locator(".flashes")).to_contain_text("Đã đính kèm")
        expect(page.locator("#photo-gallery li")).to_have_count(1)
        save_screenshot(page, "phone-popup-attach")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390
        assert errors == []
    finally:
        context.close()


def test_no_attach_link_for_a_cluster_outside_the_editors_district(
    browser: Browser, live_server: str, accounts
) -> None:
    context = _context(browser)
    try:
        page = context.new_page()
        _login(page, live_server, "lt-editor")
        _open_popup(page, "ccn-gom-su-tan-hanh")  # Biên Hòa
        assert page.locator(".leaflet-popup a.attach-photo").count() == 0
    finally:
        context.close()
