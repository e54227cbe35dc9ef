"""The JSON/GeoJSON API under /api."""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import PreconditionRequired

from gis.core import clusters as core
from gis.core.districts import all_districts, district_feature
from gis.core.editing import revert_event, update_cluster
from gis.core.history import event_dict, events_of
from gis.errors import FieldError, InvalidInput, StaleVersion
from gis.web import get_store
from gis.web.auth import current_actor
from gis.web.caching import cached_json, etag_for
from gis.web.params import cluster_filter

bp = Blueprint("api", __name__)

GEOJSON = "application/geo+json"
# A cluster's ETag names its id and version (the If-Match check) and the store revision
# (so derived values such as the district's zone revalidate too).
ETAG_VERSION = re.compile(r"(?P<id>[a-z0-9-]+)-v(?P<version>\d+)-r.+")


def _cluster_etag(cluster_id: str, version: int, revision: str) -> str:
    return f"{cluster_id}-v{version}-r{revision.replace(':', '.')}"


@bp.get("/clusters")
def list_clusters() -> Response:
    """Clusters as a FeatureCollection, filtered by bbox, district, zone, kind, stage, q."""
    store = get_store()
    args = request.args.to_dict()
    with store.session() as session:
        flt = cluster_filter(args, [d.code for d in all_districts(session)])
    tag = etag_for("clusters", store.revision(), sorted(args.items()))

    def build() -> dict:
        with store.session() as session:
            districts = core.district_index(session)
            rows = core.find_clusters(session, store.dialect, flt)
            features = [core.to_feature(c, districts) for c in rows]
        return core.feature_collection(
            features, numberMatched=len(features), numberReturned=len(features)
        )

    return cached_json(tag, build, GEOJSON)


@bp.get("/clusters/<cluster_id>")
def get_cluster(cluster_id: str) -> Response:
    """One cluster as a Feature; its ETag is its version."""
    store = get_store()
    with store.session() as session:
        cluster = core.get_cluster(session, cluster_id)
        feature = core.to_feature(cluster, core.district_index(session))
    tag = _cluster_etag(cluster.id, cluster.version, store.revision())
    return cached_json(tag, lambda: feature, GEOJSON)


@bp.get("/districts")
def list_districts() -> Response:
    """Districts with zone, label point, cluster count, and boundary once imported."""
    store = get_store()
    tag = etag_for("districts", store.revision())

    def build() -> dict:
        with store.session() as session:
            counts = core.count_by_district(session)
            features = [district_feature(d, counts.get(d.code, 0)) for d in all_districts(session)]
        return core.feature_collection(features)

    return cached_json(tag, build, GEOJSON)


def _expected_version(cluster_id: str) -> int:
    """The version named by If-Match (an ETag this API issued), or 428/412."""
    if not request.headers.get("If-Match"):
        raise PreconditionRequired()
    for tag in request.if_match.as_set():
        match = ETAG_VERSION.fullmatch(tag)
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


@bp.patch("/clusters/<cluster_id>")
def patch_cluster(cluster_id: str) -> Response:
    """Change a cluster's properties and/or geometry; If-Match carries the version read."""
    actor = current_actor()
    expected = _expected_version(cluster_id)
    body = _json_body()
    note = body.pop("note", None)
    store = get_store()
    with store.write() as session:
        result = update_cluster(session, actor, cluster_id, expected, body, note)
    with store.session() as session:
        feature = core.to_feature(
            core.get_cluster(session, cluster_id), core.district_index(session)
        )
    feature["warnings"] = result.warnings
    response = jsonify(feature)
    response.mimetype = GEOJSON
    response.set_etag(
        _cluster_etag(feature["id"], feature["properties"]["version"], store.revision())
    )
    return response


@bp.get("/clusters/<cluster_id>/history")
def cluster_history(cluster_id: str) -> Response:
    """Every change of a cluster, oldest first."""
    with get_store().session() as session:
        core.get_cluster(session, cluster_id)
        events = [event_dict(e) for e in events_of(session, "cluster", cluster_id)]
    return jsonify({"cluster": cluster_id, "events": events})


@bp.post("/history/<int:event_id>/revert")
def revert_change(event_id: int) -> Response:
    """Undo one change (administrators); recorded as a new change."""
    actor = current_actor()
    body = request.get_json(silent=True) if request.data else {}
    note = body.get("note") if isinstance(body, dict) else None
    store = get_store()
    with store.write() as session:
        result = revert_event(session, actor, event_id, note)
        cluster_id = result.cluster.id
    with store.session() as session:
        feature = core.to_feature(
            core.get_cluster(session, cluster_id), core.district_index(session)
        )
    return jsonify(feature)
