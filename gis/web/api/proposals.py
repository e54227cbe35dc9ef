"""Proposed changes as JSON under /api/proposals (the reviewers' page is gis.web.review)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gis.core import proposals
from gis.errors import FieldError, InvalidInput
from gis.web import get_store
from gis.web.approval import approval_on
from gis.web.auth import current_actor

bp = Blueprint("proposals", __name__)


@bp.get("")
def list_proposals() -> Response:
    """Proposed changes, newest first (logged-in users): status and cluster filters."""
    current_actor()
    status = request.args.get("status")
    if status is not None and status not in proposals.STATUSES:
        raise InvalidInput(
            [FieldError("status", f"must be one of {', '.join(proposals.STATUSES)}")]
        )
    unknown = sorted(set(request.args) - {"status", "cluster"})
    if unknown:
        raise InvalidInput([FieldError(name, "unknown parameter") for name in unknown])
    with get_store().session() as session:
        rows = proposals.list_proposals(
            session, status=status, cluster_id=request.args.get("cluster")
        )
        versions = proposals.current_versions(session, {p.cluster_id for p in rows})
        body = [proposals.proposal_dict(p, versions.get(p.cluster_id)) for p in rows]
    response = jsonify({"approval": approval_on(), "proposals": body})
    response.headers["Cache-Control"] = "no-store"
    return response
