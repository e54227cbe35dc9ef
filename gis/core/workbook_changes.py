"""A district workbook against the store: what it would change, kept until confirmed, applied.

The preview runs every check of the API's versioned update (``check_update``) without
writing; confirming applies each cluster's change with ``update_cluster`` in the caller's
one transaction, so it is all or nothing, one history event per cluster. A row read at an
older version than the store's is compared with what the store held at that version
(rebuilt from the history): unchanged it is skipped, changed it is refused with what
changed meanwhile, as the API refuses a stale If-Match.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from gis.core.actors import Actor
from gis.core.editing import UpdateResult, check_update, update_cluster
from gis.core.history import event_dict, events_of
from gis.core.proposals import propose
from gis.core.workbook import COLUMN_BY_KEY, COLUMNS, Problem, Reading, SheetRow, record_value
from gis.errors import Forbidden, InvalidInput, NotFound, StaleVersion
from gis.store.models import Cluster, District, Proposal, WorkbookUpload, utcnow

PENDING_TTL = dt.timedelta(hours=2)
VALUE_COLUMNS = tuple(c for c in COLUMNS if c.kind in ("code", "number", "date", "text"))


def sheet_rows(session: Session, district_code: str | None) -> list[SheetRow]:
    """The clusters of a district (None: every cluster), by name, as workbook rows."""
    query = select(Cluster).order_by(Cluster.sort_name, Cluster.id)
    if district_code is not None:
        query = query.where(Cluster.district_code == district_code)
    return [
        SheetRow(c.id, c.record.get("name_vi", c.id), c.version, c.record)
        for c in session.scalars(query)
    ]


def check_download(actor: Actor, district_code: str | None) -> str | None:
    """The district a user's workbook holds; Forbidden unless they may edit it."""
    if actor.is_admin:
        return district_code
    if actor.role != "editor":
        raise Forbidden(f"the {actor.role} role cannot change clusters")
    if actor.district_code is None:
        raise Forbidden("your account answers for no district")
    if district_code not in (None, actor.district_code):
        raise Forbidden("this district is outside your scope")
    return actor.district_code


@dataclass
class FieldChange:
    """One column of one cluster: the stored value and the workbook's."""

    column: str
    old: Any
    new: Any


@dataclass
class RowPlan:
    """What one row would do: its changes as the API names them, and for the preview."""

    row: int
    cluster_id: str
    name: str
    version: int
    status: str  # changed, unchanged, outdated (read at an older version, not changed)
    changes: dict[str, Any] = field(default_factory=dict)
    fields: list[FieldChange] = field(default_factory=list)
    note: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Preview:
    """Every row's plan and every problem; confirmable when there are changes and no problem."""

    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> list[RowPlan]:
        """The rows that would be written."""
        return [r for r in self.rows if r.status == "changed"]

    @property
    def confirmable(self) -> bool:
        """Whether confirming would write something and refuse nothing."""
        return not self.problems and bool(self.changed)


def _comparable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(float(value), 6)
    return value


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def record_at(current: Mapping[str, Any], later_events: list[Any]) -> dict[str, Any]:
    """What a cluster's record was before ``later_events`` (their "from" values put back)."""
    record = copy.deepcopy(dict(current))
    for event in reversed(later_events):
        for change in event.changes:
            name, _, component = change["field"].partition(".")
            if component:
                record.setdefault(name, {})[component] = change["from"]
            else:
                record[name] = change["from"]
    return record


def _row_changes(values: Mapping[str, Any], read: Mapping[str, Any]) -> dict[str, Any]:
    """The API changes that turn the record as read into the workbook's row."""
    changes: dict[str, Any] = {}
    for column in VALUE_COLUMNS:
        if column.key not in values:
            continue  # a cell with a problem: reported, not compared
        new = values[column.key]
        if _comparable(new) == _comparable(record_value(read, column.key)):
            continue
        if column.key.startswith("infra_"):
            changes.setdefault("infrastructure", {})[column.key.removeprefix("infra_")] = new
        else:
            changes[column.key] = _json_value(new)
    return changes


def _column_of(field_path: str) -> str | None:
    name, _, component = field_path.partition(".")
    key = f"infra_{component}" if name == "infrastructure" and component else name
    return key if key in COLUMN_BY_KEY else None


def _core_problems(exc: Exception, row: int, cluster_id: str) -> list[Problem]:
    if isinstance(exc, InvalidInput):
        found = []
        for error in exc.errors:
            # The reason's code and figures, so the page words it in its language.
            params: dict[str, Any] = {
                "reason": error.reason,
                "code": error.code,
                "params": dict(error.params),
                "id": cluster_id,
            }
            exceeds = error.code == "exceeds"
            if exceeds:
                params.update({k: str(v) for k, v in error.params.items()})
                params["other_column"] = error.params["other"]
            found.append(
                Problem(
                    "exceeds" if exceeds else "rejected",
                    row=row,
                    column=_column_of(error.field),
                    params=params,
                )
            )
        return found
    params = {"reason": str(exc), "id": cluster_id}
    if isinstance(exc, Forbidden):
        params.update({"code": exc.code, "params": dict(exc.params)})
    return [Problem("forbidden", row=row, params=params)]


def plan_workbook(session: Session, actor: Actor, reading: Reading) -> Preview:
    """What the workbook would change, with the API's checks; writes nothing."""
    preview = Preview(problems=list(reading.problems))
    ids = [r.values["id"] for r in reading.rows if r.values.get("id")]
    clusters = {c.id: c for c in session.scalars(select(Cluster).where(Cluster.id.in_(ids)))}
    # Held for the whole loop: the session's identity map keeps objects only while they
    # are referenced, and each row's check looks its district up again.
    district_rows = list(session.scalars(select(District)))
    districts = {d.code: d.name for d in district_rows}
    seen: dict[str, int] = {}
    for read_row in reading.rows:
        values, row = read_row.values, read_row.row
        cluster_id = values.get("id")
        if cluster_id is None:
            if "id" in values or not any(
                p.row == row and p.column == "id" for p in preview.problems
            ):
                preview.problems.append(Problem("missing_id", row=row, column="id"))
            continue
        if cluster_id in seen:
            preview.problems.append(
                Problem(
                    "repeated_id",
                    row=row,
                    column="id",
                    params={"id": cluster_id, "first": seen[cluster_id]},
                )
            )
            continue
        seen[cluster_id] = row
        cluster = clusters.get(cluster_id)
        if cluster is None:
            preview.problems.append(
                Problem("unknown_id", row=row, column="id", params={"id": cluster_id})
            )
            continue
        if not actor.is_admin and cluster.district_code != actor.district_code:
            preview.problems.append(
                Problem(
                    "other_district",
                    row=row,
                    column="id",
                    params={
                        "id": cluster_id,
                        "district": districts.get(cluster.district_code or "", ""),
                    },
                )
            )
            continue
        version = values.get("version")
        if version is None:
            if "version" in values:
                preview.problems.append(Problem("missing_version", row=row, column="version"))
            continue
        if version > cluster.version:
            preview.problems.append(
                Problem(
                    "newer_version",
                    row=row,
                    column="version",
                    params={"version": version, "current": cluster.version},
                )
            )
            continue
        later = (
            [e for e in events_of(session, "cluster", cluster_id) if e.version > version]
            if version < cluster.version
            else []
        )
        read = record_at(cluster.record, later)
        changes = _row_changes(values, read)
        plan = RowPlan(
            row,
            cluster_id,
            cluster.record.get("name_vi", cluster_id),
            version,
            "unchanged",
            note=values.get("note"),
        )
        if not changes:
            plan.status = "outdated" if later else "unchanged"
            preview.rows.append(plan)
            continue
        if later:
            preview.problems.append(
                Problem(
                    "stale",
                    row=row,
                    params={
                        "id": cluster_id,
                        "version": version,
                        "current": cluster.version,
                        "events": [event_dict(e) for e in later],
                    },
                )
            )
            continue
        try:
            planned = check_update(
                session, actor, cluster_id, version, changes, plan.note, cluster=cluster
            )
        except (InvalidInput, Forbidden) as exc:
            preview.problems.extend(_core_problems(exc, row, cluster_id))
            continue
        except StaleVersion as exc:  # moved on between the two reads of this request
            preview.problems.append(
                Problem(
                    "stale",
                    row=row,
                    params={
                        "id": cluster_id,
                        "version": version,
                        "current": exc.current_version,
                        "events": exc.changes_since,
                    },
                )
            )
            continue
        plan.status = "changed" if planned.changed else "unchanged"
        plan.changes = changes
        plan.warnings = [str(w) for w in planned.warnings]
        plan.fields = [
            FieldChange(c["field"], c["from"], c["to"])
            for c in planned.changed
            if c["field"] != "geometry"
        ]
        preview.rows.append(plan)
    return preview


# --- pending uploads: the parsed file kept server-side until the user confirms ---------


def file_hash(data: bytes) -> str:
    """The SHA-256 of an uploaded file, hex."""
    return hashlib.sha256(data).hexdigest()


def save_pending(
    session: Session, user_id: int, sha256: str, filename: str, preview: Preview
) -> str:
    """Keep a confirmable preview for its user; returns the token that names it.

    A user has one pending upload: a new one replaces theirs, and expired ones go.
    """
    session.execute(
        delete(WorkbookUpload).where(
            (WorkbookUpload.user_id == user_id)
            | (WorkbookUpload.created_at < utcnow() - PENDING_TTL)
        )
    )
    token = secrets.token_urlsafe(24)
    session.add(
        WorkbookUpload(
            token=token,
            user_id=user_id,
            sha256=sha256,
            filename=filename[:200],
            created_at=utcnow(),
            rows=[asdict(r) for r in preview.changed],
        )
    )
    session.flush()
    return token


def take_pending(session: Session, user_id: int, token: str, sha256: str) -> WorkbookUpload | None:
    """Remove and return the user's pending upload with this token and hash (None: none such).

    The DELETE decides: of two confirmations of one upload, only one finds it.
    """
    upload = session.scalar(
        select(WorkbookUpload).where(
            WorkbookUpload.token == token[:64],
            WorkbookUpload.user_id == user_id,
            WorkbookUpload.sha256 == sha256[:64],
        )
    )
    if upload is None:
        return None
    created = (
        upload.created_at if upload.created_at.tzinfo else upload.created_at.replace(tzinfo=dt.UTC)
    )
    gone = cast(
        CursorResult[Any],
        session.execute(delete(WorkbookUpload).where(WorkbookUpload.token == upload.token)),
    )
    if gone.rowcount != 1 or created < utcnow() - PENDING_TTL:
        return None
    return upload


def drop_pending(session: Session, user_id: int, token: str) -> bool:
    """Forget a user's pending upload (cancelled); False when they had none such."""
    gone = cast(
        CursorResult[Any],
        session.execute(
            delete(WorkbookUpload).where(
                WorkbookUpload.token == token[:64], WorkbookUpload.user_id == user_id
            )
        ),
    )
    return gone.rowcount == 1


class RowRefused(Exception):
    """Confirming failed at one row: nothing is written (the caller rolls back)."""

    def __init__(self, row: int, cluster_id: str, cause: Exception) -> None:
        super().__init__(f"row {row} ({cluster_id}): {cause}")
        self.row = row
        self.cluster_id = cluster_id
        self.cause = cause


def apply_rows(
    session: Session, actor: Actor, rows: list[dict[str, Any]], note: str, change_set: str
) -> list[UpdateResult]:
    """Write each row's change with the API's versioned update: one event per cluster.

    Raises RowRefused at the first row the store refuses now; the caller's transaction
    is then rolled back, so nothing of the workbook is written.
    """
    results = []
    ids = [row["cluster_id"] for row in rows]
    clusters = {c.id: c for c in session.scalars(select(Cluster).where(Cluster.id.in_(ids)))}
    districts = list(session.scalars(select(District)))  # held: see plan_workbook
    for row in rows:
        try:
            results.append(
                update_cluster(
                    session,
                    actor,
                    row["cluster_id"],
                    row["version"],
                    row["changes"],
                    row.get("note") or note,
                    change_set=change_set,
                    cluster=clusters.get(row["cluster_id"]),
                )
            )
        except (InvalidInput, Forbidden, StaleVersion, NotFound) as exc:
            raise RowRefused(row["row"], row["cluster_id"], exc) from None
    del districts
    return results


def propose_rows(
    session: Session, actor: Actor, rows: list[dict[str, Any]], note: str, change_set: str
) -> list[Proposal]:
    """Keep each row's change as a proposal (province approval): all rows or none.

    The same checks as ``apply_rows``; nothing is published. Raises RowRefused likewise.
    """
    proposals = []
    ids = [row["cluster_id"] for row in rows]
    clusters = {c.id: c for c in session.scalars(select(Cluster).where(Cluster.id.in_(ids)))}
    for row in rows:
        try:
            proposal, _planned = propose(
                session,
                actor,
                row["cluster_id"],
                row["version"],
                row["changes"],
                row.get("note") or note,
                source="workbook",
                change_set=change_set,
                cluster=clusters.get(row["cluster_id"]),
            )
        except (InvalidInput, Forbidden, StaleVersion, NotFound) as exc:
            raise RowRefused(row["row"], row["cluster_id"], exc) from None
        if proposal is not None:
            proposals.append(proposal)
    return proposals
