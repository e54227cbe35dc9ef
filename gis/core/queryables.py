"""The typed properties of each OGC collection, and which of them a CQL2 filter may name.

One table per collection says each property's JSON type (so GDAL types numbers as Real and
dates as Date) and, for the queryable ones, the SQL expression a filter compares (so a
filter runs in the database, on SQLite and PostGIS alike, and pages stay in SQL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from sqlalchemy import Numeric, SQLColumnExpression, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from gis.core.places import PlaceKind
from gis.core.schema import ClearanceStatus, Kind, Precision, Stage
from gis.store.models import Cluster, District, Place

Column = Callable[[], SQLColumnExpression[Any]]


@dataclass(frozen=True)
class Prop:
    """One feature property: its JSON type, and its SQL expression when it is queryable."""

    name: str
    type: str  # JSON Schema type: string, number, integer, boolean, array, object
    format: str | None = None  # "date" for a calendar day as YYYY-MM-DD
    enum: tuple[str, ...] | None = None
    items: str | None = None  # type of an array's items
    column: Column | None = None

    def json_schema(self) -> dict[str, Any]:
        """This property as a JSON Schema."""
        schema: dict[str, Any] = {"type": self.type}
        if self.format:
            schema["format"] = self.format
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.items:
            schema["items"] = {"type": self.items}
        return schema


def _record(key: str, kind: str) -> Column:
    """A value inside the cluster's JSON record (json_extract / ->> with a cast)."""

    def build() -> ColumnElement[Any]:
        value = Cluster.record[key]
        if kind == "number":
            return value.as_float()
        if kind == "boolean":
            return value.as_boolean()
        return value.as_string()

    return build


def _district(attribute: str) -> Column:
    def build() -> ColumnElement[Any]:
        column = getattr(District, attribute)
        return select(column).where(District.code == Cluster.district_code).scalar_subquery()

    return build


def _occupancy() -> ColumnElement[Any]:
    # gis.core.schema.occupancy_pct in SQL: leased share in percent, one decimal, from the
    # hectares when both are known; else the percentage a source reports.
    industrial = Cluster.record["industrial_land_ha"].as_float()
    leased = Cluster.record["leased_land_ha"].as_float()
    computed = func.round(cast(100 * leased / func.nullif(industrial, 0), Numeric(12, 4)), 1)
    reported = Cluster.record["occupancy_reported_pct"].as_float()
    return func.coalesce(computed, reported)


def _choices(literal: Any) -> tuple[str, ...]:
    return tuple(get_args(literal))


def _text(name: str, column: Column | None = None, **kw: Any) -> Prop:
    return Prop(name, "string", column=column, **kw)


def _number(name: str, column: Column | None = None) -> Prop:
    return Prop(name, "number", column=column)


CLUSTER_PROPERTIES: tuple[Prop, ...] = (
    _text("id", lambda: Cluster.id),
    _text("name_vi", _record("name_vi", "string")),
    _text("name_en", _record("name_en", "string")),
    _text("kind", lambda: Cluster.kind, enum=_choices(Kind)),
    _text("district_code", lambda: Cluster.district_code),
    _text("district_name", _district("name")),
    _text("zone", _district("zone")),
    _text("commune", _record("commune", "string")),
    _text("commune_code", _record("commune_code", "string")),
    _text("commune_2025", _record("commune_2025", "string")),
    Prop("named_in_plan", "boolean", column=_record("named_in_plan", "boolean")),
    Prop("plan_actions", "array", items="object"),
    _text("relocation_target", _record("relocation_target", "string")),
    _number("planned_area_ha", _record("planned_area_ha", "number")),
    _number("industrial_land_ha", _record("industrial_land_ha", "number")),
    _number("leased_land_ha", _record("leased_land_ha", "number")),
    _number("occupancy_reported_pct", _record("occupancy_reported_pct", "number")),
    _text("area_note"),
    _text("investor", _record("investor", "string")),
    _text("decision_number", _record("decision_number", "string")),
    _text("decision_date", _record("decision_date", "string"), format="date"),
    Prop("industries", "array", items="string"),
    _text("stage", lambda: Cluster.stage, enum=_choices(Stage)),
    _text(
        "clearance_status",
        _record("clearance_status", "string"),
        enum=_choices(ClearanceStatus),
    ),
    _number("clearance_cleared_ha", _record("clearance_cleared_ha", "number")),
    _number("clearance_total_ha", _record("clearance_total_ha", "number")),
    _text("clearance_blocker"),
    Prop("infrastructure", "object"),
    _text(
        "location_precision",
        _record("location_precision", "string"),
        enum=_choices(Precision),
    ),
    _text("location_note"),
    _text("status_note"),
    Prop("sources", "object"),
    Prop("inferred", "array", items="string"),
    _text("as_of", _record("as_of", "string"), format="date"),
    _number("occupancy_pct", _occupancy),
    Prop("version", "integer"),
    _number("free_land_ha", lambda: Cluster.free_land_ha),
    Prop("ready", "boolean", column=lambda: Cluster.ready),
    Prop("distances_km", "object"),
    Prop("nearest_interchange", "object"),
)

DISTRICT_PROPERTIES: tuple[Prop, ...] = (
    _text("code", lambda: District.code),
    _text("name", lambda: District.name),
    _text("name_en", lambda: District.name_en),
    _text("short_name", lambda: District.short_name),
    _text("zone", lambda: District.zone),
    _text("zone_source"),
    Prop("label_point", "array", items="number"),
    Prop("has_boundary", "boolean"),
    _text("boundary_source"),
    Prop("cluster_count", "integer"),
)

PLACE_PROPERTIES: tuple[Prop, ...] = (
    _text("id", lambda: Place.id),
    _text("name_vi", lambda: Place.name_vi),
    _text("name_en", lambda: Place.name_en),
    _text("kind", lambda: Place.kind, enum=_choices(PlaceKind)),
    _text("status", lambda: Place.status),
    _text("source"),
    _text("note"),
    _text("coordinate_note"),
)

PROPERTIES: dict[str, tuple[Prop, ...]] = {
    "clusters": CLUSTER_PROPERTIES,
    "districts": DISTRICT_PROPERTIES,
    "places": PLACE_PROPERTIES,
}
# Collections whose geometry a filter may test (S_INTERSECTS): those stored with an index.
SPATIAL_QUERYABLE = frozenset({"clusters"})


def properties(collection: str, visible: frozenset[str] | None = None) -> tuple[Prop, ...]:
    """The collection's properties, only those in ``visible`` when it is given."""
    return tuple(p for p in PROPERTIES[collection] if visible is None or p.name in visible)


def queryables(collection: str, visible: frozenset[str] | None = None) -> dict[str, Prop]:
    """The properties a filter on the collection may name, by name."""
    return {p.name: p for p in properties(collection, visible) if p.column is not None}
