"""The XLSX files and the PDF report laid out for people: header, filter, widths, landscape."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader

from gis import dates


def _check_sheet(sheet, header_row: int) -> None:
    """Frozen below the header, filtered over the table, columns as wide as their text."""
    assert sheet.freeze_panes == f"A{header_row + 1}"
    assert sheet.auto_filter.ref is not None
    first, last = sheet.auto_filter.ref.split(":")
    assert first == f"A{header_row}"
    assert int(re.sub(r"[A-Z]", "", last)) == sheet.max_row
    widths = []
    for column in sheet.iter_cols(min_row=header_row, max_row=sheet.max_row):
        letter = column[0].column_letter
        width = sheet.column_dimensions[letter].width
        # A date shows as dd/mm/yyyy: 10 characters.
        longest = max(
            10 if isinstance(c.value, dt.date) else len(str(c.value))
            for c in column
            if c.value is not None
        )
        assert width >= min(longest, 58), (sheet.title, letter, width, longest)
        assert width <= 60
        widths.append(width)
    # Fitted, not the default 13 everywhere.
    assert len(set(widths)) > 3


def test_data_export_xlsx_has_a_frozen_filtered_fitted_header(client) -> None:
    for lang in ("en", "vi"):
        response = client.get(f"/api/clusters/export?format=xlsx&lang={lang}")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.data)).active
        _check_sheet(sheet, header_row=1)
        assert (
            sheet.max_row == 1 + client.get("/api/clusters?limit=1000").get_json()["numberMatched"]
        )


def test_report_workbook_sheets_are_laid_out(client) -> None:
    response = client.get("/reports/province.xlsx?as_of=2020-12-31&lang=vi")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) >= 5
    for sheet in book.worksheets:
        header_row = next(r for r in range(1, 10) if sheet.cell(r, 1).value is None) + 1
        _check_sheet(sheet, header_row)
    # The as-of date is a date cell shown dd/mm/yyyy.
    summary = book.worksheets[0]
    assert summary["B2"].value.date().isoformat() == "2020-12-31"
    assert summary["B2"].number_format == "DD/MM/YYYY"


def _pdf(client, scope: str) -> PdfReader:
    response = client.get(f"/reports/{scope}.pdf?as_of=2020-12-31&lang=vi")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def test_district_pdf_is_landscape_with_an_official_header_block(client) -> None:
    days = {dates.today()}
    reader = _pdf(client, "740")
    days.add(dates.today())  # midnight in Viet Nam may fall while the PDF is made
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) > float(box.height)  # landscape A4
        assert round(float(box.width)) == 842 and round(float(box.height)) == 595
    first = reader.pages[0].extract_text()
    for line in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND TỈNH ĐỒNG NAI",
        "SỞ CÔNG THƯƠNG",
    ):
        assert line in first
    assert any(
        f"Đồng Nai, ngày {made.day:02d} tháng {made.month:02d} năm {made.year}" in first
        for made in days
    )
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "31/12/2020" in text and "2020-12-31" not in text
    assert "months" not in text
    province = "\n".join(p.extract_text() for p in _pdf(client, "province").pages)
    assert "months" not in province and "định kỳ 6 tháng" in province


def test_no_heading_is_left_alone_at_the_foot_of_a_page(client) -> None:
    headings = {"Tổng hợp", "Cụm công nghiệp", "Nhiệm vụ kế hoạch", "Chỉ tiêu"}
    for scope in ("province", "740", "736"):
        reader = _pdf(client, scope)
        for number, page in enumerate(reader.pages[:-1], start=1):
            lines = [x.strip() for x in page.extract_text().splitlines() if x.strip()]
            # The foot line is the page's running footer; above it is the last content.
            body = [x for x in lines if not re.search(r"\d+ / \d+$", x) and "Tính đến" not in x]
            assert body and body[-1] not in headings, (scope, number, body[-3:])


def test_a_pdf_made_yesterday_is_not_served_as_todays(client, monkeypatch) -> None:
    # PDFs are cached per store revision; the header's date is the day the report is made.
    for day in (2, 3):
        moment = dt.datetime(2030, 1, day, 10, 0, tzinfo=dates.VIETNAM)
        monkeypatch.setattr(dates, "now", lambda moment=moment: moment)
        first = _pdf(client, "740").pages[0].extract_text()
        assert f"Đồng Nai, ngày {day:02d} tháng 01 năm 2030" in first
