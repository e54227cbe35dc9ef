"""Why a value was refused, in the reader's language: one sentence per error code.

The API answers every refused field with an English ``reason`` (for people reading the
API) and a stable ``code`` with its ``params`` (gis.errors.FieldError). Pages word the
code: server-rendered pages with ``reason_text``, the map's editor with the templates
``client_reasons`` gives it. A code without a sentence here reads as the generic one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from gis import dates
from gis.errors import FieldError
from gis.web.formatting import num

GENERIC = "invalid"
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
REASONS = {
    GENERIC: _l("This value is not accepted."),
    "unknown_field": _l("This field does not exist."),
    "read_only": _l("This field cannot be changed here."),
    "required": _l("Required."),
    "empty": _l("Must not be empty."),
    "too_long": _l("At most %(limit)s characters."),
    "too_small": _l("Must be at least %(limit)s."),
    "too_large": _l("Must be at most %(limit)s."),
    "not_in_list": _l("Choose one of the listed values."),
    "not_date": _l("Not a date (day/month/year)."),
    "not_number": _l("Not a number."),
    "not_text": _l("Must be text."),
    "not_yes_no": _l("Must be yes or no."),
    "bad_format": _l("Not in the expected form."),
    "exceeds": _l("%(value)s ha is more than %(other)s (%(limit)s ha)."),
    "unknown_district": _l("Not a district of the province."),
    "id_exists": _l("This identifier is already used."),
    "precision_required": _l("Say how precise the new location is before saving."),
    "precision_without_location": _l(
        "Without a location, the location precision must be “Location unknown”."
    ),
    "geometry_malformed": _l("The shape sent cannot be read as a location."),
    "geometry_too_large": _l("The shape is too large to store."),
    "too_many_vertices": _l("The shape has too many vertices."),
    "geometry_empty": _l("The shape is empty."),
    "geometry_type": _l("Only a point or a boundary (polygon) can be stored."),
    "geometry_invalid": _l("The shape is not valid: for instance, its edges cross."),
    "coordinates_swapped": _l("Latitude and longitude look swapped."),
    "not_wgs84": _l("The coordinates are not longitude and latitude (WGS 84)."),
    "outside_vietnam": _l("The location is outside Viet Nam."),
    "outside_province": _l("The location is outside Đồng Nai province."),
    "outside_district": _l("The location is outside the cluster's district."),
    "overdue_computed": _l("“Overdue” follows from the deadline; it cannot be chosen."),
    "note_needs_text": _l("A dated note needs its text."),
    "after_today": _l("The date is after today (%(today)s)."),
    "out_of_range": _l("Must lie between %(low)s and %(high)s."),
    "required_text": _l("Required, at most %(limit)s characters."),
    "length": _l("From %(low)s to %(high)s characters."),
    "username_form": _l("3 to 40 characters: a–z, 0–9, dot, dash or underscore."),
    "username_taken": _l("This user name is already taken."),
    "editor_needs_district": _l("An editor needs a district (or a lead unit)."),
    "unknown_lead_unit": _l("No task of the plan is led by this unit."),
    # Refusals of scope (403), worded the same way.
    "forbidden": _l("Your account may not do this."),
    "role_cannot_edit": _l("Your role cannot change clusters."),
    "outside_your_district": _l("This cluster is outside your district."),
    "fields_not_editable": _l("An editor cannot change: %(fields)s."),
}


class _Placeholders(dict):
    """Fills a template's ``%(name)s`` with ``{name}`` for the page's script to fill."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _shown(name: str, value: Any) -> str:
    from gis.web.labels import OGC_FIELD_LABELS, field_label

    def label(field_name: str) -> str:
        # Every field a record may name, "sources" and the derived ones included.
        known = OGC_FIELD_LABELS.get(field_name)
        return str(known) if known is not None else field_label(field_name)

    if name == "other" and isinstance(value, str):
        return label(value)
    if name == "fields" and isinstance(value, list):
        return ", ".join(label(str(v)) for v in value)
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        return dates.show(value)  # a day reads dd/mm/yyyy on a page
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return num(value)


def reason_text(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The reason a code names, in the page's language, with its figures and field names."""
    template = REASONS.get(code) or REASONS[GENERIC]
    values = {k: _shown(k, v) for k, v in (params or {}).items()}
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        # A figure the sentence cites is missing: the generic sentence, never "%(limit)s".
        return str(REASONS[GENERIC])


def error_text(error: FieldError) -> str:
    """A field error worded for the page (its English ``reason`` is for the API)."""
    return reason_text(error.code, error.params)


def register(bp: Blueprint) -> None:
    """Let templates word a field error: ``error_text(e)``."""
    bp.add_app_template_global(error_text, "error_text")


def client_reasons() -> dict[str, str]:
    """Every reason's sentence in the page's language, with ``{name}`` for each figure."""
    return {code: str(template) % _Placeholders() for code, template in REASONS.items()}
