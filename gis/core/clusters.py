"""Clusters: filtering, reading and writing, and their GeoJSON Feature form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Select, bindparam, false, func, insert, or_, select
from sqlalchemy.orm import Session

from gis.core import industries
from gis.core.districts import all_districts
from gis.core.places import PlacePoint, distances_km, nearest_of_kind, place_points
from gis.core.schema import (
    INFRASTRUCTURE_COMPONENTS,
    ClusterRecord,
    free_land_ha,
    occupancy_pct,
    readiness,
)
from gis.errors import NotFound
from gis.geometry import bbox as geom_bbox
from gis.geometry import rfc7946
from gis.store.dialects import Dialect
from gis.store.models import Cluster, District
from gis.text import fold, query_tokens, search_key

UNASSIGNED_ZONE = "unassigned"
# Orders a list can be sorted by; "distance:<place id>" is the per-place distance.
SORT_FIELDS = ("name", "free_land_ha", "planned_area_ha", "occupancy_pct", "nearest_interchange")
DISTANCE_SORT = "distance"
# What a side-by-side comparison shows, in order; dotted names are nested properties.
COMPARE_FIELDS = (
    "name_vi",
    "kind",
    "district_name",
    "stage",
    "planned_area_ha",
    "industrial_land_ha",
    "leased_land_ha",
    "free_land_ha",
    "occupancy_pct",
    "ready",
    "clearance_status",
    *(f"infrastructure.{c}" for c in INFRASTRUCTURE_COMPONENTS),
    "distances_km",
    "nearest_interchange",
    "industries",
    "investor",
    "decision_number",
    "decision_date",
)


@dataclass(frozen=True)
class SortKey:
    """One sort order: a field (or the distance to ``place_id``), ascending or descending."""

    field: str
    place_id: str | None = None
    descending: bool = False


@dataclass(frozen=True)
class ClusterFilter:
    """What a caller asks for; empty tuples mean "any"."""

    bbox: tuple[float, float, float, float] | None = None
    districts: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    q: str = ""
    min_free_land_ha: float | None = None
    # With min_free_land_ha: also those that do not report free land (unknown, not zero).
    free_land_unreported: bool = False
    ready: bool | None = None
    industry: str = ""
    sort: SortKey | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Further SQL conditions on ``Cluster`` (a CQL2 filter of /ogc, gis.core.cql2).
    where: tuple[Any, ...] = ()


def _apply_filter(query: Select, dialect: Dialect, flt: ClusterFilter, terms: list[str]) -> Select:
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
                District.zone.is_(None) if UNASSIGNED_ZONE in flt.zones else false(),
            )
        )
        query = query.where(Cluster.district_code.in_(zone_codes))
    for term in terms:
        # autoescape: a "%" or "_" typed in the search box is matched as itself.
        query = query.where(Cluster.search_key.contains(term, autoescape=True))
    if flt.min_free_land_ha is not None:
        enough = Cluster.free_land_ha >= flt.min_free_land_ha
        if flt.free_land_unreported:
            enough = or_(enough, Cluster.free_land_ha.is_(None))
        query = query.where(enough)
    if flt.ready is not None:
        query = query.where(Cluster.ready.is_(flt.ready))
    if flt.industry:
        # Industries are stored in Vietnamese; an English query also matches by label.
        query = query.where(
            or_(
                *(
                    Cluster.industries_key.contains(term, autoescape=True)
                    for term in industries.search_terms(flt.industry)
                )
            )
        )
    if flt.bbox is not None:
        query = dialect.filter_bbox(query, flt.bbox)
    for clause in flt.where:
        query = query.where(clause)
    return query


def _ready(record: dict[str, Any]) -> bool | None:
    return readiness(record.get("clearance_status"), record.get("infrastructure") or {})


def _name_matches(cluster: Cluster, terms: list[str]) -> bool:
    record = cluster.record
    names = search_key([record.get("name_vi"), record.get("name_en")])
    return all(term in names for term in terms)


def search_terms(session: Session, dialect: Dialect, flt: ClusterFilter) -> list[str]:
    """The LIKE terms ``flt.q`` stands for: the whole phrase if any cluster holds it
    ("hung loc" is Hưng Lộc, not Xuân Hưng in Xuân Lộc), else every word anywhere.

    Decided once per request over the whole store, so a list, a map tile and an export
    of the same filter always agree.
    """
    tokens = query_tokens(flt.q)
    if len(tokens) > 1:
        phrase = [" ".join(tokens)]
        probe = _apply_filter(select(Cluster.pk), dialect, flt, phrase).limit(1)
        if session.scalar(probe) is not None:
            return phrase
    return tokens


def filtered_query(session: Session, dialect: Dialect, flt: ClusterFilter) -> Select:
    """SELECT of the clusters ``flt`` asks for (bounding-box precision), in name order."""
    terms = search_terms(session, dialect, flt)
    return _apply_filter(select(Cluster), dialect, flt, terms).order_by(
        Cluster.sort_name, Cluster.id
    )


def find_clusters(session: Session, dialect: Dialect, flt: ClusterFilter) -> list[Cluster]:
    """Clusters matching ``flt``: name matches of ``q`` first, then by name."""
    rows = dialect.exact_bbox(
        list(session.scalars(filtered_query(session, dialect, flt))), flt.bbox
    )
    terms = search_terms(session, dialect, flt) if flt.q else []
    if terms:
        # A searcher typing a name wants that cluster first, not one whose commune or
        # investor happens to share the words; the sort is stable, so name order remains.
        rows.sort(key=lambda c: not _name_matches(c, terms))
    return rows


def _sort_value(props: dict[str, Any], key: SortKey) -> Any:
    if key.field == "name":
        return fold(props.get("name_vi") or "")
    if key.field == DISTANCE_SORT:
        return (props.get("distances_km") or {}).get(key.place_id or "")
    if key.field == "nearest_interchange":
        return (props.get("nearest_interchange") or {}).get("km")
    return props.get(key.field)


def sort_features(features: list[dict[str, Any]], key: SortKey) -> list[dict[str, Any]]:
    """Features ordered by ``key``; unknown values last in either direction, ties kept."""
    known = [f for f in features if _sort_value(f["properties"], key) is not None]
    unknown = [f for f in features if _sort_value(f["properties"], key) is None]
    known.sort(key=lambda f: _sort_value(f["properties"], key), reverse=key.descending)
    return known + unknown


def _page_rows(session: Session, query: Select, limit: int | None, offset: int) -> list[Cluster]:
    if limit is None:
        return list(session.scalars(query.offset(offset)))
    # Find the page's ids in the (sort_name, id) index alone, then read only those rows:
    # skipping to a deep offset then costs index entries, not whole records. (The id, not
    # the integer pk: PostgreSQL's index holds only the columns it names.)
    keys = list(session.scalars(query.with_only_columns(Cluster.id).offset(offset).limit(limit)))
    rows = {c.id: c for c in session.scalars(select(Cluster).where(Cluster.id.in_(keys)))}
    return [rows[k] for k in keys]


def query_features(session: Session, dialect: Dialect, flt: ClusterFilter) -> list[dict[str, Any]]:
    """The features ``flt`` selects, in its order: the one path of list, map and exports."""
    return query_page(session, dialect, flt)[1]


def count_matching(session: Session, dialect: Dialect, flt: ClusterFilter) -> int:
    """How many clusters a plain (unsorted, unsearched) ``flt`` matches.

    Where the dialect's box filter is not exact (SQLite's R-tree) the count follows bounding
    boxes; only a page's own polygons are then checked exactly (``Dialect.exact_bbox``). A
    polygon whose box, but not its shape, touches the area may be counted: a page never
    costs the whole table.
    """
    query = filtered_query(session, dialect, flt).with_only_columns(Cluster.pk).order_by(None)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def query_page(
    session: Session,
    dialect: Dialect,
    flt: ClusterFilter,
    limit: int | None = None,
    offset: int = 0,
    matched: int | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """(number matched, the features of one page) for ``flt``.

    Plain name order pages in SQL, so a page of 100 costs the same at any table size;
    a search ranking or another sort order needs every match first, then slices.
    ``matched``, when the caller already knows ``count_matching``, saves that query.
    """
    districts = district_index(session)
    places = place_points(session)
    if flt.sort is None and not flt.q:
        query = filtered_query(session, dialect, flt)
        total = count_matching(session, dialect, flt) if matched is None else matched
        rows = dialect.exact_bbox(_page_rows(session, query, limit, offset), flt.bbox)
        return total, to_features(rows, districts, places)
    features = to_features(find_clusters(session, dialect, flt), districts, places)
    if flt.sort is not None:
        features = sort_features(features, flt.sort)
    end = None if limit is None else offset + limit
    return len(features), features[offset:end]


def get_cluster(session: Session, cluster_id: str) -> Cluster:
    """The cluster with this id, or NotFound."""
    cluster = session.scalar(select(Cluster).where(Cluster.id == cluster_id))
    if cluster is None:
        raise NotFound("cluster", cluster_id)
    return cluster


def cluster_geometry(cluster: Cluster) -> BaseGeometry | None:
    """The cluster's shapely geometry (None when its location is unknown)."""
    return None if cluster.geom_wkb is None else shapely.from_wkb(cluster.geom_wkb)


def get_clusters(session: Session, cluster_ids: list[str]) -> list[Cluster]:
    """The clusters with these ids in the order given; NotFound names the unknown ones."""
    found = {c.id: c for c in session.scalars(select(Cluster).where(Cluster.id.in_(cluster_ids)))}
    unknown = [i for i in cluster_ids if i not in found]
    if unknown:
        raise NotFound("cluster", ", ".join(unknown))
    return [found[i] for i in cluster_ids]


def clusters_of_district(session: Session, code: str) -> list[Cluster]:
    """Every cluster of one district, by name."""
    query = select(Cluster).where(Cluster.district_code == code)
    return list(session.scalars(query.order_by(Cluster.sort_name, Cluster.id)))


def district_index(session: Session) -> dict[str, District]:
    """Districts by GSO code, for decorating many features with one query."""
    return {d.code: d for d in all_districts(session)}


class DistrictLabel(NamedTuple):
    """What a feature shows of its district."""

    name: str
    zone: str | None


_DISTRICT_LABELS = select(District.code, District.name, District.zone)


def district_labels(session: Session) -> dict[str, DistrictLabel]:
    """``district_index`` for ``to_features`` alone: two columns, no ORM rows (nor boundaries)."""
    return {
        code: DistrictLabel(name, zone) for code, name, zone in session.execute(_DISTRICT_LABELS)
    }


def to_feature(
    cluster: Cluster,
    districts: Mapping[str, District | DistrictLabel],
    places: tuple[PlacePoint, ...] | None = None,
) -> dict[str, Any]:
    """The GeoJSON Feature of a cluster, with derived properties filled in.

    ``places`` (from ``place_points``, loaded once per request) adds ``distances_km`` and
    ``nearest_interchange``; without it those two properties are left out, not guessed.
    """
    return to_features([cluster], districts, places)[0]


def to_features(
    clusters: list[Cluster],
    districts: Mapping[str, District | DistrictLabel],
    places: tuple[PlacePoint, ...] | None = None,
) -> list[dict[str, Any]]:
    """``to_feature`` of many clusters, with geometry and distances computed in bulk.

    A page or a map view holds hundreds of features: shapely and pyproj each do their part
    in one vectorised call rather than once per feature.
    """
    geometries = list(shapely.from_wkb([c.geom_wkb for c in clusters]))
    located = rfc7946([g for g in geometries if g is not None])
    # GEOS writes the shortest round-trip form of each coordinate, as Python's repr does.
    geojson = iter(orjson.loads(text) for text in shapely.to_geojson(located))
    distances = distances_km(geometries, places) if places is not None else None
    features = []
    for index, cluster in enumerate(clusters):
        record = cluster.record
        district = districts.get(cluster.district_code or "")
        props = dict(record)
        props["district_name"] = district.name if district else None
        props["zone"] = district.zone if district else None
        industrial, leased = record.get("industrial_land_ha"), record.get("leased_land_ha")
        reported = record.get("occupancy_reported_pct")
        props["occupancy_pct"] = occupancy_pct(industrial, leased, reported)
        props["free_land_ha"] = free_land_ha(industrial, leased, reported)
        props["ready"] = _ready(record)
        if distances is not None:
            props["distances_km"] = distances[index]
            props["nearest_interchange"] = nearest_of_kind(distances[index], places or ())
        props["version"] = cluster.version
        features.append(
            {
                "type": "Feature",
                "id": cluster.id,
                "properties": props,
                "geometry": None if geometries[index] is None else next(geojson),
            }
        )
    return features


def feature_collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """Wrap features in a FeatureCollection with extra top-level members."""
    return {"type": "FeatureCollection", **members, "features": features}


_DISTRICT_NAMES = select(District.name, District.short_name, District.name_en).where(
    District.code == bindparam("code")
)


def _search_text(record: ClusterRecord, district: Any) -> str:
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
    session: Session,
    record: ClusterRecord,
    geometry: BaseGeometry | None,
    districts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Column values of a cluster row for a validated record and geometry.

    ``districts`` holds every district's names by code, read once for a bulk write.
    """
    district = None
    if record.district_code and districts is not None:
        district = districts.get(record.district_code)
    elif record.district_code:
        # The district's names only (every write runs this under the write lock): no ORM row.
        district = session.execute(_DISTRICT_NAMES, {"code": record.district_code}).first()
    values: dict[str, Any] = {
        "record": record.model_dump(mode="json"),
        "kind": record.kind,
        "stage": record.stage,
        "district_code": record.district_code,
        "search_key": _search_text(record, district),
        "sort_name": fold(record.name_vi),
        "geom_wkb": None if geometry is None else shapely.to_wkb(geometry),
        "free_land_ha": free_land_ha(
            record.industrial_land_ha, record.leased_land_ha, record.occupancy_reported_pct
        ),
        "ready": readiness(record.clearance_status, record.infrastructure.model_dump()),
        "industries_key": search_key(record.industries),
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


def write_clusters(
    session: Session, items: Iterable[tuple[ClusterRecord, BaseGeometry | None]]
) -> int:
    """Insert new clusters in bulk without history (seeding, test and bench set-up).

    One executemany of the table's INSERT, not one unit-of-work object per cluster (nor
    the ORM's bulk path, which asks for the new keys back): 100,000 lots are written in
    about a fifth of the time. Returns how many were inserted.
    """
    districts = {
        row.code: row
        for row in session.execute(
            select(District.code, District.name, District.short_name, District.name_en)
        )
    }
    rows = [
        {"id": record.id, "version": 1, **projection(session, record, geometry, districts)}
        for record, geometry in items
    ]
    if rows:
        session.connection().execute(insert(Cluster.metadata.tables["clusters"]), rows)
    return len(rows)


def located_extent(session: Session) -> tuple[float, float, float, float] | None:
    """(minLon, minLat, maxLon, maxLat) of every located cluster; None when none is."""
    row = session.execute(
        select(
            func.min(Cluster.min_lon),
            func.min(Cluster.min_lat),
            func.max(Cluster.max_lon),
            func.max(Cluster.max_lat),
        )
    ).one()
    min_lon, min_lat, max_lon, max_lat = row
    if min_lon is None or min_lat is None or max_lon is None or max_lat is None:
        return None
    return (min_lon, min_lat, max_lon, max_lat)


def count_clusters(session: Session) -> int:
    """How many clusters the store holds."""
    return session.scalar(select(func.count()).select_from(Cluster)) or 0


def count_free_land_known(session: Session) -> int:
    """How many clusters report their free land (industrial and leased land both known)."""
    known = select(func.count()).select_from(Cluster).where(Cluster.free_land_ha.is_not(None))
    return session.scalar(known) or 0


def count_by_district(session: Session) -> dict[str, int]:
    """Number of clusters in each district code."""
    rows = session.execute(
        select(Cluster.district_code, func.count())
        .where(Cluster.district_code.is_not(None))
        .group_by(Cluster.district_code)
    )
    return {code: count for code, count in rows if code is not None}
