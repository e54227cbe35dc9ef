"""Districts: seed data, zones, official boundaries and their GeoJSON form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.errors import FieldError, InvalidInput
from gis.geometry import to_rfc7946_geojson
from gis.store.models import District
from gis.text import fold, nfc


def load_districts(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert or update districts from the seed file's rows; returns how many."""
    for row in rows:
        district = session.get(District, row["code"]) or District(code=row["code"])
        district.name = nfc(row["name"])
        district.name_en = nfc(row["name_en"])
        district.short_name = nfc(row["short_name"])
        district.zone = row["zone"]
        district.zone_source = nfc(row["zone_source"])
        district.label_lon, district.label_lat = row["label_point"]
        session.add(district)
    return len(rows)


def all_districts(session: Session) -> list[District]:
    """Every district ordered by GSO code."""
    return list(session.scalars(select(District).order_by(District.code)))


def boundaries(session: Session) -> dict[str, BaseGeometry]:
    """Official boundary of each district that has one loaded, by GSO code.

    Kept for the life of the session: an import checks thousands of features against them.
    """
    cached = session.info.get("district_boundaries")
    if cached is None:
        cached = {
            d.code: shapely.from_wkb(d.boundary_wkb)
            for d in all_districts(session)
            if d.boundary_wkb is not None
        }
        session.info["district_boundaries"] = cached
    return cached


# Bounds of Đồng Nai's official 2020 outline (government administrative map, via the
# dvhcvn dataset), rounded outward: the check used until boundaries are imported.
PROVINCE_BBOX = (106.7514, 10.5790, 107.5771, 11.5823)


def province_outline(session: Session) -> BaseGeometry:
    """Union of the loaded district boundaries, or else the extent the store covers.

    The extent is the province's box unless the store was told otherwise
    (``GIS_EXTENT_BBOX``, e.g. a national data set): see ``set_extent``.
    """
    cached = session.info.get("province_outline")
    if cached is None:
        shapes = list(boundaries(session).values())
        extent = session.info.get("extent_bbox") or PROVINCE_BBOX
        cached = shapely.union_all(shapes) if shapes else box(*extent)
        session.info["province_outline"] = cached
    return cached


def read_district_boxes(path: Path) -> dict[str, tuple[float, float, float, float]]:
    """Each district's ``bbox`` in ``districts.json`` (the official boundary's extent with a
    small margin), by GSO code; districts without one are left out."""
    if not path.exists():
        return {}
    rows = json.loads(path.read_text(encoding="utf-8")).get("districts") or []
    return {row["code"]: tuple(row["bbox"]) for row in rows if row.get("bbox")}


def district_box(session: Session, code: str | None) -> BaseGeometry | None:
    """The district's extent from districts.json (see ``read_district_boxes``), or None.

    Only for the province's own districts: a store given another extent
    (``GIS_EXTENT_BBOX``, a national data set) has no such boxes.
    """
    boxes = session.info.get("district_boxes") or {}
    if code is None or code not in boxes or session.info.get("extent_bbox"):
        return None
    return box(*boxes[code])


def forget_boundaries(session: Session) -> None:
    """Drop the session's cached boundaries (after importing new ones)."""
    session.info.pop("district_boundaries", None)
    session.info.pop("province_outline", None)


def district_feature(district: District, cluster_count: int | None = None) -> dict[str, Any]:
    """GeoJSON Feature of a district: its boundary (or null) and label point."""
    geometry = None
    if district.boundary_wkb is not None:
        geometry = to_rfc7946_geojson(shapely.from_wkb(district.boundary_wkb))
    props: dict[str, Any] = {
        "code": district.code,
        "name": district.name,
        "name_en": district.name_en,
        "short_name": district.short_name,
        "zone": district.zone,
        "zone_source": district.zone_source,
        "label_point": [district.label_lon, district.label_lat],
        "has_boundary": geometry is not None,
        "boundary_source": district.boundary_source,
    }
    if cluster_count is not None:
        props["cluster_count"] = cluster_count
    return {"type": "Feature", "id": district.code, "properties": props, "geometry": geometry}


def match_district(session: Session, code: str | None, name: str | None) -> District | None:
    """Find a district by GSO code, or else by its (diacritic-insensitive) name."""
    if code:
        found = session.get(District, str(code).strip())
        if found:
            return found
    if name:
        wanted = fold(name)
        for district in all_districts(session):
            if wanted in (fold(district.name), fold(district.short_name)):
                return district
    return None


def import_boundaries(
    session: Session, rows: list[tuple[str | None, str | None, BaseGeometry]], source: str
) -> int:
    """Store official boundaries given as (code, name, WGS84 geometry); all or nothing."""
    errors: list[FieldError] = []
    matched: list[tuple[District, BaseGeometry]] = []
    for index, (code, name, geom) in enumerate(rows):
        district = match_district(session, code, name)
        label = f"feature {index} ({code or name})"
        if district is None:
            errors.append(FieldError(label, "matches no district by code or name"))
        elif geom is None or geom.is_empty:
            errors.append(FieldError(label, "has no geometry"))
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            errors.append(FieldError(label, f"is a {geom.geom_type}, not a polygon"))
        else:
            # Official boundaries occasionally carry tiny self-touches; repair, don't reject.
            matched.append((district, shapely.make_valid(geom) if not geom.is_valid else geom))
    if errors:
        raise InvalidInput(errors)
    for district, geom in matched:
        district.boundary_wkb = shapely.to_wkb(geom)
        district.boundary_source = source
    forget_boundaries(session)
    return len(matched)
