"""Reports per district and for the province: printable page, PDF (Vietnamese text), XLSX."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import ROOT
from tests.helpers import patch_task

AS_OF = "2020-07-15"
AS_OF_SHOWN = "15/07/2020"  # pages and files show dd/mm/yyyy
# The plan's targets as data/plan.json holds them: each report lists every one.
PLAN_TARGETS = json.loads((ROOT / "data" / "plan.json").read_text(encoding="utf-8"))["targets"]


def _pdf(client, scope: str, as_of: str = AS_OF) -> PdfReader:
    response = client.get(f"/reports/{scope}.pdf?as_of={as_of}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f'filename="report-{scope}-{as_of}.pdf"' in response.headers["Content-Disposition"]
    return PdfReader(io.BytesIO(response.data))


def _text(reader: PdfReader) -> str:
    # Extracted text keeps line breaks where the layout wraps; compare on single spaces.
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_the_printable_page_states_its_as_of_date_and_prints_cleanly(client) -> None:
    response = client.get(f"/reports/740?as_of={AS_OF}&lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<h1 id="report-title">Report: Huyện Long Thành</h1>' in html
    assert f"As of {AS_OF_SHOWN}" in html
    assert "/static/css/report.css" in html  # @page and print rules
    clusters = re.findall(r'<tr data-cluster="([a-z0-9-]+)"', html)
    assert sorted(clusters) == sorted(
        f["id"] for f in client.get("/api/clusters?district=740").get_json()["features"]
    )
    assert re.findall(r'<tr data-task="([a-z0-9-]+)"', html) == ["i-2-4", "ii-1-b"]


def test_the_province_report_has_districts_zones_and_targets(client) -> None:
    html = client.get(f"/reports/province?as_of={AS_OF}&lang=en").get_data(as_text=True)
    assert len(re.findall(r'<tr data-district="\d+"', html)) == 11
    assert len(re.findall(r'<tr data-target="', html)) == len(PLAN_TARGETS)
    assert len(re.findall(r'<tr data-task="', html)) == 33
    assert html.count("<svg") == 3  # stages, clearance, targets
    overdue = client.get(f"/api/plan/tasks?status=overdue&as_of={AS_OF}").get_json()["count"]
    assert html.count(f"Overdue as of {AS_OF_SHOWN}") == overdue


def test_unknown_scope_is_404_and_a_bad_date_400(client) -> None:
    assert client.get("/reports/999").status_code == 404
    assert client.get("/reports/999.pdf").status_code == 404
    assert client.get("/reports/740.xlsx?as_of=2020-13-01").status_code == 400
    assert client.get("/reports?as_of=x").status_code == 400


def test_the_pdf_keeps_vietnamese_text_in_a_font_with_its_glyphs(client) -> None:
    reader = _pdf(client, "740")
    text = _text(reader)
    # Names from the data, the plan's task text and the UI's Vietnamese labels, intact.
    for phrase in (
        "Huyện Long Thành",
        "CCN Long Phước 1",
        "Bồi thường, GPMB",
        "Đẩy nhanh tiến độ bồi thường giải phóng mặt bằng",
        "Tạo quỹ đất sạch thu hút DN CNC",
        AS_OF_SHOWN,
    ):
        assert phrase in text, phrase
    assert "\ufffd" not in text  # no replacement characters
    assert _fonts(reader) and all(name.startswith("DejaVu") for name in _fonts(reader))
    assert "Huyện Long Thành" in reader.metadata.title and AS_OF_SHOWN in reader.metadata.title


def test_the_province_pdf_renders_and_states_its_date(client) -> None:
    reader = _pdf(client, "province", "2021-01-05")
    text = _text(reader)
    assert "Đồng Nai" in text and "05/01/2021" in text
    assert "Kế hoạch triển khai Chương trình chuyển dịch cơ cấu ngành công nghiệp" in text
    assert len(reader.pages) >= 3


def test_the_pdf_loads_nothing_from_outside(client, api_as) -> None:
    # User text that looks like markup is escaped, so it cannot make WeasyPrint fetch anything.
    note = '<img src="http://example.invalid/x.png"><link rel=stylesheet href="file:///etc/passwd">'
    assert patch_task(api_as("admin"), "i-2-4", {"note": note}).status_code == 200
    # Printed as text; the narrow column wraps it anywhere, so compare without white space.
    printed = "".join(_text(_pdf(client, "740")).split())
    assert "".join(note.split()) in printed


def _workbook(client, scope: str, as_of: str = AS_OF, lang: str = "en"):
    response = client.get(f"/reports/{scope}.xlsx?as_of={as_of}&lang={lang}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert f'filename="report-{scope}-{as_of}.xlsx"' in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def _rows(sheet) -> list[tuple]:
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] in ("Id", "Area", "District", "Zone"))
    return rows[header:]


def test_the_district_workbook_states_its_date_on_every_sheet(client) -> None:
    book = _workbook(client, "740")
    assert book.sheetnames == ["Summary", "Clusters", "Tasks"]
    for sheet in book.worksheets:
        assert sheet["A1"].value == "Report: Huyện Long Thành"
        assert sheet["A2"].value == "As of" and sheet["B2"].value.date().isoformat() == AS_OF
    clusters = _rows(book["Clusters"])
    assert clusters[0][:3] == ("Id", "Name", "Kind")
    ids = sorted(r[0] for r in clusters[1:])
    assert ids == sorted(
        f["id"] for f in client.get("/api/clusters?district=740").get_json()["features"]
    )
    tasks = [r for r in _rows(book["Tasks"])[1:] if r and r[0] and r[0] != "Total"]
    assert [r[0] for r in tasks] == ["i-2-4", "ii-1-b"]
    summary = _rows(book["Summary"])
    assert summary[1][0] == "Huyện Long Thành" and summary[1][1] == len(ids)


def test_the_province_workbook_matches_the_dashboard(client, api_as) -> None:
    admin = api_as("admin")
    assert admin.patch("kcn-bien-hoa-1", {"clearance_cleared_ha": 230}).status_code == 200
    book = _workbook(client, "province")
    assert book.sheetnames == ["Summary", "Districts", "Zones", "Clusters", "Tasks", "Targets"]
    dashboard = client.get(f"/api/dashboard?as_of={AS_OF}").get_json()
    header, *rows = _rows(book["Districts"])
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    bien_hoa = by_name["Thành phố Biên Hòa"]
    figures = next(r for r in dashboard["clusters"]["districts"] if r["code"] == "731")
    assert bien_hoa["Cleared (ha)"] == figures["clearance"]["cleared_ha"] == 230
    assert bien_hoa["Clusters"] == figures["count"]
    assert len(_rows(book["Targets"])) == 1 + len(PLAN_TARGETS)
    total = next(r for r in _rows(book["Tasks"]) if r and r[0] == "Total")
    assert total[1] == 33


def test_text_that_looks_like_a_formula_stays_text(client, api_as) -> None:
    note = '=HYPERLINK("http://example.invalid","x")'
    assert patch_task(api_as("admin"), "i-2-4", {"note": note}).status_code == 200
    book = _workbook(client, "740")
    # Kept as text, with OWASP's apostrophe in front so no spreadsheet reads a formula.
    cells = [c for row in book["Tasks"].iter_rows() for c in row if c.value == "'" + note]
    assert cells and all(c.data_type == "s" for c in cells)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_reports_index_links_every_report(client, lang: str) -> None:
    html = client.get(f"/reports?as_of={AS_OF}&lang={lang}").get_data(as_text=True)
    scopes = re.findall(r'<tr data-scope="([a-z0-9]+)"', html)
    assert scopes[0] == "province" and len(scopes) == 12
    assert f"/reports/740.pdf?as_of={AS_OF}" in html
    assert f"/reports/740.xlsx?as_of={AS_OF}" in html
