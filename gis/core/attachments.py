"""A cluster's attachments: added and removed by its editors, as history events.

Adding or removing a file is a change of the cluster like any other: the same scope
check, the same versioned write (the cluster's version moves on, so an editor holding an
older version learns of it), one hash-chained event naming the file and its checksum.
The file is written to the store before the row (and removed again when the row is not
written); a removed file is deleted after its row.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.core.actors import Actor, check_cluster_edit
from gis.core.clusters import get_cluster
from gis.core.editing import changes_since
from gis.core.history import apply_versioned, new_event
from gis.core.media import Media
from gis.errors import FieldError, InvalidInput, NotFound, StaleVersion
from gis.store.models import Attachment, Cluster, utcnow

KINDS = ("photo", "document")
# Who sees what: site photos are public, documents are for logged-in staff.
PUBLIC_KINDS = frozenset({"photo"})
MAX_CAPTION = 500
MAX_NAME = 200
MAX_ID = 2**31 - 1


class FileStore(Protocol):
    """What the core needs of a file store (gis.store.files: FolderStore or S3Store)."""

    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


def visible_kinds(actor: Actor | None) -> frozenset[str]:
    """The kinds of attachment this reader may see."""
    return frozenset(KINDS) if actor is not None else PUBLIC_KINDS


def summary(attachment: Attachment) -> dict[str, Any]:
    """What the history records of an attachment."""
    return {
        "id": attachment.id,
        "kind": attachment.kind,
        "name": attachment.name,
        "media_type": attachment.media_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def as_dict(attachment: Attachment) -> dict[str, Any]:
    """The public form of an attachment (without URLs: the web layer adds them)."""
    return {
        **summary(attachment),
        "cluster_id": attachment.cluster_id,
        "caption": attachment.caption,
        "width": attachment.width,
        "height": attachment.height,
        "taken_at": attachment.taken_at,
        "lon": attachment.lon,
        "lat": attachment.lat,
        "added_by": attachment.added_by,
        "added_at": attachment.added_at.isoformat(),
    }


def _write_event(
    session: Session, actor: Actor, cluster: Cluster, change: dict[str, Any], note: str | None
) -> None:
    read_version = cluster.version
    event = new_event(
        subject_kind="cluster",
        subject_id=cluster.id,
        version=cluster.version + 1,
        actor=actor.username,
        prev_hash=cluster.history_head,
        changes=[change],
        note=note,
    )
    if not apply_versioned(session, Cluster, cluster, {}, event):
        fresh = get_cluster(session, cluster.id)
        raise StaleVersion(fresh.version, changes_since(session, cluster.id, read_version))


def _clean_text(value: str | None, limit: int, field: str) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if len(text) > limit:
        raise InvalidInput([FieldError(field, f"at most {limit} characters")], status=422)
    return text or None


def add_attachment(
    session: Session,
    files: FileStore,
    actor: Actor,
    cluster_id: str,
    media: Media,
    name: str,
    caption: str | None = None,
) -> Attachment:
    """Store a prepared file on a cluster, with its history event (caller commits)."""
    cluster = get_cluster(session, cluster_id)
    check_cluster_edit(actor, cluster.district_code, set())
    caption = _clean_text(caption, MAX_CAPTION, "caption")
    # The name is shown, never used as a path: only its last part, without control chars.
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    shown = "".join(ch for ch in base if ch.isprintable())[:MAX_NAME] or f"file.{media.extension}"
    stem = secrets.token_hex(12)
    file_key = f"{stem[:2]}/{stem}.{media.extension}"
    thumb_key = f"{stem[:2]}/{stem}-thumb.jpg" if media.thumbnail is not None else None
    attachment = Attachment(
        cluster_id=cluster.id,
        kind=media.kind,
        media_type=media.media_type,
        file_key=file_key,
        thumb_key=thumb_key,
        sha256=hashlib.sha256(media.data).hexdigest(),
        size=len(media.data),
        name=shown,
        caption=caption,
        width=media.width,
        height=media.height,
        taken_at=media.taken_at,
        lon=media.lon,
        lat=media.lat,
        added_by=actor.username,
        added_at=utcnow(),
    )
    files.put(file_key, media.data)
    try:
        if thumb_key is not None and media.thumbnail is not None:
            files.put(thumb_key, media.thumbnail)
        session.add(attachment)
        session.flush()
        _write_event(
            session,
            actor,
            cluster,
            {"field": "attachments", "from": None, "to": summary(attachment)},
            caption,
        )
    except BaseException:
        files.delete(file_key)
        if thumb_key is not None:
            files.delete(thumb_key)
        raise
    return attachment


@dataclass
class Removed:
    """Keys of a removed attachment's files, to delete once the removal is committed."""

    keys: list[str]


def remove_attachment(
    session: Session, actor: Actor, attachment_id: int, note: str | None = None
) -> Removed:
    """Remove an attachment's row, with its history event; the caller deletes the files."""
    attachment = get_attachment(session, attachment_id)
    cluster = get_cluster(session, attachment.cluster_id)
    check_cluster_edit(actor, cluster.district_code, set())
    change = {"field": "attachments", "from": summary(attachment), "to": None}
    keys = [k for k in (attachment.file_key, attachment.thumb_key) if k]
    session.delete(attachment)
    session.flush()
    _write_event(session, actor, cluster, change, _clean_text(note, MAX_CAPTION, "note"))
    return Removed(keys)


def get_attachment(session: Session, attachment_id: int) -> Attachment:
    """One attachment, or NotFound."""
    found = session.get(Attachment, attachment_id) if 0 < attachment_id <= MAX_ID else None
    if found is None:
        raise NotFound("attachment", str(attachment_id))
    return found


def readable_attachment(session: Session, attachment_id: int, actor: Actor | None) -> Attachment:
    """An attachment this reader may see; NotFound otherwise (its existence is not told)."""
    attachment = get_attachment(session, attachment_id)
    if attachment.kind not in visible_kinds(actor):
        raise NotFound("attachment", str(attachment_id))
    return attachment


def attachments_of(session: Session, cluster_id: str, actor: Actor | None) -> list[Attachment]:
    """A cluster's attachments this reader may see, newest first."""
    query = (
        select(Attachment)
        .where(
            Attachment.cluster_id == cluster_id,
            Attachment.kind.in_(sorted(visible_kinds(actor))),
        )
        .order_by(Attachment.added_at.desc(), Attachment.id.desc())
    )
    return list(session.scalars(query))


def located_photos(session: Session, cluster_id: str | None = None) -> list[Attachment]:
    """Photos that carry a GPS position (public), optionally of one cluster."""
    query = select(Attachment).where(
        Attachment.kind == "photo", Attachment.lon.is_not(None), Attachment.lat.is_not(None)
    )
    if cluster_id is not None:
        query = query.where(Attachment.cluster_id == cluster_id)
    return list(session.scalars(query.order_by(Attachment.id)))
