"""A worksheet laid out for reading: frozen header, an autofilter and columns fitted to text."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

# Widths in characters: wide enough for a short header, never wider than a screenful.
MIN_WIDTH = 6
MAX_WIDTH = 60


def _width(value: object) -> int:
    if value is None:
        return 0
    # A multi-line cell is as wide as its longest line.
    return max(len(line) for line in str(value).splitlines() or [""])


def lay_out(sheet: Worksheet, header_row: int = 1) -> None:
    """Freeze the rows down to ``header_row``, filter its table and fit column widths."""
    last_row = max(sheet.max_row, header_row)
    last_column = max(sheet.max_column, 1)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(last_column)}{last_row}"
    for index in range(1, last_column + 1):
        # The table's cells only: a long title above the header must not widen column A.
        cells = sheet.iter_rows(
            min_row=header_row, max_row=last_row, min_col=index, max_col=index, values_only=True
        )
        widest = max((_width(row[0]) for row in cells), default=0)
        # + 2 for the filter button beside the header.
        width = min(MAX_WIDTH, max(MIN_WIDTH, widest + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
