"""SQLAlchemy 2 models: districts, clusters, reference places and the store's revision counter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
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
    geom_wkb: Mapped[bytes | None] = mapped_column(LargeBinary)
    min_lon: Mapped[float | None]
    min_lat: Mapped[float | None]
    max_lon: Mapped[float | None]
    max_lat: Mapped[float | None]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Hash of the latest change event: deleting or editing the tail of history shows.
    history_head: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_clusters_sort_name", "sort_name"),)


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

    __table_args__ = (
        Index("ix_change_events_subject", "subject_kind", "subject_id", "version", unique=True),
    )


class LoginFailure(Base):
    """A failed login, counted per account and per address to slow down guessing."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


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
