"""Geometry parsing, validation and geodesic measures (shapely + pyproj)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

_GEOD = Geod(ellps="WGS84")

# Đồng Nai lies well inside this box; anything outside it is a typo or swapped lat/lon.
VIETNAM_BBOX = (102.0, 8.0, 110.0, 24.0)
ALLOWED_TYPES = {"Point", "Polygon", "MultiPolygon"}
# A cluster's boundary is a survey outline: a few hundred vertices. The bounds keep one
# write from making every later answer megabytes long (README "Using it"; OpenAPI).
MAX_VERTICES = 10_000
MAX_GEOJSON_BYTES = 1_000_000


@dataclass(frozen=True)
class GeometryProblem:
    """One reason a geometry is not acceptable."""

    reason: str


def parse_geojson(obj: Any) -> BaseGeometry:
    """Turn a GeoJSON geometry mapping into a shapely geometry, or raise ValueError."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise ValueError("must be a GeoJSON geometry object with a 'type'")
    if not isinstance(obj["type"], str) or obj["type"] not in ALLOWED_TYPES:
        raise ValueError(f"type {obj['type']!r} is not one of {sorted(ALLOWED_TYPES)}")
    try:
        size = len(json.dumps(obj, separators=(",", ":")))
    except (ValueError, TypeError, RecursionError):
        raise ValueError("is not plain JSON") from None
    if size > MAX_GEOJSON_BYTES:
        raise ValueError(f"is {size:,} bytes as JSON; at most {MAX_GEOJSON_BYTES:,} are accepted")
    try:
        geometry = shape(obj)
    except (ValueError, TypeError, IndexError, AttributeError, RecursionError) as exc:
        raise ValueError(f"malformed coordinates: {exc}") from exc
    vertices = shapely.get_num_coordinates(geometry)
    if vertices > MAX_VERTICES:
        raise ValueError(f"has {vertices:,} vertices; at most {MAX_VERTICES:,} are accepted")
    return geometry


def to_geojson(geom: BaseGeometry | None) -> dict[str, Any] | None:
    """Return the GeoJSON mapping of ``geom`` (None stays None)."""
    return None if geom is None else mapping(geom)


def problems(geom: BaseGeometry, province: BaseGeometry | None = None) -> list[str]:
    """List what is wrong with ``geom`` as a cluster location (empty list when fine)."""
    found: list[str] = []
    if geom.is_empty:
        return ["geometry is empty"]
    if geom.geom_type not in ALLOWED_TYPES:
        found.append(f"type {geom.geom_type} is not one of {sorted(ALLOWED_TYPES)}")
    if not geom.is_valid:
        found.append(f"invalid geometry: {shapely.is_valid_reason(geom)}")
    minx, miny, maxx, maxy = geom.bounds
    if not _inside_box(geom.bounds, VIETNAM_BBOX) and _inside_box(
        (miny, minx, maxy, maxx), VIETNAM_BBOX
    ):
        found.append("latitude and longitude look swapped (GeoJSON order is [lon, lat])")
    elif minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        found.append("coordinates are not WGS84 longitude/latitude")
    elif not _inside_box(geom.bounds, VIETNAM_BBOX):
        found.append("outside Vietnam")
    elif province is not None and not province.covers(geom):
        found.append("outside Đồng Nai province")
    return found


def _inside_box(bounds: tuple[float, float, float, float], box: tuple[float, ...]) -> bool:
    minx, miny, maxx, maxy = bounds
    return minx >= box[0] and miny >= box[1] and maxx <= box[2] and maxy <= box[3]


def area_ha(geom: BaseGeometry) -> float:
    """Geodesic area of ``geom`` on the WGS84 ellipsoid, in hectares."""
    area_m2, _ = _GEOD.geometry_area_perimeter(geom)
    return abs(area_m2) / 10_000


def distance_km(a: BaseGeometry, b: BaseGeometry) -> float:
    """Geodesic straight-line distance between the representative points of a and b, in km."""
    pa, pb = a.representative_point(), b.representative_point()
    _, _, metres = _GEOD.inv(pa.x, pa.y, pb.x, pb.y)
    return metres / 1000


def bbox(geom: BaseGeometry) -> tuple[float, float, float, float]:
    """Return (min_lon, min_lat, max_lon, max_lat) of ``geom``."""
    return tuple(geom.bounds)  # type: ignore[return-value]
