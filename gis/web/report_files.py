"""A report as a PDF (WeasyPrint, from the printable page) and as an XLSX workbook."""

from __future__ import annotations

import datetime as dt
import io
import logging
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from werkzeug.security import safe_join

from gis.filetext import spreadsheet_text
from gis.xlsx_layout import lay_out

# The printable page's own URLs resolve against this base; only /static/ is served.
BASE_URL = "http://report.invalid/"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The page's screen stylesheet holds properties WeasyPrint does not know (overflow-y,
# text-shadow, width media queries); it would log a dozen warnings for every PDF.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


def pdf_bytes(html: str, static_folder: str | Path) -> bytes:
    """Render the printable page's HTML to PDF with its print CSS.

    WeasyPrint reads only the app's own static files (the stylesheets): never the network,
    never another file, whatever the page links to.
    """
    # Imported on first use: loading pango takes a while and only the PDF needs it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    folder = str(static_folder)

    class StaticFilesOnly(URLFetcher):
        """Serves the app's static files to WeasyPrint and refuses every other URL."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            """The static file ``url`` names, or ValueError (WeasyPrint then skips it)."""
            if not url.startswith(BASE_URL + "static/"):
                raise ValueError("a report loads only the app's static files")
            path = safe_join(folder, unquote(urlsplit(url).path.removeprefix("/static/")))
            if path is None or not Path(path).is_file():
                raise ValueError(f"no static file {url}")
            media = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": media})

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesOnly())
    return document.write_pdf()


Row = Sequence[Any]


def _cell_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = str(value)
    # User text never starts a formula, and holds nothing XML forbids (gis.filetext).
    return spreadsheet_text(value)


def _sheet(
    book: Workbook, title: str, preamble: Sequence[Row], header: Row, rows: Sequence[Row]
) -> None:
    sheet: Worksheet = book.create_sheet(title)
    for line in preamble:
        sheet.append([_cell_value(v) for v in line])
    sheet.append([])
    sheet.append(list(header))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell_value(v) for v in row])
    for row_cells in sheet.iter_rows():
        for cell in row_cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = "DD/MM/YYYY"
            # openpyxl stores a text starting with "=" as a formula: data is text here.
            if isinstance(cell.value, str):
                cell.data_type = "s"
    # The header is the row after the preamble and its blank line.
    lay_out(sheet, header_row=len(preamble) + 2)


def xlsx_bytes(
    sheets: Sequence[tuple[str, Row, Sequence[Row]]],
    preamble: Sequence[Row],
    properties: dict[str, str],
) -> bytes:
    """A workbook with one sheet per (title, header, rows); each sheet starts with
    ``preamble`` (title, scope and the as-of date)."""
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        _sheet(book, title[:31], preamble, header, rows)
    for key, value in properties.items():
        setattr(book.properties, key, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
