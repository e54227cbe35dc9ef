"""The JSON/GeoJSON API under /api."""

from __future__ import annotations

from flask import Blueprint, Response, request

from gis.core import clusters as core
from gis.core.districts import all_districts, district_feature
from gis.web import get_store
from gis.web.caching import cached_json, etag_for
from gis.web.params import cluster_filter

bp = Blueprint("api", __name__)

GEOJSON = "application/geo+json"


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
    return cached_json(
        f"{cluster.id}-v{cluster.version}-r{store.revision()}", lambda: feature, GEOJSON
    )


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
