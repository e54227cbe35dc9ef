"""Mapbox Vector Tiles of cluster data in the WebMercatorQuad tile matrix set (OGC API – Tiles).

The tile holds the same clusters as the GeoJSON map tile z/x/y (gis.core.tiles): the same
filter, the same counts-per-cell answer when the tile is dense, the same simplification to
half a pixel of a 512-pixel tile, and only the properties the map draws. PostGIS encodes
it itself (ST_AsMVTGeom, ST_AsMVT); SQLite's clusters are encoded in Python by the
``mapbox-vector-tile`` package. Either way the layer is named ``clusters``, the extent is
4096 units and geometries reach 64 units past the tile's edges, as PostGIS does by default.
"""

from __future__ import annotations

from typing import Any

import mapbox_vector_tile
import mercantile
import shapely
from pyproj import Transformer
from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from gis.core import tiles
from gis.core.clusters import ClusterFilter
from gis.core.tiles import MAP_PROPERTIES, degrees_per_pixel, tile_bbox, tile_content, tile_matches
from gis.store.dialects import Dialect
from gis.store.models import Cluster

LAYER = "clusters"
EXTENT = 4096
BUFFER = 64
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
# The numeric map property: every other one is text.
NUMERIC_PROPERTIES = frozenset({"planned_area_ha"})
_TO_MERCATOR = Transformer.from_crs("OGC:CRS84", "EPSG:3857", always_xy=True)


def mvt_tile(
    session: Session, dialect: Dialect, flt: ClusterFilter, z: int, x: int, y: int
) -> bytes:
    """The encoded vector tile z/x/y (row y from the top), or ValueError when none exists."""
    tile_bbox(z, x, y)
    if dialect.native_mvt:
        query, total = tile_matches(session, dialect, flt, z, x, y)
        # The threshold is read from its module, so it is always the GeoJSON tiles' one.
        if total <= tiles.MAX_TILE_FEATURES:
            return _postgis_tile(session, query, z, x, y)
    # No encoder in the database (SQLite), or a dense tile (a few hundred counts per cell):
    # the GeoJSON tile, encoded in Python.
    content = tile_content(session, dialect, flt, z, x, y)
    return _encode(content["features"], z, x, y)


def _postgis_tile(session: Session, query: Any, z: int, x: int, y: int) -> bytes:
    geom: Any = literal_column("clusters.geom")
    # The GeoJSON tile's simplification (half a pixel, in degrees, keeping topology); a shape
    # that the 4096-unit grid collapses is drawn as a point on its surface, as there.
    simplified = func.ST_Transform(
        func.ST_SimplifyPreserveTopology(geom, degrees_per_pixel(z) / 2), 3857
    )
    envelope = func.ST_TileEnvelope(z, x, y)
    mvt_geom = func.coalesce(
        func.ST_AsMVTGeom(simplified, envelope, EXTENT, BUFFER, True),
        func.ST_AsMVTGeom(func.ST_Transform(func.ST_PointOnSurface(geom), 3857), envelope),
    )
    columns = [
        (
            Cluster.record[name].as_float()
            if name in NUMERIC_PROPERTIES
            else Cluster.record[name].as_string()
        ).label(name)
        for name in MAP_PROPERTIES
    ]
    rows = (
        query.with_only_columns(mvt_geom.label("mvt_geom"), *columns)
        .where(Cluster.geom_wkb.is_not(None))
        .order_by(None)
        .subquery("mvt_rows")
    )
    encoded = session.scalar(
        select(func.ST_AsMVT(literal_column("mvt_rows"), LAYER, EXTENT, "mvt_geom")).select_from(
            select(rows).where(rows.c.mvt_geom.is_not(None)).subquery("mvt_rows")
        )
    )
    return bytes(encoded or b"")


def _encode(features: list[dict[str, Any]], z: int, x: int, y: int) -> bytes:
    """GeoJSON features (lon/lat, already simplified) as one MVT layer, in Python."""
    west, south, east, north = mercantile.xy_bounds(x, y, z)
    scale_x, scale_y = EXTENT / (east - west), EXTENT / (north - south)

    def to_tile(coords: Any) -> Any:
        mx, my = _TO_MERCATOR.transform(coords[:, 0], coords[:, 1])
        coords[:, 0] = (mx - west) * scale_x
        coords[:, 1] = (north - my) * scale_y  # rows count down from the top
        return coords

    encoded = []
    for feature in features:
        lonlat = shapely.geometry.shape(feature["geometry"])
        geometry = _on_grid(shapely.transform(lonlat, to_tile), lonlat, to_tile)
        if geometry is None:
            continue
        properties = {k: v for k, v in feature["properties"].items() if v is not None}
        encoded.append({"geometry": geometry, "properties": properties})
    if not encoded:
        return b""
    return mapbox_vector_tile.encode(
        [{"name": LAYER, "features": encoded}],
        default_options={"extents": EXTENT, "y_coord_down": True},
    )


def _on_grid(geometry: Any, lonlat: Any, to_tile: Any) -> Any | None:
    """The tile-unit geometry clipped to the buffered tile and snapped to the integer grid;
    a shape that collapses there becomes a point on its surface (PostGIS's fallback too)."""
    clipped = shapely.clip_by_rect(geometry, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    snapped = shapely.set_precision(clipped, 1.0)
    if not snapped.is_empty and (snapped.geom_type == "Point" or snapped.area > 0):
        return snapped
    point = shapely.transform(shapely.point_on_surface(lonlat), to_tile)
    point = shapely.set_precision(point, 1.0)
    inside = -BUFFER <= point.x <= EXTENT + BUFFER and -BUFFER <= point.y <= EXTENT + BUFFER
    return point if inside else None
