"""Importing clusters from a file: every feature through the editor's rules, one change set.

A file may be our own GeoJSON (nested properties, as data/clusters.geojson) or any of our
exports read back (English keys, Vietnamese headers or Shapefile short names). Each feature
becomes a change of an existing cluster (``update_cluster``) or a new one
(``create_cluster``), so scope, schema, consistency and geometry checks are the editor's.
The caller decides whether to commit: nothing here writes outside the session it is given.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
import typing
from dataclasses import dataclass, field
from typing import Any

import shapely
from pydantic import ValidationError
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.core import export_values, exports
from gis.core.actors import Actor
from gis.core.clusters import cluster_geometry
from gis.core.editing import EditWarning, create_cluster, update_cluster
from gis.core.places import PlacePoint
from gis.core.schema import DERIVED_PROPERTIES, INFRASTRUCTURE_COMPONENTS, ClusterRecord
from gis.errors import FieldError, Forbidden, InvalidInput
from gis.store.models import Cluster

RECORD_FIELDS = frozenset(ClusterRecord.model_fields)
INFRA_COLUMNS = {f"infra_{c}": c for c in INFRASTRUCTURE_COMPONENTS}
# Columns our exports add that are derived from other data: read, then left alone.
EXPORT_ONLY = frozenset(
    {*DERIVED_PROPERTIES, "nearest_interchange_id", "nearest_interchange_km", "lon", "lat"}
)
# Columns GDAL adds on its own (feature ids of GeoPackage, CSV and KML).
GDAL_COLUMNS = frozenset({"fid", "ogc_fid", "field_1"})
# Fields that cannot be unknown (id, name, kind, stage...): an empty cell leaves them as
# they are, while an empty cell of a nullable field says the fact is not reported.
REQUIRED_VALUE_FIELDS = frozenset(
    name
    for name, info in ClusterRecord.model_fields.items()
    if type(None) not in typing.get_args(info.annotation)
)
LIST_FIELDS = ("industries", "inferred", "plan_actions")
DICT_FIELDS = ("infrastructure", "sources")
# Coordinates closer than this (about 1 cm) are the same location: a GeoJSON export
# rounds to 7 decimals, a reprojection round trip moves the last digits.
SAME_PLACE_DEGREES = 1e-7
ELLIPSIS = "…"
# Our richest column (plan_actions: a list of objects) nests 2 levels; sources 2.
MAX_JSON_DEPTH = 8
ADDED, CHANGED, UNCHANGED, REJECTED = "added", "changed", "unchanged", "rejected"


@dataclass
class ImportFeature:
    """One feature as read from the file: its columns and its WGS84 geometry."""

    label: str
    columns: dict[str, Any]
    geometry: BaseGeometry | None


@dataclass
class Outcome:
    """What became of one feature: added, changed, unchanged or rejected, and why."""

    label: str
    cluster_id: str | None
    status: str
    details: list[str] = field(default_factory=list)
    warnings: list[EditWarning] = field(default_factory=list)


def new_change_set() -> str:
    """A fresh change-set id naming every event of one import."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"import-{stamp}-{secrets.token_hex(4)}"


def column_aliases(places: tuple[PlacePoint, ...]) -> dict[str, str]:
    """Every name our exports give a column (English, Vietnamese, Shapefile) → its key."""
    aliases: dict[str, str] = {}
    for lang in exports.LANGUAGES:
        aliases.update({header: key for key, header in exports.headers(lang, places).items()})
    aliases.update({short: key for key, short in exports.short_names(places).items()})
    return aliases


def resolve_columns(
    names: list[str], places: tuple[PlacePoint, ...]
) -> tuple[dict[str, str], list[str]]:
    """Map the file's column names to what they hold; the second list names unknown ones."""
    aliases = column_aliases(places)
    distance_keys = {exports.distance_column(p.id) for p in places}
    resolved: dict[str, str] = {}
    unknown: list[str] = []
    for name in names:
        key = name if name in RECORD_FIELDS or name in INFRA_COLUMNS else aliases.get(name, name)
        if key in RECORD_FIELDS or key in INFRA_COLUMNS:
            resolved[name] = key
        elif key in EXPORT_ONLY or key in distance_keys or name.lower() in GDAL_COLUMNS:
            continue
        else:
            unknown.append(name)
    return resolved, unknown


def _plain(value: Any) -> Any:
    """A value as JSON would hold it: missing values None, numpy and dates unwrapped."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()  # numpy scalars and arrays
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend(
                (child, level + 1) for child in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


def _structured(name: str, value: Any, current: dict[str, Any] | None) -> Any:
    """A list or object column: JSON text, our export's flat form, or the value itself."""
    if not isinstance(value, str):
        return value
    if value[:1] in ("[", "{"):
        try:
            parsed = json.loads(value)
        except RecursionError:
            parsed = None
        except ValueError:
            raise InvalidInput([FieldError(name, "is not valid JSON")], status=422) from None
        if parsed is None or _depth(parsed) > MAX_JSON_DEPTH:
            raise InvalidInput(
                [FieldError(name, f"is JSON nested more than {MAX_JSON_DEPTH} levels deep")],
                status=422,
            )
        return parsed
    if name in ("industries", "inferred"):
        # The export joins these lists with "; " (industries' names hold commas themselves).
        return [part.strip() for part in value.split(";") if part.strip()]
    if name == "plan_actions":
        codes = [a["action"] for a in (current or {}).get(name, [])]
        stored = exports.LIST_SEPARATOR.join(codes)
        in_words = exports.LIST_SEPARATOR.join(export_values.actions_in_words(codes))
        if current is not None and value in (stored, in_words):
            return ...  # the export's summary of what is stored: nothing to change
        raise InvalidInput(
            [FieldError(name, "the plan's actions must be JSON here, or the column left out")],
            status=422,
        )
    raise InvalidInput([FieldError(name, "must be a JSON object")], status=422)


def _untruncated(value: Any, stored: Any) -> Any:
    # A Shapefile export cuts long text at 254 bytes and ends it with "…": the stored text
    # it was cut from is kept, so a round trip through QGIS loses nothing.
    if (
        isinstance(value, str)
        and isinstance(stored, str)
        and value.endswith(ELLIPSIS)
        and len(stored) > len(value) - 1
        and stored.startswith(value[:-1])
    ):
        return stored
    return value


def feature_properties(
    feature: ImportFeature, columns: dict[str, str], current: dict[str, Any] | None
) -> dict[str, Any]:
    """The record properties a feature states, named and shaped as the API names them."""
    props: dict[str, Any] = {}
    infrastructure: dict[str, Any] = {}
    for name, key in columns.items():
        # A Vietnamese CSV, XLSX or KML export holds words where the others hold codes.
        value = export_values.code_of(key, _plain(feature.columns.get(name)))
        if key in INFRA_COLUMNS:
            infrastructure[INFRA_COLUMNS[key]] = value
            continue
        if key in LIST_FIELDS or key in DICT_FIELDS:
            if value is None:
                # An empty list exports as an empty cell; an empty object column says nothing.
                if key in LIST_FIELDS:
                    props[key] = []
                continue
            value = _structured(key, value, current)
            if value is ...:
                continue
        if value is None and key in REQUIRED_VALUE_FIELDS:
            continue
        props[key] = _untruncated(value, (current or {}).get(key))
    if infrastructure:
        props["infrastructure"] = {**props.get("infrastructure", {}), **infrastructure}
    return props


def _geometry_change(geometry: BaseGeometry | None, cluster: Cluster | None) -> Any | None:
    """The GeoJSON to store, or None when the file gives none or the same place."""
    if geometry is None or geometry.is_empty:
        return None
    stored = cluster_geometry(cluster) if cluster is not None else None
    if stored is not None:
        # Normalised first: exports wind rings by RFC 7946 and may start them elsewhere.
        if shapely.normalize(geometry).equals_exact(shapely.normalize(stored), SAME_PLACE_DEGREES):
            return None
        if (
            geometry.geom_type == "Point"
            and stored.geom_type != "Point"
            and stored.covers(geometry)
        ):
            # A CSV export gives a boundary's representative point: not a new location.
            return None
    return mapping(geometry)


def _changed_only(props: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """The properties whose value differs from the stored record, once validated.

    An editor may import a whole export of their district: the names and sources it
    repeats unchanged must not count as changes they are not allowed to make.
    """
    merged = dict(stored)
    for key, value in props.items():
        if key == "infrastructure" and isinstance(value, dict):
            merged[key] = {**stored.get(key, {}), **value}
        else:
            merged[key] = value
    try:
        candidate = ClusterRecord.model_validate(merged).model_dump(mode="json")
    except ValidationError:
        return props  # update_cluster reports the errors, field by field
    changes: dict[str, Any] = {}
    for key, value in props.items():
        if key == "infrastructure" and isinstance(value, dict):
            differing = {
                c: v for c, v in value.items() if candidate[key].get(c) != stored[key].get(c)
            }
            if differing:
                changes[key] = differing
        elif candidate.get(key) != stored.get(key):
            changes[key] = value
    return changes


def _reasons(exc: InvalidInput | Forbidden) -> list[str]:
    if isinstance(exc, Forbidden):
        return [str(exc)]
    return [f"{e.field}: {e.reason}" for e in exc.errors]


def import_clusters(
    session: Session,
    actor: Actor,
    features: list[ImportFeature],
    columns: dict[str, str],
    *,
    note: str,
    change_set: str,
) -> list[Outcome]:
    """Apply every feature in ``session``; a rejected one changes nothing, the rest stay.

    Raises StaleVersion when a cluster changed under the import (the caller rolls back).
    """
    outcomes: list[Outcome] = []
    seen: set[str] = set()
    id_column = next((name for name, key in columns.items() if key == "id"), None)
    for feature in features:
        raw_id = _plain(feature.columns.get(id_column)) if id_column else None
        cluster_id = str(raw_id) if raw_id is not None else None
        label = f"{feature.label} ({cluster_id or 'no id'})"
        if cluster_id is None:
            outcomes.append(Outcome(label, None, REJECTED, ["id: required"]))
            continue
        if cluster_id in seen:
            outcomes.append(Outcome(label, cluster_id, REJECTED, ["id: repeated in the file"]))
            continue
        seen.add(cluster_id)
        cluster = session.scalar(select(Cluster).where(Cluster.id == cluster_id))
        try:
            props = feature_properties(feature, columns, cluster.record if cluster else None)
            geometry = _geometry_change(feature.geometry, cluster)
            if cluster is None:
                result = create_cluster(
                    session, actor, props, geometry, note, change_set=change_set
                )
                outcomes.append(Outcome(label, cluster_id, ADDED, [], result.warnings))
                continue
            changes = _changed_only({k: v for k, v in props.items() if k != "id"}, cluster.record)
            if geometry is not None:
                changes["geometry"] = geometry
                if "location_precision" in props:
                    # The file's precision describes its new location, even when it is the
                    # stored one; a file without it leaves the core to ask for it.
                    changes["location_precision"] = props["location_precision"]
            if changes and "as_of" in props and "as_of" not in changes:
                # The file states the day its data describes: an import does not move it
                # to today as an edit on the map does.
                changes["as_of"] = props["as_of"]
            result = update_cluster(
                session, actor, cluster_id, cluster.version, changes, note, change_set=change_set
            )
        except (InvalidInput, Forbidden) as exc:
            outcomes.append(Outcome(label, cluster_id, REJECTED, _reasons(exc)))
            continue
        if result.event is None:
            outcomes.append(Outcome(label, cluster_id, UNCHANGED))
        else:
            fields = [c["field"] for c in result.event.changes]
            outcomes.append(Outcome(label, cluster_id, CHANGED, fields, result.warnings))
    return outcomes
