"""Clusters, districts, places, comparison and history: the api.clusters blueprint under /api."""

from __future__ import annotations

import dataclasses
import re

from flask import Blueprint, Response, jsonify, request, url_for
from flask.blueprints import BlueprintSetupState
from sqlalchemy.orm import Session
from werkzeug.exceptions import PreconditionRequired
from werkzeug.routing import BaseConverter

from gis.core import clusters, decree32, exports
from gis.core.actors import Actor
from gis.core.audience import audience_of, visible_feature
from gis.core.districts import all_districts, district_feature
from gis.core.editing import UpdateResult, check_update, commit_update, revert_event
from gis.core.history import event_dict, events_of
from gis.core.places import all_places, place_feature, place_points
from gis.core.proposals import approval_applies, proposal_dict, propose
from gis.errors import FieldError, InvalidInput, NotFound, StaleVersion
from gis.io import write_export
from gis.store.models import Cluster, District
from gis.web import get_store, labels
from gis.web.approval import approval_on
from gis.web.auth import current_actor, optional_actor
from gis.web.caching import cached_json, etag_for, keyed_json, not_modified
from gis.web.errors import problem
from gis.web.params import cluster_filter, compare_ids, export_options, paging

bp = Blueprint("clusters", __name__)


class ClusterIdConverter(BaseConverter):
    """A cluster id segment: any segment but "export", which names the export route.

    Without it /api/clusters/<cluster_id> would also match /api/clusters/export, and an
    OPTIONS or 405 there would announce PATCH. Anything else still reaches the view (and
    the edge's checks), so a bad id is answered by them, not by routing.
    """

    regex = r"(?!export$)[^/]+"


@bp.record_once
def _register_converters(state: BlueprintSetupState) -> None:
    # Before the routes below are added: deferred functions run in the order recorded.
    state.app.url_map.converters["cluster"] = ClusterIdConverter


GEOJSON = "application/geo+json"
# A page of the list: the province fits in one; the country's 1,700 clusters in two.
API_DEFAULT_LIMIT, API_MAX_LIMIT = 1000, 10_000
# A cluster's ETag names its id and version (the If-Match check) and the store revision
# (so derived values such as the district's zone revalidate too).
ETAG_VERSION = re.compile(r"(?P<id>[a-z0-9-]+)-v(?P<version>\d+)-r.+")


def _cluster_etag(cluster_id: str, version: int, revision: str) -> str:
    return f"{cluster_id}-v{version}-r{revision.replace(':', '.')}"


def request_filter(args: dict[str, str], revision: str) -> clusters.ClusterFilter:
    """The filter and order of /api/clusters, shared by the list, export and map tiles."""
    store = get_store()

    def vocabulary() -> tuple[list[str], list[str]]:
        with store.session() as session:
            return [d.code for d in all_districts(session)], [p.id for p in place_points(session)]

    # The codes a filter may name change only with the data: checked without a query.
    district_codes, place_ids = store.memo(revision, "filter-vocabulary", vocabulary)
    return cluster_filter(args, district_codes, place_ids)


def _feature(session: Session, cluster: Cluster) -> dict:
    return clusters.to_feature(cluster, clusters.district_labels(session), place_points(session))


@bp.get("/clusters")
def list_clusters() -> Response:
    """Clusters as a FeatureCollection: filters, search and order as in the README."""
    store = get_store()
    args = request.args.to_dict()
    revision = store.revision()
    flt = request_filter(args, revision)
    limit, offset = paging(args, API_DEFAULT_LIMIT, API_MAX_LIMIT)
    audience = audience_of(optional_actor())
    tag = etag_for("clusters", revision, sorted(args.items()), audience)

    def build() -> dict:
        with store.session() as session:
            matched = None
            if flt.bbox is None and flt.sort is None and not flt.q:
                # Every page of one filter has the same count: counted once per revision.
                key = "matched:" + etag_for(
                    sorted((k, v) for k, v in args.items() if k not in ("limit", "offset"))
                )
                matched = store.memo(
                    revision, key, lambda: clusters.count_matching(session, store.sql, flt)
                )
            matched, features = clusters.query_page(session, store.sql, flt, limit, offset, matched)
        return clusters.feature_collection(
            [visible_feature(f, audience) for f in features],
            numberMatched=matched,
            numberReturned=len(features),
            links=_page_links(args, matched, limit, offset),
        )

    return cached_json(tag, build, GEOJSON)


def _page_links(args: dict, matched: int, limit: int, offset: int) -> list[dict]:
    """next/prev links of a page, keeping every other parameter."""
    links = []
    if offset + limit < matched:
        links.append(
            {
                "rel": "next",
                "type": GEOJSON,
                "href": url_for(
                    "api.clusters.list_clusters",
                    **{**args, "offset": offset + limit, "limit": limit},
                ),
            }
        )
    if offset > 0:
        links.append(
            {
                "rel": "prev",
                "type": GEOJSON,
                "href": url_for(
                    "api.clusters.list_clusters",
                    **{**args, "offset": max(0, offset - limit), "limit": limit},
                ),
            }
        )
    return links


@bp.get("/clusters/export")
def export_clusters() -> Response:
    """The clusters /api/clusters would return for the same filters, as a file."""
    store = get_store()
    args = request.args.to_dict()
    fmt, lang = export_options(args)
    try:
        crs = exports.export_crs(args.get("crs", ""), fmt)
    except ValueError as exc:
        raise InvalidInput([FieldError("crs", str(exc))]) from None
    revision = store.revision()
    flt = request_filter(args, revision)
    audience = audience_of(optional_actor())
    tag = etag_for("export", revision, sorted(args.items()), audience)
    response = not_modified(tag)
    if response is None:
        with store.session() as session:
            features = [
                visible_feature(f, audience)
                for f in clusters.query_features(session, store.sql, flt)
            ]
            table = exports.export_table(features, place_points(session), lang, fmt, crs)
        exported = write_export(fmt, table, exports.FILE_STEM)
        response = Response(exported.data, mimetype=exported.mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        response.headers["X-Omitted-Without-Geometry"] = str(exported.omitted_without_geometry)
        response.headers["Access-Control-Expose-Headers"] = "X-Omitted-Without-Geometry"
    response.set_etag(tag)
    response.cache_control.no_cache = True
    return response


@bp.get("/clusters/<cluster:cluster_id>")
def get_cluster(cluster_id: str) -> Response:
    """One cluster as a Feature; its ETag is its version."""
    store = get_store()
    revision = store.revision()
    audience = audience_of(optional_actor())

    def build() -> tuple[str, dict]:
        with store.session() as session:
            cluster = clusters.get_cluster(session, cluster_id)
            feature = visible_feature(_feature(session, cluster), audience)
        # The audience is part of the tag: the same version reads differently to staff.
        return _cluster_etag(cluster.id, cluster.version, f"{revision}:{audience}"), feature

    return keyed_json(f"cluster:{cluster_id}:{revision}:{audience}", build, GEOJSON)


@bp.get("/clusters/<cluster:cluster_id>/decree32")
def cluster_decree32(cluster_id: str) -> Response:
    """Decree 32/2024/NĐ-CP: could this cluster be expanded? Figures and missing data."""
    store = get_store()
    with store.session() as session:
        cluster = clusters.get_cluster(session, cluster_id)
        body = {
            "cluster": cluster.id,
            "name_vi": cluster.record.get("name_vi"),
            "expansion": decree32.expansion(cluster.record),
        }
    return cached_json(etag_for("decree32-cluster", store.revision(), cluster_id), lambda: body)


@bp.get("/districts/<code>/decree32")
def district_decree32(code: str) -> Response:
    """Decree 32/2024/NĐ-CP: could a new cluster be established in this district?"""
    store = get_store()
    with store.session() as session:
        district = session.get(District, code)
        if district is None:
            raise NotFound("district", code)
        records = [c.record for c in clusters.clusters_of_district(session, code)]
        body = {
            "district": district.code,
            "name": district.name,
            "new_cluster": decree32.new_cluster(records),
        }
    return cached_json(etag_for("decree32-district", store.revision(), code), lambda: body)


@bp.get("/compare")
def compare_clusters() -> Response:
    """2 to 4 clusters side by side, in the order asked, with the fields to compare."""
    store = get_store()
    ids = compare_ids(request.args)
    with store.session() as session:
        try:
            rows = clusters.get_clusters(session, ids)
        except NotFound as exc:
            # Well-formed ids naming no cluster: the comparison asked for does not exist.
            return problem(
                404, "Not Found", str(exc), [FieldError("ids", f"unknown cluster id: {exc.ident}")]
            )
        districts = clusters.district_index(session)
        places = place_points(session)
        audience = audience_of(optional_actor())
        features = [
            visible_feature(clusters.to_feature(c, districts, places), audience) for c in rows
        ]
    body = clusters.feature_collection(features, fields=list(clusters.COMPARE_FIELDS))
    tag = etag_for("compare", store.revision(), ids, audience)
    return cached_json(tag, lambda: body, GEOJSON)


@bp.get("/places")
def list_places() -> Response:
    """Reference places distances are measured to, as a FeatureCollection."""
    store = get_store()

    def build() -> dict:
        with store.session() as session:
            features = [place_feature(p) for p in all_places(session)]
        return clusters.feature_collection(features)

    return cached_json(etag_for("places", store.revision()), build, GEOJSON)


@bp.get("/districts")
def list_districts() -> Response:
    """Districts with zone, label point, cluster count, and boundary once imported."""
    store = get_store()
    tag = etag_for("districts", store.revision())

    def build() -> dict:
        with store.session() as session:
            counts = clusters.count_by_district(session)
            features = [district_feature(d, counts.get(d.code, 0)) for d in all_districts(session)]
        return clusters.feature_collection(features)

    return cached_json(tag, build, GEOJSON)


def _expected_version(cluster_id: str) -> int:
    """The version named by If-Match (an ETag this API issued), or 428/412."""
    if not request.headers.get("If-Match"):
        raise PreconditionRequired()
    for tag in request.if_match.as_set():
        # An empty quoted tag ("") parses to None: it names no version.
        match = ETAG_VERSION.fullmatch(tag) if tag else None
        if match and match["id"] == cluster_id:
            return int(match["version"])
    raise StaleVersion(-1, [])


def _json_body() -> dict:
    if not request.is_json:
        raise InvalidInput([FieldError("body", "must be JSON (Content-Type: application/json)")])
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput([FieldError("body", "malformed JSON, or not a JSON object")])
    return body


@bp.patch("/clusters/<cluster:cluster_id>")
def patch_cluster(cluster_id: str) -> Response:
    """Change a cluster's properties and/or geometry; If-Match carries the version read."""
    actor = current_actor()
    expected = _expected_version(cluster_id)
    body = _json_body()
    note = body.pop("note", None)
    store = get_store()
    # Checked and computed in a read session; the write transaction (SQLite's lock) holds
    # only the versioned UPDATE and the event, which refuse a write made in between.
    with store.session() as session:
        planned = check_update(session, actor, cluster_id, expected, body, note)
        # What the answer's feature shows of districts and places: read here, not in a
        # session of its own after the write.
        districts, places = clusters.district_labels(session), place_points(session)
    if planned.changed and approval_applies(actor, approval_on()):
        return proposed_answer(actor, cluster_id, expected, body, note, "api")
    if planned.changed:
        with store.write() as session:
            result = commit_update(session, actor, planned, note)
    else:  # nothing to write: no transaction, no flush
        result = UpdateResult(planned.cluster, None, planned.warnings)
    # The answer describes (and tags) the row as this write left it, built after the commit
    # from the values written (no read back): the write lock is held only for the write.
    feature = clusters.to_feature(result.written or planned.cluster, districts, places)
    # Warnings are for the person who made the change: worded in their language, with
    # the figures apart for programs.
    feature["warnings"] = [labels.warning_text(w) for w in result.warnings]
    feature["warning_details"] = [dataclasses.asdict(w) for w in result.warnings]
    response = jsonify(feature)
    response.mimetype = GEOJSON
    response.set_etag(
        _cluster_etag(feature["id"], feature["properties"]["version"], store.revision())
    )
    return response


def proposed_answer(
    actor: Actor,
    cluster_id: str,
    expected: int,
    changes: dict,
    note: str | None,
    source: str,
) -> Response:
    """202: the change is kept as a proposal; the published cluster (and its ETag) stay.

    Shared by PATCH /api/clusters/<id> and the OGC Part 4 writes. The store revision is
    not bumped: nothing anyone reads of the published data has changed.
    """
    store = get_store()
    with store.write(revision=False) as session:
        proposal, planned = propose(
            session, actor, cluster_id, expected, changes, note, source=source
        )
        body = proposal_dict(proposal, planned.cluster.version) if proposal else None
        version = planned.cluster.version
    if body is None:  # checked as changing something a moment ago; nothing now
        raise StaleVersion(version, [])
    body["warnings"] = [labels.warning_text(w) for w in planned.warnings]
    body["warning_details"] = [dataclasses.asdict(w) for w in planned.warnings]
    response = jsonify(body)
    response.status_code = 202
    response.headers["Location"] = url_for("review.index", _external=True)
    response.set_etag(_cluster_etag(cluster_id, version, store.revision()))
    return response


@bp.get("/clusters/<cluster:cluster_id>/history")
def cluster_history(cluster_id: str) -> Response:
    """Every change of a cluster, oldest first, a deleted one's too (logged-in users: it names
    who changed what)."""
    current_actor()
    with get_store().session() as session:
        events = [event_dict(e) for e in events_of(session, "cluster", cluster_id)]
        if not events:
            clusters.get_cluster(session, cluster_id)  # NotFound for an id never used
    # A deleted cluster's history stays readable: its last event empties every field.
    return jsonify({"cluster": cluster_id, "events": events})


@bp.post("/history/<int:event_id>/revert")
def revert_change(event_id: int) -> Response:
    """Undo one change (administrators); recorded as a new change."""
    actor = current_actor()
    body = _json_body() if request.data else {}
    errors = [FieldError(name, "unknown field") for name in sorted(set(body) - {"note"})]
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        errors.append(FieldError("note", "must be text"))
    if errors:
        raise InvalidInput(errors, status=422)
    store = get_store()
    with store.write() as session:
        result = revert_event(session, actor, event_id, note)
        written = clusters.get_cluster(session, result.cluster.id)
    with store.session() as session:
        feature = _feature(session, written)
    return jsonify(feature)
