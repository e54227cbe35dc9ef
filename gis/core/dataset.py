"""Our data files: read, check and load the clusters, districts and places we maintain."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.core.clusters import write_clusters
from gis.core.districts import PROVINCE_BBOX, load_districts
from gis.core.places import load_places
from gis.core.plan import load_plan, plan_loaded
from gis.core.schema import DERIVED_PROPERTIES, ClusterRecord, inconsistencies
from gis.errors import field_errors
from gis.geometry import parse_geojson, problems
from gis.store.db import Store
from gis.store.models import Cluster, District, Place


@dataclass
class CheckedFeature:
    """A feature of a data file after checking: its record, geometry and problems."""

    label: str
    record: ClusterRecord | None
    geometry: BaseGeometry | None
    problems: list[str] = field(default_factory=list)


def read_json(path: str | Path) -> Any:
    """Parse a UTF-8 JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_collection(
    collection: Any,
    districts_doc: dict[str, Any],
    boundaries: dict[str, BaseGeometry] | None = None,
    province: BaseGeometry | None = None,
) -> list[CheckedFeature]:
    """Check every feature: schema, types, geometry, unique ids, district consistency."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        return [CheckedFeature("(file)", None, None, ["not a GeoJSON FeatureCollection"])]
    districts = {d["code"]: d for d in districts_doc["districts"]}
    area = province if province is not None else box(*PROVINCE_BBOX)
    seen: set[str] = set()
    checked: list[CheckedFeature] = []
    for index, feature in enumerate(collection.get("features") or []):
        checked.append(_check_feature(index, feature, districts, boundaries or {}, area, seen))
    if not checked:
        checked.append(CheckedFeature("(file)", None, None, ["holds no features"]))
    return checked


def _check_feature(
    index: int,
    feature: Any,
    districts: dict[str, Any],
    boundaries: dict[str, BaseGeometry],
    area: BaseGeometry,
    seen: set[str],
) -> CheckedFeature:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return CheckedFeature(f"feature {index}", None, None, ["not a GeoJSON Feature"])
    props = dict(feature.get("properties") or {})
    label = f"feature {index} ({props.get('id', 'no id')})"
    found: list[str] = []
    derived = {k: props.pop(k) for k in DERIVED_PROPERTIES if k in props}
    record = None
    try:
        record = ClusterRecord.model_validate(props)
    except ValidationError as exc:
        found += [f"{e.field}: {e.reason}" for e in field_errors(exc)]
    if feature.get("id") != props.get("id"):
        found.append(f"id: Feature id {feature.get('id')!r} differs from properties.id")
    if props.get("id") in seen:
        found.append(f"id: duplicate id {props.get('id')!r}")
    seen.add(str(props.get("id")))
    geometry = None
    if feature.get("geometry") is not None:
        try:
            geometry = parse_geojson(feature["geometry"])
            found += [f"geometry: {p}" for p in problems(geometry, area)]
        except ValueError as exc:
            found.append(f"geometry: {exc}")
    if record is not None:
        found += _district_problems(record, derived, geometry, districts, boundaries)
        found += [f"{name}: {reason}" for name, reason in inconsistencies(record)]
        found += [
            f"{name}: a fact without a source (name it in sources)"
            for name in unsourced_facts(record, geometry is not None)
        ]
        found += [
            f"inferred: names {name}, which holds no value"
            for name in record.inferred
            if getattr(record, name) in (None, [], {})
        ]
    return CheckedFeature(label, record if not found else None, geometry, found)


# Fields that are not facts about the place: identity, bookkeeping and the record's own
# citations. Every other filled field must name its source.
_NOT_FACTS = frozenset({"id", "sources", "inferred"})


def unsourced_facts(record: ClusterRecord, located: bool) -> list[str]:
    """Names of the filled fields (and ``geometry`` when located) that cite no source."""
    filled = [
        name
        for name in ClusterRecord.model_fields
        if name not in _NOT_FACTS and _filled(name, getattr(record, name))
    ]
    if located:
        filled.append("geometry")
    return [name for name in filled if not record.sources.get(name)]


def _filled(name: str, value: Any) -> bool:
    if name == "infrastructure":
        return any(v is not None for v in value.model_dump().values())
    if name == "named_in_plan":
        return bool(value)
    if name == "location_precision":
        return value != "unknown"
    return value not in (None, [], {}, "")


def _district_problems(
    record: ClusterRecord,
    derived: dict[str, Any],
    geometry: BaseGeometry | None,
    districts: dict[str, Any],
    boundaries: dict[str, BaseGeometry],
) -> list[str]:
    found: list[str] = []
    if geometry is None and record.location_precision != "unknown":
        found.append("location_precision: a feature without geometry must say 'unknown'")
    if record.district_code is None:
        return found
    district = districts.get(record.district_code)
    if district is None:
        return [
            *found,
            f"district_code: {record.district_code!r} is not a district of the province",
        ]
    if "district_name" in derived and derived["district_name"] != district["name"]:
        found.append(
            f"district_name: {derived['district_name']!r} is not the name of "
            f"{record.district_code} ({district['name']!r})"
        )
    if "zone" in derived and derived["zone"] != district["zone"]:
        found.append(
            f"zone: {derived['zone']!r} differs from the zone of "
            f"{district['name']} ({district['zone']!r})"
        )
    boundary = boundaries.get(record.district_code)
    if geometry is not None and boundary is not None and not boundary.covers(geometry):
        found.append(f"geometry: not inside the official boundary of {district['name']}")
    return found


def load_seed(session: Session, data_dir: Path) -> tuple[int, int]:
    """Fill an empty store from our data files; returns (districts, clusters) loaded.

    A store that already holds districts is left alone: later edits (an admin's zone,
    an editor's status) must never be overwritten by a restart.
    """
    if session.scalar(select(func.count()).select_from(District)):
        return 0, 0
    districts_doc = read_json(data_dir / "districts.json")
    n_districts = load_districts(session, districts_doc["districts"])
    session.flush()
    checked = check_collection(read_json(data_dir / "clusters.geojson"), districts_doc)
    bad = [f"{c.label}: {p}" for c in checked for p in c.problems]
    if bad:
        raise ValueError("the seed data does not validate:\n" + "\n".join(bad))
    records = [(item.record, item.geometry) for item in checked if item.record is not None]
    return n_districts, write_clusters(session, records)


def load_reference_places(session: Session, data_dir: Path) -> int:
    """Load ``places.geojson`` into an empty places table; returns how many were loaded.

    Checked separately from the clusters so that a store made before places existed gets
    them on its next start without touching its clusters.
    """
    path = data_dir / "places.geojson"
    # Every start of every worker comes here: a loaded table spares parsing the file.
    if not path.exists() or session.scalar(select(Place.id).limit(1)) is not None:
        return 0
    return load_places(session, read_json(path))


def load_plan_file(session: Session, data_dir: Path) -> tuple[int, int]:
    """Load ``plan.json`` (tasks and targets) into empty plan tables; returns what was loaded.

    Like the places, checked on its own, so a store made before the plan existed gets it on
    its next start; a store that holds tasks keeps their statuses and notes.
    """
    path = data_dir / "plan.json"
    if not path.exists() or plan_loaded(session):
        return 0, 0
    return load_plan(session, read_json(path))


def initialise_store(store: Store, data_dir: Path) -> tuple[int, int]:
    """Create the schema if needed and load the data files into an empty store."""
    store.create_schema()
    with store.write() as session:
        # Several gunicorn workers may start at once: let one of them seed, however long
        # it takes; the others then find the store seeded.
        store.sql.hold_seed_lock(session)
        loaded = load_seed(session, data_dir)
        load_reference_places(session, data_dir)
        load_plan_file(session, data_dir)
        return loaded


def store_counts(session: Session) -> tuple[int, int]:
    """How many districts and clusters the store holds."""
    count = func.count()
    return (
        session.scalar(select(count).select_from(District)) or 0,
        session.scalar(select(func.count()).select_from(Cluster)) or 0,
    )
