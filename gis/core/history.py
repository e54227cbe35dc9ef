"""Append-only change history, hash-chained per subject so tampering is detectable."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.dml import Update

from gis.store.models import ChangeEvent, Cluster, PlanTask, utcnow

GENESIS = "0" * 64


def utc_timestamp() -> str:
    """Now, in UTC, as ISO 8601 with microseconds and a Z."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Field-by-field changes from ``before`` to ``after`` (nested dicts one level down)."""
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict) and key != "geometry":
            changes += [
                {"field": f"{key}.{c['field']}", "from": c["from"], "to": c["to"]}
                for c in diff(old, new)
            ]
        elif old != new:
            changes.append({"field": key, "from": old, "to": new})
    return changes


def _event_hash(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# The columns an event's hash covers: all but its own id and hash.
HASHED_FIELDS = (
    "subject_kind",
    "subject_id",
    "version",
    "actor",
    "at",
    "changes",
    "note",
    "change_set",
    "reverts",
    "prev_hash",
)


def _hashed_fields(event: ChangeEvent) -> dict[str, Any]:
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    # Only an approved change names its approver: events without one (all those written
    # before province approval existed) hash exactly as they did.
    if event.approved_by is not None:
        fields["approved_by"] = event.approved_by
    return fields


def new_event(
    *,
    subject_kind: str,
    subject_id: str,
    version: int,
    actor: str,
    prev_hash: str,
    changes: list[dict[str, Any]],
    note: str | None = None,
    change_set: str | None = None,
    reverts: int | None = None,
    approved_by: str | None = None,
) -> ChangeEvent:
    """Build (not yet add) the next event of a subject's chain, with its hash."""
    event = ChangeEvent(
        subject_kind=subject_kind,
        subject_id=subject_id,
        version=version,
        actor=actor,
        at=utc_timestamp(),
        changes=changes,
        note=note,
        change_set=change_set,
        reverts=reverts,
        prev_hash=prev_hash or GENESIS,
        approved_by=approved_by,
    )
    event.hash = _event_hash(_hashed_fields(event))
    return event


def events_of(session: Session, subject_kind: str, subject_id: str) -> list[ChangeEvent]:
    """A subject's events, oldest first."""
    query = (
        select(ChangeEvent)
        .where(ChangeEvent.subject_kind == subject_kind, ChangeEvent.subject_id == subject_id)
        .order_by(ChangeEvent.version)
    )
    return list(session.scalars(query))


def event_dict(event: ChangeEvent) -> dict[str, Any]:
    """The public form of an event."""
    return {
        "id": event.id,
        "version": event.version,
        "actor": event.actor,
        "at": event.at,
        "changes": event.changes,
        "note": event.note,
        "change_set": event.change_set,
        "reverts": event.reverts,
        "approved_by": event.approved_by,
        "hash": event.hash,
    }


@dataclass
class ChainProblem:
    """Where a subject's chain does not verify."""

    subject: str
    event_id: int | None
    reason: str


def verify(session: Session) -> tuple[int, list[ChainProblem]]:
    """Recompute every chain; returns (events checked, problems found)."""
    problems: list[ChainProblem] = []
    heads: dict[tuple[str, str], str] = {}
    expected_prev: dict[tuple[str, str], str] = {}
    count = 0
    query = select(ChangeEvent).order_by(
        ChangeEvent.subject_kind, ChangeEvent.subject_id, ChangeEvent.version
    )
    for event in session.scalars(query):
        count += 1
        key = (event.subject_kind, event.subject_id)
        label = f"{event.subject_kind} {event.subject_id}"
        if event.prev_hash != expected_prev.get(key, GENESIS):
            problems.append(ChainProblem(label, event.id, "does not follow the previous event"))
        if event.hash != _event_hash(_hashed_fields(event)):
            problems.append(ChainProblem(label, event.id, "content does not match its hash"))
        expected_prev[key] = event.hash
        heads[key] = event.hash
    # Each subject row keeps the hash of its latest event: a deleted or replaced tail shows.
    for kind, model in (("cluster", Cluster), ("task", PlanTask)):
        for subject_id, stored_head in session.execute(select(model.id, model.history_head)):
            if (stored_head or "") != heads.get((kind, subject_id), ""):
                problems.append(
                    ChainProblem(
                        f"{kind} {subject_id}", None, "latest event is missing or was replaced"
                    )
                )
    return count, problems


def _event_insert_values(event: ChangeEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in _EVENT_COLUMNS}


_EVENT_COLUMNS = tuple(c.key for c in ChangeEvent.__table__.columns if c.key != "id")
_EVENT_INSERT = insert(cast(Table, ChangeEvent.__table__))


@functools.lru_cache(maxsize=64)
def _versioned_update(table: Table, columns: tuple[str, ...]) -> Update:
    # Built once per table and set of columns, with bound parameters: per write only the
    # values are bound (the ORM's per-statement coercion of every value cost ~0.5 ms).
    return (
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
        .values(
            {
                # Named apart from the columns: SQLAlchemy keeps the column names for itself.
                **{name: bindparam(f"v_{name}", type_=table.c[name].type) for name in columns},
                "version": table.c.version + 1,
            }
        )
    )


def apply_versioned(
    session: Session, model: Any, row: Any, values: dict[str, Any], event: ChangeEvent
) -> dict[str, Any] | None:
    """Write ``values`` and ``event`` only if ``row`` still has the version it was read at.

    The check is inside the UPDATE statement, so of two writers that read the same version
    one succeeds and the other gets False (and its transaction rolled back): nothing is
    lost silently, and the history gets exactly the changes that were made. Core
    statements, not the ORM's unit of work: the hot path of every write. Returns every
    column this wrote (the new version too), or None, rolled back, when the row has moved on.
    """
    table = model.__table__
    session.flush()  # what the caller added goes first, as the ORM's UPDATE would flush it
    written = {**values, "history_head": event.hash, "updated_at": utcnow()}
    statement = _versioned_update(table, tuple(sorted(written)))
    params = {f"v_{name}": value for name, value in written.items()}
    # An UPDATE answers with a cursor result, which counts the rows it matched.
    result = cast(
        CursorResult[Any],
        session.execute(statement, {**params, "_id": row.id, "_version": row.version}),
    )
    if result.rowcount != 1:
        session.rollback()
        return None
    inserted = cast(CursorResult[Any], session.execute(_EVENT_INSERT, _event_insert_values(event)))
    event.id = cast(tuple[int], inserted.inserted_primary_key)[0]
    # The event is now a row: attached as such (no second INSERT at the next flush).
    make_transient_to_detached(event)
    session.add(event)
    if row in session:  # a row read by another session (a prepared change) is left as read
        session.expire(row)
    return {**written, "version": row.version + 1}
