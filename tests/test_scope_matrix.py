"""Scope as a matrix: every state-changing route × every role × own/other district.

The routes are enumerated from the app itself, so a new route without a rule here fails.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gis.store.models import ChangeEvent, User
from tests.conftest import csrf_token, login

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
OWN, OTHER = "ccn-long-phuoc-1", "ccn-gom-su-tan-hanh"  # Long Thành (editor's), Biên Hòa
ROLES = ("anonymous", "viewer", "lt-editor", "admin")
ALLOWED = {
    # endpoint: which (role, target) pairs may succeed
    "api.patch_cluster": {("lt-editor", "own"), ("admin", "own"), ("admin", "other")},
    "api.revert_change": {("admin", "own"), ("admin", "other")},
    "admin.create_user": {("admin", "own"), ("admin", "other")},
    "admin.set_active": {("admin", "own"), ("admin", "other")},
    "admin.reset_password": {("admin", "own"), ("admin", "other")},
}
# Routes that change only the caller's own session, open to everyone by design.
PUBLIC = {"auth.login", "auth.logout"}


def _state_changing_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.methods & STATE_CHANGING and rule.endpoint != "static"
    }


def test_every_state_changing_route_has_a_scope_rule(app) -> None:
    assert _state_changing_endpoints(app) == set(ALLOWED) | PUBLIC


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
    return {
        "api.patch_cluster": ("PATCH", f"/api/clusters/{cluster}", {"json": {"stage": "building"}}),
        "api.revert_change": ("POST", f"/api/history/{ctx['event'][target]}/revert", {}),
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
    if endpoint == "api.patch_cluster":
        headers["If-Match"] = client.get(url).headers["ETag"]
    if "data" in kwargs:
        kwargs["data"] = {**kwargs["data"], "csrf_token": token}
    before = _state(app)
    response = client.open(url, method=method, headers=headers, **kwargs)
    if (role, target) in ALLOWED[endpoint]:
        assert response.status_code in (200, 302), response.get_data(as_text=True)
        assert _state(app) != before
    else:
        expected = {"anonymous": (401, 302)}.get(role, (403,))
        assert response.status_code in expected, (response.status_code, response.location)
        if response.status_code == 302:
            assert "/auth/login" in response.location
        assert _state(app) == before
