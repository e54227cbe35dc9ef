"""OGC API – Features – Part 1 at /ogc: Core, GeoJSON, HTML and OpenAPI 3.0.

QGIS and GDAL read the layers here directly. The features are the ones /api answers with
(the same core queries and the same public-fields rule); this module adds the standard's
resources around them: landing page, conformance, collections, paging and links.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, get_args

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from pyproj.exceptions import ProjError
from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from gis.core import clusters as core
from gis.core import cql2
from gis.core import queryables as typed
from gis.core.audience import (
    PUBLIC_CLUSTER_PROPERTIES,
    STAFF,
    Audience,
    audience_of,
    visible_feature,
)
from gis.core.districts import PROVINCE_BBOX, all_districts, district_feature
from gis.core.places import PlaceKind, all_places, place_feature, place_points
from gis.core.schema import ZONES
from gis.crs import CRS84, SUPPORTED, bbox_area, parse_crs, transform
from gis.errors import FieldError, InvalidInput, NotFound
from gis.store.models import Cluster, District, Place
from gis.web import get_store
from gis.web.api.openapi import MEDIA_TYPE as OPENAPI_MEDIA_TYPE
from gis.web.auth import optional_actor
from gis.web.caching import cached_json, etag_for
from gis.web.errors import problem
from gis.web.i18n import LANGUAGES
from gis.web.negotiation import requested_format, wants_html
from gis.web.params import (
    check_parameter_names,
    choices,
    cluster_filter,
    ogc_paging,
    parse_datetime_interval,
    parse_ogc_bbox,
)

bp = Blueprint("ogc", __name__)

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
SCHEMA_JSON = "application/schema+json"
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA_REL = "http://www.opengis.net/def/rel/ogc/1.0/schema"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    # OGC API – Tiles (gis.web.ogc_tiles) and its tile matrix set (OGC 17-083r4).
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
)
# Every resource takes f (representation) and lang (the language of the HTML pages, which
# the page header's language switch adds); items take the standard's query parameters.
COMMON_PARAMETERS = ("f", "lang")
ITEMS_PARAMETERS = (
    *COMMON_PARAMETERS,
    "bbox",
    "bbox-crs",
    "crs",
    "limit",
    "offset",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
)
ITEM_PARAMETERS = (*COMMON_PARAMETERS, "crs")

Box = tuple[float, float, float, float]
Page = tuple[int, list[dict[str, Any]]]


@dataclass(frozen=True)
class ItemQuery:
    """The standard's item filters: bounding boxes, a time interval and property filters.

    ``bboxes`` are CRS84 boxes the store filters on; a bbox given in another CRS is the box
    around its outline there, and ``areas`` keeps the outline itself for the exact test.
    """

    bboxes: tuple[Box, ...] = ()
    areas: tuple[BaseGeometry, ...] = ()
    interval: tuple[dt.datetime | None, dt.datetime | None] | None = None
    properties: dict[str, str] | None = None
    # SQL conditions on the collection's table: its CQL2 filter (gis.core.cql2).
    where: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Collection:
    """One feature collection: how to list, find and bound its features."""

    id: str
    title: Any
    description: Any
    filters: tuple[str, ...]
    # (number matched, the page at offset/limit) of the features a query selects.
    features: Callable[[Session, str, ItemQuery, Audience, int, int], Page]
    feature: Callable[[Session, str, Audience], dict[str, Any]]
    extent: Callable[[Session], Box]
    # The feature property that names a feature in the HTML pages.
    label: str = "name_vi"
    temporal: Callable[[Session], list[str | None] | None] = lambda _session: None


# --- the collections -------------------------------------------------------------------


def _intersects_any(geometry: dict[str, Any] | None, query: ItemQuery) -> bool:
    """Whether a CRS84 geometry meets the query's bbox (any bbox when there is none)."""
    if not query.bboxes:
        return True
    if geometry is None:
        return False
    geom = shape(geometry)
    areas = query.areas or tuple(box(*b) for b in query.bboxes)
    return any(area.intersects(geom) for area in areas)


def _in_interval(day: str | None, query: ItemQuery) -> bool:
    """Whether a feature dated ``day`` (the whole UTC day) meets the query's interval."""
    if query.interval is None:
        return True
    if not day:
        # No time at all: it cannot intersect the interval asked for.
        return False
    start_of_day = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
    end_of_day = start_of_day + dt.timedelta(days=1)
    start, end = query.interval
    return (start is None or end_of_day > start) and (end is None or start_of_day <= end)


def _cluster_features(
    session: Session, dialect: str, query: ItemQuery, audience: Audience, limit: int, offset: int
) -> Page:
    props = query.properties or {}
    codes = [d.code for d in all_districts(session)]
    flt = cluster_filter({k: props[k] for k in CLUSTERS_FILTERS if k in props}, codes)
    where = list(query.where)
    bbox = None
    if len(query.bboxes) == 1 and not query.areas:
        bbox = query.bboxes[0]
    elif query.bboxes:
        # A bbox in another CRS, or two across the antimeridian: the index narrows by the
        # box around them, the exact test runs in SQL too, so pages stay in SQL.
        area = unary_union(query.areas or [box(*b) for b in query.bboxes])
        bbox = area.bounds
        where.append(cql2.intersects(dialect, area))
    if query.interval is not None:
        where.append(_as_of_within(query.interval))
    flt = replace(flt, bbox=bbox, where=tuple(where))
    matched, features = core.query_page(session, dialect, flt, limit, offset)
    return matched, [visible_feature(f, audience) for f in features]


def _as_of_within(interval: tuple[dt.datetime | None, dt.datetime | None]) -> Any:
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


def _matching_keys(session: Session, key: Any, query: ItemQuery) -> set[str] | None:
    """The keys of the rows the query's CQL2 filter selects (None: no filter)."""
    if not query.where:
        return None
    return set(session.scalars(select(key).where(*query.where)))


def _cluster_feature(session: Session, feature_id: str, audience: Audience) -> dict[str, Any]:
    cluster = core.get_cluster(session, feature_id)
    feature = core.to_feature(cluster, core.district_index(session), place_points(session))
    return visible_feature(feature, audience)


def _cluster_extent(session: Session) -> Box:
    return core.located_extent(session) or PROVINCE_BBOX


def _cluster_temporal(session: Session) -> list[str | None] | None:
    days = [c.record.get("as_of") for c in session.scalars(select(Cluster))]
    known = sorted(d for d in days if d)
    return [f"{known[0]}T00:00:00Z", f"{known[-1]}T23:59:59Z"] if known else None


def _district_features(
    session: Session, _dialect: str, query: ItemQuery, _audience: Audience, limit: int, offset: int
) -> Page:
    props = query.properties or {}
    keys = _matching_keys(session, District.code, query)
    zones = choices("zone", props.get("zone", ""), (*ZONES, core.UNASSIGNED_ZONE))
    counts = core.count_by_district(session)
    features = []
    for district in all_districts(session):
        zone = district.zone or core.UNASSIGNED_ZONE
        if (zones and zone not in zones) or (keys is not None and district.code not in keys):
            continue
        feature = district_feature(district, counts.get(district.code, 0))
        if _intersects_any(feature["geometry"], query) and _in_interval(None, query):
            features.append(feature)
    return len(features), features[offset : offset + limit]


def _district_feature(session: Session, feature_id: str, _audience: Audience) -> dict[str, Any]:
    district = session.get(District, feature_id)
    if district is None:
        raise NotFound("district", feature_id)
    return district_feature(district, core.count_by_district(session).get(district.code, 0))


def _district_extent(session: Session) -> Box:
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


PLACE_KINDS: tuple[str, ...] = get_args(PlaceKind)


def _place_features(
    session: Session, _dialect: str, query: ItemQuery, _audience: Audience, limit: int, offset: int
) -> Page:
    props = query.properties or {}
    kinds = choices("kind", props.get("kind", ""), PLACE_KINDS)
    keys = _matching_keys(session, Place.id, query)
    features = [
        feature
        for feature in map(place_feature, all_places(session))
        if (not kinds or feature["properties"]["kind"] in kinds)
        and (keys is None or feature["id"] in keys)
        and _intersects_any(feature["geometry"], query)
        and _in_interval(None, query)
    ]
    return len(features), features[offset : offset + limit]


def _place_feature(session: Session, feature_id: str, _audience: Audience) -> dict[str, Any]:
    place = session.get(Place, feature_id)
    if place is None:
        raise NotFound("place", feature_id)
    return place_feature(place)


def _place_extent(session: Session) -> Box:
    row = session.execute(
        select(func.min(Place.lon), func.min(Place.lat), func.max(Place.lon), func.max(Place.lat))
    ).one()
    min_lon, min_lat, max_lon, max_lat = row
    return (min_lon, min_lat, max_lon, max_lat) if min_lon is not None else PROVINCE_BBOX


CLUSTERS_FILTERS = ("district", "stage", "kind", "zone")
COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            id="clusters",
            title=_l("Industrial clusters and parks"),
            description=_l(
                "Đồng Nai's industrial clusters (CCN), parks (KCN) and support-industry zones: "
                "stage, site clearance, infrastructure, land and distances."
            ),
            filters=CLUSTERS_FILTERS,
            features=_cluster_features,
            feature=_cluster_feature,
            extent=_cluster_extent,
            temporal=_cluster_temporal,
        ),
        Collection(
            id="districts",
            title=_l("Districts"),
            description=_l(
                "The province's district-level units before July 2025, with their zone; the "
                "geometry is the official boundary once it is loaded, else null."
            ),
            filters=("zone",),
            features=_district_features,
            feature=_district_feature,
            extent=_district_extent,
            label="name",
        ),
        Collection(
            id="places",
            title=_l("Reference places"),
            description=_l(
                "Airports, ports, city centres and expressway interchanges the clusters' "
                "straight-line distances are measured to."
            ),
            filters=("kind",),
            features=_place_features,
            feature=_place_feature,
            extent=_place_extent,
        ),
    )
}


# --- answering -------------------------------------------------------------------------


def _check_parameters(allowed: tuple[str, ...]) -> str:
    """Refuse unknown or repeated parameters; return the representation asked for."""
    check_parameter_names([k for k, _v in request.args.items(multi=True)], allowed)
    if "lang" in request.args and request.args["lang"] not in LANGUAGES:
        reason = f"unknown language {request.args['lang']!r}; allowed: {', '.join(LANGUAGES)}"
        raise InvalidInput([FieldError("lang", reason)])
    return requested_format()


def _url(endpoint: str, fmt: str | None = None, **params: Any) -> str:
    if fmt is not None:
        params["f"] = fmt
    return url_for(endpoint, _external=True, **params)


def _self_links(endpoint: str, fmt: str, json_type: str, **params: Any) -> list[dict[str, str]]:
    """``self`` in the representation served and ``alternate`` in the other one."""
    json_link = {"href": _url(endpoint, "json", **params), "type": json_type}
    html_link = {"href": _url(endpoint, "html", **params), "type": HTML}
    this, other = (json_link, html_link) if fmt == "json" else (html_link, json_link)
    return [
        {**this, "rel": "self", "title": "this document"},
        {**other, "rel": "alternate", "title": "this document as " + other["type"]},
    ]


def _answer(fmt: str, kind: str, body: dict[str, Any], mimetype: str, **page: Any) -> Response:
    if fmt == "html":
        return Response(render_template(f"ogc/{kind}.html", body=body, **page), mimetype=HTML)
    # Links are absolute, so the host is part of what the body depends on.
    tag = etag_for(
        "ogc",
        kind,
        get_store().revision(),
        request.host_url,
        request.path,
        sorted(request.args.items(multi=True)),
        audience_of(optional_actor()),
    )
    return cached_json(tag, lambda: body, mimetype)


def _collection(collection_id: str) -> Collection:
    collection = COLLECTIONS.get(collection_id)
    if collection is None:
        raise NotFound("collection", collection_id)
    return collection


@bp.errorhandler(InvalidInput)
def _invalid(exc: InvalidInput) -> Response | tuple[str, int]:
    """400 with the OGC exception's ``code`` beside the problem details."""
    if wants_html():
        return render_template("error.html", status=400, message=str(exc)), 400
    response = problem(400, "Bad Request", str(exc), exc.errors)
    return with_ogc_code(response, "InvalidParameterValue")


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound) -> Response | tuple[str, int]:
    """404 for an unknown collection or feature, with the OGC exception's ``code``."""
    if wants_html():
        return render_template("error.html", status=404, message=str(exc)), 404
    return with_ogc_code(problem(404, "Not Found", str(exc)), "NotFound")


def with_ogc_code(response: Response, code: str) -> Response:
    """The problem+json ``response`` with OGC's exception ``code`` and ``description``."""
    body = response.get_json()
    # OGC's exception schema requires "code" and suggests "description".
    body["code"] = code
    body["description"] = body["detail"]
    response.set_data(json.dumps(body, ensure_ascii=False).encode("utf-8"))
    return response


@bp.get("")
@bp.get("/")
def landing() -> Response:
    """The landing page: what this service is and where its parts are."""
    fmt = _check_parameters(COMMON_PARAMETERS)
    body = {
        "title": str(_l("Đồng Nai industrial clusters")),
        "description": str(
            _l(
                "OGC API – Features access to Đồng Nai's industrial clusters, districts and "
                "reference places, for QGIS, GDAL and other GIS clients."
            )
        ),
        "links": [
            *_self_links("ogc.landing", fmt, JSON),
            {
                "href": url_for("api.openapi.spec", _external=True),
                "rel": "service-desc",
                "type": OPENAPI_MEDIA_TYPE,
                "title": "the API definition (OpenAPI 3.0)",
            },
            {
                "href": url_for("api.openapi.docs", _external=True),
                "rel": "service-doc",
                "type": HTML,
                "title": "the API documentation",
            },
            {
                "href": _url("ogc.conformance", "json"),
                "rel": "conformance",
                "type": JSON,
                "title": "the conformance classes this service implements",
            },
            {
                "href": _url("ogc.collections", "json"),
                "rel": "data",
                "type": JSON,
                "title": "the feature collections",
            },
            {
                "href": url_for("ogc_tiles.tile_matrix_sets", _external=True),
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                "type": JSON,
                "title": "the tile matrix sets of the vector tiles",
            },
        ],
    }
    return _answer(fmt, "landing", body, JSON)


@bp.get("/conformance")
def conformance() -> Response:
    """The conformance classes this service implements."""
    fmt = _check_parameters(COMMON_PARAMETERS)
    body = {
        "conformsTo": list(CONFORMANCE),
        "links": _self_links("ogc.conformance", fmt, JSON),
    }
    return _answer(fmt, "conformance", body, JSON)


def _collection_body(session: Session, collection: Collection, fmt: str) -> dict[str, Any]:
    extent: dict[str, Any] = {"spatial": {"bbox": [list(collection.extent(session))], "crs": CRS84}}
    interval = collection.temporal(session)
    if interval is not None:
        extent["temporal"] = {"interval": [interval], "trs": GREGORIAN}
    items = {"collection_id": collection.id}
    return {
        "id": collection.id,
        "title": str(collection.title),
        "description": str(collection.description),
        "itemType": "feature",
        "crs": list(SUPPORTED),
        "storageCrs": CRS84,
        "extent": extent,
        "links": [
            *_self_links("ogc.collection", fmt, JSON, **items),
            {
                "href": _url("ogc.items", "json", **items),
                "rel": "items",
                "type": GEOJSON,
                "title": "the features as GeoJSON",
            },
            {
                "href": _url("ogc.items", "html", **items),
                "rel": "items",
                "type": HTML,
                "title": "the features as HTML",
            },
            # Part 3's relation, and the short name GDAL's OAPIF driver looks for.
            *(
                {
                    "href": _url("ogc.queryables", None, **items),
                    "rel": rel,
                    "type": SCHEMA_JSON,
                    "title": "the properties a filter may name",
                }
                for rel in (QUERYABLES_REL, "queryables")
            ),
            # GDAL's OAPIF driver types its fields from a "describedby" JSON Schema.
            *(
                {"href": _url("ogc.schema", None, **items), "rel": rel, "type": SCHEMA_JSON}
                for rel in ("describedby", SCHEMA_REL)
            ),
            *_tiles_links(collection.id),
        ],
    }


def _tiles_links(collection_id: str) -> list[dict[str, str]]:
    """OGC API – Tiles: the vector tilesets of a collection that has them (clusters)."""
    if collection_id != "clusters":
        return []
    return [
        {
            "href": url_for("ogc_tiles.tilesets", _external=True),
            "rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
            "type": JSON,
            "title": "the clusters as vector tiles",
        }
    ]


@bp.get("/collections")
def collections() -> Response:
    """Every collection with its extent and links."""
    fmt = _check_parameters(COMMON_PARAMETERS)
    with get_store().session() as session:
        described = [_collection_body(session, c, fmt) for c in COLLECTIONS.values()]
    body = {"links": _self_links("ogc.collections", fmt, JSON), "collections": described}
    return _answer(fmt, "collections", body, JSON)


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    """One collection with its extent and links."""
    found = _collection(collection_id)
    fmt = _check_parameters(COMMON_PARAMETERS)
    with get_store().session() as session:
        body = _collection_body(session, found, fmt)
    return _answer(fmt, "collection", body, JSON)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str) -> Response:
    """Part 3: the properties a CQL2 filter on the collection may name, as JSON Schema."""
    found = _collection(collection_id)
    _check_parameters(COMMON_PARAMETERS)
    audience = audience_of(optional_actor())
    fields = typed.queryables(found.id, _visible(found, audience))
    body: dict[str, Any] = {
        "$schema": JSON_SCHEMA,
        "$id": _url("ogc.queryables", None, collection_id=found.id),
        "type": "object",
        "title": str(found.title),
        "properties": {name: prop.json_schema() for name, prop in fields.items()},
        "additionalProperties": False,
    }
    if found.id in typed.SPATIAL_QUERYABLE:
        body["properties"]["geometry"] = {
            "format": "geometry-any",
            "description": "the feature's geometry (S_INTERSECTS)",
        }
    return _answer("json", "queryables", body, SCHEMA_JSON)


@bp.get("/collections/<collection_id>/schema")
def schema(collection_id: str) -> Response:
    """The JSON Schema of one feature of the collection, each property with its type."""
    found = _collection(collection_id)
    _check_parameters(COMMON_PARAMETERS)
    audience = audience_of(optional_actor())
    props = typed.properties(found.id, _visible(found, audience))
    body = {
        "$schema": JSON_SCHEMA,
        "$id": _url("ogc.schema", None, collection_id=found.id),
        "title": str(found.title),
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"format": "geometry-any"},
            "properties": {
                "type": "object",
                # "id" is left to the Feature's own id: GDAL reads that as its "id" field
                # and would otherwise list a second one.
                "properties": {p.name: p.json_schema() for p in props if p.name != "id"},
            },
        },
    }
    return _answer("json", "schema", body, SCHEMA_JSON)


def _item_query(collection: Collection, dialect: str, audience: Audience) -> ItemQuery:
    args = request.args.to_dict()
    errors: list[FieldError] = []
    where: tuple[Any, ...] = ()
    try:
        where = _filter_clauses(collection, args, dialect, audience)
    except InvalidInput as exc:
        errors += exc.errors
    bboxes: tuple[Box, ...] = ()
    areas: tuple[BaseGeometry, ...] = ()
    bbox_crs = CRS84
    if "bbox-crs" in args:
        try:
            bbox_crs = parse_crs(args["bbox-crs"])
        except ValueError as exc:
            errors.append(FieldError("bbox-crs", str(exc)))
    if "bbox" in args and not errors:
        try:
            if bbox_crs == CRS84:
                bboxes = parse_ogc_bbox(args["bbox"])
            else:
                areas = (bbox_area(bbox_crs, _bbox_numbers(args["bbox"])),)
                bboxes = tuple(a.bounds for a in areas)
        except ValueError as exc:
            errors.append(FieldError("bbox", str(exc)))
    interval = None
    if "datetime" in args:
        try:
            interval = parse_datetime_interval(args["datetime"])
        except InvalidInput as exc:
            errors += exc.errors
    if errors:
        raise InvalidInput(errors)
    properties = {k: args[k] for k in collection.filters if k in args}
    return ItemQuery(bboxes, areas, interval, properties, where)


def _visible(collection: Collection, audience: Audience) -> frozenset[str] | None:
    """The properties this audience sees (None: all), so a filter cannot probe hidden ones."""
    if collection.id == "clusters" and audience != STAFF:
        return PUBLIC_CLUSTER_PROPERTIES
    return None


def _filter_clauses(
    collection: Collection, args: dict[str, str], dialect: str, audience: Audience
) -> tuple[Any, ...]:
    """The SQL condition of ``filter`` (Part 3), or InvalidInput naming the parameter."""
    errors: list[FieldError] = []
    lang = args.get("filter-lang", "cql2-text")
    if lang not in cql2.LANGUAGES:
        reason = f"unknown filter language {lang!r}; allowed: {', '.join(cql2.LANGUAGES)}"
        errors.append(FieldError("filter-lang", reason))
    to_crs84 = None
    if "filter-crs" in args:
        try:
            filter_crs = parse_crs(args["filter-crs"])
            to_crs84 = partial(_geometry_to_crs84, source=filter_crs)
        except ValueError as exc:
            errors.append(FieldError("filter-crs", str(exc)))
    if errors:
        raise InvalidInput(errors)
    if "filter" not in args:
        return ()
    translator = cql2.Translator(
        typed.queryables(collection.id, _visible(collection, audience)),
        dialect,
        collection.id in typed.SPATIAL_QUERYABLE,
        to_crs84,
    )
    try:
        return (translator.translate(cql2.parse(args["filter"], lang)),)
    except ValueError as exc:
        raise InvalidInput([FieldError("filter", str(exc))]) from None


def _geometry_to_crs84(geom: BaseGeometry, source: str) -> BaseGeometry:
    try:
        return transform(geom, source, CRS84)
    except ProjError:
        raise ValueError(f"the geometry lies outside the area of use of {source}") from None


def _bbox_numbers(raw: str) -> list[float]:
    """The four corner numbers of a bbox (heights of a 6-number bbox dropped), in the
    order its CRS names its axes."""
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise ValueError("expected 4 numbers (lower corner, upper corner) or 6 with heights")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ValueError("expected numbers separated by commas") from None
    return [numbers[0], numbers[1], numbers[3], numbers[4]] if len(numbers) == 6 else numbers


def _output_crs() -> str:
    """The ``crs`` asked for (CRS84 by default), or InvalidInput naming ``crs``."""
    if "crs" not in request.args:
        return CRS84
    try:
        return parse_crs(request.args["crs"])
    except ValueError as exc:
        raise InvalidInput([FieldError("crs", str(exc))]) from None


def _in_crs(feature: dict[str, Any], uri: str) -> dict[str, Any]:
    """The feature with its geometry in ``uri``, in that CRS's own axis order (Part 2)."""
    if uri == CRS84 or feature.get("geometry") is None:
        return feature
    return {**feature, "geometry": mapping(transform(shape(feature["geometry"]), CRS84, uri))}


def _with_crs(response: Response, uri: str) -> Response:
    response.headers["Content-Crs"] = f"<{uri}>"
    return response


def _page_link(rel: str, fmt: str, collection_id: str, offset: int) -> dict[str, str]:
    params = {k: v for k, v in request.args.items() if k not in ("f", "offset")}
    if offset:
        params["offset"] = str(offset)
    media = GEOJSON if fmt == "json" else HTML
    return {
        "href": _url("ogc.items", fmt, collection_id=collection_id, **params),
        "rel": rel,
        "type": media,
        "title": f"{rel} page",
    }


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    """The collection's features: bbox, datetime and property filters, limit and offset."""
    found = _collection(collection_id)
    fmt = _check_parameters((*ITEMS_PARAMETERS, *found.filters))
    errors: list[FieldError] = []
    try:
        limit, offset = ogc_paging(request.args)
    except InvalidInput as exc:
        errors += exc.errors
    store = get_store()
    audience = audience_of(optional_actor())
    try:
        query = _item_query(found, store.dialect, audience)
    except InvalidInput as exc:
        errors += exc.errors
    try:
        crs = _output_crs()
    except InvalidInput as exc:
        errors += exc.errors
    if errors:
        raise InvalidInput(errors)
    with store.session() as session:
        matched, features = found.features(session, store.dialect, query, audience, limit, offset)
    page = [_in_crs(f, crs) for f in features]
    params = {k: v for k, v in request.args.items() if k != "f"}
    links = _self_links("ogc.items", fmt, GEOJSON, collection_id=collection_id, **params)
    if offset + limit < matched:
        links.append(_page_link("next", fmt, collection_id, offset + limit))
    if offset > 0:
        links.append(_page_link("prev", fmt, collection_id, max(0, offset - limit)))
    links.append(
        {
            "href": _url("ogc.collection", "json", collection_id=collection_id),
            "rel": "collection",
            "type": JSON,
            "title": "the collection",
        }
    )
    body = core.feature_collection(
        page,
        links=links,
        timeStamp=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        numberMatched=matched,
        numberReturned=len(page),
    )
    response = _answer(
        fmt,
        "items",
        body,
        GEOJSON,
        collection=found,
        offset=offset,
        limit=limit,
    )
    return _with_crs(response, crs)


@bp.get("/collections/clusters/items/<cluster_id>")
def cluster_item(cluster_id: str) -> Response:
    """One cluster: clusters' items have their own path, beside their Part 4 writes."""
    return item("clusters", cluster_id)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    """One feature with links to itself and to its collection."""
    found = _collection(collection_id)
    fmt = _check_parameters(ITEM_PARAMETERS)
    crs = _output_crs()
    audience = audience_of(optional_actor())
    with get_store().session() as session:
        feature = found.feature(session, feature_id, audience)
    ids = {"collection_id": collection_id, "feature_id": feature_id}
    feature = {
        **_in_crs(feature, crs),
        "links": [
            *_self_links("ogc.item", fmt, GEOJSON, **ids),
            {
                "href": _url("ogc.collection", "json", collection_id=collection_id),
                "rel": "collection",
                "type": JSON,
                "title": "the collection",
            },
        ],
    }
    return _with_crs(_answer(fmt, "item", feature, GEOJSON, collection=found), crs)
