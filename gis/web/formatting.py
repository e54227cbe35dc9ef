"""Numbers and units in the reader's language, for the plan pages, dashboard and reports."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import format_decimal

from gis import dates
from gis.web.plan_labels import UNIT_LABELS


def num(value: float | int | None, digits: int = 2) -> str:
    """A number in the current locale ("96,2" in Vietnamese), at most ``digits`` decimals."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0." + "#" * digits if digits else "#,##0")


def unit_label(unit: str) -> str:
    """The display name of a target's unit."""
    return str(UNIT_LABELS.get(unit, unit))


def register(bp: Blueprint) -> None:
    """Make ``num``, ``dmy``, ``day`` and ``unit_label`` available to every template."""
    bp.add_app_template_filter(num, "num")
    # One date format everywhere: dd/mm/yyyy, times in Asia/Ho_Chi_Minh (gis/dates.py).
    bp.add_app_template_filter(dates.show, "dmy")
    bp.add_app_template_filter(dates.show_date, "day")
    bp.add_app_template_global(unit_label, "unit_label")
