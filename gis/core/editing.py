"""Changing a cluster: scope, validation, version check in the UPDATE, history in one go."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import ValidationError
from shapely.geometry.base import BaseGeometry
from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from gis.core.actors import Actor, check_admin, check_cluster_edit
from gis.core.clusters import cluster_geometry, get_cluster, projection
from gis.core.districts import boundaries, district_box, province_outline
from gis.core.history import apply_versioned, diff, event_dict, events_of, new_event
from gis.core.plan import today as vietnam_today
from gis.core.schema import PARTS_OF_WHOLES, ClusterRecord, inconsistencies
from gis.errors import FieldError, InvalidInput, NotFound, StaleVersion, field_errors
from gis.geometry import GeometryProblem, area_ha, parse_geojson, problems, to_geojson
from gis.store.models import Attachment, ChangeEvent, Cluster, District, utcnow

READ_ONLY = frozenset({"id", "version", "district_name", "zone", "occupancy_pct"})
AREA_WARNING_RATIO = 0.20
MAX_NOTE_LENGTH = 2000
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class EditWarning:
    """Something about an accepted change the editor should know (not an error).

    ``code`` names it for the pages, which word it in the reader's language; ``str()`` is
    the English sentence the command line prints.
    """

    code: str
    measured_ha: float
    declared_ha: float

    def __str__(self) -> str:
        return (
            f"the drawn area is {self.measured_ha:.1f} ha, the declared planned area "
            f"{self.declared_ha:g} ha (differs by more than 20 %)"
        )


@dataclass
class UpdateResult:
    """What an accepted update produced."""

    cluster: Cluster
    event: ChangeEvent | None
    warnings: list[EditWarning] = field(default_factory=list)
    # The row as this update left it (a copy, in no session): the answer is built from it,
    # with no read back. None when nothing was written.
    written: Cluster | None = None


def _copy_written(read: dict[str, Any], written: dict[str, Any]) -> Cluster:
    """A Cluster in no session: the columns as ``read``, with ``written``'s values over them."""
    copy = Cluster()
    for key, value in {**read, **written}.items():
        setattr(copy, key, value)
    return copy


def _merge(record: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(record)
    for key, value in changes.items():
        if key == "infrastructure" and isinstance(value, dict):
            # A partial object changes only the components it names.
            merged[key] = {**record.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


def _consistency_errors(record: ClusterRecord) -> list[FieldError]:
    found = dict(inconsistencies(record))
    return [
        FieldError(
            part,
            found[part],
            "exceeds",
            {"value": getattr(record, part), "other": whole, "limit": getattr(record, whole)},
        )
        for part, whole in PARTS_OF_WHOLES
        if part in found
    ]


def _geometry_checks(
    session: Session,
    geometry_json: Any,
    district_code: str | None,
    declared_ha: float | None,
    actor: Actor | None = None,
) -> tuple[BaseGeometry, list[EditWarning]]:
    try:
        geometry = parse_geojson(geometry_json)
    except ValueError as exc:
        code = getattr(exc, "code", "geometry_malformed")
        raise InvalidInput([FieldError("geometry", str(exc), code)], status=422) from None
    found = problems(geometry, province_outline(session))
    district_boundary = boundaries(session).get(district_code or "")
    if not found and district_boundary is not None and not district_boundary.covers(geometry):
        found.append(GeometryProblem("outside the cluster's district", "outside_district"))
    elif not found and district_boundary is None and actor is not None and not actor.is_admin:
        # Without the official boundary an editor's scope still holds: a conservative box
        # around their district (data/districts.json), so they cannot move a cluster deep
        # into another district. The exact check replaces it once boundaries are loaded.
        extent = district_box(session, district_code)
        if extent is not None and not extent.covers(geometry):
            found.append(
                GeometryProblem(
                    "outside the extent of the cluster's district "
                    "(official boundaries are not loaded; see data/districts.json)",
                    "outside_district",
                )
            )
    if found:
        raise InvalidInput(
            [FieldError("geometry", p, getattr(p, "code", "geometry_invalid")) for p in found],
            status=422,
        )
    warnings = []
    if geometry.geom_type != "Point" and declared_ha:
        measured = area_ha(geometry)
        if abs(measured - declared_ha) > AREA_WARNING_RATIO * declared_ha:
            warnings.append(EditWarning("area_differs", round(measured, 1), declared_ha))
    return geometry, warnings


PRECISION_REQUIRED = FieldError(
    "location_precision",
    "required when the geometry changes: say how precise the new location is "
    "(surveyed, commune_point or district_point)",
    "precision_required",
)


def _same_place(new: BaseGeometry, stored: BaseGeometry | None) -> bool:
    """The change sends back the stored geometry (to the precision of a coordinate)."""
    return stored is not None and new.equals_exact(stored, 1e-9)


@dataclass
class PlannedUpdate:
    """An update that passed every check, not yet written: what ``update_cluster`` would do."""

    cluster: Cluster
    record: ClusterRecord
    geometry: BaseGeometry | None
    changed: list[dict[str, Any]]
    warnings: list[EditWarning] = field(default_factory=list)


def _district_exists(session: Session, code: str) -> bool:
    # One column: the ORM row would carry the district's boundary too.
    return session.scalar(select(District.code).where(District.code == code)) is not None


def check_update(
    session: Session,
    actor: Actor,
    cluster_id: str,
    expected_version: int,
    changes: dict[str, Any],
    note: str | None = None,
    *,
    cluster: Cluster | None = None,
) -> PlannedUpdate:
    """Every check of ``update_cluster`` (scope, version, schema, consistency, geometry), no write.

    Raises NotFound, Forbidden, InvalidInput (422) or StaleVersion. ``changed`` is the
    field-by-field diff the history event would record (empty: nothing would change).
    ``cluster``, when the caller has already read it in this session, saves the query.
    """
    if cluster is None or cluster.id != cluster_id:
        cluster = get_cluster(session, cluster_id)
    unknown = sorted(set(changes) - set(ClusterRecord.model_fields) - {"geometry"} - READ_ONLY)
    if unknown:
        raise InvalidInput(
            [FieldError(f, "unknown field", "unknown_field") for f in unknown], status=422
        )
    read_only = sorted(set(changes) & READ_ONLY)
    if read_only:
        raise InvalidInput(
            [FieldError(f, "cannot be changed", "read_only") for f in read_only], status=422
        )
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH):
        raise InvalidInput(
            [
                FieldError(
                    "note",
                    f"must be text of at most {MAX_NOTE_LENGTH} characters",
                    "too_long",
                    {"limit": MAX_NOTE_LENGTH},
                )
            ],
            status=422,
        )
    check_cluster_edit(actor, cluster.district_code, set(changes))
    if "district_code" in changes:
        # An admin moving a cluster to another district: scope follows the new one too.
        check_cluster_edit(actor, changes["district_code"], set(changes))
    if cluster.version != expected_version:
        raise StaleVersion(cluster.version, changes_since(session, cluster.id, expected_version))

    properties = {k: v for k, v in changes.items() if k != "geometry"}
    try:
        record = ClusterRecord.model_validate(_merge(cluster.record, properties))
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc), status=422) from None
    errors = _consistency_errors(record)
    if record.district_code is not None and not _district_exists(session, record.district_code):
        errors.append(
            FieldError("district_code", "is not a district of the province", "unknown_district")
        )
    if errors:
        raise InvalidInput(errors, status=422)

    stored = geometry = cluster_geometry(cluster)
    warnings: list[EditWarning] = []
    if "geometry" in changes:
        geometry, warnings = _geometry_checks(
            session, changes["geometry"], record.district_code, record.planned_area_ha, actor
        )
        if "location_precision" not in changes and not _same_place(geometry, stored):
            # A new location is as precise as the one who sets it says: never assumed
            # (a dragged point may be a guess; the old value described the old place).
            raise InvalidInput([PRECISION_REQUIRED], status=422)

    # Each geometry written as GeoJSON once (every write compares them).
    stored_json = to_geojson(stored)
    geometry_json = to_geojson(geometry) if geometry is not stored else stored_json
    before = {**cluster.record, "geometry": stored_json}
    after = {**record.model_dump(mode="json"), "geometry": geometry_json}
    changed = diff(before, after)
    if "as_of" not in changes and changed:
        # The data now describes the day of the edit (in Viet Nam), unless the change
        # says which day it describes; reports read their data date from it.
        record = record.model_copy(update={"as_of": vietnam_today()})
        after["as_of"] = record.model_dump(mode="json", include={"as_of"})["as_of"]
        changed = diff(before, after)
    return PlannedUpdate(cluster, record, geometry, changed, warnings)


def update_cluster(
    session: Session,
    actor: Actor,
    cluster_id: str,
    expected_version: int,
    changes: dict[str, Any],
    note: str | None = None,
    *,
    reverts: int | None = None,
    change_set: str | None = None,
    cluster: Cluster | None = None,
) -> UpdateResult:
    """Apply ``changes`` (property names as the API returns them, plus "geometry").

    Raises NotFound, Forbidden, InvalidInput (422) or StaleVersion; writes nothing then.
    The version check is part of the UPDATE statement, so two writers that read the same
    version cannot both succeed.
    """
    planned = check_update(
        session, actor, cluster_id, expected_version, changes, note, cluster=cluster
    )
    return commit_update(session, actor, planned, note, reverts=reverts, change_set=change_set)


def _commit(
    session: Session,
    actor: Actor,
    cluster: Cluster,
    record: ClusterRecord,
    geometry: BaseGeometry | None,
    changed: list[dict[str, Any]],
    note: str | None,
    warnings: list[EditWarning],
    reverts: int | None = None,
    change_set: str | None = None,
    approved_by: str | None = None,
) -> UpdateResult:
    event = new_event(
        subject_kind="cluster",
        subject_id=cluster.id,
        version=cluster.version + 1,
        actor=actor.username,
        prev_hash=cluster.history_head,
        changes=changed,
        note=note,
        reverts=reverts,
        change_set=change_set,
        approved_by=approved_by,
    )
    read_version = cluster.version
    values = projection(session, record, geometry)
    # Copied before the write: a cluster read in this session is expired by it.
    unchanged = {c.key: getattr(cluster, c.key) for c in Cluster.__table__.columns}
    written = apply_versioned(session, Cluster, cluster, values, event)
    if written is None:
        fresh = get_cluster(session, cluster.id)
        raise StaleVersion(fresh.version, changes_since(session, cluster.id, read_version))
    return UpdateResult(cluster, event, warnings, _copy_written(unchanged, written))


def commit_update(
    session: Session,
    actor: Actor,
    planned: PlannedUpdate,
    note: str | None = None,
    reverts: int | None = None,
    change_set: str | None = None,
    approved_by: str | None = None,
) -> UpdateResult:
    """Write an update ``check_update`` planned, if the cluster still has the version read.

    ``session`` may be another one than the one that checked it: a write transaction that
    holds the lock only for the write. StaleVersion when someone wrote in between.
    ``approved_by`` names the reviewer when this publishes a proposal of ``actor``'s.
    """
    if not planned.changed:
        return UpdateResult(planned.cluster, None, planned.warnings)
    return _commit(
        session,
        actor,
        planned.cluster,
        planned.record,
        planned.geometry,
        planned.changed,
        note,
        planned.warnings,
        reverts=reverts,
        change_set=change_set,
        approved_by=approved_by,
    )


def changes_since(session: Session, cluster_id: str, version: int) -> list[dict[str, Any]]:
    """The events of a cluster after ``version``, oldest first (what a stale writer missed)."""
    return [event_dict(e) for e in events_of(session, "cluster", cluster_id) if e.version > version]


def revert_event(
    session: Session, actor: Actor, event_id: int, note: str | None = None
) -> UpdateResult:
    """Undo one change by writing its "from" values back, recorded as a new event."""
    check_admin(actor)
    # Ids are 32-bit integers in the database: a larger one names nothing (and PostgreSQL
    # would refuse the query rather than find no row).
    event = session.get(ChangeEvent, event_id) if 0 < event_id <= MAX_ID else None
    if event is None or event.subject_kind != "cluster":
        raise NotFound("change", str(event_id))
    cluster = get_cluster(session, event.subject_id)
    restored: dict[str, Any] = {}
    for change in event.changes:
        name, _, component = change["field"].partition(".")
        if component:
            restored.setdefault(name, {})[component] = change["from"]
        else:
            restored[name] = change["from"]
    if restored.get("geometry", ...) is None:
        raise InvalidInput(
            [
                FieldError(
                    "geometry",
                    "the change set a first location; there is no earlier one to restore",
                )
            ],
            status=422,
        )
    if "geometry" in restored:
        # The change restored says nothing of the precision when it kept it: it stays.
        restored.setdefault("location_precision", cluster.record["location_precision"])
    return update_cluster(
        session,
        actor,
        cluster.id,
        cluster.version,
        restored,
        note or f"revert of change {event_id}",
        reverts=event_id,
    )


def create_cluster(
    session: Session,
    actor: Actor,
    properties: dict[str, Any],
    geometry_json: Any | None,
    note: str | None = None,
    *,
    change_set: str | None = None,
) -> UpdateResult:
    """Add a new cluster (administrators), with the editor's checks and a first event.

    The same rules as ``update_cluster``: the record's schema, the part-of-whole figures,
    a district of the province, a geometry inside it; without a geometry the location
    must be "unknown", as in the data files. The event records every field set.
    """
    check_admin(actor)
    unknown = sorted(set(properties) - set(ClusterRecord.model_fields))
    if unknown:
        raise InvalidInput(
            [FieldError(f, "unknown field", "unknown_field") for f in unknown], status=422
        )
    try:
        record = ClusterRecord.model_validate(properties)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc), status=422) from None
    if session.scalar(select(Cluster.pk).where(Cluster.id == record.id)) is not None:
        raise InvalidInput(
            [FieldError("id", f"{record.id!r} already exists", "id_exists")], status=422
        )
    if events_of(session, "cluster", record.id):
        # A deleted cluster's history keeps its id: a new chain under it would fork it.
        reason = f"{record.id!r} was a deleted cluster's id; its history keeps it"
        raise InvalidInput([FieldError("id", reason, "id_exists")], status=422)
    errors = _consistency_errors(record)
    if record.district_code is not None and not session.get(District, record.district_code):
        errors.append(
            FieldError("district_code", "is not a district of the province", "unknown_district")
        )
    if geometry_json is None and record.location_precision != "unknown":
        errors.append(
            FieldError(
                "location_precision",
                "a cluster without geometry must say 'unknown'",
                "precision_without_location",
            )
        )
    if errors:
        raise InvalidInput(errors, status=422)
    geometry: BaseGeometry | None = None
    warnings: list[EditWarning] = []
    if geometry_json is not None:
        geometry, warnings = _geometry_checks(
            session, geometry_json, record.district_code, record.planned_area_ha
        )
    after = {**record.model_dump(mode="json"), "geometry": to_geojson(geometry)}
    event = new_event(
        subject_kind="cluster",
        subject_id=record.id,
        version=1,
        actor=actor.username,
        prev_hash="",
        changes=diff({}, after),
        note=note,
        change_set=change_set,
    )
    cluster = Cluster(id=record.id, version=1, history_head=event.hash, updated_at=utcnow())
    for name, value in projection(session, record, geometry).items():
        setattr(cluster, name, value)
    session.add(cluster)
    session.add(event)
    session.flush()
    return UpdateResult(cluster, event, warnings)


def delete_cluster(
    session: Session, actor: Actor, cluster_id: str, expected_version: int, note: str | None = None
) -> ChangeEvent:
    """Remove a cluster (administrators), recording a last event that empties every field.

    The row goes; its history stays, readable under the cluster's id, and the id is not
    given to another cluster (its chain would fork). A cluster with photos or documents is
    refused until they are removed, so no file is left without its cluster. Raises NotFound,
    Forbidden, InvalidInput (422) or StaleVersion; writes nothing then.
    """
    cluster = get_cluster(session, cluster_id)
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH):
        raise InvalidInput(
            [FieldError("note", f"must be text of at most {MAX_NOTE_LENGTH} characters")],
            status=422,
        )
    # An editor of another district hears that first; one of this district, that only
    # administrators delete (as only they create).
    check_cluster_edit(actor, cluster.district_code, set())
    check_admin(actor)
    if cluster.version != expected_version:
        raise StaleVersion(cluster.version, changes_since(session, cluster.id, expected_version))
    files = session.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.cluster_id == cluster.id)
    )
    if files:
        reason = f"the cluster has {files} photo(s) or document(s); remove them first"
        raise InvalidInput([FieldError("attachments", reason)], status=422)
    before = {**cluster.record, "geometry": to_geojson(cluster_geometry(cluster))}
    event = new_event(
        subject_kind="cluster",
        subject_id=cluster.id,
        version=cluster.version + 1,
        actor=actor.username,
        prev_hash=cluster.history_head,
        changes=diff(before, {}),
        note=note,
    )
    # The version check is in the DELETE, as in an update's UPDATE: of two writers that
    # read the same version only one succeeds.
    deleted = cast(
        CursorResult[Any],
        session.execute(
            delete(Cluster)
            .where(Cluster.id == cluster.id, Cluster.version == expected_version)
            .execution_options(synchronize_session=False)
        ),
    )
    if deleted.rowcount != 1:
        session.rollback()
        fresh = get_cluster(session, cluster_id)
        raise StaleVersion(fresh.version, changes_since(session, cluster_id, expected_version))
    session.expunge(cluster)
    session.add(event)
    session.flush()
    return event
