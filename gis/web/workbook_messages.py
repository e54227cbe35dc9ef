"""What each workbook problem says, in the page's language, with its row and column."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from gis.core import workbook as wb
from gis.web.reason_text import reason_text

MESSAGES = {
    "not_xlsx": _l("The file is not an Excel workbook (.xlsx), or it is damaged."),
    "unpacked_too_large": _l(
        "The workbook would unpack to more than %(mb)s MB; it is not a workbook of this layout."
    ),
    "layout_sheet": _l(
        "This is not the district workbook: it has no sheet “%(expected)s” (sheets: %(found)s). "
        "Download the workbook from this page and fill that in."
    ),
    "layout_header": _l(
        "This is not the district workbook, or its columns were changed: column %(letter)s is "
        "headed “%(found)s”, it should be “%(expected)s”. Do not insert, delete or move columns."
    ),
    "layout_extra_column": _l(
        "Column %(letter)s (“%(found)s”) is not part of the district workbook; remove it."
    ),
    "too_many_rows": _l(
        "The workbook has %(rows)s rows of clusters; at most %(limit)s can be uploaded at once."
    ),
    "no_rows": _l("The workbook has no cluster rows."),
    "formula": _l("a formula (%(formula)s): type the value itself."),
    "merged": _l("merged cells (%(range)s): unmerge them, one value per cell."),
    "not_in_list": _l(
        "“%(value)s” is not in the list: choose one of %(choices)s, or leave it empty."
    ),
    "not_number": _l("“%(value)s” is not a number of hectares."),
    "out_of_range": _l("%(value)s is outside 0 to %(max)s ha."),
    "not_date": _l("“%(value)s” is not a date (day/month/year)."),
    "not_text": _l("“%(value)s” should be text."),
    "too_long": _l("longer than %(limit)s characters."),
    "bad_id": _l("“%(value)s” is not a cluster id."),
    "missing_id": _l("the cluster id is missing: this row cannot be matched to a cluster."),
    "repeated_id": _l("cluster %(id)s is already on row %(first)s."),
    "unknown_id": _l("there is no cluster with the id %(id)s."),
    "other_district": _l("cluster %(id)s belongs to %(district)s, outside your district."),
    "bad_version": _l("“%(value)s” is not a version: do not change this column."),
    "missing_version": _l("the version is missing: do not change this column."),
    "newer_version": _l(
        "version %(version)s is newer than the stored one (%(current)s): do not change this column."
    ),
    "stale": _l(
        "cluster %(id)s was changed by someone else after your download (version %(version)s, now "
        "%(current)s); your row is refused. Download the workbook again and re-enter your change."
    ),
    "exceeds": _l("%(value)s ha is more than %(other)s (%(limit)s ha)."),
    "rejected": _l("refused: %(reason)s"),
    "forbidden": _l("not allowed: %(reason)s"),
}


COLUMN_NAMES = {c.key: f"{wb.column_letter(c.key)} · {c.header}" for c in wb.COLUMNS}


def column_name(key: str | None) -> str:
    """A column as the editor sees it: its letter and header (“D · Tình trạng”)."""
    return COLUMN_NAMES.get(key or "", "")


def _choices(list_name: str) -> str:
    from gis.web.workbook import list_labels

    return ", ".join(f"“{label}”" for label in list_labels()[list_name].values())


def problem_text(problem: wb.Problem) -> str:
    """The reason, in the page's language, with the values that explain it."""
    params: dict[str, Any] = dict(problem.params)
    if problem.code == "unpacked_too_large":
        params["mb"] = params.get("limit", 0) // (1024 * 1024)
    if problem.code == "layout_header" and problem.column:
        params["letter"] = wb.column_letter(problem.column)
    if problem.code == "not_in_list":
        params["choices"] = _choices(params.get("list", ""))
    if problem.code == "exceeds":
        other = params.get("other_column", "")
        params["other"] = column_name(other) or other
    if problem.code in ("rejected", "forbidden") and "code" in params:
        # The API's reason is English: the page words its code.
        params["reason"] = reason_text(params["code"], params.get("params"))
    params.pop("events", None)
    template = MESSAGES.get(problem.code)
    if template is None:
        return problem.code
    return str(template) % params


def stale_events(problem: wb.Problem) -> list[dict[str, Any]]:
    """The changes made meanwhile that a stale row missed: who, when, what."""
    return [
        {
            "actor": e["actor"],
            "at": e["at"],
            "changes": [c for c in e["changes"] if c["field"] != "geometry"],
            "moved": any(c["field"] == "geometry" for c in e["changes"]),
        }
        for e in problem.params.get("events", [])
    ]
