"""Attachments over HTTP: add and remove on the cluster page, serve the files.

The JSON lists (a cluster's attachments, photos as GeoJSON) are gis.web.api.attachments.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from gis.core import attachments, media
from gis.core.actors import check_cluster_edit
from gis.core.clusters import get_cluster
from gis.errors import StaleVersion
from gis.store.files import FolderStore, S3Store
from gis.store.models import Attachment
from gis.web import get_store
from gis.web.auth import current_actor, optional_actor
from gis.web.uploads import upload_limit

bp = Blueprint("attachments", __name__)

REFUSALS = {
    "markup": _l("SVG, HTML and other markup files are not accepted."),
    "unknown_type": _l(
        "Only JPEG, PNG or HEIC photos and PDF documents are accepted "
        "(judged from the content, not the name)."
    ),
    "polyglot": _l(
        "The file is refused: besides a photo or PDF it holds markup, script or an archive."
    ),
    "damaged": _l("The file is damaged or incomplete."),
    "pdf_active": _l("PDFs with scripts, launch actions or embedded files are not accepted."),
    "too_many_pixels": _l("The photo has more than %(limit)s megapixels."),
}


def files() -> FolderStore | S3Store:
    """The app's file store."""
    return current_app.extensions["files"]


def _mb(limit: int) -> str:
    return f"{limit / 1024 / 1024:.0f}"


def _refused(message: str, status: int, cluster_id: str | None = None) -> tuple[str, int]:
    return render_template(
        "error.html",
        status=status,
        title=_("The file was not attached"),
        message=message,
        back=url_for("web.cluster_page", cluster_id=cluster_id) if cluster_id else None,
    ), status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> tuple[str, int]:
    limit = int(current_app.config["GIS_ATTACHMENT_MAX_BYTES"])
    cluster_id = (request.view_args or {}).get("cluster_id")
    return _refused(
        _("The file is larger than the limit of %(mb)s MB.", mb=_mb(limit)), 413, cluster_id
    )


@bp.post("/clusters/<cluster_id>/attachments")
@upload_limit("GIS_ATTACHMENT_MAX_BYTES")
def add(cluster_id: str) -> WerkzeugResponse | tuple[str, int]:
    """Attach a photo or a PDF to a cluster (its editors and administrators)."""
    actor = current_actor()
    limit = int(current_app.config["GIS_ATTACHMENT_MAX_BYTES"])
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _refused(_("Choose a file to attach."), 400, cluster_id)
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        return _refused(
            _("The file is larger than the limit of %(mb)s MB.", mb=_mb(limit)), 413, cluster_id
        )
    with get_store().session() as session:
        # Scope first: a refused editor learns nothing from the file's checks.
        cluster = get_cluster(session, cluster_id)
        check_cluster_edit(actor, cluster.district_code, set())
    try:
        prepared = media.prepare(data)
    except media.MediaRefused as exc:
        return _refused(f"{upload.filename}: {REFUSALS[exc.code] % exc.params}", 422, cluster_id)
    try:
        with get_store().write() as session:
            attachment = attachments.add_attachment(
                session,
                files(),
                actor,
                cluster_id,
                prepared,
                upload.filename,
                request.form.get("caption"),
            )
    except StaleVersion:
        return _refused(
            _("The cluster was being changed at the same moment; try again."), 409, cluster_id
        )
    flash(_("Attached %(name)s.", name=attachment.name))
    return redirect(url_for("web.cluster_page", cluster_id=cluster_id) + "#attachments")


@bp.post("/attachments/<int:attachment_id>/delete")
def remove(attachment_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Remove an attachment (its cluster's editors and administrators)."""
    actor = current_actor()
    store = get_store()
    try:
        with store.write() as session:
            cluster_id = attachments.get_attachment(session, attachment_id).cluster_id
            removed = attachments.remove_attachment(
                session, actor, attachment_id, request.form.get("note")
            )
    except StaleVersion:
        return _refused(_("The cluster was being changed at the same moment; try again."), 409)
    # After the commit: a failed commit must not leave a row without its file.
    for key in removed.keys:
        files().delete(key)
    flash(_("The attachment was removed."))
    return redirect(url_for("web.cluster_page", cluster_id=cluster_id) + "#attachments")


def _send(attachment: Attachment, key: str, media_type: str) -> Response:
    try:
        data = files().get(key)
    except FileNotFoundError:
        return Response(status=404)
    response = Response(data, mimetype=media_type)
    disposition = "inline" if attachment.kind == "photo" else "attachment"
    # The stored name is shown to the user, never trusted in a header: ASCII fallback only.
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="attachment-{attachment.id}.{key.rsplit(".", 1)[-1]}"'
    )
    # Even if a file were not what its type says, the browser runs nothing from it.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Checksum-SHA256"] = attachment.sha256 if key == attachment.file_key else ""
    if attachment.kind == "photo":
        response.cache_control.public = True
    else:
        response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/attachments/<int:attachment_id>")
def file(attachment_id: int) -> Response:
    """The stored file: photos for everyone, documents for logged-in staff."""
    with get_store().session() as session:
        attachment = attachments.readable_attachment(session, attachment_id, optional_actor())
    return _send(attachment, attachment.file_key, attachment.media_type)


@bp.get("/attachments/<int:attachment_id>/thumb")
def thumb(attachment_id: int) -> Response:
    """A photo's thumbnail (JPEG)."""
    with get_store().session() as session:
        attachment = attachments.readable_attachment(session, attachment_id, optional_actor())
    if attachment.thumb_key is None:
        return Response(status=404)
    return _send(attachment, attachment.thumb_key, "image/jpeg")


def attachment_view(attachment: Attachment) -> dict[str, Any]:
    """An attachment with its URLs, for pages and the API."""
    body = attachments.as_dict(attachment)
    body["url"] = url_for("attachments.file", attachment_id=attachment.id)
    body["thumb_url"] = (
        url_for("attachments.thumb", attachment_id=attachment.id) if attachment.thumb_key else None
    )
    return body
