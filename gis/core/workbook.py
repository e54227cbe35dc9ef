"""The district workbook: an XLSX laid out for editing clusters, written and read back.

One row a cluster, Vietnamese headers, drop-down lists for coded values, the id, name and
version columns locked by sheet protection, an instructions sheet. Reading checks the
layout, sizes, formulas, merged cells and every cell's type, and names each problem with
its row and column; it knows nothing of the database (gis.core.workbook_changes does).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from copy import copy
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from gis.core.exports import HEADERS_VI
from gis.core.schema import (
    CLEARANCE_STATUSES,
    COMPONENT_STATES,
    INFRASTRUCTURE_COMPONENTS,
    STAGES,
)
from gis.text import nfc

DATA_SHEET = "Cụm công nghiệp"
LISTS_SHEET = "Danh mục"
INFO_SHEET = "Hướng dẫn"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_TEXT = 2000
MAX_HECTARES = 100_000.0
# An XLSX is a zip: its parts are refused when they would unpack to more than this, so a
# small "zip bomb" cannot make the reader fill the memory.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_PARTS = 200


@dataclass(frozen=True)
class Column:
    """One column of the data sheet: its key, Vietnamese header and the kind of value."""

    key: str
    header: str
    kind: str  # id, info, version, code, number, date, text, note
    width: int = 18

    @property
    def editable(self) -> bool:
        """Whether the editor fills this column (the others are locked)."""
        return self.kind not in ("id", "info", "version")


COLUMNS: tuple[Column, ...] = (
    Column("id", "Mã cụm (không sửa)", "id", 26),
    Column("name_vi", "Tên cụm (không sửa)", "info", 34),
    Column("version", "Phiên bản khi tải về (không sửa)", "version", 12),
    Column("stage", HEADERS_VI["stage"], "code", 24),
    Column("clearance_status", HEADERS_VI["clearance_status"], "code", 18),
    Column("clearance_cleared_ha", HEADERS_VI["clearance_cleared_ha"], "number", 14),
    Column("clearance_total_ha", HEADERS_VI["clearance_total_ha"], "number", 14),
    Column("clearance_blocker", HEADERS_VI["clearance_blocker"], "text", 30),
    *(
        Column(f"infra_{c}", HEADERS_VI[f"infra_{c}"], "code", 16)
        for c in INFRASTRUCTURE_COMPONENTS
    ),
    Column("industrial_land_ha", HEADERS_VI["industrial_land_ha"], "number", 14),
    Column("leased_land_ha", HEADERS_VI["leased_land_ha"], "number", 14),
    Column("investor", HEADERS_VI["investor"], "text", 30),
    Column("decision_number", HEADERS_VI["decision_number"], "text", 20),
    Column("decision_date", HEADERS_VI["decision_date"], "date", 14),
    Column("as_of", HEADERS_VI["as_of"], "date", 14),
    Column("status_note", HEADERS_VI["status_note"], "text", 30),
    Column("note", "Ghi chú thay đổi (lưu vào lịch sử)", "note", 30),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
# The codes each coded column takes; the workbook shows their Vietnamese labels.
CODES: dict[str, tuple[str, ...]] = {
    "stage": STAGES,
    "clearance_status": CLEARANCE_STATUSES,
    **{f"infra_{c}": COMPONENT_STATES for c in INFRASTRUCTURE_COMPONENTS},
}
# Lists of the "Danh mục" sheet, one column each; coded columns point at theirs.
LISTS = ("stage", "clearance_status", "component")


def list_of(key: str) -> str:
    """The list a coded column's drop-down shows."""
    return "component" if key.startswith("infra_") else key


def column_letter(key: str) -> str:
    """The spreadsheet letter of a column ("A" for the id)."""
    return get_column_letter([c.key for c in COLUMNS].index(key) + 1)


def record_value(record: Mapping[str, Any], key: str) -> Any:
    """The stored value a column shows (components are inside ``infrastructure``)."""
    if key.startswith("infra_"):
        return (record.get("infrastructure") or {}).get(key.removeprefix("infra_"))
    return record.get(key)


# --- writing --------------------------------------------------------------------------


@dataclass
class SheetRow:
    """One cluster to write: its id, name, version and stored record."""

    cluster_id: str
    name: str
    version: int
    record: Mapping[str, Any]


def _cell_value(column: Column, value: Any, labels: Mapping[str, Mapping[str, str]]) -> Any:
    if value is None:
        return None
    if column.kind == "code":
        return labels[list_of(column.key)].get(value, value)
    if column.kind == "date":
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    return value


def build_workbook(
    rows: Iterable[SheetRow],
    labels: Mapping[str, Mapping[str, str]],
    instructions: list[str],
) -> bytes:
    """The workbook of ``rows``; ``labels`` gives each list's code → Vietnamese label."""
    book = Workbook()
    info = book.active
    info.title = INFO_SHEET
    sheet = book.create_sheet(DATA_SHEET)
    lists = book.create_sheet(LISTS_SHEET)
    book.active = 1

    info.column_dimensions["A"].width = 110
    for number, line in enumerate(instructions, start=1):
        cell = info.cell(row=number, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if number == 1:
            cell.font = Font(bold=True, size=14)
    info.protection.sheet = True

    for index, name in enumerate(LISTS, start=1):
        lists.cell(row=1, column=index, value=name).font = Font(bold=True)
        for number, label in enumerate(labels[name].values(), start=2):
            lists.cell(row=number, column=index, value=label)
        lists.column_dimensions[get_column_letter(index)].width = 28
    lists.protection.sheet = True

    header_fill = PatternFill("solid", fgColor="DDEBF7")
    locked_fill = PatternFill("solid", fgColor="EEEEEE")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    count = 0
    # Each column's cell style, set once on the first row and copied to the others:
    # openpyxl's style setters cost more than everything else when done per cell.
    prototypes: dict[int, Any] = {}
    for number, row in enumerate(rows, start=2):
        count += 1
        values = {"id": row.cluster_id, "name_vi": row.name, "version": row.version}
        for index, column in enumerate(COLUMNS, start=1):
            if column.kind in ("id", "info", "version"):
                value = values[column.key]
            elif column.kind == "note":
                value = None
            else:
                value = _cell_value(column, record_value(row.record, column.key), labels)
            cell = sheet.cell(row=number, column=index, value=value)
            if index in prototypes:
                cell._style = copy(prototypes[index])
                continue
            if column.editable:
                cell.protection = Protection(locked=False)
            else:
                cell.fill = locked_fill
            if column.kind == "date":
                cell.number_format = "DD/MM/YYYY"
            elif column.kind == "number":
                cell.number_format = "0.00"
            prototypes[index] = cell._style
    last = count + 1
    _validations(sheet, last, labels)
    sheet.freeze_panes = "D2"
    # Sheet protection keeps the id, name and version cells from slips; editors may still
    # resize, sort and filter. It is not security: the server checks every value it reads.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.autoFilter = False
    sheet.protection.sort = False
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _validations(sheet: Any, last: int, labels: Mapping[str, Mapping[str, str]]) -> None:
    if last < 2:
        return
    for column in COLUMNS:
        letter = column_letter(column.key)
        area = f"{letter}2:{letter}{last}"
        if column.kind == "code":
            name = list_of(column.key)
            list_column = get_column_letter(LISTS.index(name) + 1)
            end = len(labels[name]) + 1
            rule = DataValidation(
                type="list",
                formula1=f"'{LISTS_SHEET}'!${list_column}$2:${list_column}${end}",
                allow_blank=True,
            )
            rule.error = "Chọn một giá trị trong danh sách (để trống nếu chưa báo cáo)."
        elif column.kind == "number":
            rule = DataValidation(
                type="decimal",
                operator="between",
                formula1="0",
                formula2=str(int(MAX_HECTARES)),
                allow_blank=True,
            )
            rule.error = f"Nhập một số héc-ta từ 0 đến {int(MAX_HECTARES)}."
        elif column.kind == "date":
            rule = DataValidation(
                type="date",
                operator="between",
                formula1="DATE(1900,1,1)",
                formula2="DATE(2100,12,31)",
                allow_blank=True,
            )
            rule.error = "Nhập ngày theo dạng ngày/tháng/năm."
        elif column.kind in ("text", "note"):
            rule = DataValidation(
                type="textLength", operator="lessThanOrEqual", formula1=str(MAX_TEXT)
            )
            rule.error = f"Tối đa {MAX_TEXT} ký tự."
        else:
            continue
        rule.errorTitle = "Giá trị không hợp lệ"
        rule.showErrorMessage = True
        rule.add(area)
        sheet.add_data_validation(rule)


# --- reading --------------------------------------------------------------------------


@dataclass
class Problem:
    """What is wrong, where: a sheet row and column (None: the whole file), a code, details."""

    code: str
    row: int | None = None
    column: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReadRow:
    """One data row as read: its sheet row number and each column's typed value."""

    row: int
    values: dict[str, Any]


@dataclass
class Reading:
    """The rows a workbook holds and every problem found in it."""

    rows: list[ReadRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class WorkbookRefused(Exception):
    """The file cannot be read as this layout at all; ``problem`` says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def _open_checks(data: bytes) -> None:
    """Refuse what is not an XLSX, or would unpack too large, before openpyxl opens it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise WorkbookRefused(Problem("not_xlsx")) from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise WorkbookRefused(
                Problem("unpacked_too_large", params={"limit": MAX_UNPACKED_BYTES})
            )
        # Each entry's stated size bounds what zipfile will inflate from it.
        if sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
            raise WorkbookRefused(
                Problem("unpacked_too_large", params={"limit": MAX_UNPACKED_BYTES})
            )
        if "[Content_Types].xml" not in archive.namelist():
            raise WorkbookRefused(Problem("not_xlsx"))


def _filled(values: Iterable[Any]) -> bool:
    return any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values)


def _merged_ranges(data: bytes, part: str) -> list[str]:
    """The merged ranges of a sheet, read from its XML part (read-only openpyxl has none)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(part) as source:
        # The XML parser of the standard library refuses entity expansion bombs (expat
        # >= 2.4); a sheet part has no DTD anyway.
        return [
            element.get("ref", "")
            for _event, element in ElementTree.iterparse(source, events=("start",))
            if element.tag.endswith("}mergeCell")
        ]


def _header_problem(headers: list[Any]) -> Problem | None:
    for index, column in enumerate(COLUMNS):
        found = headers[index] if index < len(headers) else None
        if (nfc(found) if isinstance(found, str) else found) != column.header:
            return Problem(
                "layout_header",
                column=column.key,
                params={"found": "" if found is None else str(found), "expected": column.header},
            )
    extra = headers[len(COLUMNS)] if len(headers) > len(COLUMNS) else None
    if extra not in (None, ""):
        letter = get_column_letter(len(COLUMNS) + 1)
        return Problem("layout_extra_column", params={"letter": letter, "found": str(extra)})
    return None


def read_workbook(
    data: bytes, labels: Mapping[str, Mapping[str, str]], *, max_rows: int
) -> Reading:
    """Read a workbook of this layout; every problem is named, nothing is guessed.

    One streaming pass (openpyxl's read-only mode): a sheet of more than ``max_rows``
    rows is refused as soon as the row after the last allowed one is read, without
    holding the sheet in memory. Raises WorkbookRefused when the file is not this layout.
    """
    _open_checks(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise WorkbookRefused(Problem("not_xlsx")) from None
    try:
        return _read_sheet(book, data, labels, max_rows)
    except WorkbookRefused:
        raise
    except Exception:  # a part openpyxl cannot parse
        raise WorkbookRefused(Problem("not_xlsx")) from None
    finally:
        book.close()


def _read_sheet(
    book: Any, data: bytes, labels: Mapping[str, Mapping[str, str]], max_rows: int
) -> Reading:
    if DATA_SHEET not in book.sheetnames:
        raise WorkbookRefused(
            Problem(
                "layout_sheet",
                params={"expected": DATA_SHEET, "found": ", ".join(book.sheetnames)},
            )
        )
    sheet = book[DATA_SHEET]
    # The stated dimension may be wrong or missing: read every row the sheet holds.
    sheet.reset_dimensions()
    width = len(COLUMNS)
    rows = sheet.iter_rows(min_row=1, max_col=width + 1)
    header = _header_problem([c.value for c in next(rows, ())])
    if header is not None:
        raise WorkbookRefused(header)

    reading = Reading()
    code_of = {name: _label_index(labels[name]) for name in LISTS}
    count = 0
    for number, cells in enumerate(rows, start=2):
        if not _filled(c.value for c in cells[:width]):
            continue
        count += 1
        if count > max_rows:
            # Known to be refused: only count the rest, to say how many there are.
            count += sum(1 for rest in rows if _filled(c.value for c in rest[:width]))
            raise WorkbookRefused(
                Problem("too_many_rows", params={"rows": count, "limit": max_rows})
            )
        values: dict[str, Any] = {}
        for column, cell in zip(COLUMNS, cells, strict=False):
            value = cell.value
            if cell.data_type == "f" or isinstance(value, (ArrayFormula, DataTableFormula)):
                text = value.text if isinstance(value, ArrayFormula) else str(value)
                reading.problems.append(
                    Problem("formula", row=number, column=column.key, params={"formula": text})
                )
                continue
            try:
                values[column.key] = _typed(column, value, code_of)
            except CellProblem as exc:
                reading.problems.append(
                    Problem(exc.code, row=number, column=column.key, params=exc.params)
                )
        reading.rows.append(ReadRow(number, values))
    for ref in _merged_ranges(data, sheet._worksheet_path):
        min_col, min_row, _max_col, _max_row = range_boundaries(ref)
        reading.problems.append(
            Problem(
                "merged",
                row=min_row,
                column=COLUMNS[min(min_col, width) - 1].key,
                params={"range": ref},
            )
        )
    if not reading.rows and not reading.problems:
        reading.problems.append(Problem("no_rows"))
    return reading


class CellProblem(Exception):
    """One cell's value cannot be read as its column's kind."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _label_index(labels: Mapping[str, str]) -> dict[str, str]:
    """Label (and the code itself) in lower case → code."""
    index = {code.lower(): code for code in labels}
    index.update({nfc(label).lower(): code for code, label in labels.items()})
    return index


_NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _shown(value: Any) -> str:
    return str(value)[:80]


def _typed(column: Column, value: Any, code_of: Mapping[str, Mapping[str, str]]) -> Any:
    """A cell's value as the column's kind (None for an empty cell), or CellProblem."""
    if isinstance(value, str):
        value = nfc(value)
        if value == "":
            return None
    if value is None:
        return None
    kind = column.kind
    if kind == "id":
        if not isinstance(value, str):
            raise CellProblem("bad_id", value=_shown(value))
        return value
    if kind == "info":
        return str(value)
    if kind == "version":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CellProblem("bad_version", value=_shown(value))
        if isinstance(value, float) and (not value.is_integer()):
            raise CellProblem("bad_version", value=_shown(value))
        if int(value) < 1:
            raise CellProblem("bad_version", value=_shown(value))
        return int(value)
    if kind == "code":
        index = code_of[list_of(column.key)]
        if not isinstance(value, str) or value.lower() not in index:
            raise CellProblem("not_in_list", value=_shown(value), list=list_of(column.key))
        return index[value.lower()]
    if kind == "number":
        if isinstance(value, (bool, dt.date, dt.datetime, dt.time)):
            raise CellProblem("not_number", value=_shown(value))
        if isinstance(value, str):
            if not _NUMBER.match(value):
                raise CellProblem("not_number", value=_shown(value))
            value = float(value.replace(",", "."))
        number = float(value)
        if not math.isfinite(number) or number < 0 or number > MAX_HECTARES:
            raise CellProblem("out_of_range", value=_shown(value), max=int(MAX_HECTARES))
        return number
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            match = _DMY.match(value)
            try:
                if match:
                    day, month, year = (int(g) for g in match.groups())
                    return dt.date(year, month, day)
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise CellProblem("not_date", value=_shown(value))
    # text and note
    if isinstance(value, (bool, dt.date, dt.datetime, dt.time)):
        raise CellProblem("not_text", value=_shown(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if len(text) > MAX_TEXT:
        raise CellProblem("too_long", limit=MAX_TEXT)
    return text
