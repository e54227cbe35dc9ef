"""Editing on the map in a real browser: log in, move, update, refused outside scope."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch, save_screenshot
from tests.helpers import LT, login_page, open_popup, start_drawing

BH = "ccn-gom-su-tan-hanh"  # Biên Hòa
XSS = "<img src=x onerror=alert(1)>"


def _marker_colours(page: Page, cluster_id: str) -> tuple[str, str]:
    marker = page.locator(f'path.cluster-marker[data-id="{cluster_id}"]')
    return marker.get_attribute("fill"), marker.get_attribute("stroke")


def test_editor_moves_a_marker_and_updates_site_clearance(
    history, page: Page, live_server: str, accounts, client, watch: PageWatch
) -> None:
    login_page(page, live_server, "lt-editor")
    fill_before, ring_before = _marker_colours(page, LT)

    # Move: drag the handle about 80 px east and save.
    open_popup(page, LT)
    page.locator('.popup-actions button[data-action="move"]').click()
    handle = page.locator(".move-handle")
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 4)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 80, box["y"] + box["height"] - 4, steps=8)
    page.mouse.up()
    page.locator("#edit-panel select[name=location_precision]").select_option("surveyed")
    page.locator("#edit-panel textarea[name=note]").fill("Đo đạc lại vị trí")
    page.locator("#edit-panel button[type=submit]").click()
    expect(page.locator(".edit-status")).to_be_visible()
    moved = client.get(f"/api/clusters/{LT}").get_json()
    assert moved["geometry"]["coordinates"][0] > 106.994895 + 0.001
    assert moved["properties"]["location_precision"] == "surveyed"

    # Update: site clearance done, stage building; the map recolours without a reload.
    page.evaluate("() => { window.__sameDocument = true; }")
    open_popup(page, LT)
    page.locator('.popup-actions button[data-action="update"]').click()
    form = page.locator("#edit-panel form")
    form.locator("select[name=stage]").select_option("building")
    form.locator("select[name=clearance_status]").select_option("done")
    form.locator("input[name=clearance_cleared_ha]").fill("75")
    form.locator("input[name=clearance_total_ha]").fill("75")
    form.locator("textarea[name=note]").fill(XSS)
    form.locator("button[type=submit]").click()
    expect(page.locator(".edit-status")).to_contain_text("")
    page.wait_for_function(
        f"""() => {{
            const marker = document.querySelector('path.cluster-marker[data-id="{LT}"]');
            return marker && marker.getAttribute('fill') !== '{fill_before}';
        }}"""
    )
    fill_after, ring_after = _marker_colours(page, LT)
    assert (fill_after, ring_after) != (fill_before, ring_before)
    assert fill_after.lower() == "#f0e442"  # building
    assert ring_after.lower() == "#009e73"  # cleared
    assert page.evaluate("() => window.__sameDocument") is True  # no page reload
    save_screenshot(page, "map-after-edit")

    props = client.get(f"/api/clusters/{LT}").get_json()["properties"]
    assert (props["stage"], props["clearance_status"]) == ("building", "done")
    events = history(LT)
    assert [e["note"] for e in events] == ["Đo đạc lại vị trí", XSS]

    # The note is shown as text on the cluster's timeline.
    page.goto(f"{live_server}/clusters/{LT}")
    expect(page.locator("#timeline")).to_contain_text(XSS)
    assert page.locator("img[src=x]").count() == 0
    assert watch.dialogs == [] and watch.errors == []


def test_editor_of_another_district_gets_no_buttons_and_is_refused(
    history, page: Page, live_server: str, accounts, client
) -> None:
    login_page(page, live_server, "bh-editor")
    open_popup(page, LT)
    expect(page.locator(".popup-actions")).to_have_count(0)
    open_popup(page, BH)
    expect(page.locator(".popup-actions button[data-action=update]")).to_have_count(1)
    # Even a hand-made request from this page is refused by the server.
    status = page.evaluate(
        """async (id) => {
            const read = await fetch('/api/clusters/' + id);
            const token = document.querySelector('meta[name=csrf-token]').content;
            const response = await fetch('/api/clusters/' + id, {method: 'PATCH',
              headers: {'Content-Type': 'application/json', 'If-Match': read.headers.get('ETag'),
                        'X-CSRFToken': token},
              body: JSON.stringify({stage: 'operating'})});
            return response.status;
        }""",
        LT,
    )
    assert status == 403
    assert history(LT) == []


def test_a_stale_save_shows_what_changed_and_keeps_what_was_typed(
    page: Page, live_server: str, accounts, api_as
) -> None:
    login_page(page, live_server, "lt-editor")
    open_popup(page, LT)
    page.locator('.popup-actions button[data-action="update"]').click()
    form = page.locator("#edit-panel form")
    form.locator("input[name=investor]").fill("Công ty của tôi")
    # Meanwhile the province changes the same cluster.
    assert api_as("admin").patch(LT, {"investor": "Công ty khác"}).status_code == 200
    form.locator("button[type=submit]").click()
    message = page.locator("#edit-panel .edit-message.conflict")
    expect(message).to_contain_text("Công ty khác")
    expect(message).to_contain_text("admin")
    expect(form.locator("input[name=investor]")).to_have_value("Công ty của tôi")
    form.locator("button[type=submit]").click()  # a deliberate second save
    expect(page.locator(".edit-status")).to_be_visible()


def test_editor_draws_a_boundary_and_the_server_computes_its_area(
    page: Page, live_server: str, accounts, client
) -> None:
    cx, cy = start_drawing(page, live_server, "lt-editor", LT)
    corners = [(-60, -60), (60, -60), (60, 60), (-60, 60), (-60, -60)]
    for dx, dy in corners:
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(250)
    save_screenshot(page, "draw-boundary")
    # A drawn boundary is as precise as the editor says, as a moved point is.
    page.locator("#edit-panel select[name=location_precision]").select_option("surveyed")
    page.locator("#edit-panel button[type=submit]").click()
    expect(page.locator(".edit-status")).to_be_visible()
    feature = client.get(f"/api/clusters/{LT}").get_json()
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["location_precision"] == "surveyed"
    expect(page.locator(f'path.cluster-marker[data-id="{LT}"]')).to_have_count(1)


def test_saving_an_open_ring_closes_it(page: Page, live_server: str, accounts, client) -> None:
    # Four vertices placed, the first never clicked again: saving closes the ring (through
    # Geoman's public draw events, not its private finish).
    cx, cy = start_drawing(page, live_server, "lt-editor", LT)
    for dx, dy in [(-60, -60), (60, -60), (60, 60), (-60, 60)]:
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(250)
    page.locator("#edit-panel select[name=location_precision]").select_option("surveyed")
    page.locator("#edit-panel button[type=submit]").click()
    expect(page.locator(".edit-status")).to_be_visible()
    feature = client.get(f"/api/clusters/{LT}").get_json()
    assert feature["geometry"]["type"] == "Polygon"
    ring = feature["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
