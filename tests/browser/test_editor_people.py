"""The editor for people: a clean panel, stages in life-cycle order, buttons in view, the
precision asked when a point moves, "as of" moved to the day, warnings kept until dismissed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from gis.core.schema import STAGES
from tests.browser.conftest import PageWatch
from tests.helpers import LT, login_page, open_popup, start_drawing

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def _in_view(page: Page, selector: str) -> list[str]:
    """The elements matching ``selector`` that are not wholly visible and clickable."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].filter((el) => {
            const r = el.getBoundingClientRect();
            const inside = r.top >= 0 && r.left >= 0
                && r.bottom <= innerHeight && r.right <= innerWidth;
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            const bottom = document.elementFromPoint(r.left + r.width / 2, r.bottom - 2);
            return !(inside && el.contains(hit) && el.contains(bottom));
        }).map((el) => el.textContent)""",
        selector,
    )


def test_the_popups_buttons_are_whole_at_1366_by_768(page: Page, live_server, accounts) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    for user in ("admin", "lt-editor"):
        page.context.clear_cookies()
        login_page(page, live_server, user)
        open_popup(page, LT)
        buttons = page.locator(".leaflet-popup-content .popup-actions button")
        expect(buttons.first).to_be_visible()
        assert buttons.count() == 3  # update, move, draw
        assert _in_view(page, ".leaflet-popup-content .popup-actions button") == []


def test_the_update_panel_reads_cleanly_in_life_cycle_order(
    page: Page, live_server, accounts, watch: PageWatch
) -> None:
    login_page(page, live_server, "lt-editor")
    open_popup(page, LT)
    page.locator('.popup-actions button[data-action="update"]').click()
    panel = page.locator("#edit-panel")
    expect(panel.locator("h2")).to_contain_text("CCN Long Phước 1")
    assert "null" not in panel.inner_text() and "undefined" not in panel.inner_text()
    values = panel.locator("select[name=stage] option").evaluate_all("els => els.map(e => e.value)")
    assert values == list(STAGES)  # planned → … → removed, not alphabetical
    assert values[:5] == ["planned", "established", "clearing", "building", "operating"]
    # Every field has a label in words; none shows its API name.
    for name in ("stage", "clearance_status", "industrial_land_ha", "as_of"):
        label = panel.locator(f'[data-field="{name}"]').inner_text()
        assert name not in label and label.strip()
    assert watch.errors == []


def test_a_move_asks_the_precision_and_dates_the_data_to_the_day(
    page: Page, live_server, accounts, client
) -> None:
    before = client.get(f"/api/clusters/{LT}").get_json()
    login_page(page, live_server, "lt-editor")
    open_popup(page, LT)
    page.locator('.popup-actions button[data-action="move"]').click()
    handle = page.locator(".move-handle")
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 4)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] - 4, steps=6)
    page.mouse.up()
    choice = page.locator("#edit-panel select[name=location_precision]")
    expect(choice).to_have_value("")  # nothing chosen for the editor
    page.locator("#edit-panel button[type=submit]").click()
    expect(page.locator('#edit-panel [data-field="location_precision"].invalid')).to_have_count(1)
    expect(page.locator("#edit-panel .edit-message.error")).to_contain_text("độ chính xác")
    assert client.get(f"/api/clusters/{LT}").get_json() == before  # nothing saved
    # Any precision but the "surveyed" a silent default would have set.
    chosen = choice.locator("option").evaluate_all(
        "els => els.map(e => e.value).filter(v => v && v !== 'surveyed')"
    )[0]
    choice.select_option(chosen)
    days = {dt.datetime.now(VIETNAM).date().isoformat()}
    page.locator("#edit-panel button[type=submit]").click()
    expect(page.locator(".edit-status")).to_be_visible()
    days.add(dt.datetime.now(VIETNAM).date().isoformat())
    after = client.get(f"/api/clusters/{LT}").get_json()
    assert after["geometry"] != before["geometry"]
    assert after["properties"]["location_precision"] == chosen
    assert after["properties"]["as_of"] in days


def test_the_area_warning_is_translated_and_stays_until_dismissed(
    page: Page, live_server, accounts
) -> None:
    page.clock.install()
    cx, cy = start_drawing(page, live_server, "lt-editor", LT)
    for dx, dy in [(-60, -60), (60, -60), (60, 60), (-60, 60), (-60, -60)]:
        page.mouse.click(cx + dx, cy + dy)
        page.clock.run_for(250)
    page.locator("#edit-panel select[name=location_precision]").select_option("surveyed")
    page.locator("#edit-panel button[type=submit]").click()
    warning = page.locator(".edit-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Diện tích vẽ được là")
    expect(warning).to_contain_text("75 ha")
    assert page.locator(".edit-status:has-text('Diện tích')").count() == 0
    page.clock.run_for(20_000)  # the green "saved" note passes; the warning does not
    expect(page.locator(".edit-status")).to_have_count(0)
    expect(warning).to_be_visible()
    warning.locator("button.dismiss").click()
    expect(page.locator(".edit-warning")).to_have_count(0)
