"""Clusters: filtering, reading and writing, and their GeoJSON Feature form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from gis.core.districts import all_districts
from gis.core.schema import ClusterRecord, occupancy_pct
from gis.errors import NotFound
from gis.geometry import bbox as geom_bbox
from gis.geometry import to_geojson
from gis.store import spatial
from gis.store.models import Cluster, District
from gis.text import fold, query_tokens, search_key

UNASSIGNED_ZONE = "unassigned"


@dataclass(frozen=True)
class ClusterFilter:
    """What a caller asks for; empty tuples mean "any"."""

    bbox: tuple[float, float, float, float] | None = None
    districts: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    q: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _apply_filter(query: Select, dialect: str, flt: ClusterFilter, terms: list[str]) -> Select:
    if flt.districts:
        query = query.where(Cluster.district_code.in_(flt.districts))
    if flt.kinds:
        query = query.where(Cluster.kind.in_(flt.kinds))
    if flt.stages:
        query = query.where(Cluster.stage.in_(flt.stages))
    if flt.zones:
        named = [z for z in flt.zones if z != UNASSIGNED_ZONE]
        zone_codes = select(District.code).where(
            or_(
                District.zone.in_(named),
                District.zone.is_(None) if UNASSIGNED_ZONE in flt.zones else False,
            )
        )
        query = query.where(Cluster.district_code.in_(zone_codes))
    for term in terms:
        query = query.where(Cluster.search_key.like(f"%{_escape_like(term)}%", escape="\\"))
    if flt.bbox is not None:
        query = spatial.filter_bbox(query, dialect, flt.bbox)
    return query


def find_clusters(session: Session, dialect: str, flt: ClusterFilter) -> list[Cluster]:
    """Clusters matching ``flt``, ordered by name."""
    tokens = query_tokens(flt.q)
    # The whole query as a phrase first ("hung loc" is Hưng Lộc, not Xuân Hưng in Xuân Lộc);
    # when no field holds the phrase, every word anywhere.
    attempts = [[" ".join(tokens)], tokens] if len(tokens) > 1 else [tokens]
    rows: list[Cluster] = []
    for terms in attempts:
        query = _apply_filter(select(Cluster), dialect, flt, terms)
        rows = list(session.scalars(query.order_by(Cluster.sort_name, Cluster.id)))
        if rows:
            break
    if flt.bbox is not None and dialect != "postgresql":
        # The R-tree matched bounding boxes; keep only true intersections for polygons.
        area = box(*flt.bbox)
        rows = [
            c for c in rows if c.geom_wkb is None or area.intersects(shapely.from_wkb(c.geom_wkb))
        ]
    return rows


def get_cluster(session: Session, cluster_id: str) -> Cluster:
    """The cluster with this id, or NotFound."""
    cluster = session.scalar(select(Cluster).where(Cluster.id == cluster_id))
    if cluster is None:
        raise NotFound("cluster", cluster_id)
    return cluster


def cluster_geometry(cluster: Cluster) -> BaseGeometry | None:
    """The cluster's shapely geometry (None when its location is unknown)."""
    return None if cluster.geom_wkb is None else shapely.from_wkb(cluster.geom_wkb)


def district_index(session: Session) -> dict[str, District]:
    """Districts by GSO code, for decorating many features with one query."""
    return {d.code: d for d in all_districts(session)}


def to_feature(cluster: Cluster, districts: dict[str, District]) -> dict[str, Any]:
    """The GeoJSON Feature of a cluster, with derived properties filled in."""
    record = cluster.record
    district = districts.get(cluster.district_code or "")
    props = dict(record)
    props["district_name"] = district.name if district else None
    props["zone"] = district.zone if district else None
    props["occupancy_pct"] = occupancy_pct(
        record.get("industrial_land_ha"), record.get("leased_land_ha")
    )
    props["version"] = cluster.version
    return {
        "type": "Feature",
        "id": cluster.id,
        "properties": props,
        "geometry": to_geojson(cluster_geometry(cluster)),
    }


def feature_collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """Wrap features in a FeatureCollection with extra top-level members."""
    return {"type": "FeatureCollection", **members, "features": features}


def _search_text(record: ClusterRecord, district: District | None) -> str:
    parts = [
        record.name_vi,
        record.name_en,
        record.commune,
        record.commune_2025,
        record.investor,
        record.id,
        *record.industries,
    ]
    if district is not None:
        parts += [district.name, district.short_name, district.name_en]
    return search_key(parts)


def projection(
    session: Session, record: ClusterRecord, geometry: BaseGeometry | None
) -> dict[str, Any]:
    """Column values of a cluster row for a validated record and geometry."""
    district = session.get(District, record.district_code) if record.district_code else None
    values: dict[str, Any] = {
        "record": record.model_dump(mode="json"),
        "kind": record.kind,
        "stage": record.stage,
        "district_code": record.district_code,
        "search_key": _search_text(record, district),
        "sort_name": fold(record.name_vi),
        "geom_wkb": None if geometry is None else shapely.to_wkb(geometry),
    }
    bounds = (None,) * 4 if geometry is None else geom_bbox(geometry)
    values.update(zip(("min_lon", "min_lat", "max_lon", "max_lat"), bounds, strict=True))
    return values


def write_cluster(
    session: Session,
    record: ClusterRecord,
    geometry: BaseGeometry | None,
    existing: Cluster | None = None,
) -> Cluster:
    """Store a validated record and geometry without history (seeding and test set-up)."""
    cluster = existing or Cluster(id=record.id, version=1)
    for name, value in projection(session, record, geometry).items():
        setattr(cluster, name, value)
    session.add(cluster)
    return cluster


def count_by_district(session: Session) -> dict[str, int]:
    """Number of clusters in each district code."""
    counts: dict[str, int] = {}
    for code in session.scalars(
        select(Cluster.district_code).where(and_(Cluster.district_code.is_not(None)))
    ):
        counts[code] = counts.get(code, 0) + 1
    return counts
