"""The JSON API: one parent blueprint ``api`` at /api, a child blueprint per resource.

Every prefix under /api is given here, so this list is the map of the API's URLs; the
pages of the same resources (the plan, the dashboard, review, attachments' files) stay in
gis.web. An endpoint is named ``api.<child>.<view>``, e.g. ``api.clusters.list_clusters``.
"""

from __future__ import annotations

from flask import Blueprint

from gis.web.api import attachments, clusters, dashboard, openapi, plan, proposals, tiles

bp = Blueprint("api", __name__)
# /clusters, /clusters/export, /clusters/<id>[/decree32|/history], /compare, /districts,
# /districts/<code>/decree32, /places, /history/<event>/revert
bp.register_blueprint(clusters.bp)
bp.register_blueprint(tiles.bp, url_prefix="/tiles")  # /tiles/<z>/<x>/<y>.geojson
bp.register_blueprint(plan.bp, url_prefix="/plan")  # /plan/tasks…, /plan/targets…
bp.register_blueprint(dashboard.bp, url_prefix="/dashboard")
bp.register_blueprint(proposals.bp, url_prefix="/proposals")
bp.register_blueprint(attachments.bp)  # /clusters/<id>/attachments, /photos
bp.register_blueprint(openapi.bp)  # /openapi.json, /docs
