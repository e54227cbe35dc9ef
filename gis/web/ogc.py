"""OGC API – Features – Part 1 at /ogc: Core, GeoJSON, HTML and OpenAPI 3.0.

QGIS and GDAL read the layers here directly. The features are the ones /api answers with
(the same core queries and the same public-fields rule); each collection's data comes from
its provider (gis.core.ogc_providers), which filters and pages in SQL. This module is the
protocol around them: parameters, landing page, conformance, collections, links and formats.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from gis.core import cql2
from gis.core import queryables as typed
from gis.core.audience import Audience, audience_of
from gis.core.clusters import feature_collection
from gis.core.ogc_providers import PROVIDERS, Provider
from gis.core.ogc_query import Box, ItemQuery
from gis.crs import CRS84, SUPPORTED, bbox_area, parse_crs, transform
from gis.errors import FieldError, InvalidInput, NotFound
from gis.store.dialects import Dialect
from gis.web import get_store
from gis.web.api.openapi import MEDIA_TYPE as OPENAPI_MEDIA_TYPE
from gis.web.auth import optional_actor
from gis.web.caching import cached_json, etag_for
from gis.web.errors import problem
from gis.web.i18n import LANGUAGES
from gis.web.negotiation import requested_format, wants_html
from gis.web.params import (
    check_parameter_names,
    collect_choices,
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


@dataclass(frozen=True)
class Collection:
    """One feature collection: its title and description, and the provider of its data."""

    title: Any
    description: Any
    provider: Provider

    @property
    def id(self) -> str:
        """The collection's id in its paths."""
        return self.provider.id

    @property
    def filters(self) -> tuple[str, ...]:
        """The property filters its items take."""
        return self.provider.filters

    @property
    def label(self) -> str:
        """The feature property that names a feature in the HTML pages."""
        return self.provider.label


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            title=_l("Industrial clusters and parks"),
            description=_l(
                "Đồng Nai's industrial clusters (CCN), parks (KCN) and support-industry zones: "
                "stage, site clearance, infrastructure, land and distances."
            ),
            provider=PROVIDERS["clusters"],
        ),
        Collection(
            title=_l("Districts"),
            description=_l(
                "The province's district-level units before July 2025, with their zone; the "
                "geometry is the official boundary once it is loaded, else null."
            ),
            provider=PROVIDERS["districts"],
        ),
        Collection(
            title=_l("Reference places"),
            description=_l(
                "Airports, ports, city centres and expressway interchanges the clusters' "
                "straight-line distances are measured to."
            ),
            provider=PROVIDERS["places"],
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
    provider = collection.provider
    extent: dict[str, Any] = {"spatial": {"bbox": [list(provider.extent(session))], "crs": CRS84}}
    interval = provider.temporal(session)
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
    fields = typed.queryables(found.id, found.provider.visible(audience))
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
    props = typed.properties(found.id, found.provider.visible(audience))
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


def _item_query(collection: Collection, dialect: Dialect, audience: Audience) -> ItemQuery:
    """The standard's item parameters as a query for the collection's provider."""
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
    return ItemQuery(bboxes=bboxes, areas=areas, interval=interval, where=where)


def _properties(collection: Collection, session: Session) -> dict[str, tuple[str, ...]]:
    """The property filters asked for (``zone=a,b``), each value one the provider allows."""
    errors: list[FieldError] = []
    chosen = {
        name: collect_choices(name, request.args.get(name, ""), allowed, errors)
        for name, allowed in collection.provider.choices(session).items()
    }
    if errors:
        raise InvalidInput(errors)
    return {name: values for name, values in chosen.items() if values}


def _filter_clauses(
    collection: Collection, args: dict[str, str], dialect: Dialect, audience: Audience
) -> tuple[Any, ...]:
    """The SQL condition of ``filter`` (Part 3), or InvalidInput naming the parameter."""
    errors: list[FieldError] = []
    lang = args.get("filter-lang", "cql2-text")
    if lang not in cql2.LANGUAGES:
        reason = f"unknown filter language {lang!r}; allowed: {', '.join(cql2.LANGUAGES)}"
        errors.append(FieldError("filter-lang", reason))
    filter_crs = None
    if "filter-crs" in args:
        try:
            filter_crs = parse_crs(args["filter-crs"])
        except ValueError as exc:
            errors.append(FieldError("filter-crs", str(exc)))
    if errors:
        raise InvalidInput(errors)
    if "filter" not in args:
        return ()
    try:
        clause = collection.provider.filter_clause(
            args["filter"], lang, filter_crs, dialect, audience
        )
    except ValueError as exc:
        raise InvalidInput([FieldError("filter", str(exc))]) from None
    return (clause,)


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
        query = _item_query(found, store.sql, audience)
    except InvalidInput as exc:
        errors += exc.errors
    try:
        crs = _output_crs()
    except InvalidInput as exc:
        errors += exc.errors
    if errors:
        raise InvalidInput(errors)
    with store.session() as session:
        properties = _properties(found, session)
        query = replace(query, limit=limit, offset=offset, properties=properties)
        matched, features = found.provider.query(session, store.sql, query, audience)
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
    body = feature_collection(
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
        feature = found.provider.get(session, feature_id, audience)
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
