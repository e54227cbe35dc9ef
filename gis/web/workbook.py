"""The district workbook in the web UI: download, upload, preview, confirm (or cancel)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from gis.core import workbook as wb
from gis.core import workbook_changes as changes
from gis.core.districts import all_districts
from gis.core.proposals import approval_applies
from gis.core.schema import CLEARANCE_STATUSES, COMPONENT_STATES, STAGES
from gis.errors import Forbidden, InvalidInput, NotFound, StaleVersion
from gis.store.models import District
from gis.web import get_store, labels
from gis.web.approval import approval_on
from gis.web.auth import current_actor
from gis.web.i18n import current_language
from gis.web.reason_text import error_text, reason_text
from gis.web.uploads import upload_limit
from gis.web.workbook_messages import column_name, problem_text, stale_events

bp = Blueprint("workbook", __name__)
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def list_labels() -> dict[str, dict[str, str]]:
    """Each drop-down list: code → Vietnamese label (the workbook is always Vietnamese)."""
    with force_locale("vi"):
        return {
            "stage": {c: str(labels.STAGE_LABELS[c]) for c in STAGES},
            "clearance_status": {c: str(labels.CLEARANCE_LABELS[c]) for c in CLEARANCE_STATUSES},
            "component": {c: str(labels.COMPONENT_STATE_LABELS[c]) for c in COMPONENT_STATES},
        }


def _limits() -> tuple[int, int]:
    config = current_app.config
    return int(config["GIS_WORKBOOK_MAX_BYTES"]), int(config["GIS_WORKBOOK_MAX_ROWS"])


def _instructions(district: str, count: int, max_rows: int) -> list[str]:
    now = dt.datetime.now(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
    upload = url_for("workbook.index", _external=True)
    return [
        f"Bảng tính cập nhật cụm công nghiệp – {district}",
        f"Tải về lúc {now} (giờ Việt Nam), {count} cụm, mỗi dòng một cụm.",
        "1. Sửa các ô trắng của trang “Cụm công nghiệp”. Các cột xám (mã cụm, tên, phiên bản) "
        "bị khóa: không sửa, không xóa, không đổi thứ tự cột, không chèn cột.",
        "2. Cột có danh sách thả xuống (tình trạng, bồi thường GPMB, từng hạng mục hạ tầng): "
        "chọn một giá trị trong danh sách; các giá trị có ở trang “Danh mục”.",
        "3. Diện tích ghi bằng số héc-ta (ví dụ 12,5). Ngày ghi theo dạng ngày/tháng/năm.",
        "4. Ô để trống nghĩa là chưa báo cáo: xóa một giá trị là báo rằng chưa có số liệu.",
        "5. Không dùng công thức, không gộp ô. Chỉ nhập giá trị.",
        "6. Cột “Ghi chú thay đổi” (không bắt buộc) được lưu vào lịch sử của cụm cùng thay đổi.",
        f"7. Tải lên tại {upload}. Trang xem trước cho thấy từng thay đổi (cũ → mới) và mọi lỗi "
        "với dòng, cột và lý do. Chưa có gì được lưu cho đến khi bạn bấm xác nhận.",
        "8. “Phiên bản khi tải về” cho biết dữ liệu bạn đã đọc. Nếu người khác đã sửa một cụm "
        "sau khi bạn tải về, dòng đó bị từ chối và trang xem trước cho biết họ đã sửa gì: tải "
        "bảng tính mới rồi nhập lại thay đổi của bạn.",
        f"9. Một lần tải lên tối đa {max_rows} dòng; cả bảng tính được lưu hoặc không dòng nào "
        "được lưu.",
    ]


def _district_choice(actor_district: str | None) -> tuple[str | None, str]:
    """The district asked for (admins choose; editors have theirs) and its name."""
    asked = request.args.get("district") or None
    code = changes.check_download(current_actor(), asked)
    with get_store().session() as session:
        district = session.get(District, code) if code else None
        if code and district is None:
            raise Forbidden("unknown district")
        return code, district.name if district else _("the whole province")


@bp.get("/")
def index() -> str:
    """Download the district's workbook, upload it filled in."""
    actor = current_actor()
    changes.check_download(actor, None)
    with get_store().session() as session:
        districts = all_districts(session) if actor.is_admin else []
        own = session.get(District, actor.district_code) if actor.district_code else None
    max_bytes, max_rows = _limits()
    return render_template(
        "workbook/index.html",
        districts=districts,
        own=own,
        max_mb=max_bytes / 1024 / 1024,
        max_rows=max_rows,
    )


@bp.get("/download")
def download() -> Response:
    """The district's clusters as an XLSX laid out for editing."""
    code, name = _district_choice(None)
    _max_bytes, max_rows = _limits()
    with get_store().session() as session:
        rows = changes.sheet_rows(session, code)
    data = wb.build_workbook(rows, list_labels(), _instructions(name, len(rows), max_rows))
    stamp = dt.datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M")
    filename = f"cum-cong-nghiep-{code or 'toan-tinh'}-{stamp}.xlsx"
    response = Response(data, mimetype=wb.MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _form_error(message: str, status: int) -> tuple[str, int]:
    actor = current_actor()
    with get_store().session() as session:
        districts = all_districts(session) if actor.is_admin else []
        own = session.get(District, actor.district_code) if actor.district_code else None
    max_bytes, max_rows = _limits()
    page = render_template(
        "workbook/index.html",
        districts=districts,
        own=own,
        max_mb=max_bytes / 1024 / 1024,
        max_rows=max_rows,
        error=message,
    )
    return page, status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> tuple[str, int]:
    max_bytes, _max_rows = _limits()
    return _form_error(
        _("The file is larger than the limit of %(mb).1f MB.", mb=max_bytes / 1024 / 1024), 413
    )


@bp.post("/upload")
@upload_limit("GIS_WORKBOOK_MAX_BYTES")
def upload() -> tuple[str, int]:
    """Read an uploaded workbook and show what it would change; nothing is written."""
    actor = current_actor()
    changes.check_download(actor, None)
    max_bytes, max_rows = _limits()
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        return _form_error(_("Choose the workbook file to upload."), 400)
    data = upload_file.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        return _form_error(
            _("The file is larger than the limit of %(mb).1f MB.", mb=max_bytes / 1024 / 1024),
            413,
        )
    filename = upload_file.filename
    try:
        reading = wb.read_workbook(data, list_labels(), max_rows=max_rows)
    except wb.WorkbookRefused as exc:
        return _form_error(f"{filename}: {problem_text(exc.problem)}", 422)
    sha256 = changes.file_hash(data)
    store = get_store()
    with store.session() as session:
        preview = changes.plan_workbook(session, actor, reading)
        session.rollback()
    token = None
    if preview.confirmable:
        with store.write() as session:
            token = changes.save_pending(session, current_user.user_id, sha256, filename, preview)
    status = 422 if preview.problems else 200
    return render_template(
        "workbook/preview.html",
        preview=preview,
        filename=filename,
        sha256=sha256,
        token=token,
        problems=[_problem_view(p) for p in preview.problems],
        column_name=column_name,
        value_text=value_text,
    ), status


def _problem_view(problem: wb.Problem) -> dict[str, Any]:
    return {
        "row": problem.row,
        "column": column_name(problem.column) if problem.column else None,
        "column_key": problem.column,
        "code": problem.code,
        "text": problem_text(problem),
        "events": stale_events(problem) if problem.code == "stale" else [],
    }


def _label_tables() -> dict[str, dict[Any, str]]:
    """The coded lists' labels in the page's language, translated once per request."""
    if "workbook_labels" not in g:
        g.workbook_labels = {
            name: {code: str(label) for code, label in table.items()}
            for name, table in (
                ("stage", labels.STAGE_LABELS),
                ("clearance_status", labels.CLEARANCE_LABELS),
                ("component", labels.COMPONENT_STATE_LABELS),
            )
        }
    return g.workbook_labels


def value_text(field: str, value: Any) -> str:
    """A stored value as the preview shows it: labels for codes, dd/mm/yyyy for dates."""
    if value is None or value == "":
        return _("Not reported")
    name, _sep, component = field.partition(".")
    key = f"infra_{component}" if name == "infrastructure" and component else field
    column = wb.COLUMN_BY_KEY.get(key)
    if column is not None and column.kind == "code":
        return _label_tables()[wb.list_of(key)].get(value, str(value))
    if column is not None and column.kind == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if current_language() == "vi" else text
    return str(value)


@bp.post("/confirm")
def confirm() -> WerkzeugResponse | tuple[str, int]:
    """Write the previewed changes: every cluster or none, one history event each."""
    actor = current_actor()
    changes.check_download(actor, None)
    token = request.form.get("token", "")
    sha256 = request.form.get("sha256", "")
    store = get_store()
    change_set = f"workbook-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    try:
        with store.write() as session:
            pending = changes.take_pending(session, current_user.user_id, token, sha256)
            if pending is None:
                raise _Gone()
            note = _("Updated from the workbook %(name)s", name=pending.filename)
            if approval_applies(actor, approval_on()):
                proposed = changes.propose_rows(session, actor, pending.rows, note, change_set)
            else:
                proposed = None
                results = changes.apply_rows(session, actor, pending.rows, note, change_set)
    except _Gone:
        return _form_error(
            _(
                "This upload was already confirmed, cancelled or has expired. "
                "Upload the file again."
            ),
            409,
        )
    except changes.RowRefused as exc:
        message = _(
            "Nothing was saved: row %(row)s (%(id)s) was refused: %(reason)s. "
            "Upload the file again to see every problem.",
            row=exc.row,
            id=exc.cluster_id,
            reason=_refusal_reason(exc.cause),
        )
        return _form_error(message, 409)
    if proposed is not None:
        flash(
            _(
                "Sent the changes of %(count)s clusters from the workbook for the province's "
                "approval; the map shows them once they are approved.",
                count=len(proposed),
            )
        )
        return redirect(url_for("review.index"))
    written = sum(1 for r in results if r.event is not None)
    flash(_("Saved the changes of %(count)s clusters from the workbook.", count=written))
    return redirect(url_for("web.index"))


def _refusal_reason(cause: Exception) -> str:
    """Why the store refused a row at confirmation, in the page's language."""
    if isinstance(cause, StaleVersion):
        return _("someone else changed the cluster after the preview")
    if isinstance(cause, InvalidInput):
        return "; ".join(
            f"{column_name(_column_key(e.field)) or e.field}: {error_text(e)}" for e in cause.errors
        )
    if isinstance(cause, NotFound):
        return _("the cluster no longer exists")
    if isinstance(cause, Forbidden):
        return _("not allowed: %(reason)s", reason=reason_text(cause.code, cause.params))
    return _("not allowed: %(reason)s", reason=str(cause))


def _column_key(field: str) -> str:
    name, _sep, component = field.partition(".")
    return f"infra_{component}" if name == "infrastructure" and component else name


class _Gone(Exception):
    """No pending upload with that token and hash for this user."""


@bp.post("/cancel")
def cancel() -> WerkzeugResponse | tuple[str, int]:
    """Forget a previewed upload without writing anything."""
    # The rules of upload and confirm: a viewer has no upload to cancel.
    changes.check_download(current_actor(), None)
    with get_store().write() as session:
        dropped = changes.drop_pending(session, current_user.user_id, request.form.get("token", ""))
    if not dropped:
        # Not this user's (or already confirmed, cancelled, expired): say so, as confirm does.
        return _form_error(
            _(
                "This upload was already confirmed, cancelled or has expired. "
                "Upload the file again."
            ),
            409,
        )
    flash(_("The upload was cancelled; nothing was saved."))
    return redirect(url_for("workbook.index"))
