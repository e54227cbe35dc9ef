"""OGC API – Features – Part 4 for clusters: create (POST), replace (PUT), update (PATCH),
delete (DELETE).

The rules are those of ``PATCH /api/clusters/<id>``, through the same core functions:
scope (gis.core.actors), validation and history (gis.core.editing), and ``If-Match`` with
the ETag the API issued for the version read. Desktop clients authenticate with a personal
access token (gis.web.auth); a browser session needs its CSRF token as everywhere.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from shapely.geometry import shape

from gis.core import clusters
from gis.core.editing import (
    EditWarning,
    check_update,
    create_cluster,
    delete_cluster,
    update_cluster,
)
from gis.core.proposals import approval_applies
from gis.core.schema import DERIVED_PROPERTIES, ClusterRecord
from gis.errors import FieldError, InvalidInput
from gis.web import get_store
from gis.web.api import clusters as api_views
from gis.web.approval import approval_on
from gis.web.auth import current_actor

bp = Blueprint("ogc_write", __name__)
ITEMS = "/collections/clusters/items"
GEOJSON = "application/geo+json"
# Computed from other data: a feature as read carries them; they are not written.
COMPUTED = frozenset(DERIVED_PROPERTIES)


def _feature_body() -> tuple[dict[str, Any], Any, bool, str | None]:
    """(properties, geometry, whether geometry was given, note) of a GeoJSON Feature body."""
    body = api_views._json_body()
    if body.get("type") != "Feature":
        raise InvalidInput([FieldError("type", "the body must be a GeoJSON Feature")])
    properties = body.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise InvalidInput([FieldError("properties", "must be a JSON object")])
    note = body.get("note")
    properties = {k: v for k, v in properties.items() if k not in COMPUTED}
    return properties, body.get("geometry"), "geometry" in body, note


def _answer(cluster_id: str, status: int, warnings: list[EditWarning]) -> Response:
    store = get_store()
    with store.session() as session:
        feature = api_views._feature(session, clusters.get_cluster(session, cluster_id))
    feature["warnings"] = warnings
    response = jsonify(feature)
    response.status_code = status
    response.mimetype = GEOJSON
    response.set_etag(
        api_views._cluster_etag(cluster_id, feature["properties"]["version"], store.revision())
    )
    location = url_for("ogc.item", collection_id="clusters", feature_id=cluster_id, _external=True)
    response.headers["Location"] = location
    return response


@bp.post(ITEMS)
def create() -> Response:
    """Add a cluster (administrators), as a GeoJSON Feature; 201 with its Location."""
    actor = current_actor()
    properties, geometry, _given, note = _feature_body()
    properties.pop("version", None)
    with get_store().write() as session:
        result = create_cluster(session, actor, properties, geometry, note)
        cluster_id = result.cluster.id
    return _answer(cluster_id, 201, result.warnings)


@bp.put(f"{ITEMS}/<cluster_id>")
def replace(cluster_id: str) -> Response:
    """Replace a cluster's record and geometry; a property left out returns to its default."""
    actor = current_actor()
    expected = api_views._expected_version(cluster_id)
    properties, geometry, _given, note = _feature_body()
    if properties.pop("id", cluster_id) != cluster_id:
        raise InvalidInput([FieldError("id", "differs from the feature's path")], status=422)
    properties.pop("version", None)
    unknown = sorted(set(properties) - set(ClusterRecord.model_fields))
    if unknown:
        raise InvalidInput([FieldError(f, "unknown field") for f in unknown], status=422)
    with get_store().write() as session:
        stored = clusters.get_cluster(session, cluster_id).record
        defaults = ClusterRecord.model_validate(
            {"id": cluster_id, "name_vi": stored["name_vi"], "kind": stored["kind"]}
        ).model_dump(mode="json")
        wanted = {f: properties.get(f, defaults.get(f)) for f in ClusterRecord.model_fields}
        # Only what differs is a change: an editor may send back the names it cannot edit.
        changes: dict[str, Any] = {
            f: v for f, v in wanted.items() if f != "id" and stored.get(f) != v
        }
        stored_geometry = clusters.cluster_geometry(clusters.get_cluster(session, cluster_id))
        if not _same_geometry(geometry, stored_geometry):
            changes["geometry"] = geometry
            # The precision is the one sent, not "surveyed" as for a shape drawn on the map.
            changes.setdefault("location_precision", wanted["location_precision"])
        # With approval on, a district editor's change waits as a proposal (202).
        proposing = approval_applies(actor, approval_on()) and bool(
            check_update(session, actor, cluster_id, expected, changes, note).changed
        )
        if not proposing:
            warnings = update_cluster(session, actor, cluster_id, expected, changes, note).warnings
    if proposing:
        return api_views.proposed_answer(actor, cluster_id, expected, changes, note, "ogc")
    return _answer(cluster_id, 200, warnings)


def _same_geometry(given: Any, stored: Any) -> bool:
    if given is None or stored is None:
        return given is None and stored is None
    try:
        return shape(given).equals_exact(stored, 1e-9)
    except (ValueError, TypeError, AttributeError, KeyError):
        return False  # malformed: update_cluster says why


@bp.patch(f"{ITEMS}/<cluster_id>")
def update(cluster_id: str) -> Response:
    """Change some properties and/or the geometry (a JSON merge patch of the Feature)."""
    actor = current_actor()
    expected = api_views._expected_version(cluster_id)
    properties, geometry, given, note = _feature_body_patch()
    changes = dict(properties)
    if given:
        changes["geometry"] = geometry
    if approval_applies(actor, approval_on()):
        with get_store().session() as session:
            changed = check_update(session, actor, cluster_id, expected, changes, note).changed
        if changed:
            return api_views.proposed_answer(actor, cluster_id, expected, changes, note, "ogc")
    with get_store().write() as session:
        result = update_cluster(session, actor, cluster_id, expected, changes, note)
    return _answer(cluster_id, 200, result.warnings)


def _feature_body_patch() -> tuple[dict[str, Any], Any, bool, str | None]:
    """A merge patch need not repeat ``"type": "Feature"``."""
    body = api_views._json_body()
    properties = body.get("properties") or {}
    if not isinstance(properties, dict):
        raise InvalidInput([FieldError("properties", "must be a JSON object")])
    unknown = sorted(set(body) - {"type", "properties", "geometry", "note", "id"})
    if unknown:
        raise InvalidInput([FieldError(f, "not a member of a Feature") for f in unknown])
    properties = {k: v for k, v in properties.items() if k not in COMPUTED}
    return properties, body.get("geometry"), "geometry" in body, body.get("note")


@bp.delete(f"{ITEMS}/<cluster_id>")
def remove(cluster_id: str) -> Response:
    """Delete a cluster (administrators); 204. Its history stays under its id."""
    actor = current_actor()
    expected = api_views._expected_version(cluster_id)
    note = None
    if request.content_length or request.data:
        # An optional {"note": "why"} for the history, as with the other writes.
        body = api_views._json_body()
        unknown = sorted(set(body) - {"note"})
        if unknown:
            raise InvalidInput([FieldError(f, "unknown field") for f in unknown], status=422)
        note = body.get("note")
    with get_store().write() as session:
        delete_cluster(session, actor, cluster_id, expected, note)
    return Response(status=204)
