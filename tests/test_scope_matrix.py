"""Scope as a matrix: every state-changing route × every role × own/other district or task.

The routes are enumerated from the app itself, so a new route without a rule here fails.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import func, select

from gis.core import workbook as wb
from gis.store.files import FolderStore
from gis.store.models import (
    Attachment,
    ChangeEvent,
    Proposal,
    TargetValue,
    User,
    WorkbookUpload,
)
from tests.conftest import ApiClient, csrf_token, login

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
OWN, OTHER = "ccn-long-phuoc-1", "ccn-gom-su-tan-hanh"  # Long Thành (editor's), Biên Hòa
DISTRICTS = {"own": "740", "other": "731"}  # Long Thành, Biên Hòa
# Plan tasks led by UBND huyện Long Thành (the editor's lead unit) and by Sở Công Thương.
OWN_TASK, OTHER_TASK = "i-2-4", "i-1-1"
TARGETS = {"own": "industrial-production-index", "other": "high-tech-share"}
TARGET_VALUE = {"year": "2020", "value": "8.5", "source": "Cục Thống kê Đồng Nai"}
EDITOR_AND_ADMIN = {("lt-editor", "own"), ("admin", "own"), ("admin", "other")}
ADMIN_ONLY = {("admin", "own"), ("admin", "other")}
ROLES = ("anonymous", "viewer", "reviewer", "lt-editor", "admin")
# Province approval: reviewers and administrators decide on any district's proposals.
REVIEWERS = {("reviewer", "own"), ("reviewer", "other"), ("admin", "own"), ("admin", "other")}
ALLOWED = {
    # endpoint: which (role, target) pairs may succeed
    "api.clusters.patch_cluster": {("lt-editor", "own"), ("admin", "own"), ("admin", "other")},
    "api.clusters.revert_change": {("admin", "own"), ("admin", "other")},
    "admin.create_user": {("admin", "own"), ("admin", "other")},
    "admin.set_active": {("admin", "own"), ("admin", "other")},
    "admin.reset_password": {("admin", "own"), ("admin", "other")},
    "api.plan.patch_task": EDITOR_AND_ADMIN,
    "plan.update_task_form": EDITOR_AND_ADMIN,
    "api.plan.add_target_value": ADMIN_ONLY,
    "plan.add_target_value_form": ADMIN_ONLY,
    # OGC API – Features Part 4: the rules of api.clusters.patch_cluster.
    "ogc_write.update": EDITOR_AND_ADMIN,
    "ogc_write.replace": EDITOR_AND_ADMIN,
    "ogc_write.create": ADMIN_ONLY,
    # Deleting is the inverse of creating: administrators only, and If-Match as for updates.
    "ogc_write.remove": ADMIN_ONLY,
    # Attachments: the rules of api.clusters.patch_cluster, on the photo's cluster.
    "attachments.add": EDITOR_AND_ADMIN,
    "attachments.remove": EDITOR_AND_ADMIN,
    # The district workbook: own (Long Thành) or another district's (Biên Hòa) clusters.
    "workbook.upload": EDITOR_AND_ADMIN,
    "workbook.confirm": EDITOR_AND_ADMIN,
    "workbook.cancel": EDITOR_AND_ADMIN,
    # Province approval (GIS_APPROVAL on): "own" is lt-editor's proposal on a Long Thành
    # cluster, "other" bh-editor's on a Biên Hòa one; only its proposer re-proposes it.
    "review.approve": REVIEWERS,
    "review.reject": REVIEWERS,
    "review.repropose": {("lt-editor", "own")},
}
# Refusals that are not a 403, and why.
REFUSED = {
    # The preview names each row outside the editor's district (422) and keeps nothing.
    ("workbook.upload", "lt-editor", "other"): 422,
    # Another user's pending upload is not found for the editor: gone, as if expired.
    ("workbook.confirm", "lt-editor", "other"): 409,
    ("workbook.cancel", "lt-editor", "other"): 409,
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


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def _workbook(client, target: str) -> bytes:
    """The target district's workbook, its first cluster's stage changed."""
    response = client.get(f"/workbook/download?district={DISTRICTS[target]}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book[wb.DATA_SHEET]
    current = sheet[f"{wb.column_letter('stage')}2"].value
    sheet[f"{wb.column_letter('stage')}2"] = (
        "Đã thành lập" if current != "Đã thành lập" else "Đã quy hoạch"
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, data: bytes):
    return client.post(
        "/workbook/upload",
        data={"file": (io.BytesIO(data), "so-lieu.xlsx"), "csrf_token": csrf_token(client)},
        content_type="multipart/form-data",
    )


def _setup_endpoint(app, api_as, endpoint: str, role: str, target: str, tmp_path) -> dict:
    """What one endpoint acts on: a photo on each cluster, a workbook, a pending upload."""
    admin = api_as("admin").client
    if endpoint.startswith("attachments."):
        app.extensions["files"] = FolderStore(tmp_path / "attachments")
        cluster = OWN if target == "own" else OTHER
        response = admin.post(
            f"/clusters/{cluster}/attachments",
            data={"file": (io.BytesIO(_jpeg()), "anh.jpg"), "csrf_token": csrf_token(admin)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        listed = admin.get(f"/api/clusters/{cluster}/attachments").get_json()["attachments"]
        return {"attachment": listed[-1]["id"], "photo": _jpeg()}
    if endpoint.startswith("review."):
        app.config["GIS_APPROVAL"] = True
        cluster = OWN if target == "own" else OTHER
        proposer = ApiClient(app.test_client(), "lt-editor" if target == "own" else "bh-editor")
        assert proposer.patch(cluster, {"investor": "Chủ đầu tư đề xuất"}).status_code == 202
        if endpoint == "review.repropose":
            # Stale: the province changed the cluster after the proposal.
            assert api_as("admin").patch(cluster, {"stage": "building"}).status_code == 200
        with app.extensions["store"].session() as session:
            return {"proposal": session.scalar(select(func.max(Proposal.id)))}
    if endpoint == "workbook.upload":
        return {"workbook": _workbook(admin, target)}
    if endpoint in ("workbook.confirm", "workbook.cancel"):
        # The editor's own upload of their district; otherwise the admin's of the target's.
        owner = admin
        if (role, target) == ("lt-editor", "own"):
            owner = app.test_client()
            assert login(owner, "lt-editor").status_code == 302
        html = _upload(owner, _workbook(admin, target)).get_data(as_text=True)
        pending = {
            name: re.search(rf'name="{name}" value="([^"]+)"', html)[1]
            for name in ("token", "sha256")
        }
        return {"pending": pending}
    return {}


def _setup(app, api_as, endpoint: str) -> dict:
    """The users every matrix test may act on, and for a revert a change on each cluster."""
    ids = {}
    # Only a revert acts on a change event: the other endpoints skip the two writes.
    if endpoint == "api.clusters.revert_change":
        admin = api_as("admin")
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
        "api.plan.patch_task": (
            "PATCH",
            f"/api/plan/tasks/{task}",
            {"json": {"status": "in_progress", "note": "Đã họp triển khai"}},
        ),
        "plan.update_task_form": (
            "POST",
            f"/plan/tasks/{task}",
            {"data": {"version": "1", "status": "in_progress", "status_read": "not_started"}},
        ),
        "api.plan.add_target_value": (
            "POST",
            f"/api/plan/targets/{TARGETS[target]}/values",
            {"json": TARGET_VALUE},
        ),
        "plan.add_target_value_form": (
            "POST",
            f"/plan/targets/{TARGETS[target]}/values",
            {"data": TARGET_VALUE},
        ),
        "api.clusters.patch_cluster": (
            "PATCH",
            f"/api/clusters/{cluster}",
            {"json": {"stage": "building"}},
        ),
        "api.clusters.revert_change": (
            "POST",
            f"/api/history/{ctx['event'].get(target)}/revert",
            {},
        ),
        "ogc_write.update": (
            "PATCH",
            f"/ogc/collections/clusters/items/{cluster}",
            {"json": {"properties": {"stage": "building"}}},
        ),
        "ogc_write.replace": ("PUT", f"/ogc/collections/clusters/items/{cluster}", {}),
        "ogc_write.remove": ("DELETE", f"/ogc/collections/clusters/items/{cluster}", {}),
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
        "attachments.add": (
            "POST",
            f"/clusters/{cluster}/attachments",
            {
                "data": {"file": (io.BytesIO(ctx.get("photo", b"")), "anh.jpg")},
                "content_type": "multipart/form-data",
            },
        ),
        "attachments.remove": (
            "POST",
            f"/attachments/{ctx.get('attachment')}/delete",
            {"data": {}},
        ),
        "workbook.upload": (
            "POST",
            "/workbook/upload",
            {
                "data": {"file": (io.BytesIO(ctx.get("workbook", b"")), "so-lieu.xlsx")},
                "content_type": "multipart/form-data",
            },
        ),
        "workbook.confirm": ("POST", "/workbook/confirm", {"data": ctx.get("pending", {})}),
        "review.approve": ("POST", f"/review/{ctx.get('proposal')}/approve", {"data": {}}),
        "review.reject": (
            "POST",
            f"/review/{ctx.get('proposal')}/reject",
            {"data": {"reason": "Không đủ căn cứ"}},
        ),
        "review.repropose": ("POST", f"/review/{ctx.get('proposal')}/repropose", {"data": {}}),
        "workbook.cancel": ("POST", "/workbook/cancel", {"data": ctx.get("pending", {})}),
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
        attachments = session.scalar(select(func.count()).select_from(Attachment))
        pending = session.scalar(select(func.count()).select_from(WorkbookUpload))
        proposals = tuple(session.execute(select(Proposal.id, Proposal.status)).all())
        users = tuple(
            session.execute(
                select(User.username, User.active, User.password_hash).order_by(User.username)
            ).all()
        )
    return events, attachments, pending, users, proposals


@pytest.mark.parametrize("endpoint", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", ["own", "other"])
def test_scope_matrix(app, api_as, tmp_path, endpoint: str, role: str, target: str) -> None:
    ctx = _setup(app, api_as, endpoint)
    ctx.update(_setup_endpoint(app, api_as, endpoint, role, target, tmp_path))
    client = app.test_client()
    if role != "anonymous":
        assert login(client, role).status_code == 302
    token = csrf_token(client)
    method, url, kwargs = _request(endpoint, target, ctx)
    headers = {"X-CSRFToken": token}
    if endpoint in ("api.clusters.patch_cluster", "api.plan.patch_task"):
        headers["If-Match"] = client.get(url).headers["ETag"]
    if endpoint in ("ogc_write.update", "ogc_write.replace", "ogc_write.remove"):
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
        assert response.status_code in (200, 201, 204, 302), response.get_data(as_text=True)
        assert _state(app) != before
    else:
        refused = REFUSED.get((endpoint, role, target), 403)
        expected = {"anonymous": (401, 302)}.get(role, (refused,))
        assert response.status_code in expected, (response.status_code, response.location)
        if response.status_code == 302:
            assert "/auth/login" in response.location
        assert _state(app) == before
