"""A surveyor's DXF drawing as cluster boundaries: one DXF layer per cluster, named by its id.

DXF carries no attribute table and, usually, no CRS: surveyors in Đồng Nai draw in VN-2000 /
TM-3 107-45 (EPSG:5899), which `clusters import --crs` states. Each layer's closed polylines
and polygons become the cluster's boundary (several: a MultiPolygon); a layer with only a
point gives a point. Text (labels) and open lines (roads, dimensions) are drawing aids, left
out. Layer "0", DXF's default, names no cluster and is refused.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

DEFAULT_LAYER = "0"


def _as_area(geom: BaseGeometry) -> list[BaseGeometry]:
    """The polygons or points of one DXF entity: a closed polyline is a polygon."""
    geom = shapely.force_2d(geom)
    kind = geom.geom_type
    if kind in ("Polygon", "Point"):
        return [geom]
    if kind in ("MultiPolygon", "MultiPoint", "GeometryCollection"):
        return [g for part in geom.geoms for g in _as_area(part)]
    if kind == "LineString" and geom.is_closed and len(geom.coords) >= 4:
        return [Polygon(geom.coords)]
    if kind == "MultiLineString":
        return [g for part in geom.geoms for g in _as_area(part)]
    return []  # an open line: a road, a dimension, a leader


def _is_label(geom: BaseGeometry, subclasses: object, text: object) -> bool:
    """Whether an entity is TEXT or MTEXT, an annotation: by its AutoCAD subclass, or (R12
    files name none) a point carrying text. A hatch carries its pattern name as text."""
    if isinstance(subclasses, str) and any(
        name in subclasses.split(":") for name in ("AcDbText", "AcDbMText")
    ):
        return True
    return geom.geom_type == "Point" and isinstance(text, str) and bool(text.strip())


def _boundary(parts: list[BaseGeometry]) -> BaseGeometry | None:
    polygons = [p for p in parts if p.geom_type == "Polygon" and p.is_valid and p.area > 0]
    if polygons:
        return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    points = [p for p in parts if p.geom_type == "Point"]
    if len(points) == 1:
        return points[0]
    return MultiPoint(points) if points else None


def read_dxf(path: str | Path, max_features: int) -> gpd.GeoDataFrame:
    """The clusters a DXF draws: columns ``id`` (the layer name), ``location_precision``
    and ``geometry``, in the drawing's own coordinates and without a CRS. ValueError names
    what is wrong."""
    frame = gpd.read_file(path, engine="pyogrio", max_features=max_features)
    if "Layer" not in frame.columns:
        raise ValueError("is not a DXF drawing GDAL can read (no entity layers)")
    none = [None] * len(frame)
    kinds = frame["SubClasses"] if "SubClasses" in frame.columns else none
    texts = frame["Text"] if "Text" in frame.columns else none
    parts: dict[str, list[BaseGeometry]] = {}
    for layer, geom, kind, text in zip(frame["Layer"], frame.geometry, kinds, texts, strict=True):
        if geom is None or geom.is_empty or _is_label(geom, kind, text):
            continue
        found = _as_area(geom)
        if found:
            parts.setdefault(str(layer).strip(), []).extend(found)
    if DEFAULT_LAYER in parts:
        raise ValueError(
            'draws on layer "0": put each cluster\'s boundary on a layer named by its id '
            "(e.g. ccn-thanh-phu)"
        )
    rows = {layer: _boundary(found) for layer, found in parts.items()}
    rows = {layer: geom for layer, geom in rows.items() if geom is not None}
    if not rows:
        raise ValueError("draws no closed boundary or point")
    # A surveyor's drawing in a survey CRS: its boundaries are where they were measured, so
    # the file itself says "surveyed" (the import asks every moved location for its precision).
    return gpd.GeoDataFrame(
        {"id": list(rows), "location_precision": ["surveyed"] * len(rows)},
        geometry=list(rows.values()),
        crs=None,
    )
