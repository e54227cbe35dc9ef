"""The plan's tasks and targets under /api/plan (its pages are gis.web.plan)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, jsonify, request

from gis.core import plan
from gis.web import get_store
from gis.web.api.clusters import _cluster_etag, _expected_version, _json_body
from gis.web.auth import current_actor
from gis.web.caching import cached_json, etag_for
from gis.web.plan import task_filter

bp = Blueprint("plan", __name__)


def _task_etag(task_id: str, version: int, revision: str, as_of: dt.date) -> str:
    # The same form as a cluster's ETag, so If-Match is read by the same helper; the
    # judged body also depends on the as-of date.
    return _cluster_etag(task_id, version, f"{revision}:{as_of.isoformat()}")


def _one_task(task_id: str, as_of: dt.date) -> dict[str, Any]:
    with get_store().session() as session:
        return plan.task_dict(
            plan.get_task(session, task_id), as_of, plan.cluster_districts(session)
        )


@bp.get("/tasks")
def list_tasks() -> Response:
    """The plan's tasks, filtered; each says whether it is overdue as of ``as_of``."""
    store = get_store()
    args = request.args.to_dict()
    flt, as_of = task_filter(args)
    tag = etag_for("plan-tasks", store.revision(), sorted(args.items()), as_of.isoformat())

    def build() -> dict[str, Any]:
        with store.session() as session:
            tasks = plan.list_tasks(session, flt, as_of)
        return {"as_of": as_of.isoformat(), "count": len(tasks), "tasks": tasks}

    return cached_json(tag, build)


@bp.get("/tasks/<task_id>")
def get_task(task_id: str) -> Response:
    """One task; its ETag carries its version for If-Match."""
    store = get_store()
    as_of = plan.parse_as_of(request.args.get("as_of"))
    body = {"as_of": as_of.isoformat(), **_one_task(task_id, as_of)}
    tag = _task_etag(task_id, body["version"], store.revision(), as_of)
    return cached_json(tag, lambda: body)


@bp.patch("/tasks/<task_id>")
def patch_task(task_id: str) -> Response:
    """Set a task's status and/or add a dated progress note; If-Match names the version read."""
    actor = current_actor()
    expected = _expected_version(task_id)
    body = _json_body()
    as_of = plan.parse_as_of(request.args.get("as_of"))
    store = get_store()
    with store.write() as session:
        plan.update_task(session, actor, task_id, expected, body)
        # Read back inside the transaction: after it, another writer may already have
        # moved the task on, and this answer must describe (and tag) what this one wrote.
        written = plan.task_dict(
            plan.get_task(session, task_id), as_of, plan.cluster_districts(session)
        )
    task = {"as_of": as_of.isoformat(), **written}
    response = jsonify(task)
    response.set_etag(_task_etag(task_id, task["version"], store.revision(), as_of))
    return response


@bp.get("/tasks/<task_id>/history")
def task_history(task_id: str) -> Response:
    """Every change of a task, oldest first (logged-in users: it names who changed what)."""
    current_actor()
    with get_store().session() as session:
        events = plan.task_history(session, task_id)
    return jsonify({"task": task_id, "events": events})


@bp.get("/targets")
def list_targets() -> Response:
    """The plan's targets with reported values and met / not met / not reported."""
    store = get_store()

    def build() -> dict[str, Any]:
        with store.session() as session:
            targets = plan.list_targets(session)
        return {"count": len(targets), "targets": targets}

    return cached_json(etag_for("plan-targets", store.revision()), build)


@bp.post("/targets/<target_id>/values")
def add_target_value(target_id: str) -> tuple[Response, int]:
    """Record a reported value for a year with its source (administrators)."""
    actor = current_actor()
    body = _json_body()
    with get_store().write() as session:
        value = plan.add_target_value(session, actor, target_id, body)
    with get_store().session() as session:
        target = next(t for t in plan.list_targets(session) if t["id"] == target_id)
    return jsonify({"value": value, "target": target}), 201
