"""A cluster's attachments and the site photos as GeoJSON (the files: gis.web.attachments)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from gis.core import attachments
from gis.core.clusters import cluster_geometry, get_cluster
from gis.web import get_store
from gis.web.attachments import attachment_view
from gis.web.auth import optional_actor

bp = Blueprint("attachments", __name__)


@bp.get("/clusters/<cluster_id>/attachments")
def list_attachments(cluster_id: str) -> Response:
    """A cluster's attachments this reader may see (documents: logged-in staff only)."""
    with get_store().session() as session:
        get_cluster(session, cluster_id)
        found = [
            attachment_view(a)
            for a in attachments.attachments_of(session, cluster_id, optional_actor())
        ]
    return jsonify({"cluster": cluster_id, "attachments": found})


@bp.get("/photos")
def photos() -> Response:
    """Site photos with a GPS position, as GeoJSON points where they were taken."""
    cluster_id = request.args.get("cluster") or None
    with get_store().session() as session:
        if cluster_id is not None:
            get_cluster(session, cluster_id)
        rows = attachments.located_photos(session, cluster_id)
        clusters = {}
        for attachment in rows:
            if attachment.cluster_id not in clusters:
                found = get_cluster(session, attachment.cluster_id)
                geometry = cluster_geometry(found)
                point = geometry.representative_point() if geometry is not None else None
                clusters[attachment.cluster_id] = (
                    found.record.get("name_vi"),
                    [round(point.x, 7), round(point.y, 7)] if point is not None else None,
                )
        features = [
            {
                "type": "Feature",
                "id": a.id,
                "geometry": {"type": "Point", "coordinates": [a.lon, a.lat]},
                "properties": {
                    **attachment_view(a),
                    "cluster_name": clusters[a.cluster_id][0],
                    "cluster_point": clusters[a.cluster_id][1],
                    "cluster_url": url_for("web.cluster_page", cluster_id=a.cluster_id),
                },
            }
            for a in rows
        ]
    response = jsonify({"type": "FeatureCollection", "features": features})
    response.mimetype = "application/geo+json"
    return response
