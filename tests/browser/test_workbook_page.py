"""The workbook round trip in a real browser: download, edit in openpyxl, upload, confirm."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from gis.core import workbook as wb
from tests.browser.conftest import PageWatch, save_screenshot
from tests.helpers import login_page

# Three Long Thành clusters and what the editor sets in the workbook.
EDITS = {
    "ccn-binh-an": {"stage": "Đang hoạt động"},  # planned → operating
    "ccn-phuoc-binh": {"stage": "Đang bồi thường, GPMB", "clearance_status": "Đang vướng mắc"},
    "ccn-tam-an": {"stage": "Đã thành lập", "infra_roads": "Đã hoàn thành"},
}
FILL = {"ccn-binh-an": "#009e73", "ccn-phuoc-binh": "#e69f00", "ccn-tam-an": "#56b4e9"}


def _fill(page: Page, cluster_id: str) -> str | None:
    return page.locator(f'path.cluster-marker[data-id="{cluster_id}"]').get_attribute("fill")


def test_editor_round_trips_the_workbook_and_sees_the_map_change(
    page: Page, live_server: str, accounts, client, history, tmp_path, watch: PageWatch
) -> None:
    login_page(page, live_server, "lt-editor")
    before = {i: _fill(page, i) for i in EDITS}
    assert all(before[i].lower() != FILL[i] for i in EDITS)

    page.locator("#workbook-link").click()
    expect(page.locator("h1")).to_have_text("Bảng tính của huyện")
    with page.expect_download() as info:
        page.locator("#download-workbook").click()
    download = info.value
    assert download.suggested_filename.startswith("cum-cong-nghiep-740-")
    path = tmp_path / "downloaded.xlsx"
    download.save_as(path)

    # The editor changes three clusters in the workbook.
    book = openpyxl.load_workbook(path)
    sheet = book[wb.DATA_SHEET]
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    for cluster_id, values in EDITS.items():
        for key, value in values.items():
            sheet[f"{wb.column_letter(key)}{rows[cluster_id]}"] = value
    edited = tmp_path / "da-sua.xlsx"
    book.save(edited)

    page.set_input_files("input[type=file][name=file]", str(edited))
    page.locator("#upload-workbook").click()
    expect(page.locator("h1")).to_have_text("Xem trước bảng tính")
    expect(page.locator("#preview-summary")).to_contain_text("3 cụm sẽ thay đổi")
    # The five edited cells, and each edited cluster's "as of" moving to the day of the edit.
    edited_fields = sum(len(fields) for fields in EDITS.values())
    expect(page.locator('tr.change:not([data-field="as_of"])')).to_have_count(edited_fields)
    expect(page.locator('tr.change[data-field="as_of"]')).to_have_count(len(EDITS))
    stage = page.locator('tr.change[data-id="ccn-binh-an"][data-field="stage"]')
    expect(stage.locator(".old")).to_have_text("Đã quy hoạch")
    expect(stage.locator(".new")).to_have_text("Đang hoạt động")
    expect(page.locator("#problems")).to_have_count(0)
    save_screenshot(page, "workbook-preview")
    # Nothing is written before confirming.
    assert history("ccn-binh-an") == []

    page.locator("#confirm-workbook").click()
    page.wait_for_selector("body[data-ready]")
    expect(page.locator(".flashes")).to_contain_text("Đã lưu thay đổi của 3 cụm")
    for cluster_id, colour in FILL.items():
        expect(page.locator(f'path.cluster-marker[data-id="{cluster_id}"]')).to_have_attribute(
            "fill", colour, ignore_case=True
        )
    save_screenshot(page, "map-after-workbook")
    assert [len(history(i)) for i in EDITS] == [1, 1, 1]
    props = client.get("/api/clusters/ccn-tam-an").get_json()["properties"]
    assert props["infrastructure"]["roads"] == "done"
    assert watch.errors == [] and watch.dialogs == []


def test_workbook_download_is_an_openable_xlsx_in_the_browser(
    page: Page, live_server: str, accounts
) -> None:
    login_page(page, live_server, "admin")
    page.goto(live_server + "/workbook/")
    page.select_option("select[name=district]", "731")
    with page.expect_download() as info:
        page.locator("#download-workbook").click()
    data = Path(info.value.path()).read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(data))[wb.DATA_SHEET]
    assert sheet.max_row > 1
