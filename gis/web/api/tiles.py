"""Map tiles of cluster data under /api/tiles/{z}/{x}/{y}.geojson (see gis.core.tiles)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from gis.core.audience import audience_of, visible_feature
from gis.core.tiles import tile_bbox, tile_content
from gis.errors import NotFound
from gis.web import get_store
from gis.web.api.clusters import request_filter
from gis.web.auth import optional_actor
from gis.web.caching import cached_json, etag_for

bp = Blueprint("tiles", __name__)


@bp.get("/<int:z>/<int:x>/<int:y>.geojson")
def cluster_tile(z: int, x: int, y: int) -> Response:
    """One tile: the clusters in it (simplified for the zoom), or counts when it is dense."""
    try:
        tile_bbox(z, x, y)
    except ValueError:
        # x or y beyond 2^z: a tile that does not exist, like an unknown id.
        raise NotFound("tile", f"{z}/{x}/{y}") from None
    store = get_store()
    args = request.args.to_dict()
    revision = store.revision()
    flt = request_filter(args, revision)
    # The properties a tile shows depend on who asks, as everywhere (gis.core.audience).
    audience = audience_of(optional_actor())
    tag = etag_for("tile", revision, z, x, y, sorted(args.items()), audience)

    def build() -> dict:
        with store.session() as session:
            content = tile_content(session, store.sql, flt, z, x, y)
        if not content["aggregated"]:  # counts per grid cell show no cluster's property
            content["features"] = [visible_feature(f, audience) for f in content["features"]]
        return content

    return cached_json(tag, build, "application/geo+json")
