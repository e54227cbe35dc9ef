"""SQLAlchemy 2 models: districts, clusters, places, the plan, and the store's revision counter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every table."""


def utcnow() -> dt.datetime:
    """Current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class District(Base):
    """A pre-2025 district-level unit of Đồng Nai, with its zone and optional boundary."""

    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(100))
    zone: Mapped[str | None] = mapped_column(String(4))
    zone_source: Mapped[str] = mapped_column(Text)
    label_lon: Mapped[float]
    label_lat: Mapped[float]
    # WKB in WGS84; null until official boundaries are imported.
    boundary_wkb: Mapped[bytes | None] = mapped_column(LargeBinary)
    boundary_source: Mapped[str | None] = mapped_column(Text)


class Cluster(Base):
    """One industrial cluster or park.

    ``record`` holds the full validated record (gis.core.schema.ClusterRecord); the other
    columns are projections of it kept for filtering and indexing, written together with it.
    """

    __tablename__ = "clusters"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(80), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(8), index=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"), index=True)
    search_key: Mapped[str] = mapped_column(Text)
    sort_name: Mapped[str] = mapped_column(String(200))
    # Derived values investors filter on, kept as columns so filters run in SQL everywhere
    # (list, tiles, exports, OGC) with one definition: gis.core.clusters.projection.
    free_land_ha: Mapped[float | None] = mapped_column(index=True)
    ready: Mapped[bool | None]
    industries_key: Mapped[str] = mapped_column(Text, default="")
    geom_wkb: Mapped[bytes | None] = mapped_column(LargeBinary)
    min_lon: Mapped[float | None]
    min_lat: Mapped[float | None]
    max_lon: Mapped[float | None]
    max_lat: Mapped[float | None]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Hash of the latest change event: deleting or editing the tail of history shows.
    history_head: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_clusters_name_order", "sort_name", "id"),)


class StoreRevision(Base):
    """A single row counting committed writes; it keys ETags and response caches.

    ``epoch`` is random per database, so two databases at the same revision never share
    an ETag (or a cache entry), while every worker of one database agrees on it.
    """

    __tablename__ = "store_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """An account: admin (province), editor (one district or one lead unit), or viewer."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    lead_unit: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout, disable and password change: every older session cookie dies.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AccessToken(Base):
    """A personal access token for desktop and script clients: only its hash is kept."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the token: the token is 256 random bits, so no slow hash is needed.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, shown in lists so its owner recognises it.
    prefix: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(8))  # "read" or "write"
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    use_count: Mapped[int] = mapped_column(Integer, default=0)


class AccessTokenUse(Base):
    """One request made with an access token: when, what and from where."""

    __tablename__ = "access_token_uses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("access_tokens.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(64))


class ChangeEvent(Base):
    """One append-only change to a cluster (or plan task), hash-chained per subject."""

    __tablename__ = "change_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(80))
    # ISO 8601 in UTC, kept as text so the hashed value reads back byte for byte.
    at: Mapped[str] = mapped_column(String(40))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    change_set: Mapped[str | None] = mapped_column(String(40))
    reverts: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Who approved a proposed change (province approval); ``actor`` is who proposed it.
    # Hashed only when set, so the events written before approval keep their hashes.
    approved_by: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (
        Index("ix_change_events_subject", "subject_kind", "subject_id", "version", unique=True),
    )


class LoginThrottle(Base):
    """Failed logins counted per key ("pair:<account> <address>" or "addr:<address>").

    One row per key, updated by a single upsert, so parallel failures are all counted.
    Not part of the data: writing it leaves the store revision (and every cache) alone.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    # Unix time of the latest counted failure: a plain number compares the same everywhere.
    last_failure: Mapped[float] = mapped_column(Float)


class Place(Base):
    """A reference place (airport, port, city centre, interchange) distances are measured to.

    Places are points only, so the coordinates are kept as two columns: few rows, no index.
    """

    __tablename__ = "places"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    coordinate_note: Mapped[str | None] = mapped_column(Text)
    lon: Mapped[float]
    lat: Mapped[float]


class PlanDocument(Base):
    """The plan the tasks and targets come from (Kế hoạch 5/KH-BCĐ): its number, date, title."""

    __tablename__ = "plan_documents"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    date: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(Text)
    signed_by: Mapped[str | None] = mapped_column(String(200))
    signer_title: Mapped[str | None] = mapped_column(Text)
    appendix_title: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)


class PlanTask(Base):
    """One task line of the plan's appendix, with its status and dated progress notes.

    Whether a task is overdue is not stored: it depends on the date it is judged against
    (gis.core.plan.is_overdue).
    """

    __tablename__ = "plan_tasks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(8), index=True)
    section_title: Mapped[str] = mapped_column(Text)
    subsection: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ref: Mapped[str | None] = mapped_column(String(40))
    appendix_ref: Mapped[str | None] = mapped_column(String(40))
    task: Mapped[str] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)
    content_parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    timeframe: Mapped[str] = mapped_column(Text)
    # {"kind": "once", "date"} | {"kind": "recurring", "every", "first", "until"} | unknown
    due: Mapped[dict[str, Any]] = mapped_column(JSON)
    lead_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    partner_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    cluster_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    main_text_cluster_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    district_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source_line: Mapped[int] = mapped_column(Integer)
    # The rest of the data file's entry (raw cells, row line, main-text lines), kept as read.
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="not_started", index=True)
    # [{"date", "text", "by", "at"}], oldest first; written with the status in one UPDATE.
    notes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    history_head: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanTarget(Base):
    """One numeric target of the plan: its range, unit and baseline."""

    __tablename__ = "plan_targets"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(80))
    name_vi: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    range_min: Mapped[float] = mapped_column(Float)
    range_max: Mapped[float] = mapped_column(Float)
    baseline: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ref: Mapped[str | None] = mapped_column(String(40))
    source_line: Mapped[int | None] = mapped_column(Integer)


class TargetValue(Base):
    """A reported value of a target for one year, entered by an admin with its source.

    Rows are only added: a correction is a newer row for the same year, and the newest
    row of a year is the value reported for it.
    """

    __tablename__ = "plan_target_values"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target_id: Mapped[str] = mapped_column(ForeignKey("plan_targets.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(80))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WorkbookUpload(Base):
    """A parsed district workbook waiting for its user to confirm it (kept server-side).

    ``rows`` holds each changed cluster's id, the version its row was read at and the
    changes; ``sha256`` is the uploaded file's hash, which the confirmation must repeat.
    """

    __tablename__ = "workbook_uploads"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class Attachment(Base):
    """A file on a cluster (a site photo or a document), kept in the file store.

    The row holds what the file is (kind, type judged from its content, size, checksum of
    the stored bytes), who added it and when, and for a photo its EXIF time and position.
    """

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster_id: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo, document
    media_type: Mapped[str] = mapped_column(String(40))
    file_key: Mapped[str] = mapped_column(String(120))
    thumb_key: Mapped[str | None] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    caption: Mapped[str | None] = mapped_column(Text)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    taken_at: Mapped[str | None] = mapped_column(String(32))
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    added_by: Mapped[str] = mapped_column(String(80))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Proposal(Base):
    """A district editor's change of a cluster waiting for the province's approval.

    ``changes`` is the change as asked (the API's property names, and "geometry"), applied
    on ``base_version``; ``diff`` is what it changed of that version, field by field. It is
    published only by an approval while the cluster is still at ``base_version``.
    """

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster_id: Mapped[str] = mapped_column(String(80), index=True)
    base_version: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    diff: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # api, ogc, workbook
    change_set: Mapped[str | None] = mapped_column(String(40))
    proposed_by: Mapped[str] = mapped_column(String(80), index=True)
    proposer_district: Mapped[str | None] = mapped_column(String(5))
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # pending, approved, rejected, or superseded (re-proposed on a newer version)
    status: Mapped[str] = mapped_column(String(12), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    # The published change an approval wrote; the proposal re-proposed as, when superseded.
    event_id: Mapped[int | None] = mapped_column(Integer)
    superseded_by: Mapped[int | None] = mapped_column(Integer)
