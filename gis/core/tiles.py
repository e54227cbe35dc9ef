"""Map tiles of cluster data: what one web-map tile (z/x/y) needs, sized for the zoom.

Tiles are TILE_PIXELS (512) pixels wide, as vector tiles usually are: tile z/x/y covers the
area of the usual z/x/y, drawn at zoom z + 1 of a 256-pixel map, so a screen needs a quarter
of the requests. A tile holding more than MAX_TILE_FEATURES features answers with counts on
a GRID × GRID grid instead of the features, so the browser never receives more than a few
hundred objects per tile whatever the table's size. Otherwise it answers with the features,
geometry simplified to half a pixel and coordinates rounded, and only the properties the
map draws; a popup asks /api/clusters/<id> for the rest.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import mercantile
import shapely
from sqlalchemy import Integer, Select, cast, func, select
from sqlalchemy.orm import Session

from gis.core.clusters import ClusterFilter, filtered_query
from gis.geometry import rfc7946
from gis.store.dialects import Dialect
from gis.store.models import Cluster

TILE_PIXELS = 512
MAX_TILE_FEATURES = 800
GRID = 16  # cells of 32 pixels
MAX_ZOOM = 22
MAP_PROPERTIES = (
    "id",
    "name_vi",
    "kind",
    "stage",
    "clearance_status",
    "planned_area_ha",
    "location_precision",
    "district_code",
)


def tile_bbox(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The lon/lat bounds of a web-mercator tile; ValueError for a tile that does not exist."""
    if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
        raise ValueError(f"no tile {z}/{x}/{y}")
    west, south, east, north = mercantile.bounds(x, y, z)
    return west, south, east, north


def degrees_per_pixel(z: int) -> float:
    """The width of a pixel of a 512-pixel tile at zoom ``z``, in degrees of longitude."""
    return 360.0 / (TILE_PIXELS * 2**z)


def _simplified(wkb: bytes, z: int) -> dict[str, Any]:
    geometry = shapely.from_wkb(wkb)
    tolerance = degrees_per_pixel(z) / 2
    if geometry.geom_type != "Point":
        simpler = shapely.simplify(geometry, tolerance, preserve_topology=True)
        geometry = simpler if not simpler.is_empty else geometry.representative_point()
    # Six decimals is 0.1 m: more precision than any screen shows, fewer bytes to send.
    return shapely.geometry.mapping(rfc7946(geometry, decimals=6))


def tile_matches(
    session: Session, dialect: Dialect, flt: ClusterFilter, z: int, x: int, y: int
) -> tuple[Select, int]:
    """The SELECT of the clusters in tile z/x/y that ``flt`` asks for, and their number."""
    query = filtered_query(session, dialect, replace(flt, bbox=tile_bbox(z, x, y)))
    matching = query.with_only_columns(Cluster.pk).subquery()
    return query, session.scalar(select(func.count()).select_from(matching)) or 0


def tile_content(
    session: Session, dialect: Dialect, flt: ClusterFilter, z: int, x: int, y: int
) -> dict[str, Any]:
    """The GeoJSON of one tile: features, or counts per grid cell when the tile is dense."""
    query, total = tile_matches(session, dialect, flt, z, x, y)
    if total > MAX_TILE_FEATURES:
        matching = query.with_only_columns(Cluster.pk).subquery()
        return _aggregate(session, matching, tile_bbox(z, x, y), z, x, y)
    rows = session.execute(query.with_only_columns(Cluster.record, Cluster.geom_wkb)).all()
    features = [
        {
            "type": "Feature",
            "id": record["id"],
            "properties": {k: record.get(k) for k in MAP_PROPERTIES},
            "geometry": _simplified(wkb, z),
        }
        for record, wkb in rows
        if wkb is not None
    ]
    return {
        "type": "FeatureCollection",
        "tile": [z, x, y],
        "aggregated": False,
        "numberMatched": total,
        "features": features,
    }


def _aggregate(
    session: Session,
    matching: Any,
    bounds: tuple[float, float, float, float],
    z: int,
    x: int,
    y: int,
) -> dict[str, Any]:
    minx, miny, maxx, maxy = bounds
    centre_x = (Cluster.min_lon + Cluster.max_lon) / 2
    centre_y = (Cluster.min_lat + Cluster.max_lat) / 2
    cell_x = cast((centre_x - minx) / ((maxx - minx) / GRID), Integer)
    cell_y = cast((centre_y - miny) / ((maxy - miny) / GRID), Integer)
    # Count each feature in the one tile holding its centre, so neighbouring tiles never
    # count it twice.
    rows = session.execute(
        select(cell_x, cell_y, func.count(), func.avg(centre_x), func.avg(centre_y))
        .where(
            Cluster.pk.in_(select(matching.c.pk)),
            centre_x >= minx,
            centre_x < maxx,
            centre_y >= miny,
            centre_y < maxy,
        )
        .group_by(cell_x, cell_y)
    ).all()
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "id": f"{z}/{x}/{y}/{cx}/{cy}",
            "properties": {"count": count},
            "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
        }
        for cx, cy, count, lon, lat in rows
    ]
    return {
        "type": "FeatureCollection",
        "tile": [z, x, y],
        "aggregated": True,
        "numberMatched": sum(f["properties"]["count"] for f in features),
        "features": features,
    }
