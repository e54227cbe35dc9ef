"""Coordinate reference systems the service speaks, and transformations between them (pyproj).

The store keeps WGS84 longitude/latitude (CRS84). Surveyors in Viet Nam work in VN-2000:
geographic (EPSG:4756), UTM 48N/49N (EPSG:3405/3406) and Đồng Nai's TM-3 107-45 (EPSG:5899).
"""

from __future__ import annotations

import math
import re
from functools import cache

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import ProjError
from pyproj.transformer import Transformer, TransformerGroup
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/"
# Offered in this order: OGC API – Features Part 2 lists CRS84 first, as the default.
SUPPORTED = (
    CRS84,
    f"{EPSG_URI}4326",
    f"{EPSG_URI}3857",
    f"{EPSG_URI}4756",
    f"{EPSG_URI}3405",
    f"{EPSG_URI}3406",
    f"{EPSG_URI}5899",
)
# PROJ ranks two VN-2000 → WGS 84 operations as equally accurate and picks "(1)" first;
# "(2)" (EPSG:6960) carries the 7 parameters the Ministry of Natural Resources and
# Environment published (Decision 05/2007/QĐ-BTNMT). The two differ by about 0.8 m.
VN2000_TO_WGS84 = "VN-2000 to WGS 84 (2)"

_CURIE = re.compile(r"^\[?(EPSG|OGC):(\w+)\]?$", re.IGNORECASE)


def parse_crs(raw: str) -> str:
    """The URI of a supported CRS given as a URI or as ``EPSG:n`` / ``OGC:CRS84``.

    ValueError says which CRSs are supported.
    """
    value = raw.strip()
    match = _CURIE.match(value)
    if match:
        authority, code = match.group(1).upper(), match.group(2).upper()
        value = CRS84 if (authority, code) == ("OGC", "CRS84") else f"{EPSG_URI}{code}"
    if value not in SUPPORTED:
        raise ValueError(f"unsupported CRS {raw!r}; supported: {', '.join(SUPPORTED)}")
    return value


@cache
def pyproj_crs(uri: str) -> CRS:
    """The pyproj CRS of a supported URI."""
    if uri == CRS84:
        return CRS("OGC:CRS84")
    return CRS.from_epsg(int(uri.removeprefix(EPSG_URI)))


def code(uri: str) -> str:
    """A short name of the CRS: ``OGC:CRS84`` or ``EPSG:5899``."""
    return "OGC:CRS84" if uri == CRS84 else f"EPSG:{uri.removeprefix(EPSG_URI)}"


@cache
def transformer(source: str, target: str, always_xy: bool = False) -> Transformer:
    """The PROJ operation from ``source`` to ``target``: VN-2000 datum shifts use EPSG:6960.

    With ``always_xy`` both sides are longitude/easting first (GIS files); without it each
    side is in its CRS's own axis order (EPSG:4326 and EPSG:4756 are latitude first).
    """
    group = TransformerGroup(
        pyproj_crs(source), pyproj_crs(target), always_xy=always_xy, allow_ballpark=False
    )
    for candidate in group.transformers:
        if VN2000_TO_WGS84 in candidate.description:
            return candidate
    return group.transformers[0]


def transform(
    geom: BaseGeometry, source: str, target: str, always_xy: bool = False
) -> BaseGeometry:
    """``geom`` transformed from ``source`` to ``target`` (a copy; the same when equal)."""
    if source == target:
        return geom
    operation = transformer(source, target, always_xy)

    def _apply(coords: np.ndarray) -> np.ndarray:
        x, y = operation.transform(coords[:, 0], coords[:, 1], errcheck=True)
        return np.column_stack([x, y])

    return shapely.transform(geom, _apply)


def area_of_use(uri: str) -> tuple[float, float, float, float]:
    """Where the CRS is meant to be used, as a CRS84 box."""
    area = pyproj_crs(uri).area_of_use
    return (-180.0, -90.0, 180.0, 90.0) if area is None else area.bounds


def axis_order_box(uri: str, numbers: list[float]) -> tuple[float, float, float, float]:
    """A 4-number bbox in the CRS's axis order as (x-min, y-min, x-max, y-max) in
    longitude/easting-first order, or ValueError."""
    if not all(math.isfinite(n) for n in numbers):
        raise ValueError("numbers must be finite")
    a1, b1, a2, b2 = numbers
    if a1 > a2 or b1 > b2:
        raise ValueError("minimum exceeds maximum")
    axes = pyproj_crs(uri).axis_info
    latitude_first = bool(axes) and axes[0].direction.lower() == "north"
    return (b1, a1, b2, a2) if latitude_first else (a1, b1, a2, b2)


def bbox_area(uri: str, numbers: list[float]) -> BaseGeometry:
    """The bbox ``numbers`` (in the CRS's axis order) as a CRS84 polygon, or ValueError when
    it is malformed or lies wholly outside the CRS's area of use."""
    xy_box = axis_order_box(uri, numbers)
    min_x, min_y, max_x, max_y = xy_box
    if min_x == max_x or min_y == max_y:
        # A box of no width or height is a line or a point (GEOS cannot densify its ring).
        corners = {(min_x, min_y), (max_x, max_y)}
        outline = (
            shapely.Point(min_x, min_y)
            if len(corners) == 1
            else shapely.LineString(sorted(corners))
        )
    else:
        # Edges densified: a straight edge in a projection is a curve in longitude/latitude.
        outline = shapely.segmentize(box(*xy_box), max_segment_length=_step(xy_box))
    area = box(*area_of_use(uri))
    try:
        lonlat = transform(outline, uri, CRS84, always_xy=True)
    except ProjError as exc:  # a point PROJ cannot transform
        raise ValueError(_outside(uri, area)) from exc
    if lonlat.is_empty or not lonlat.is_valid or not lonlat.intersects(area):
        raise ValueError(_outside(uri, area))
    return lonlat


def _step(xy_box: tuple[float, float, float, float]) -> float:
    width, height = xy_box[2] - xy_box[0], xy_box[3] - xy_box[1]
    return max(width, height, 1e-9) / 32


def _outside(uri: str, area: BaseGeometry) -> str:
    bounds = ",".join(f"{v:g}" for v in area.bounds)
    return f"lies outside the area of use of {code(uri)} (lon/lat {bounds})"


def uri_of(crs: CRS | str | None) -> str | None:
    """The supported URI equal to ``crs`` (a pyproj CRS or any string PROJ reads), if any."""
    if crs is None:
        return None
    found = CRS.from_user_input(crs)
    if found.equals(pyproj_crs(CRS84), ignore_axis_order=True):
        return CRS84
    epsg = found.to_epsg()
    uri = f"{EPSG_URI}{epsg}"
    return uri if uri in SUPPORTED else None
