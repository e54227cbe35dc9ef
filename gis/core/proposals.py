"""Province approval (maker–checker): a district editor's change waits as a proposal.

With approval on, an editor's change passes every check of ``update_cluster`` (scope,
version, validation) and is kept as a proposal; the published cluster is untouched. A
reviewer (or an administrator) approves it, which publishes it in the same transaction
with a history event naming the proposer (``actor``) and the approver (``approved_by``),
or rejects it with a reason. A proposal whose cluster was changed since (its base version
is no longer the cluster's) cannot be approved: its proposer re-proposes it on the
current version first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from gis.core.actors import Actor, check_review
from gis.core.clusters import get_cluster
from gis.core.editing import (
    MAX_NOTE_LENGTH,
    PlannedUpdate,
    UpdateResult,
    check_update,
    commit_update,
)
from gis.errors import FieldError, Forbidden, InvalidInput, NotFound, ProposalConflict
from gis.store.models import Cluster, Proposal, utcnow

SOURCES = ("api", "ogc", "workbook")
STATUSES = ("pending", "approved", "rejected", "superseded")
MAX_ID = 2**31 - 1


def approval_applies(actor: Actor, approval: bool) -> bool:
    """Whether ``actor``'s change waits for approval: a district editor's, with approval on.

    Administrators are the province: their changes are published at once.
    """
    return approval and actor.role == "editor"


def propose(
    session: Session,
    actor: Actor,
    cluster_id: str,
    expected_version: int,
    changes: dict[str, Any],
    note: str | None = None,
    *,
    source: str,
    change_set: str | None = None,
    cluster: Cluster | None = None,
) -> tuple[Proposal | None, PlannedUpdate]:
    """Keep a change as a proposal after every check of an update; None if it changes nothing.

    Raises what ``check_update`` raises (NotFound, Forbidden, InvalidInput, StaleVersion).
    """
    planned = check_update(
        session, actor, cluster_id, expected_version, changes, note, cluster=cluster
    )
    if not planned.changed:
        return None, planned
    proposal = Proposal(
        cluster_id=planned.cluster.id,
        base_version=planned.cluster.version,
        changes=dict(changes),
        diff=planned.changed,
        note=note,
        source=source,
        change_set=change_set,
        proposed_by=actor.username,
        proposer_district=actor.district_code,
        proposed_at=utcnow(),
        status="pending",
    )
    session.add(proposal)
    session.flush()
    return proposal, planned


def get_proposal(session: Session, proposal_id: int) -> Proposal:
    """One proposal, or NotFound."""
    proposal = session.get(Proposal, proposal_id) if 0 < proposal_id <= MAX_ID else None
    if proposal is None:
        raise NotFound("proposal", str(proposal_id))
    return proposal


def is_stale(proposal: Proposal, current_version: int) -> bool:
    """Whether the cluster was changed after the proposal was made."""
    return proposal.base_version != current_version


def _reason(reason: Any, required: bool) -> str | None:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        if required:
            raise InvalidInput([FieldError("reason", "is required")], status=422)
        return None
    if not isinstance(reason, str) or len(reason) > MAX_NOTE_LENGTH:
        raise InvalidInput(
            [FieldError("reason", f"must be text of at most {MAX_NOTE_LENGTH} characters")],
            status=422,
        )
    return reason.strip()


def _pending(session: Session, proposal_id: int) -> Proposal:
    proposal = get_proposal(session, proposal_id)
    if proposal.status != "pending":
        raise ProposalConflict(f"proposal {proposal_id} is already {proposal.status}")
    return proposal


def _decide(
    session: Session,
    proposal: Proposal,
    status: str,
    by: str,
    reason: str | None,
    **values: Any,
) -> None:
    # Conditional on "pending": of two reviewers deciding at once, exactly one succeeds.
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Proposal)
            .where(Proposal.id == proposal.id, Proposal.status == "pending")
            .values(status=status, decided_by=by, decided_at=utcnow(), reason=reason, **values)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        session.rollback()
        raise ProposalConflict(f"proposal {proposal.id} was decided meanwhile")
    session.expire(proposal)


def _published_changes(proposal: Proposal) -> dict[str, Any]:
    """The change to publish: as asked, dated as proposed (not the day of approval)."""
    changes = dict(proposal.changes)
    if "as_of" not in changes:
        dated = [c["to"] for c in proposal.diff if c["field"] == "as_of"]
        if dated:
            changes["as_of"] = dated[0]
    return changes


def approve(
    session: Session, reviewer: Actor, proposal_id: int, reason: Any = None
) -> UpdateResult:
    """Publish a pending proposal in the caller's transaction; its event names both people.

    Raises Forbidden (not a reviewer), NotFound, ProposalConflict (decided already, or
    stale: the cluster changed since it was proposed), or what ``check_update`` raises if
    the change no longer passes its checks.
    """
    check_review(reviewer)
    text = _reason(reason, required=False)
    proposal = _pending(session, proposal_id)
    cluster = get_cluster(session, proposal.cluster_id)
    if is_stale(proposal, cluster.version):
        raise ProposalConflict(
            f"the cluster was changed after this proposal (version {proposal.base_version} "
            f"→ {cluster.version}); its proposer must bring it up to date first",
            stale=True,
            current_version=cluster.version,
        )
    # The proposer's own scope, checked again: approval does not widen what they may change.
    proposer = Actor(proposal.proposed_by, "editor", proposal.proposer_district)
    planned = check_update(
        session,
        proposer,
        proposal.cluster_id,
        proposal.base_version,
        _published_changes(proposal),
        proposal.note,
        cluster=cluster,
    )
    result = commit_update(
        session,
        proposer,
        planned,
        proposal.note,
        change_set=proposal.change_set,
        approved_by=reviewer.username,
    )
    event_id = result.event.id if result.event is not None else None
    _decide(session, proposal, "approved", reviewer.username, text, event_id=event_id)
    return result


def reject(session: Session, reviewer: Actor, proposal_id: int, reason: Any) -> Proposal:
    """Reject a pending proposal with a reason (required); nothing is published."""
    check_review(reviewer)
    text = _reason(reason, required=True)
    proposal = _pending(session, proposal_id)
    _decide(session, proposal, "rejected", reviewer.username, text)
    return proposal


def repropose(session: Session, actor: Actor, proposal_id: int) -> Proposal | None:
    """Bring a stale proposal up to date: the same change proposed on the current version.

    Only its proposer may; the old one is closed as superseded. None when the change no
    longer changes anything (the cluster already has those values).
    """
    proposal = _pending(session, proposal_id)
    if actor.username != proposal.proposed_by:
        raise Forbidden("only the proposer can bring a proposal up to date")
    cluster = get_cluster(session, proposal.cluster_id)
    if not is_stale(proposal, cluster.version):
        raise ProposalConflict(f"proposal {proposal_id} is up to date already")
    fresh, _planned = propose(
        session,
        actor,
        cluster.id,
        cluster.version,
        proposal.changes,
        proposal.note,
        source=proposal.source,
        change_set=proposal.change_set,
        cluster=cluster,
    )
    _decide(
        session,
        proposal,
        "superseded",
        actor.username,
        None,
        superseded_by=fresh.id if fresh is not None else None,
    )
    return fresh


def list_proposals(
    session: Session,
    *,
    status: str | None = None,
    cluster_id: str | None = None,
    proposed_by: str | None = None,
    limit: int = 200,
) -> list[Proposal]:
    """Proposals, newest first, optionally of one status, cluster or proposer."""
    query = select(Proposal).order_by(Proposal.proposed_at.desc(), Proposal.id.desc())
    if status is not None:
        query = query.where(Proposal.status == status)
    if cluster_id is not None:
        query = query.where(Proposal.cluster_id == cluster_id)
    if proposed_by is not None:
        query = query.where(Proposal.proposed_by == proposed_by)
    return list(session.scalars(query.limit(limit)))


def pending_cluster_ids(session: Session) -> set[str]:
    """The clusters with a change waiting for approval."""
    query = select(Proposal.cluster_id).where(Proposal.status == "pending").distinct()
    return set(session.scalars(query))


def current_versions(session: Session, cluster_ids: set[str]) -> dict[str, int]:
    """Each named cluster's current version (to tell stale proposals)."""
    if not cluster_ids:
        return {}
    query = select(Cluster.id, Cluster.version).where(Cluster.id.in_(cluster_ids))
    return {cluster_id: version for cluster_id, version in session.execute(query)}


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def proposal_dict(proposal: Proposal, current_version: int | None) -> dict[str, Any]:
    """The public (staff) form of a proposal."""
    return {
        "id": proposal.id,
        "cluster_id": proposal.cluster_id,
        "base_version": proposal.base_version,
        "current_version": current_version,
        "stale": current_version is not None and is_stale(proposal, current_version),
        "changes": proposal.diff,
        "note": proposal.note,
        "source": proposal.source,
        "proposed_by": proposal.proposed_by,
        "proposed_at": _iso(proposal.proposed_at),
        "status": proposal.status,
        "decided_by": proposal.decided_by,
        "decided_at": _iso(proposal.decided_at),
        "reason": proposal.reason,
        "event_id": proposal.event_id,
        "superseded_by": proposal.superseded_by,
    }
