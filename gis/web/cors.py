"""CORS for the public read endpoints of /api and /ogc, so browser clients of other
origins (web maps, notebooks) can read the data.

Only reads: GET and HEAD, and the preflight OPTIONS of a GET. Writes, history, the login and
every page keep the browser's same-origin rule. The answer is ``*`` without credentials, so
a cross-origin script never reads with the visitor's session: it sees what anonymous
clients see.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

# Endpoints anyone may read; history needs a logged-in user and stays same-origin.
READ_ENDPOINTS = frozenset(
    {
        "api.clusters.list_clusters",
        "api.clusters.get_cluster",
        "api.clusters.cluster_decree32",
        "api.clusters.export_clusters",
        "api.clusters.compare_clusters",
        "api.clusters.list_districts",
        "api.clusters.district_decree32",
        "api.clusters.list_places",
        "api.dashboard.figures",
        "api.plan.list_targets",
        "api.plan.list_tasks",
        "api.plan.get_task",
        "api.tiles.cluster_tile",
        "api.openapi.spec",
    }
)
# Every endpoint of these blueprints is a read (Part 4's writes are in ogc_write).
READ_PREFIXES = ("ogc.", "ogc_tiles.")
READ_METHODS = frozenset({"GET", "HEAD"})
# What a reader may send beyond the CORS-safelisted headers: revalidation and negotiation.
ALLOWED_HEADERS = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
EXPOSED_HEADERS = "ETag, Content-Crs, Content-Disposition, X-Omitted-Without-Geometry, Link"
PREFLIGHT_MAX_AGE = 600


def is_read(endpoint: str | None, method: str) -> bool:
    """Whether a request of ``method`` to ``endpoint`` may be answered cross-origin."""
    if endpoint is None or not (endpoint.startswith(READ_PREFIXES) or endpoint in READ_ENDPOINTS):
        return False
    return method in READ_METHODS


def _endpoint_asked() -> tuple[str | None, str]:
    """The endpoint and method this request asks for; for a preflight, those of the request
    it announces. One URL can have a read and a write rule (``GET`` and ``POST`` of the OGC
    items): Flask answers OPTIONS from either, so the announced method picks the rule."""
    if request.method != "OPTIONS":
        return request.endpoint, request.method
    method = (request.headers.get("Access-Control-Request-Method") or "").upper()
    adapter = current_app.create_url_adapter(request)
    try:
        endpoint, _values = adapter.match(method=method) if adapter else (None, None)
    except HTTPException:
        return None, method
    return endpoint, method


def init_app(app: Flask) -> None:
    """Add the CORS headers to the answers of read endpoints to another origin."""

    @app.after_request
    def _cors(response: Response) -> Response:
        if "Origin" not in request.headers or not is_read(*_endpoint_asked()):
            return response
        response.headers["Access-Control-Allow-Origin"] = "*"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        else:
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response
