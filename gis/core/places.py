"""Reference places (airports, ports, city centres, interchanges) and distances to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from pyproj import Geod
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.store.models import Place
from gis.text import nfc

PlaceKind = Literal["airport", "port", "city_centre", "expressway_interchange"]
PlaceStatus = Literal["operating", "under_construction"]
INTERCHANGE = "expressway_interchange"
# Distances are quoted to 0.1 km: several points are estimates good to ±1.5–3 km only
# (data/PLACES_README.md), so finer figures would claim a precision nobody has.
DISTANCE_DECIMALS = 1

_GEOD = Geod(ellps="WGS84")


class PlaceRecord(BaseModel):
    """One reference place as our data file states it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")]
    name_vi: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    name_en: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    kind: PlaceKind
    status: PlaceStatus | None = None
    note: str | None = None
    source: str | None = None
    coordinate_note: str | None = None


@dataclass(frozen=True)
class PlacePoint:
    """What distance computations need of a place, detached from any session."""

    id: str
    kind: str
    lon: float
    lat: float
    name_vi: str = ""
    name_en: str = ""


def parse_places(collection: Any) -> list[tuple[PlaceRecord, float, float]]:
    """Validate a places FeatureCollection into (record, lon, lat); ValueError naming problems."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValueError("places: not a GeoJSON FeatureCollection")
    parsed: list[tuple[PlaceRecord, float, float]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for index, feature in enumerate(collection.get("features") or []):
        label = f"place {index}"
        try:
            record = PlaceRecord.model_validate(feature.get("properties") or {})
            geometry = feature.get("geometry") or {}
            if geometry.get("type") != "Point":
                raise ValueError("geometry must be a Point")
            lon, lat = (float(v) for v in geometry["coordinates"][:2])
        except (ValidationError, ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(f"{label}: {exc}")
            continue
        if record.id in seen:
            problems.append(f"{label}: duplicate id {record.id!r}")
        seen.add(record.id)
        parsed.append((record, lon, lat))
    if problems:
        raise ValueError("the places data does not validate:\n" + "\n".join(problems))
    return parsed


def load_places(session: Session, collection: Any) -> int:
    """Fill an empty places table from a FeatureCollection; returns how many were loaded.

    A table that already holds places is left alone, as clusters are: edits win over restarts.
    """
    if session.scalar(select(func.count()).select_from(Place)):
        return 0
    parsed = parse_places(collection)
    for record, lon, lat in parsed:
        values = {k: nfc(v) if isinstance(v, str) else v for k, v in record.model_dump().items()}
        session.add(Place(**values, lon=lon, lat=lat))
    return len(parsed)


_PLACE_POINTS = select(
    Place.id, Place.kind, Place.lon, Place.lat, Place.name_vi, Place.name_en
).order_by(Place.id)


def all_places(session: Session) -> list[Place]:
    """Every place, ordered by id."""
    return list(session.scalars(select(Place).order_by(Place.id)))


def place_points(session: Session) -> tuple[PlacePoint, ...]:
    """The places as plain points: load once per request, then measure every feature."""
    # Columns, not ORM rows: every feature answered (each write's too) loads them.
    rows = session.execute(_PLACE_POINTS)
    return tuple(PlacePoint(*row) for row in rows)


def place_feature(place: Place) -> dict[str, Any]:
    """The GeoJSON Feature of a place."""
    props = {
        "id": place.id,
        "name_vi": place.name_vi,
        "name_en": place.name_en,
        "kind": place.kind,
        "status": place.status,
        "source": place.source,
        "note": place.note,
        "coordinate_note": place.coordinate_note,
    }
    return {
        "type": "Feature",
        "id": place.id,
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
    }


def distances_km(
    geometries: list[BaseGeometry | None], places: tuple[PlacePoint, ...]
) -> list[dict[str, float] | None]:
    """Geodesic straight-line km from each geometry's representative point to each place.

    None for an unknown geometry. One vectorised pyproj call for the whole list.
    """
    known = [i for i, g in enumerate(geometries) if g is not None and not g.is_empty]
    result: list[dict[str, float] | None] = [None] * len(geometries)
    if not known:
        return result
    points = shapely.point_on_surface([geometries[i] for i in known])
    lons, lats = shapely.get_x(points), shapely.get_y(points)
    # One pyproj call for every (geometry, place) pair: a single feature (each write's
    # answer) no longer pays a call per place.
    n, m = len(known), len(places)
    place_lons = np.array([p.lon for p in places], dtype=float)
    place_lats = np.array([p.lat for p in places], dtype=float)
    _, _, metres = _GEOD.inv(
        np.repeat(lons, m), np.repeat(lats, m), np.tile(place_lons, n), np.tile(place_lats, n)
    )
    # numpy's rounding, not round() per value: one rule for every reader, 20x faster.
    km = np.round(np.asarray(metres).reshape(n, m) / 1000, DISTANCE_DECIMALS).tolist()
    ids = [p.id for p in places]
    for row, index in enumerate(known):
        result[index] = dict(zip(ids, km[row], strict=True))
    return result


def nearest_of_kind(
    distances: dict[str, float] | None, places: tuple[PlacePoint, ...], kind: str = INTERCHANGE
) -> dict[str, Any] | None:
    """``{"id", "km"}`` of the nearest place of ``kind``, or None when unknown or none exist."""
    if not distances:
        return None
    candidates = [(distances[p.id], p.id) for p in places if p.kind == kind and p.id in distances]
    if not candidates:
        return None
    km, place_id = min(candidates)
    return {"id": place_id, "km": km}
