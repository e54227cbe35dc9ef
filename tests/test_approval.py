"""Province approval (maker–checker): GIS_APPROVAL on, a district editor's change waits.

Off (the default) every change is published at once, as before. On, an editor's change
from the API, the map's panel (the same PATCH), the workbook and OGC Part 4 writes is kept
as a proposal; a reviewer or administrator approves it (published in one transaction,
history naming both) or rejects it with a reason; a stale proposal is re-proposed first.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from gis.core.history import verify
from gis.store.models import ChangeEvent, Proposal
from tests.conftest import csrf_token, login
from tests.helpers import confirm as confirm_workbook
from tests.helpers import download, edit, upload

OWN, OTHER = "ccn-long-phuoc-1", "ccn-gom-su-tan-hanh"  # Long Thành (lt-editor's), Biên Hòa


@pytest.fixture
def approval(app):
    """The app with province approval on."""
    app.config["GIS_APPROVAL"] = True
    return app


def _client(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _proposals(app) -> list[Proposal]:
    with app.extensions["store"].session() as session:
        rows = list(session.scalars(select(Proposal).order_by(Proposal.id)))
        session.expunge_all()
    return rows


def _event_count(app) -> int:
    with app.extensions["store"].session() as session:
        return session.scalar(select(func.count()).select_from(ChangeEvent))


def _decide(client, proposal_id: int, action: str, reason: str | None = None):
    data = {"csrf_token": csrf_token(client, "/review")}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/review/{proposal_id}/{action}", data=data)


def test_approval_is_off_by_default_and_edits_publish_at_once(app, api_as, client) -> None:
    assert app.config["GIS_APPROVAL"] is False
    editor = api_as("lt-editor")
    response = editor.patch(OWN, {"stage": "building"})
    assert response.status_code == 200
    assert client.get(f"/api/clusters/{OWN}").get_json()["properties"]["stage"] == "building"
    assert _proposals(app) == []
    # No queue link in the editor's pages while approval is off.
    assert 'id="review-link"' not in editor.client.get("/").get_data(as_text=True)


def test_editor_change_waits_and_public_keeps_the_published_state(
    approval, api_as, client, store
) -> None:
    before = client.get(f"/api/clusters/{OWN}")
    revision = store.revision()
    editor = api_as("lt-editor")
    response = editor.patch(OWN, {"stage": "building", "note": "Đã khởi công"})
    assert response.status_code == 202, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "pending" and body["proposed_by"] == "lt-editor"
    assert {
        "field": "stage",
        "from": before.get_json()["properties"]["stage"],
        "to": "building",
    } in (body["changes"])
    # The published cluster, its ETag and the store's revision are unchanged.
    after = client.get(f"/api/clusters/{OWN}")
    assert after.get_json() == before.get_json()
    assert after.headers["ETag"] == before.headers["ETag"]
    # The 202 carries the published version's tag: If-Match for a later change.
    assert response.headers["ETag"].startswith(f'"{OWN}-v{body["base_version"]}-')
    assert store.revision() == revision
    # Staff see it; anonymous clients do not.
    assert client.get("/api/proposals").status_code == 401
    listed = _client(approval, "viewer").get("/api/proposals?status=pending").get_json()
    assert [p["cluster_id"] for p in listed["proposals"]] == [OWN]
    page = editor.client.get(f"/clusters/{OWN}").get_data(as_text=True)
    assert 'id="proposed-badge"' in page
    assert 'id="proposed-badge"' not in client.get(f"/clusters/{OWN}").get_data(as_text=True)
    config = editor.client.get("/").get_data(as_text=True)
    assert f'"proposed": ["{OWN}"]' in config


def test_reviewer_approves_in_one_event_naming_both(approval, api_as, client, history) -> None:
    api_as("lt-editor").patch(OWN, {"stage": "building", "note": "Đã khởi công"})
    events_before = history(OWN)
    (proposal,) = _proposals(approval)
    reviewer = _client(approval, "reviewer")
    queue = reviewer.get("/review").get_data(as_text=True)
    assert f'data-proposal="{proposal.id}"' in queue
    assert "Tình trạng: " in queue  # the field in words (Vietnamese), not "stage"
    response = _decide(reviewer, proposal.id, "approve", "Đúng với báo cáo của huyện")
    assert response.status_code == 302
    assert client.get(f"/api/clusters/{OWN}").get_json()["properties"]["stage"] == "building"
    events = history(OWN)
    assert len(events) == len(events_before) + 1
    last = events[-1]
    assert (last["actor"], last["approved_by"], last["note"]) == (
        "lt-editor",
        "reviewer",
        "Đã khởi công",
    )
    assert any(c["field"] == "stage" and c["to"] == "building" for c in last["changes"])
    (decided,) = _proposals(approval)
    assert (decided.status, decided.decided_by, decided.event_id) == (
        "approved",
        "reviewer",
        last["id"],
    )
    # The approver is part of the hashed event: the chain verifies, and tampering shows.
    with approval.extensions["store"].session() as session:
        _count, problems = verify(session)
        assert problems == []
    with approval.extensions["store"].write() as session:
        session.get(ChangeEvent, last["id"]).approved_by = "someone-else"
    with approval.extensions["store"].session() as session:
        _count, problems = verify(session)
        assert [p.event_id for p in problems] == [last["id"]]
    # Decided once: a second approval is refused and publishes nothing more.
    count = _event_count(approval)
    assert _decide(reviewer, proposal.id, "approve").status_code == 409
    assert _event_count(approval) == count


def test_rejection_needs_a_reason_and_is_shown_to_the_proposer(approval, api_as, client) -> None:
    editor = api_as("lt-editor")
    stage = client.get(f"/api/clusters/{OWN}").get_json()["properties"]["stage"]
    editor.patch(OWN, {"stage": "building"})
    (proposal,) = _proposals(approval)
    admin = _client(approval, "admin")
    refused = _decide(admin, proposal.id, "reject", "  ")
    assert refused.status_code == 422
    assert _proposals(approval)[0].status == "pending"
    assert _decide(admin, proposal.id, "reject", "Thiếu quyết định khởi công").status_code == 302
    (rejected,) = _proposals(approval)
    assert (rejected.status, rejected.decided_by, rejected.reason) == (
        "rejected",
        "admin",
        "Thiếu quyết định khởi công",
    )
    assert client.get(f"/api/clusters/{OWN}").get_json()["properties"]["stage"] == stage
    mine = editor.client.get("/review").get_data(as_text=True)
    assert "Thiếu quyết định khởi công" in mine and 'data-status="rejected"' in mine


def test_stale_proposal_is_refused_until_reproposed(approval, api_as, client, history) -> None:
    editor = api_as("lt-editor")
    editor.patch(OWN, {"investor": "Công ty A"})
    (proposal,) = _proposals(approval)
    # The province publishes another change of the same cluster meanwhile.
    assert api_as("admin").patch(OWN, {"stage": "building"}).status_code == 200
    reviewer = _client(approval, "reviewer")
    queue = reviewer.get("/review").get_data(as_text=True)
    assert "stale-note" in queue
    count = _event_count(approval)
    refused = _decide(reviewer, proposal.id, "approve")
    assert refused.status_code == 409
    assert "up to date" in refused.get_data(as_text=True) or "cập nhật" in refused.get_data(
        as_text=True
    )
    assert _event_count(approval) == count
    assert client.get(f"/api/clusters/{OWN}").get_json()["properties"]["investor"] != "Công ty A"
    # Only its proposer may bring it up to date.
    assert _decide(reviewer, proposal.id, "repropose").status_code == 403
    assert _decide(editor.client, proposal.id, "repropose").status_code == 302
    old, fresh = _proposals(approval)
    assert (old.status, old.superseded_by) == ("superseded", fresh.id)
    assert fresh.status == "pending" and fresh.base_version == old.base_version + 1
    assert _decide(reviewer, fresh.id, "approve").status_code == 302
    published = client.get(f"/api/clusters/{OWN}").get_json()["properties"]
    assert (published["investor"], published["stage"]) == ("Công ty A", "building")
    assert history(OWN)[-1]["approved_by"] == "reviewer"


def test_scope_editor_proposes_only_for_own_district_and_cannot_decide(approval, api_as) -> None:
    editor = api_as("lt-editor")
    assert editor.patch(OTHER, {"stage": "building"}).status_code == 403
    assert _proposals(approval) == []
    api_as("bh-editor").patch(OTHER, {"stage": "building"})
    (proposal,) = _proposals(approval)
    for name in ("lt-editor", "bh-editor", "viewer"):
        assert _decide(_client(approval, name), proposal.id, "approve").status_code == 403
        assert _decide(_client(approval, name), proposal.id, "reject", "không").status_code == 403
    assert _proposals(approval)[0].status == "pending"
    # A reviewer changes nothing itself: the checker is not a maker.
    assert api_as("reviewer").patch(OWN, {"stage": "building"}).status_code == 403


def test_administrator_changes_publish_at_once_with_approval_on(approval, api_as, client) -> None:
    assert api_as("admin").patch(OWN, {"stage": "building"}).status_code == 200
    assert client.get(f"/api/clusters/{OWN}").get_json()["properties"]["stage"] == "building"
    assert _proposals(approval) == []


def test_workbook_confirm_proposes_every_row(approval, client, history) -> None:
    editor = _client(approval, "lt-editor")
    before = client.get(f"/api/clusters/{OWN}").get_json()["properties"]
    events = len(history(OWN))
    data = edit(download(editor), {OWN: {"investor": "Công ty Bảng Tính"}})
    preview = upload(editor, data).get_data(as_text=True)
    response = confirm_workbook(editor, preview)
    assert response.status_code == 302 and response.location.endswith("/review")
    (proposal,) = _proposals(approval)
    assert (proposal.source, proposal.cluster_id, proposal.change_set[:9]) == (
        "workbook",
        OWN,
        "workbook-",
    )
    assert client.get(f"/api/clusters/{OWN}").get_json()["properties"] == before
    assert len(history(OWN)) == events
    reviewer = _client(approval, "reviewer")
    assert _decide(reviewer, proposal.id, "approve").status_code == 302
    published = client.get(f"/api/clusters/{OWN}").get_json()["properties"]
    assert published["investor"] == "Công ty Bảng Tính"
    assert history(OWN)[-1]["change_set"] == proposal.change_set


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_ogc_part4_writes_are_proposals(approval, api_as, client, method: str) -> None:
    editor = api_as("lt-editor")
    read = editor.client.get(f"/api/clusters/{OWN}")
    feature = read.get_json()
    if method == "PATCH":
        body = {"properties": {"stage": "building"}}
    else:
        body = {
            "type": "Feature",
            "properties": {**feature["properties"], "stage": "building"},
            "geometry": feature["geometry"],
        }
    response = editor.client.open(
        f"/ogc/collections/clusters/items/{OWN}",
        method=method,
        json=body,
        headers={"If-Match": read.headers["ETag"], "X-CSRFToken": editor.token},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    (proposal,) = _proposals(approval)
    assert proposal.source == "ogc"
    assert [c["field"] for c in proposal.diff if c["field"] == "stage"] == ["stage"]
    assert client.get(f"/api/clusters/{OWN}").get_json()["properties"] == feature["properties"]


def test_reviewer_role_in_the_users_command(runner, store) -> None:
    result = runner.invoke(
        args=["users", "create", "so-cong-thuong", "--role", "reviewer", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    from gis.store.models import User

    with store.session() as session:
        user = session.scalar(select(User).where(User.username == "so-cong-thuong"))
        assert user.role == "reviewer"


def test_review_page_words_changes_in_vietnamese(approval, api_as) -> None:
    api_as("lt-editor").patch(OWN, {"stage": "building", "infrastructure": {"power": "done"}})
    html = _client(approval, "reviewer").get("/review?lang=vi").get_data(as_text=True)
    rows = re.findall(r'<tr data-field="([^"]+)"><td>([^<]+)</td>', html)
    texts = dict(rows)
    assert set(texts) >= {"stage", "infrastructure.power", "as_of"}
    assert "→" in texts["stage"] and "building" not in texts["stage"]
    assert "Proposed by" not in html and "Approve and publish" not in html


def test_proposals_api_refuses_bad_parameters_and_anonymous_pages(
    approval, accounts, client
) -> None:
    viewer = _client(approval, "viewer")
    response = viewer.get("/api/proposals?status=maybe")
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "status"
    assert viewer.get("/api/proposals?colour=red").get_json()["errors"][0]["field"] == "colour"
    assert client.get("/review").status_code == 302  # to the login page
    assert _decide(viewer, 2**40, "approve").status_code in (403, 404)
    reviewer = _client(approval, "reviewer")
    assert _decide(reviewer, 999_999, "approve").status_code == 404
