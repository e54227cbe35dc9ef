"""A cluster's history in words: labels, translated values, geometry changes, local time.

The API keeps the raw events (field names, GeoJSON, UTC); pages show them through these.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from pyproj import Geod
from shapely.geometry import shape

from gis import dates
from gis.web import labels
from gis.web.formatting import num
from gis.web.plan_labels import STATUS_LABELS

_GEOD = Geod(ellps="WGS84")
# Values named by a label table, by field.
_VALUE_LABELS: dict[str, dict[Any, Any]] = {
    "stage": labels.STAGE_LABELS,
    "clearance_status": labels.CLEARANCE_LABELS,
    "location_precision": labels.PRECISION_LABELS,
    "kind": labels.KIND_LABELS,
}


def value_text(field: str, value: Any) -> str:
    """A recorded value as a reader reads it."""
    table = (
        labels.COMPONENT_STATE_LABELS
        if field.startswith("infrastructure.")
        else _VALUE_LABELS.get(field, {})
    )
    if (value is None or isinstance(value, str)) and value in table:
        return str(table[value])
    if value is None or value == [] or value == "":
        return _("Not reported")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (int, float)):
        return f"{num(value)} {_('ha')}" if field.endswith("_ha") else num(value)
    if field in ("as_of", "decision_date"):
        return dates.show(str(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    return str(value)


def _area_ha(geometry: dict[str, Any]) -> float:
    area, _perimeter = _GEOD.geometry_area_perimeter(shape(geometry))
    return abs(area) / 10_000


def _distance_text(metres: float) -> str:
    if metres < 1000:
        return f"{num(round(metres), 0)} m"
    return f"{num(metres / 1000, 1)} km"


def geometry_text(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """A change of location in words: moved N m, boundary drawn (X ha), and so on."""
    was_point = before is not None and before.get("type") == "Point"
    is_point = after is not None and after.get("type") == "Point"
    if after is None:
        return _("Location removed")
    if before is None:
        if is_point:
            return _("Placed on the map")
        return _("Boundary drawn, %(ha)s ha", ha=num(_area_ha(after), 1))
    if was_point and is_point:
        (lon1, lat1), (lon2, lat2) = before["coordinates"][:2], after["coordinates"][:2]
        _az, _back, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
        return _("Moved %(distance)s", distance=_distance_text(metres))
    if is_point:
        return _("Boundary replaced by a point")
    if was_point:
        return _("Boundary drawn, %(ha)s ha", ha=num(_area_ha(after), 1))
    return _(
        "Boundary changed: %(before)s ha → %(after)s ha",
        before=num(_area_ha(before), 1),
        after=num(_area_ha(after), 1),
    )


def attachment_text(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """A photo or document added or removed, by its file name."""
    added = after is not None
    item = after if added else before
    name = str((item or {}).get("name", ""))
    if (item or {}).get("kind") == "photo":
        return (
            _("Photo added: %(name)s", name=name)
            if added
            else _("Photo removed: %(name)s", name=name)
        )
    return (
        _("Document added: %(name)s", name=name)
        if added
        else _("Document removed: %(name)s", name=name)
    )


def change_text(change: dict[str, Any]) -> str:
    """One recorded change as a sentence: label, old value → new value."""
    field = change["field"]
    if field == "geometry":
        return geometry_text(change["from"], change["to"])
    if field == "attachments":
        return attachment_text(change["from"], change["to"])
    return _(
        "%(field)s: %(before)s → %(after)s",
        field=labels.field_label(field),
        before=value_text(field, change["from"]),
        after=value_text(field, change["to"]),
    )


def task_change_text(change: dict[str, Any]) -> str:
    """One recorded change of a plan task as a sentence (status, or a progress note)."""
    if change["field"] == "status":
        return _(
            "%(field)s: %(before)s → %(after)s",
            field=_("Status"),
            before=str(STATUS_LABELS.get(change["from"], change["from"])),
            after=str(STATUS_LABELS.get(change["to"], change["to"])),
        )
    note = change.get("to") or {}
    if change["field"] == "progress_note" and isinstance(note, dict):
        return _(
            "Progress note of %(date)s: %(text)s",
            date=dates.show(note.get("date", "")),
            text=note.get("text", ""),
        )
    return change_text(change)


def register(bp: Any) -> None:
    """Make the history helpers available to templates."""
    bp.add_app_template_global(change_text, "change_text")
    bp.add_app_template_global(task_change_text, "task_change_text")
