"""Province approval in the web UI: the reviewers' queue and the proposers' list (/review).

Reviewers and administrators approve or reject district editors' proposals; a proposer
sees theirs, with the reason of a rejection, and brings a stale one up to date. The
rules are the core's (gis.core.proposals); these views only word the outcome.
The proposals as JSON (/api/proposals) are gis.web.api.proposals.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from gis.core import proposals
from gis.core.clusters import district_index
from gis.errors import InvalidInput, ProposalConflict, StaleVersion
from gis.store.models import Cluster, Proposal
from gis.web import get_store
from gis.web.approval import approval_on
from gis.web.auth import current_actor
from gis.web.labels import field_label

bp = Blueprint("review", __name__)
REVIEWERS = ("admin", "reviewer")


def _views(session: Session, rows: list[Proposal]) -> list[dict[str, Any]]:
    """Each proposal with its cluster's name, district and current version, for the page."""
    ids = {p.cluster_id for p in rows}
    query = select(Cluster).where(Cluster.id.in_(ids))
    clusters = {c.id: c for c in session.scalars(query)} if ids else {}
    districts = district_index(session)
    views = []
    for p in rows:
        cluster = clusters.get(p.cluster_id)
        version = cluster.version if cluster is not None else None
        view = proposals.proposal_dict(p, version)
        view["name"] = cluster.record.get("name_vi") if cluster is not None else p.cluster_id
        code = cluster.district_code if cluster is not None else None
        district = districts.get(code) if code is not None else None
        view["district"] = district.name if district is not None else None
        views.append(view)
    return views


@bp.get("/review")
def index() -> str:
    """Reviewers: the pending queue and recent decisions. Editors: their own proposals."""
    actor = current_actor()
    reviewer = actor.role in REVIEWERS
    with get_store().session() as session:
        if reviewer:
            pending = _views(session, proposals.list_proposals(session, status="pending"))
            decided = [
                v
                for v in _views(session, proposals.list_proposals(session, limit=100))
                if v["status"] != "pending"
            ][:50]
        else:
            # Anyone else sees their own proposals: pending, and how each was decided.
            own = _views(session, proposals.list_proposals(session, proposed_by=actor.username))
            pending = [v for v in own if v["status"] == "pending"]
            decided = [v for v in own if v["status"] != "pending"]
    return render_template(
        "review/index.html",
        reviewer=reviewer,
        pending=pending,
        decided=decided,
        approval=approval_on(),
        username=actor.username,
        source_labels=source_labels(),
        status_labels=status_labels(),
    )


def source_labels() -> dict[str, str]:
    """Where a proposal came from, in words."""
    return {
        "api": _("the map or the API"),
        "ogc": _("a desktop GIS (OGC API)"),
        "workbook": _("the district workbook"),
    }


def status_labels() -> dict[str, str]:
    """A proposal's status, in words."""
    return {
        "pending": _("waiting for approval"),
        "approved": _("approved and published"),
        "rejected": _("rejected"),
        "superseded": _("replaced by an up-to-date proposal"),
    }


def _back() -> WerkzeugResponse:
    return redirect(url_for("review.index"))


def _refused(message: str, status: int) -> tuple[str, int]:
    return render_template("error.html", status=status, message=message), status


def _conflict_text(exc: ProposalConflict) -> str:
    if exc.stale:
        return _(
            "This proposal cannot be approved: the cluster was changed after it was made. "
            "Its proposer must bring it up to date first (on the page of proposed changes)."
        )
    return _("This proposal was already decided or replaced.")


def _invalid_text(exc: InvalidInput) -> str:
    return "; ".join(f"{field_label(e.field)}: {e.reason}" for e in exc.errors)


@bp.post("/review/<int:proposal_id>/approve")
def approve(proposal_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Publish a proposal (reviewers and administrators), in one transaction."""
    actor = current_actor()
    try:
        with get_store().write() as session:
            proposals.approve(session, actor, proposal_id, request.form.get("reason"))
    except ProposalConflict as exc:
        return _refused(_conflict_text(exc), 409)
    except StaleVersion:
        return _refused(_conflict_text(ProposalConflict("", stale=True)), 409)
    except InvalidInput as exc:
        return _refused(
            _("The change no longer passes the checks: %(reason)s", reason=_invalid_text(exc)),
            exc.status,
        )
    flash(_("The change was approved and published."))
    return _back()


@bp.post("/review/<int:proposal_id>/reject")
def reject(proposal_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Reject a proposal with a reason (reviewers and administrators)."""
    actor = current_actor()
    try:
        with get_store().write(revision=False) as session:
            proposals.reject(session, actor, proposal_id, request.form.get("reason"))
    except ProposalConflict as exc:
        return _refused(_conflict_text(exc), 409)
    except InvalidInput:
        return _refused(_("Reason for rejecting: give the reason, so the proposer knows."), 422)
    flash(_("The proposal was rejected; its proposer sees your reason."))
    return _back()


@bp.post("/review/<int:proposal_id>/repropose")
def repropose(proposal_id: int) -> WerkzeugResponse | tuple[str, int]:
    """The proposer brings a stale proposal up to date (the same change on the current data)."""
    actor = current_actor()
    try:
        with get_store().write(revision=False) as session:
            fresh = proposals.repropose(session, actor, proposal_id)
    except ProposalConflict as exc:
        if "up to date" in str(exc):
            return _refused(_("This proposal is up to date already."), 409)
        return _refused(_conflict_text(exc), 409)
    except InvalidInput as exc:
        return _refused(
            _(
                "Your change no longer fits the cluster's current data: %(reason)s. "
                "Make it again on the map or in the workbook.",
                reason=_invalid_text(exc),
            ),
            exc.status,
        )
    if fresh is None:
        flash(_("The cluster already has the values you proposed; nothing is left to approve."))
    else:
        flash(_("Your change was proposed again on the cluster's current data."))
    return _back()
