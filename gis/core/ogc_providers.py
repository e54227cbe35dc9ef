"""The OGC feature collections' data: one provider per collection, as pygeoapi has them.

Each provider answers an ``ItemQuery`` with one filtered SELECT that the database counts
and pages (LIMIT/OFFSET), so a page builds only its own features whatever the table holds;
it finds one feature by id and bounds the collection in space and time. The protocol
around them (parameters, links, formats) is gis.web.ogc's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, get_args

import shapely
from shapely.geometry import shape
from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gis.core import audience as rule
from gis.core import clusters, cql2
from gis.core.audience import STAFF, Audience, visible_feature
from gis.core.districts import PROVINCE_BBOX, all_districts, district_feature
from gis.core.ogc_query import Box, Interval, ItemQuery, Page, filter_clause
from gis.core.places import PlaceKind, place_feature, place_points
from gis.core.schema import KINDS, STAGES, ZONES
from gis.errors import NotFound
from gis.store.dialects import Dialect
from gis.store.models import Cluster, District, Place


class Provider:
    """One collection: what its items can be filtered on, and how to read them."""

    id: ClassVar[str]
    # The property filters its items take (``zone=...``), beside the standard's parameters.
    filters: ClassVar[tuple[str, ...]]
    # The feature property that names a feature in the HTML pages.
    label: ClassVar[str] = "name_vi"

    def choices(self, session: Session) -> dict[str, tuple[str, ...]]:
        """The values each property filter allows."""
        raise NotImplementedError

    def visible(self, audience: Audience) -> frozenset[str] | None:
        """The properties this audience sees (None: all), so a filter cannot probe others."""
        return None

    def filter_clause(
        self, raw: str, lang: str, crs: str | None, dialect: Dialect, audience: Audience
    ) -> ColumnElement[bool]:
        """The SQL condition of a CQL2 filter on this collection; ValueError says why not."""
        return filter_clause(self.id, raw, lang, crs, dialect, self.visible(audience))

    def query(
        self, session: Session, dialect: Dialect, query: ItemQuery, audience: Audience
    ) -> Page:
        """(number matched, the features of the page) the query selects."""
        raise NotImplementedError

    def get(self, session: Session, feature_id: str, audience: Audience) -> dict[str, Any]:
        """The feature with this id, or NotFound."""
        raise NotImplementedError

    def extent(self, session: Session) -> Box:
        """The CRS84 box around the collection's features."""
        raise NotImplementedError

    def temporal(self, session: Session) -> list[str | None] | None:
        """The time interval the features cover (None: they carry no time)."""
        return None


def _paged(session: Session, query: Select, item: ItemQuery, order: Any) -> tuple[int, list[Any]]:
    """The number of rows ``query`` selects and the page's rows, both counted in SQL."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.order_by(order).limit(item.limit).offset(item.offset)
    return total, list(session.scalars(page))


def _undated(interval: Interval | None) -> list[ColumnElement[bool]]:
    # A feature with no time at all cannot intersect the interval asked for.
    return [] if interval is None else [false()]


# --- clusters --------------------------------------------------------------------------


class Clusters(Provider):
    """The clusters, through the query the JSON API pages with (gis.core.clusters)."""

    id = "clusters"
    filters = ("district", "stage", "kind", "zone")

    def choices(self, session: Session) -> dict[str, tuple[str, ...]]:
        """Every district code, zone, kind and stage (in /api's order of reporting them)."""
        return {
            "district": tuple(d.code for d in all_districts(session)),
            "zone": (*ZONES, clusters.UNASSIGNED_ZONE),
            "kind": tuple(KINDS),
            "stage": tuple(STAGES),
        }

    def visible(self, audience: Audience) -> frozenset[str] | None:
        """Anonymous readers see the public properties only (gis.core.audience)."""
        return None if audience == STAFF else rule.PUBLIC_CLUSTER_PROPERTIES

    def query(
        self, session: Session, dialect: Dialect, query: ItemQuery, audience: Audience
    ) -> Page:
        """The page from ``clusters.query_page``, which counts and pages in SQL."""
        props = query.properties
        where = list(query.where)
        bbox = None
        if len(query.bboxes) == 1 and not query.areas:
            bbox = query.bboxes[0]
        else:
            area = query.area()
            if area is not None:
                # A bbox in another CRS, or two across the antimeridian: the index narrows
                # by the box around them and the exact test runs in SQL too.
                bbox = area.bounds
                where.append(cql2.intersects(dialect, area))
        if query.interval is not None:
            where.append(_as_of_within(query.interval))
        flt = clusters.ClusterFilter(
            bbox=bbox,
            districts=props.get("district", ()),
            zones=props.get("zone", ()),
            kinds=props.get("kind", ()),
            stages=props.get("stage", ()),
            where=tuple(where),
        )
        matched, features = clusters.query_page(session, dialect, flt, query.limit, query.offset)
        return matched, [visible_feature(f, audience) for f in features]

    def get(self, session: Session, feature_id: str, audience: Audience) -> dict[str, Any]:
        """One cluster as the audience may see it."""
        cluster = clusters.get_cluster(session, feature_id)
        feature = clusters.to_feature(
            cluster, clusters.district_index(session), place_points(session)
        )
        return visible_feature(feature, audience)

    def extent(self, session: Session) -> Box:
        """Around every located cluster (the province when none is)."""
        return clusters.located_extent(session) or PROVINCE_BBOX

    def temporal(self, session: Session) -> list[str | None] | None:
        """From the first to the last ``as_of`` day, whole UTC days."""
        day = Cluster.record["as_of"].as_string()
        first, last = session.execute(
            select(func.min(day), func.max(day)).where(day.is_not(None), day != "")
        ).one()
        return [f"{first}T00:00:00Z", f"{last}T23:59:59Z"] if first else None


def _as_of_within(interval: Interval) -> ColumnElement[bool]:
    """Clusters whose ``as_of`` day (the whole UTC day) meets the interval, in SQL."""
    start, end = interval
    day = Cluster.record["as_of"].as_string()
    # A day d meets [start, end] when d + 1 day > start and d <= end: ISO dates order as text.
    clauses = [day.is_not(None)]
    if start is not None:
        clauses.append(day >= start.astimezone(dt.UTC).date().isoformat())
    if end is not None:
        clauses.append(day <= end.astimezone(dt.UTC).date().isoformat())
    return and_(*clauses)


# --- districts -------------------------------------------------------------------------


class Districts(Provider):
    """The districts with their zone and, once loaded, their official boundary."""

    id = "districts"
    filters = ("zone",)
    label = "name"

    def choices(self, session: Session) -> dict[str, tuple[str, ...]]:
        """The zones, and "unassigned" for a district without one."""
        return {"zone": (*ZONES, clusters.UNASSIGNED_ZONE)}

    def query(
        self, session: Session, dialect: Dialect, query: ItemQuery, audience: Audience
    ) -> Page:
        """Districts by code, filtered and paged in SQL."""
        conditions = [*query.where, *_undated(query.interval)]
        zones = query.properties.get("zone", ())
        if zones:
            named = [z for z in zones if z != clusters.UNASSIGNED_ZONE]
            unassigned = or_(District.zone.is_(None), District.zone == "")
            conditions.append(
                or_(
                    District.zone.in_(named),
                    unassigned if clusters.UNASSIGNED_ZONE in zones else false(),
                )
            )
        area = query.area()
        if area is not None:
            conditions.append(dialect.wkb_intersects(District.boundary_wkb, area))
        total, rows = _paged(session, select(District).where(*conditions), query, District.code)
        counts = clusters.count_by_district(session)
        return total, [district_feature(d, counts.get(d.code, 0)) for d in rows]

    def get(self, session: Session, feature_id: str, audience: Audience) -> dict[str, Any]:
        """One district with its number of clusters."""
        district = session.get(District, feature_id)
        if district is None:
            raise NotFound("district", feature_id)
        return district_feature(district, clusters.count_by_district(session).get(district.code, 0))

    def extent(self, session: Session) -> Box:
        """Around the loaded boundaries, as written (the province when none is loaded)."""
        geometries = [f["geometry"] for f in map(district_feature, all_districts(session))]
        shapes = [shape(g) for g in geometries if g is not None]
        if not shapes:
            return PROVINCE_BBOX
        bounds = [s.bounds for s in shapes]
        return (
            min(b[0] for b in bounds),
            min(b[1] for b in bounds),
            max(b[2] for b in bounds),
            max(b[3] for b in bounds),
        )


# --- places ----------------------------------------------------------------------------

PLACE_KINDS: tuple[str, ...] = get_args(PlaceKind)


class Places(Provider):
    """The reference places the clusters' distances are measured to."""

    id = "places"
    filters = ("kind",)

    def choices(self, session: Session) -> dict[str, tuple[str, ...]]:
        """The kinds of place."""
        return {"kind": PLACE_KINDS}

    def query(
        self, session: Session, dialect: Dialect, query: ItemQuery, audience: Audience
    ) -> Page:
        """Places by id, filtered and paged in SQL."""
        conditions = [*query.where, *_undated(query.interval)]
        kinds = query.properties.get("kind", ())
        if kinds:
            conditions.append(Place.kind.in_(kinds))
        if query.bboxes:
            conditions.append(_places_within(session, query))
        total, rows = _paged(session, select(Place).where(*conditions), query, Place.id)
        return total, [place_feature(p) for p in rows]

    def get(self, session: Session, feature_id: str, audience: Audience) -> dict[str, Any]:
        """One place."""
        place = session.get(Place, feature_id)
        if place is None:
            raise NotFound("place", feature_id)
        return place_feature(place)

    def extent(self, session: Session) -> Box:
        """Around every place (the province when there is none)."""
        row = session.execute(
            select(
                func.min(Place.lon), func.min(Place.lat), func.max(Place.lon), func.max(Place.lat)
            )
        ).one()
        min_lon, min_lat, max_lon, max_lat = row
        return (min_lon, min_lat, max_lon, max_lat) if min_lon is not None else PROVINCE_BBOX


def _in_box(b: Box) -> ColumnElement[bool]:
    return and_(Place.lon.between(b[0], b[2]), Place.lat.between(b[1], b[3]))


def _places_within(session: Session, query: ItemQuery) -> ColumnElement[bool]:
    """Places inside the query's CRS84 boxes, or inside its outlines from another CRS."""
    boxes = or_(*(_in_box(b) for b in query.bboxes))
    if not query.areas:
        return boxes
    # A point in a curved outline: SQLite has no point constructor for gis_intersects, so
    # the few points in the box around the outline are tested here, by their coordinates.
    area = shapely.union_all(query.areas)
    candidates = session.execute(select(Place.id, Place.lon, Place.lat).where(boxes)).all()
    inside = shapely.intersects_xy(area, [c.lon for c in candidates], [c.lat for c in candidates])
    return Place.id.in_([c.id for c, hit in zip(candidates, inside, strict=True) if hit])


PROVIDERS: dict[str, Provider] = {p.id: p for p in (Clusters(), Districts(), Places())}
