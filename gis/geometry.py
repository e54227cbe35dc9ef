"""Geometry parsing, validation and geodesic measures (shapely + pyproj)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
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


class GeometryProblem(str):
    """One reason a geometry is not acceptable: English text with a ``code`` for the pages.

    A str, so callers that print or join reasons keep doing so.
    """

    code: str

    def __new__(cls, reason: str, code: str = "geometry_invalid") -> GeometryProblem:
        """The reason text, tagged with its code."""
        problem = super().__new__(cls, reason)
        problem.code = code
        return problem


class GeometryError(ValueError):
    """GeoJSON that cannot be read as a cluster location; ``code`` names why for the pages."""

    def __init__(self, reason: str, code: str = "geometry_malformed") -> None:
        super().__init__(reason)
        self.code = code


# How deep each allowed type nests its positions: a Point's coordinates are a position.
_NESTING = {"Point": 0, "Polygon": 2, "MultiPolygon": 3}
# RFC 7946 §11.2: about 7 decimals of a degree is a centimetre, more is noise.
RFC7946_DECIMALS = 7


def _coordinate_problem(value: Any, nesting: int, where: str) -> str | None:
    """What is wrong with the JSON types of ``coordinates`` (None when they fit the type).

    Walked with an explicit stack, naming the first bad member as ``coordinates[0][3]``.
    """
    stack = [(value, nesting, where)]
    while stack:
        item, depth, path = stack.pop()
        # Tuples too: shapely's mapping() (imports) writes them where JSON has arrays.
        if not isinstance(item, (list, tuple)):
            wanted = "a position (an array of 2 or 3 numbers)" if depth == 0 else "an array"
            return f"{path} must be {wanted}"
        if depth == 0:
            for index, number in enumerate(item):
                if isinstance(number, bool) or not isinstance(number, (int, float)):
                    return f"{path}[{index}] must be a number"
                if not math.isfinite(number):
                    return f"{path}[{index}] must be a finite number"
            # [] is an empty geometry (RFC 7946 §3.1): parsed, then named by problems().
            if item and not 2 <= len(item) <= 3:
                return f"{path} must hold 2 or 3 numbers (longitude, latitude[, height])"
        else:
            # Reversed onto the stack, so the first bad member is the one named.
            children = [(child, depth - 1, f"{path}[{i}]") for i, child in enumerate(item)]
            stack.extend(reversed(children))
    return None


def parse_geojson(obj: Any) -> BaseGeometry:
    """Turn a GeoJSON geometry mapping into a shapely geometry, or raise ValueError.

    The JSON types are checked before shapely sees them, so a ``type`` that is a list or a
    coordinate that is a string is named in the error rather than failing inside GEOS.
    """
    if not isinstance(obj, dict) or "type" not in obj:
        raise GeometryError("must be a GeoJSON geometry object with a 'type'")
    kind = obj["type"]
    if not isinstance(kind, str) or kind not in ALLOWED_TYPES:
        shown = repr(kind) if isinstance(kind, str) else f"a JSON {type(kind).__name__}"
        raise GeometryError(f"type {shown} is not one of {sorted(ALLOWED_TYPES)}")
    # The size first: the type walk below is linear in the vertices it is given.
    try:
        size = len(json.dumps(obj, separators=(",", ":")))
    except (ValueError, TypeError, RecursionError):
        raise GeometryError("is not plain JSON") from None
    if size > MAX_GEOJSON_BYTES:
        raise GeometryError(
            f"is {size:,} bytes as JSON; at most {MAX_GEOJSON_BYTES:,} are accepted",
            "geometry_too_large",
        )
    if "coordinates" not in obj:
        raise GeometryError("coordinates are missing")
    problem = _coordinate_problem(obj["coordinates"], _NESTING[kind], "coordinates")
    if problem is not None:
        raise GeometryError(problem)
    try:
        geometry = shape(obj)
    except (ValueError, TypeError, IndexError, AttributeError, RecursionError) as exc:
        raise GeometryError(f"malformed coordinates: {exc}") from exc
    vertices = shapely.get_num_coordinates(geometry)
    if vertices > MAX_VERTICES:
        raise GeometryError(
            f"has {vertices:,} vertices; at most {MAX_VERTICES:,} are accepted",
            "too_many_vertices",
        )
    return geometry


def to_geojson(geom: BaseGeometry | None) -> dict[str, Any] | None:
    """Return the GeoJSON mapping of ``geom`` (None stays None), at full precision."""
    return None if geom is None else mapping(geom)


def rfc7946(geometries: Any, decimals: int = RFC7946_DECIMALS) -> Any:
    """Geometries as RFC 7946 wants them written: rounded (7 decimals), then wound by the
    right-hand rule (exterior rings counter-clockwise, holes clockwise, §3.1.6).

    Takes one geometry or an array of them (one vectorised call for a page of features).
    Rounding comes first, so the winding holds for the coordinates actually written.
    """
    rounded = shapely.transform(geometries, lambda xy: np.round(xy, decimals))
    return shapely.orient_polygons(rounded, exterior_cw=False)


def to_rfc7946_geojson(geom: BaseGeometry | None) -> dict[str, Any] | None:
    """The GeoJSON mapping of ``geom`` for output (see ``rfc7946``); None stays None."""
    return None if geom is None else mapping(rfc7946(geom))


def problems(geom: BaseGeometry, province: BaseGeometry | None = None) -> list[str]:
    """List what is wrong with ``geom`` as a cluster location (empty list when fine)."""
    found: list[str] = []
    if geom.is_empty:
        return [GeometryProblem("geometry is empty", "geometry_empty")]
    if geom.geom_type not in ALLOWED_TYPES:
        found.append(
            GeometryProblem(
                f"type {geom.geom_type} is not one of {sorted(ALLOWED_TYPES)}", "geometry_type"
            )
        )
    if not geom.is_valid:
        found.append(
            GeometryProblem(
                f"invalid geometry: {shapely.is_valid_reason(geom)}", "geometry_invalid"
            )
        )
    minx, miny, maxx, maxy = geom.bounds
    if not _inside_box(geom.bounds, VIETNAM_BBOX) and _inside_box(
        (miny, minx, maxy, maxx), VIETNAM_BBOX
    ):
        found.append(
            GeometryProblem(
                "latitude and longitude look swapped (GeoJSON order is [lon, lat])",
                "coordinates_swapped",
            )
        )
    elif minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        found.append(GeometryProblem("coordinates are not WGS84 longitude/latitude", "not_wgs84"))
    elif not _inside_box(geom.bounds, VIETNAM_BBOX):
        found.append(GeometryProblem("outside Vietnam", "outside_vietnam"))
    elif province is not None and not province.covers(geom):
        found.append(GeometryProblem("outside Đồng Nai province", "outside_province"))
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
    minx, miny, maxx, maxy = geom.bounds
    return (minx, miny, maxx, maxy)
