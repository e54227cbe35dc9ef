"""The district workbook round trip: download, fill in, upload, preview, confirm.

Every test runs on SQLite and PostGIS. Workbooks are edited with openpyxl, and in the
LibreOffice tests re-written by LibreOffice itself (soffice --headless), as an office
suite writes them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.protection import SheetProtection

from gis.core import workbook as wb
from gis.dates import today
from tests.conftest import csrf_token, login
from tests.helpers import confirm, download, edit, hidden, upload

LT_IDS = ("ccn-long-phuoc-1", "ccn-binh-an")
BH = "ccn-gom-su-tan-hanh"  # Biên Hòa
SOFFICE = shutil.which("soffice")


# --- helpers -----------------------------------------------------------------------------


def _client(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def row_of(data: bytes, cluster_id: str) -> int:
    """The sheet row of a cluster."""
    sheet = openpyxl.load_workbook(io.BytesIO(data))[wb.DATA_SHEET]
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == cluster_id)


def problems(html: str) -> list[tuple[str, str, str]]:
    """(code, row, column key) of every problem the preview lists."""
    return re.findall(
        r'class="problem" data-code="(\w+)" data-row="(\d*)" data-column="(\w*)"', html
    )


def cluster(client, cluster_id: str) -> dict:
    """A cluster as the API returns it."""
    return client.get(f"/api/clusters/{cluster_id}").get_json()


# --- download ----------------------------------------------------------------------------


def test_download_is_laid_out_for_editing(app, accounts, client) -> None:
    editor = _client(app, "lt-editor")
    data = download(editor)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [wb.INFO_SHEET, wb.DATA_SHEET, wb.LISTS_SHEET]
    sheet = book[wb.DATA_SHEET]
    assert [c.value for c in sheet[1]] == [c.header for c in wb.COLUMNS]
    assert sheet.cell(1, 4).value == "Tình trạng"
    ids = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    expected = client.get("/api/clusters?district=740").get_json()["features"]
    # One row a cluster: every cluster of Long Thành, nothing of another district.
    assert sorted(ids) == sorted(f["id"] for f in expected)
    for number, cluster_id in enumerate(ids, start=2):
        feature = next(f for f in expected if f["id"] == cluster_id)
        assert sheet.cell(number, 3).value == feature["properties"]["version"]
    # Sheet protection: id, name and version locked; the values to fill in are not.
    assert sheet.protection.sheet is True
    assert sheet.cell(2, 1).protection.locked is True
    assert sheet.cell(2, 3).protection.locked is True
    assert sheet.cell(2, 4).protection.locked is False
    # Drop-down lists for the coded columns, pointing at the lists sheet.
    lists = {str(v.sqref): v for v in sheet.data_validations.dataValidation if v.type == "list"}
    stage = lists[f"D2:D{len(ids) + 1}"]
    assert stage.formula1.startswith(f"'{wb.LISTS_SHEET}'!")
    stage_labels = [c.value for c in book[wb.LISTS_SHEET]["A"][1:] if c.value]
    assert "Đang xây dựng hạ tầng" in stage_labels and len(stage_labels) == 8
    # A Vietnamese instructions sheet.
    instructions = " ".join(str(c.value) for c in book[wb.INFO_SHEET]["A"] if c.value)
    assert "Huyện Long Thành" in instructions or "Long Thành" in instructions
    assert "không dùng công thức" in instructions.lower()


def test_only_editors_and_admins_get_a_workbook(app, accounts, client) -> None:
    assert client.get("/workbook/download").status_code == 302  # to the login page
    assert _client(app, "viewer").get("/workbook/download").status_code == 403
    assert _client(app, "sct-editor").get("/workbook/download").status_code == 403  # no district
    # An editor asking for another district's workbook is refused, not given theirs.
    assert _client(app, "lt-editor").get("/workbook/download?district=731").status_code == 403
    admin = _client(app, "admin")
    sheet = openpyxl.load_workbook(io.BytesIO(download(admin, "731")))[wb.DATA_SHEET]
    assert BH in [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]


# --- the round trip ----------------------------------------------------------------------


def test_round_trip_previews_then_writes_all_on_confirm(app, accounts, client, history) -> None:
    editor = _client(app, "lt-editor")
    data = download(editor)
    before = {i: cluster(client, i)["properties"] for i in LT_IDS}
    edited = edit(
        data,
        {
            "ccn-long-phuoc-1": {
                "stage": "Đang xây dựng hạ tầng",
                "infra_roads": "Đã hoàn thành",
                "clearance_cleared_ha": 12.5,
                "clearance_total_ha": "75,0",  # a decimal comma typed as text
                "note": "Số liệu quý IV",
            },
            "ccn-binh-an": {"decision_date": "15/03/2021", "investor": "Công ty TNHH Bình An"},
        },
    )
    response = upload(editor, edited)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert problems(html) == []
    # Per cluster and field, old → new, in Vietnamese.
    change = re.search(
        r'data-id="ccn-long-phuoc-1" data-field="stage">'
        r'.*?class="old">([^<]*)<.*?class="new">([^<]*)<',
        html,
        re.S,
    )
    assert change.groups() == ("Đang bồi thường, GPMB", "Đang xây dựng hạ tầng")
    assert 'data-field="infrastructure.roads"' in html
    assert 'data-id="ccn-binh-an" data-field="decision_date"' in html
    assert "15/03/2021" in html
    # Nothing is written before the editor confirms.
    for cluster_id in LT_IDS:
        assert cluster(client, cluster_id)["properties"]["version"] == before[cluster_id]["version"]

    response = confirm(editor, html)
    assert response.status_code == 302
    after = cluster(client, "ccn-long-phuoc-1")["properties"]
    assert after["stage"] == "building"
    assert after["infrastructure"]["roads"] == "done"
    assert after["clearance_cleared_ha"] == 12.5 and after["clearance_total_ha"] == 75.0
    assert after["version"] == before["ccn-long-phuoc-1"]["version"] + 1
    binh_an = cluster(client, "ccn-binh-an")["properties"]
    assert binh_an["decision_date"] == "2021-03-15"
    assert binh_an["investor"] == "Công ty TNHH Bình An"
    # One history event per cluster, both in one change set, with the row's note.
    events = {i: history(i)[-1] for i in LT_IDS}
    assert events["ccn-long-phuoc-1"]["note"] == "Số liệu quý IV"
    assert events["ccn-binh-an"]["note"].startswith("Cập nhật từ bảng tính so-lieu.xlsx")
    assert events["ccn-long-phuoc-1"]["change_set"] == events["ccn-binh-an"]["change_set"]
    assert events["ccn-long-phuoc-1"]["change_set"].startswith("workbook-")
    assert all(len(history(i)) == 1 for i in LT_IDS)
    # The upload is used up: confirming it again writes nothing more.
    assert confirm(editor, html).status_code == 409
    assert cluster(client, "ccn-long-phuoc-1")["properties"]["version"] == after["version"]


def test_unchanged_workbook_changes_nothing(app, accounts) -> None:
    editor = _client(app, "lt-editor")
    response = upload(editor, download(editor))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="no-changes"' in html and 'id="confirm-form"' not in html


def test_emptied_cell_reports_the_fact_unknown(app, accounts, client) -> None:
    editor = _client(app, "lt-editor")
    assert cluster(client, "ccn-long-phuoc-1")["properties"]["investor"] is not None
    response = upload(editor, edit(download(editor), {"ccn-long-phuoc-1": {"investor": None}}))
    html = response.get_data(as_text=True)
    assert re.search(r'data-field="investor">.*?class="new">Chưa có thông tin<', html, re.S)
    assert confirm(editor, html).status_code == 302
    assert cluster(client, "ccn-long-phuoc-1")["properties"]["investor"] is None


# --- versions ----------------------------------------------------------------------------


def test_row_changed_by_someone_else_is_refused_showing_what_changed(
    app, accounts, api_as, client
) -> None:
    editor = _client(app, "lt-editor")
    data = download(editor)
    # Meanwhile the province changes two Long Thành clusters through the API.
    admin = api_as("admin")
    assert (
        admin.patch("ccn-long-phuoc-1", {"investor": "Tổng công ty Tín Nghĩa"}).status_code == 200
    )
    assert admin.patch("ccn-binh-an", {"status_note": "Đã rà soát"}).status_code == 200
    edited = edit(data, {"ccn-long-phuoc-1": {"stage": "Đang xây dựng hạ tầng"}})
    response = upload(editor, edited)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The changed row is refused with who changed what; the other stale row, which the
    # editor did not change, is no problem (its old values are not written back).
    assert problems(html) == [("stale", str(row_of(data, "ccn-long-phuoc-1")), "")]
    assert "admin" in html and "Tổng công ty Tín Nghĩa" in html
    assert 'id="confirm-form"' not in html
    assert cluster(client, "ccn-long-phuoc-1")["properties"]["stage"] == "clearing"
    assert cluster(client, "ccn-binh-an")["properties"]["status_note"] == "Đã rà soát"


def test_confirm_is_all_or_nothing_when_a_row_went_stale(app, accounts, api_as, client) -> None:
    editor = _client(app, "lt-editor")
    edited = edit(
        download(editor),
        {
            "ccn-long-phuoc-1": {"stage": "Đang xây dựng hạ tầng"},
            "ccn-binh-an": {"stage": "Đã thành lập"},
        },
    )
    html = upload(editor, edited).get_data(as_text=True)
    assert 'id="confirm-form"' in html
    # Between preview and confirmation someone saves one of the two clusters.
    assert api_as("admin").patch("ccn-binh-an", {"status_note": "x"}).status_code == 200
    response = confirm(editor, html)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Chưa lưu gì" in page and "ccn-binh-an" in page
    assert "người khác đã sửa cụm sau khi xem trước" in page
    # Neither row was written, not even the one still current.
    assert cluster(client, "ccn-long-phuoc-1")["properties"]["stage"] == "clearing"
    assert cluster(client, "ccn-binh-an")["properties"]["stage"] == "planned"


def test_confirmation_belongs_to_the_uploader_and_its_hash(app, accounts, client) -> None:
    editor = _client(app, "lt-editor")
    html = upload(
        editor, edit(download(editor), {"ccn-binh-an": {"stage": "Đã thành lập"}})
    ).get_data(as_text=True)
    # The admin cannot confirm the editor's upload, nor the editor with another hash.
    assert confirm(_client(app, "admin"), html).status_code == 409
    forged = html.replace(hidden(html, "sha256"), "0" * 64)
    assert confirm(editor, forged).status_code == 409
    assert cluster(client, "ccn-binh-an")["properties"]["stage"] == "planned"
    # The pending upload lives on the server, not in the session cookie.
    assert len(editor.get_cookie("session").value) < 600
    assert confirm(editor, html).status_code == 302
    assert cluster(client, "ccn-binh-an")["properties"]["stage"] == "established"


def test_cancel_forgets_the_upload(app, accounts, client) -> None:
    editor = _client(app, "lt-editor")
    html = upload(
        editor, edit(download(editor), {"ccn-binh-an": {"stage": "Đã thành lập"}})
    ).get_data(as_text=True)
    response = editor.post(
        "/workbook/cancel",
        data={"token": hidden(html, "token"), "csrf_token": csrf_token(editor, "/workbook/")},
    )
    assert response.status_code == 302
    assert confirm(editor, html).status_code == 409
    assert cluster(client, "ccn-binh-an")["properties"]["stage"] == "planned"


# --- bad rows ----------------------------------------------------------------------------


def test_rows_of_another_district_and_unknown_ids_are_named(app, accounts, client) -> None:
    # The province's workbook holds Biên Hòa's clusters too; a Long Thành editor uploads it.
    data = download(_client(app, "admin"))
    version = cluster(client, BH)["properties"]["version"]
    edited = edit(data, {BH: {"stage": "Đã quy hoạch"}})
    book = openpyxl.load_workbook(io.BytesIO(edited))
    sheet = book[wb.DATA_SHEET]
    sheet.protection = SheetProtection(sheet=False)  # as a user who unprotected the sheet
    sheet["A2"] = "ccn-khong-co-that"
    sheet["A3"] = sheet["A4"].value  # the same cluster twice
    out = io.BytesIO()
    book.save(out)
    response = upload(_client(app, "lt-editor"), out.getvalue())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    found = problems(html)
    assert ("unknown_id", "2", "id") in found
    assert ("repeated_id", "4", "id") in found or ("repeated_id", "3", "id") in found
    bh_row = str(row_of(edited, BH))
    assert ("other_district", bh_row, "id") in found
    assert "ngoài phạm vi huyện của bạn" in html
    assert cluster(client, BH)["properties"]["version"] == version


def test_wrong_types_formulas_and_merged_cells_name_row_and_column(app, accounts) -> None:
    editor = _client(app, "lt-editor")
    data = download(editor)
    row = row_of(data, "ccn-long-phuoc-1")
    edited = edit(
        data,
        {
            "ccn-long-phuoc-1": {
                "stage": "Sắp xong",  # not in the list
                "clearance_cleared_ha": "mười hai",  # not a number
                "clearance_total_ha": -3,  # out of range
                "decision_date": "31/02/2020",  # no such date
                "industrial_land_ha": "=F2*2",  # a formula
                "version": "một",
            }
        },
    )
    book = openpyxl.load_workbook(io.BytesIO(edited))
    sheet = book[wb.DATA_SHEET]
    sheet.protection = SheetProtection(sheet=False)
    other = row_of(data, "ccn-binh-an")
    sheet.merge_cells(f"Q{other}:R{other}")
    out = io.BytesIO()
    book.save(out)
    response = upload(editor, out.getvalue())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    found = set(problems(html))
    r = str(row)
    assert {
        ("not_in_list", r, "stage"),
        ("not_number", r, "clearance_cleared_ha"),
        ("out_of_range", r, "clearance_total_ha"),
        ("not_date", r, "decision_date"),
        ("formula", r, "industrial_land_ha"),
        ("bad_version", r, "version"),
        ("merged", str(other), "investor"),
    } <= found
    assert "“Sắp xong” không có trong danh sách" in html
    assert "=F2*2" in html
    assert f"Q{other}:R{other}" in html
    assert "O · Đất công nghiệp (ha)" in html  # the column by letter and header


def test_part_larger_than_whole_is_refused_by_the_core_rules(app, accounts) -> None:
    editor = _client(app, "lt-editor")
    edited = edit(
        download(editor),
        {"ccn-long-phuoc-1": {"clearance_cleared_ha": 80, "clearance_total_ha": 75}},
    )
    response = upload(editor, edited)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert [p[0] for p in problems(html)] == ["exceeds"]
    assert "80.0 ha lớn hơn G · Diện tích phải GPMB (ha)" in html


def test_a_workbook_of_another_layout_is_refused(app, accounts) -> None:
    editor = _client(app, "lt-editor")
    # Our own XLSX export is a workbook, but not this layout.
    export = editor.get("/api/clusters/export?format=xlsx&lang=vi").data
    response = upload(editor, export, "export.xlsx")
    assert response.status_code == 422
    assert "không có trang “Cụm công nghiệp”" in response.get_data(as_text=True)
    # A column inserted before the values.
    book = openpyxl.load_workbook(io.BytesIO(download(editor)))
    book[wb.DATA_SHEET].insert_cols(4)
    out = io.BytesIO()
    book.save(out)
    page = upload(editor, out.getvalue()).get_data(as_text=True)
    assert "cột D có tiêu đề “”, đúng ra là “Tình trạng”" in page
    # Not a workbook at all.
    response = upload(editor, b"%PDF-1.7\n" + b"x" * 100, "so-lieu.xlsx")
    assert response.status_code == 422
    assert "không phải bảng tính Excel" in response.get_data(as_text=True)


def test_too_many_rows_is_refused_without_loading_them(app, accounts) -> None:
    book = openpyxl.load_workbook(io.BytesIO(download(_client(app, "lt-editor"))))
    sheet = book[wb.DATA_SHEET]
    for number in range(2, 10_002):
        sheet.cell(number, 1, f"ccn-x{number}")
    out = io.BytesIO()
    book.save(out)
    assert len(out.getvalue()) < app.config["GIS_WORKBOOK_MAX_BYTES"]
    response = upload(_client(app, "lt-editor"), out.getvalue())
    assert response.status_code == 422
    assert "Bảng tính có 10000 dòng cụm; mỗi lần chỉ tải lên được tối đa 2000 dòng" in (
        response.get_data(as_text=True)
    )


def test_upload_over_the_size_limit_is_refused_before_reading(app, accounts) -> None:
    editor = _client(app, "lt-editor")
    limit = app.config["GIS_WORKBOOK_MAX_BYTES"]
    response = upload(editor, b"\0" * (limit + 200_000))
    assert response.status_code == 413
    assert "Tệp lớn hơn giới hạn 2.0 MB" in response.get_data(as_text=True)
    # Refused from the Content-Length header alone: the body is never read.
    response = editor.post(
        "/workbook/upload",
        headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "X-CSRFToken": csrf_token(editor, "/workbook/"),
        },
        input_stream=io.BytesIO(b""),
        environ_overrides={"CONTENT_LENGTH": str(50 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "Tệp lớn hơn giới hạn 2.0 MB" in response.get_data(as_text=True)


def test_zip_bomb_is_refused_before_unpacking(app, accounts) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert len(out.getvalue()) < 200_000
    response = upload(_client(app, "lt-editor"), out.getvalue())
    assert response.status_code == 422
    assert "khi giải nén lớn hơn 40 MB" in response.get_data(as_text=True)


# --- LibreOffice -------------------------------------------------------------------------


def libreoffice(path: Path, out_dir: Path) -> Path:
    """Open the file in LibreOffice Calc and save it as XLSX (its own writer)."""
    assert SOFFICE, "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
    profile = out_dir / f"lo-profile-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out_dir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    written = out_dir / (path.stem + ".xlsx")
    assert written.exists()
    return written


def test_workbook_saved_by_libreoffice_round_trips(app, accounts, client, tmp_path) -> None:
    editor = _client(app, "lt-editor")
    edited = edit(
        download(editor),
        {
            "ccn-long-phuoc-1": {
                "stage": "Đang xây dựng hạ tầng",
                "infra_power": "Đang xây dựng",
                "clearance_cleared_ha": 40.25,
            },
            "ccn-binh-an": {"as_of": "01/10/2025"},
        },
    )
    source = tmp_path / "in" / "so-lieu.xlsx"
    source.parent.mkdir()
    source.write_bytes(edited)
    saved = libreoffice(source, tmp_path / "out").read_bytes()
    assert saved != edited
    assert b"LibreOffice" in zipfile.ZipFile(io.BytesIO(saved)).read("docProps/app.xml")
    response = upload(editor, saved, "so-lieu.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, problems(html)
    assert confirm(editor, html).status_code == 302
    props = cluster(client, "ccn-long-phuoc-1")["properties"]
    assert props["stage"] == "building"
    assert props["infrastructure"]["power"] == "building"
    assert props["clearance_cleared_ha"] == 40.25
    # An edit dates the data to its day in Viet Nam, unless the row gives "as of" itself.
    assert props["as_of"] in {today().isoformat(), (today() - dt.timedelta(days=1)).isoformat()}
    assert cluster(client, "ccn-binh-an")["properties"]["as_of"] == "2025-10-01"


def test_libreoffice_formula_is_refused(app, accounts, tmp_path) -> None:
    editor = _client(app, "lt-editor")
    data = download(editor)
    row = row_of(data, "ccn-long-phuoc-1")
    edited = edit(data, {"ccn-long-phuoc-1": {"clearance_cleared_ha": f"=G{row}/2"}})
    source = tmp_path / "in" / "cong-thuc.xlsx"
    source.parent.mkdir()
    source.write_bytes(edited)
    saved = libreoffice(source, tmp_path / "out").read_bytes()
    response = upload(editor, saved)
    assert response.status_code == 422
    assert ("formula", str(row), "clearance_cleared_ha") in problems(
        response.get_data(as_text=True)
    )


@pytest.mark.parametrize("path", ["/workbook/", "/workbook/download"])
def test_workbook_pages_for_anonymous_go_to_login(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def _visible_texts(html: str) -> set[str]:
    body = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return {" ".join(t.split()) for t in re.findall(r">([^<>]+)<", body) if t.strip()}


def test_vietnamese_workbook_pages_show_no_english(app, accounts) -> None:
    from tests.helpers import read_vi_po

    english = {m.id for m in read_vi_po() if m.id and isinstance(m.id, str) and m.string != m.id}
    editor = _client(app, "lt-editor")
    data = download(editor)
    bad = edit(data, {"ccn-long-phuoc-1": {"stage": "Sắp xong", "clearance_cleared_ha": "=1+1"}})
    good = edit(data, {"ccn-binh-an": {"stage": "Đã thành lập", "as_of": "01/10/2025"}})
    pages = [
        editor.get("/workbook/").get_data(as_text=True),
        upload(editor, bad).get_data(as_text=True),
        upload(editor, good).get_data(as_text=True),
        upload(editor, b"not a workbook").get_data(as_text=True),
        editor.get("/clusters/ccn-long-phuoc-1").get_data(as_text=True),  # attachments
    ]
    for html in pages:
        assert 'lang="vi"' in html
        shown_in_english = _visible_texts(html) & english
        assert not shown_in_english, shown_in_english
