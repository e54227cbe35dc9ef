"""Scope as a matrix: every state-changing route × every role × own/other district or task.

The routes are enumerated from the app itself, so a new route without a rule here fails.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gis.store.models import ChangeEvent, TargetValue, User
from tests.conftest import csrf_token, login

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
OWN, OTHER = "ccn-long-phuoc-1", "ccn-gom-su-tan-hanh"  # Long Thành (editor's), Biên Hòa
# Plan tasks led by UBND huyện Long Thành (the editor's lead unit) and by Sở Công Thương.
OWN_TASK, OTHER_TASK = "i-2-4", "i-1-1"
TARGETS = {"own": "industrial-production-index", "other": "high-tech-share"}
TARGET_VALUE = {"year": "2020", "value": "8.5", "source": "Cục Thống kê Đồng Nai"}
EDITOR_AND_ADMIN = {("lt-editor", "own"), ("admin", "own"), ("admin", "other")}
ADMIN_ONLY = {("admin", "own"), ("admin", "other")}
ROLES = ("anonymous", "viewer", "lt-editor", "admin")
ALLOWED = {
    # endpoint: which (role, target) pairs may succeed
    "api.patch_cluster": {("lt-editor", "own"), ("admin", "own"), ("admin", "other")},
    "api.revert_change": {("admin", "own"), ("admin", "other")},
    "admin.create_user": {("admin", "own"), ("admin", "other")},
    "admin.set_active": {("admin", "own"), ("admin", "other")},
    "admin.reset_password": {("admin", "own"), ("admin", "other")},
    "plan_api.patch_task": EDITOR_AND_ADMIN,
    "plan.update_task_form": EDITOR_AND_ADMIN,
    "plan_api.add_target_value": ADMIN_ONLY,
    "plan.add_target_value_form": ADMIN_ONLY,
    # OGC API – Features Part 4: the rules of api.patch_cluster.
    "ogc_write.update": EDITOR_AND_ADMIN,
    "ogc_write.replace": EDITOR_AND_ADMIN,
    "ogc_write.create": ADMIN_ONLY,
}
# Routes that change only the caller's own session, open to everyone by design.
PUBLIC = {"auth.login", "auth.logout"}
# Routes that change only the caller's own access tokens (tests/test_tokens.py).
OWN_ONLY = {"tokens.create", "tokens.revoke"}


def _state_changing_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.methods & STATE_CHANGING and rule.endpoint != "static"
    }


def test_every_state_changing_route_has_a_scope_rule(app) -> None:
    assert _state_changing_endpoints(app) == set(ALLOWED) | PUBLIC | OWN_ONLY


def _setup(app, api_as) -> dict:
    admin = api_as("admin")
    ids = {}
    for target, cluster in (("own", OWN), ("other", OTHER)):
        response = admin.patch(cluster, {"investor": f"Chủ đầu tư {target}"})
        assert response.status_code == 200
        history = admin.client.get(f"/api/clusters/{cluster}/history").get_json()["events"]
        ids[target] = history[-1]["id"]
    with app.extensions["store"].session() as session:
        users = dict(session.execute(select(User.username, User.id)).all())
    return {"event": ids, "user": {"own": users["lt-editor"], "other": users["viewer"]}}


def _request(endpoint: str, target: str, ctx: dict) -> tuple[str, str, dict]:
    cluster = OWN if target == "own" else OTHER
    task = OWN_TASK if target == "own" else OTHER_TASK
    return {
        "plan_api.patch_task": (
            "PATCH",
            f"/api/plan/tasks/{task}",
            {"json": {"status": "in_progress", "note": "Đã họp triển khai"}},
        ),
        "plan.update_task_form": (
            "POST",
            f"/plan/tasks/{task}",
            {"data": {"version": "1", "status": "in_progress", "status_read": "not_started"}},
        ),
        "plan_api.add_target_value": (
            "POST",
            f"/api/plan/targets/{TARGETS[target]}/values",
            {"json": TARGET_VALUE},
        ),
        "plan.add_target_value_form": (
            "POST",
            f"/plan/targets/{TARGETS[target]}/values",
            {"data": TARGET_VALUE},
        ),
        "api.patch_cluster": ("PATCH", f"/api/clusters/{cluster}", {"json": {"stage": "building"}}),
        "api.revert_change": ("POST", f"/api/history/{ctx['event'][target]}/revert", {}),
        "ogc_write.update": (
            "PATCH",
            f"/ogc/collections/clusters/items/{cluster}",
            {"json": {"properties": {"stage": "building"}}},
        ),
        "ogc_write.replace": ("PUT", f"/ogc/collections/clusters/items/{cluster}", {}),
        "ogc_write.create": (
            "POST",
            "/ogc/collections/clusters/items",
            {
                "json": {
                    "type": "Feature",
                    "properties": {
                        "id": f"ccn-moi-{target}",
                        "name_vi": f"CCN Mới {target}",
                        "kind": "CCN",
                        "district_code": "740",
                    },
                    "geometry": None,
                }
            },
        ),
        "admin.create_user": (
            "POST",
            "/admin/users",
            {
                "data": {
                    "username": f"new-{target}",
                    "password": "a long password",
                    "role": "viewer",
                }
            },
        ),
        "admin.set_active": (
            "POST",
            f"/admin/users/{ctx['user'][target]}/active",
            {"data": {"active": "0"}},
        ),
        "admin.reset_password": (
            "POST",
            f"/admin/users/{ctx['user'][target]}/password",
            {"data": {"password": "yet another password"}},
        ),
    }[endpoint]


def _state(app) -> tuple:
    with app.extensions["store"].session() as session:
        events = session.scalar(select(func.count()).select_from(ChangeEvent))
        # Reported target values are rows of their own, not change events.
        events += session.scalar(select(func.count()).select_from(TargetValue))
        users = tuple(
            session.execute(
                select(User.username, User.active, User.password_hash).order_by(User.username)
            ).all()
        )
    return events, users


@pytest.mark.parametrize("endpoint", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", ["own", "other"])
def test_scope_matrix(app, api_as, endpoint: str, role: str, target: str) -> None:
    ctx = _setup(app, api_as)
    client = app.test_client()
    if role != "anonymous":
        assert login(client, role).status_code == 302
    token = csrf_token(client, "/")
    method, url, kwargs = _request(endpoint, target, ctx)
    headers = {"X-CSRFToken": token}
    if endpoint in ("api.patch_cluster", "plan_api.patch_task"):
        headers["If-Match"] = client.get(url).headers["ETag"]
    if endpoint in ("ogc_write.update", "ogc_write.replace"):
        cluster_url = url.replace("/ogc/collections/clusters/items/", "/api/clusters/")
        read = client.get(cluster_url)
        headers["If-Match"] = read.headers["ETag"]
        if endpoint == "ogc_write.replace":
            feature = read.get_json()
            properties = {**feature["properties"], "stage": "building"}
            kwargs = {
                "json": {
                    "type": "Feature",
                    "properties": properties,
                    "geometry": feature["geometry"],
                }
            }
    if "data" in kwargs:
        kwargs["data"] = {**kwargs["data"], "csrf_token": token}
    before = _state(app)
    response = client.open(url, method=method, headers=headers, **kwargs)
    if (role, target) in ALLOWED[endpoint]:
        assert response.status_code in (200, 201, 302), response.get_data(as_text=True)
        assert _state(app) != before
    else:
        expected = {"anonymous": (401, 302)}.get(role, (403,))
        assert response.status_code in expected, (response.status_code, response.location)
        if response.status_code == 302:
            assert "/auth/login" in response.location
        assert _state(app) == before
