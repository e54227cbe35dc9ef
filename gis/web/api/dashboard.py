"""The dashboard's figures as JSON under /api/dashboard (its page is gis.web.dashboard)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from gis.core import plan
from gis.core.dashboard import dashboard
from gis.web import get_store
from gis.web.caching import cached_json, etag_for

bp = Blueprint("dashboard", __name__)


@bp.get("")
def figures() -> Response:
    """Every dashboard figure, computed from the store; tasks judged as of ``as_of``."""
    store = get_store()
    as_of = plan.parse_as_of(request.args.get("as_of"))

    def build() -> dict[str, Any]:
        with store.session() as session:
            return dashboard(session, as_of)

    return cached_json(etag_for("dashboard", store.revision(), as_of.isoformat()), build)
