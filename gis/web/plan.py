"""The plan's pages (/plan, /plan/tasks/<id>); its API is gis.web.api.plan (/api/plan)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from gis.core import plan
from gis.core.actors import check_task_edit, unit_key
from gis.core.clusters import district_index
from gis.core.districts import all_districts
from gis.core.history import event_dict, events_of
from gis.errors import FieldError, Forbidden, InvalidInput, StaleVersion
from gis.store.models import Cluster
from gis.text import fold
from gis.web import get_store
from gis.web.auth import current_actor
from gis.web.formatting import register
from gis.web.params import collect_choices
from gis.web.plan_labels import STATUS_LABELS, TARGET_STATUS_LABELS, flag_label
from gis.web.reason_text import error_text

bp = Blueprint("plan", __name__)
register(bp)

MAX_PARAM_LENGTH = 200


def task_filter(args: Mapping[str, str]) -> tuple[plan.TaskFilter, dt.date]:
    """The filter and as-of date of a tasks request, or InvalidInput (400) naming each bad one."""
    errors: list[FieldError] = []
    try:
        as_of = plan.parse_as_of(args.get("as_of"))
    except InvalidInput as exc:
        errors += exc.errors
        as_of = plan.today()
    with get_store().session() as session:
        units = dict(plan.lead_units(session))
        districts = {d.code for d in all_districts(session)}
        clusters = set(session.scalars(select(Cluster.id)))
    lead_unit = None
    raw_unit = args.get("lead_unit", "").strip()
    if raw_unit:
        lead_unit = unit_key(raw_unit) if len(raw_unit) <= MAX_PARAM_LENGTH else ""
        if lead_unit not in units:
            # The key itself is accepted too ("so-cong-thuong"), as the filter form sends it.
            errors.append(FieldError("lead_unit", f"{raw_unit[:80]!r} leads no task of the plan"))
    district = args.get("district", "").strip() or None
    if district is not None and district not in districts:
        errors.append(FieldError("district", f"{district[:20]!r} is not a district code"))
    cluster = args.get("cluster", "").strip() or None
    if cluster is not None and cluster not in clusters:
        errors.append(FieldError("cluster", f"unknown cluster id {cluster[:80]!r}"))
    flt = plan.TaskFilter(
        lead_unit=lead_unit,
        district=district,
        cluster=cluster,
        statuses=collect_choices("status", args.get("status", ""), plan.STATUS_FILTERS, errors),
        sections=collect_choices("section", args.get("section", ""), plan.SECTIONS, errors),
    )
    if errors:
        raise InvalidInput(errors)
    return flt, as_of


# --- pages ----------------------------------------------------------------------------------


def _can_edit(lead_units: list[str]) -> bool:
    """Whether the logged-in user may update a task (only to show the form; the core checks)."""
    if not current_user.is_authenticated:
        return False
    try:
        check_task_edit(current_user.actor, lead_units)
    except Forbidden:
        return False
    return True


def _cluster_names(session: Session) -> dict[str, str]:
    return {c.id: c.record.get("name_vi") or c.id for c in session.scalars(select(Cluster))}


@bp.get("/plan")
def plan_page() -> str:
    """Tasks grouped by section with filters; overdue marked as of today and a chosen date."""
    args = request.args.to_dict()
    args.pop("lang", None)
    flt, as_of = task_filter(args)
    chosen = bool(args.get("as_of"))
    now = plan.today()
    with get_store().session() as session:
        tasks = plan.list_tasks(session, flt, as_of)
        if chosen and as_of != now:
            # The same tasks judged against today, for the second mark.
            today_judged = {t["id"]: t for t in plan.list_tasks(session, plan.TaskFilter(), now)}
        else:
            today_judged = {t["id"]: t for t in tasks}
        units = plan.lead_units(session)
        districts = all_districts(session)
        names = _cluster_names(session)
        named = {c for t in plan.all_tasks(session) for c in plan.task_cluster_ids(t)}
        targets = plan.list_targets(session)
        document = plan.plan_document(session)
    sections: dict[str, dict[str, Any]] = {}
    for task in tasks:
        task["overdue_today"] = today_judged[task["id"]]["overdue"]
        task["can_edit"] = _can_edit(task["lead_units"])
        section = sections.setdefault(
            task["section"], {"title": task["section_title"], "tasks": []}
        )
        section["tasks"].append(task)
    return render_template(
        "plan/index.html",
        sections=sections,
        count=len(tasks),
        args=args,
        as_of=as_of,
        chosen=chosen and as_of != now,
        today=now,
        units=units,
        districts=districts,
        district_names={d.code: d.name for d in districts},
        cluster_names=names,
        cluster_choices=sorted(
            ((c, names.get(c, c)) for c in named), key=lambda item: fold(item[1])
        ),
        selected_unit=flt.lead_unit,
        statuses=plan.STATUS_FILTERS,
        status_labels=STATUS_LABELS,
        sections_all=plan.SECTIONS,
        targets=targets,
        target_status_labels=TARGET_STATUS_LABELS,
        is_admin=current_user.is_authenticated and current_user.role == "admin",
        document=document,
        flag_label=flag_label,
    )


def _render_task(
    task_id: str,
    *,
    form: Mapping[str, str] | None = None,
    errors: list[FieldError] | None = None,
    conflict: list[dict[str, Any]] | None = None,
    version: int | None = None,
    status: int = 200,
) -> tuple[str, int]:
    now = plan.today()
    with get_store().session() as session:
        task = plan.task_dict(plan.get_task(session, task_id), now, plan.cluster_districts(session))
        names = _cluster_names(session)
        districts = district_index(session)
        events = (
            [event_dict(e) for e in events_of(session, "task", task_id)]
            if current_user.is_authenticated
            else None
        )
    form = dict(form or {})
    form.setdefault("status", task["status"])
    form.setdefault("status_read", task["status"])
    form.setdefault("note_date", now.isoformat())
    return render_template(
        "plan/task.html",
        t=task,
        today=now,
        cluster_names=names,
        district_names={c: d.name for c, d in districts.items()},
        can_edit=_can_edit(task["lead_units"]),
        form=form,
        errors=errors or [],
        error_fields={e.field for e in errors or []},
        conflict=conflict,
        version=version if version is not None else task["version"],
        events=list(reversed(events)) if events is not None else None,
        occurrences=plan.schedule(task["due"], task["notes"], now),
        statuses=plan.STATUSES,
        status_labels=STATUS_LABELS,
        flag_label=flag_label,
    ), status


@bp.get("/plan/tasks/<task_id>")
def task_page(task_id: str) -> tuple[str, int]:
    """One task: its text, deadlines, units, clusters, progress notes and history."""
    return _render_task(task_id)


@bp.post("/plan/tasks/<task_id>")
def update_task_form(task_id: str) -> tuple[str, int] | WerkzeugResponse:
    """The update form: status and a dated note; a stale version shows what changed meanwhile."""
    actor = current_actor()
    form = request.form
    typed = {k: form.get(k, "") for k in ("status", "status_read", "note", "note_date")}
    try:
        version = int(form.get("version", ""))
    except ValueError:
        return _render_task(
            task_id, form=typed, errors=[FieldError("version", "missing; reload")], status=400
        )
    changes: dict[str, Any] = {}
    # Only a status the user changed is sent, so that saving a note after someone else set
    # the status does not quietly set it back.
    if typed["status"] and typed["status"] != typed["status_read"]:
        changes["status"] = typed["status"]
    if typed["note"].strip():
        changes["note"] = typed["note"]
        changes["note_date"] = typed["note_date"]
    try:
        with get_store().write() as session:
            result = plan.update_task(session, actor, task_id, version, changes)
    except StaleVersion as exc:
        with get_store().session() as session:
            current = plan.get_task(session, task_id).status
        if typed["status"] == typed["status_read"]:
            typed["status"] = current  # untouched here: show what it is now
        # The form now stands for the current version: saving again sends the status only
        # if the user chose one different from the current.
        typed["status_read"] = current
        return _render_task(
            task_id,
            form=typed,
            conflict=exc.changes_since,
            version=exc.current_version,
            status=409,
        )
    except InvalidInput as exc:
        return _render_task(task_id, form=typed, errors=exc.errors, version=version, status=422)
    flash(_("Task updated.") if result.event is not None else _("Nothing to change."))
    return redirect(url_for("plan.task_page", task_id=task_id))


@bp.post("/plan/targets/<target_id>/values")
def add_target_value_form(target_id: str) -> str | tuple[str, int] | WerkzeugResponse:
    """The administrators' form for a target's reported value."""
    actor = current_actor()
    body = {k: request.form.get(k, "") for k in ("year", "value", "source")}
    try:
        with get_store().write() as session:
            plan.add_target_value(session, actor, target_id, body)
    except InvalidInput as exc:
        names = {"year": _("Year"), "value": _("Value"), "source": _("Source")}
        message = "; ".join(f"{names.get(e.field, e.field)}: {error_text(e)}" for e in exc.errors)
        flash(_("The value was not recorded: %(reason)s", reason=message))
        return redirect(url_for("plan.plan_page", _anchor=f"target-{target_id}"))
    flash(_("Value recorded."))
    return redirect(url_for("plan.plan_page", _anchor=f"target-{target_id}"))
