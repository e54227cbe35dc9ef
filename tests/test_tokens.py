"""Personal access tokens and OGC API – Features Part 4 writes, on SQLite and PostGIS."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from gis.store.models import AccessToken, AccessTokenUse
from tests.conftest import csrf_token, login
from tests.helpers import issue_token

LT = "ccn-long-phuoc-1"  # Long Thành (740)
ITEM = f"/ogc/collections/clusters/items/{LT}"


def _bearer(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def _etag(client, token: str) -> str:
    return client.get(f"/api/clusters/{LT}", headers=_bearer(token)).headers["ETag"]


def test_a_token_update_lands_with_its_history_and_no_cookie(app, client, accounts, store):
    token = issue_token(app, "lt-editor")
    desktop = app.test_client(use_cookies=False)
    etag = _etag(desktop, token)
    response = desktop.patch(
        ITEM,
        json={"properties": {"status_note": "Đã cập nhật từ QGIS"}, "note": "sửa từ QGIS"},
        headers=_bearer(token, **{"If-Match": etag}),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert response.get_json()["properties"]["status_note"] == "Đã cập nhật từ QGIS"
    viewer = app.test_client()
    login(viewer, "viewer")
    events = viewer.get(f"/api/clusters/{LT}/history").get_json()["events"]
    assert events[0]["actor"] == "lt-editor" and events[0]["note"] == "sửa từ QGIS"
    assert "status_note" in {c["field"] for c in events[0]["changes"]}
    # The token is stored hashed, and every use is kept.
    with store.session() as session:
        row = session.scalar(select(AccessToken))
        assert row.token_hash != token and token not in (row.prefix + row.token_hash)
        uses = list(session.scalars(select(AccessTokenUse)))
        assert {u.method for u in uses} == {"GET", "PATCH"} and row.use_count == len(uses) == 2


def test_another_districts_editor_is_refused(app, accounts) -> None:
    token = issue_token(app, "bh-editor")
    desktop = app.test_client(use_cookies=False)
    response = desktop.patch(
        ITEM,
        json={"properties": {"status_note": "x"}},
        headers=_bearer(token, **{"If-Match": _etag(desktop, token)}),
    )
    assert response.status_code == 403, response.get_data(as_text=True)


def test_a_read_token_cannot_write(app, accounts) -> None:
    token = issue_token(app, "lt-editor", scope="read")
    desktop = app.test_client(use_cookies=False)
    assert desktop.get("/ogc/collections/clusters/items", headers=_bearer(token)).status_code == 200
    response = desktop.patch(
        ITEM,
        json={"properties": {"status_note": "x"}},
        headers=_bearer(token, **{"If-Match": _etag(desktop, token)}),
    )
    assert response.status_code == 403
    assert response.get_json()["errors"][0]["field"] == "Authorization"


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown"])
def test_revoked_expired_or_unknown_tokens_get_401(app, accounts, store, state) -> None:
    token = issue_token(app, "lt-editor")
    if state == "revoked":
        owner = app.test_client()
        login(owner, "lt-editor")
        with store.session() as session:
            token_id = session.scalar(select(AccessToken.id))
        revoked = owner.post(
            f"/auth/tokens/{token_id}/revoke",
            data={"csrf_token": csrf_token(owner, "/auth/tokens")},
        )
        assert revoked.status_code == 302
        assert 'data-state="revoked"' in owner.get("/auth/tokens").get_data(as_text=True)
    elif state == "expired":
        with store.write() as session:
            session.execute(
                update(AccessToken).values(
                    expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
                )
            )
    else:
        token = token[:-4] + "AAAA"
    desktop = app.test_client(use_cookies=False)
    for response in (
        desktop.get("/ogc/collections/clusters/items", headers=_bearer(token)),
        desktop.patch(ITEM, json={"properties": {}}, headers=_bearer(token, **{"If-Match": "x"})),
    ):
        assert response.status_code == 401, response.get_data(as_text=True)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["errors"][0]["field"] == "Authorization"


def test_a_cookie_request_still_needs_csrf_and_a_token_ignores_the_cookie(app, accounts) -> None:
    editor = app.test_client()
    login(editor, "lt-editor")
    etag = editor.get(f"/api/clusters/{LT}").headers["ETag"]
    body = {"properties": {"status_note": "qua trình duyệt"}}
    refused = editor.patch(ITEM, json=body, headers={"If-Match": etag})
    assert refused.status_code == 400, refused.get_data(as_text=True)
    ok = editor.patch(
        ITEM, json=body, headers={"If-Match": etag, "X-CSRFToken": csrf_token(editor)}
    )
    assert ok.status_code == 200, ok.get_data(as_text=True)
    # The editor's browser session plus a read token: the token alone counts.
    read_token = issue_token(app, "lt-editor", scope="read")
    mixed = editor.patch(
        ITEM,
        json={"properties": {"status_note": "y"}},
        headers=_bearer(read_token, **{"If-Match": ok.headers["ETag"]}),
    )
    assert mixed.status_code == 403 and "Set-Cookie" not in mixed.headers


def test_replace_create_and_preconditions(app, accounts) -> None:
    token = issue_token(app, "lt-editor")
    desktop = app.test_client(use_cookies=False)
    read = desktop.get(ITEM, headers=_bearer(token)).get_json()
    etag = _etag(desktop, token)
    feature = {
        "type": "Feature",
        "properties": {**read["properties"], "status_note": "Thay thế"},
        "geometry": read["geometry"],
    }
    assert desktop.put(ITEM, json=feature, headers=_bearer(token)).status_code == 428
    stale = desktop.put(ITEM, json=feature, headers=_bearer(token, **{"If-Match": '"x-v0-r0"'}))
    assert stale.status_code == 412
    replaced = desktop.put(ITEM, json=feature, headers=_bearer(token, **{"If-Match": etag}))
    assert replaced.status_code == 200, replaced.get_data(as_text=True)
    after = replaced.get_json()["properties"]
    assert (
        after["status_note"] == "Thay thế" and after["version"] == read["properties"]["version"] + 1
    )
    assert after["name_vi"] == read["properties"]["name_vi"]
    new = {
        "type": "Feature",
        "properties": {
            "id": "ccn-tu-qgis",
            "name_vi": "CCN Từ QGIS",
            "kind": "CCN",
            "district_code": "740",
            "location_precision": "commune_centroid",
        },
        "geometry": {"type": "Point", "coordinates": [107.0, 10.8]},
    }
    # Creating a cluster is for administrators, as in the core.
    assert (
        desktop.post(
            "/ogc/collections/clusters/items", json=new, headers=_bearer(token)
        ).status_code
        == 403
    )
    admin = issue_token(app, "admin")
    created = desktop.post("/ogc/collections/clusters/items", json=new, headers=_bearer(admin))
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.headers["Location"].endswith("/ogc/collections/clusters/items/ccn-tu-qgis")
    assert desktop.get("/ogc/collections/clusters/items/ccn-tu-qgis").status_code == 200


def test_administrators_list_every_token(app, accounts) -> None:
    issue_token(app, "lt-editor")
    issue_token(app, "bh-editor", scope="read")
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/tokens").get_data(as_text=True)
    assert "lt-editor" in page and "bh-editor" in page and "gisat_" in page
    editor = app.test_client()
    login(editor, "lt-editor")
    assert editor.get("/admin/tokens").status_code == 403
    vi = editor.get("/auth/tokens?lang=vi").get_data(as_text=True)
    assert "Mã truy cập" in vi and "Thu hồi" in vi


def test_only_the_owner_revokes_a_token(app, accounts, store) -> None:
    token = issue_token(app, "lt-editor")
    with store.session() as session:
        token_id = session.scalar(select(AccessToken.id))
    other = app.test_client()
    login(other, "bh-editor")
    response = other.post(
        f"/auth/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(other, "/auth/tokens")}
    )
    assert response.status_code == 404
    desktop = app.test_client(use_cookies=False)
    assert desktop.get("/api/clusters?limit=1", headers=_bearer(token)).status_code == 200


def test_a_token_delete_removes_the_cluster_and_keeps_its_history(app, accounts, store) -> None:
    admin = issue_token(app, "admin")
    desktop = app.test_client(use_cookies=False)
    etag = _etag(desktop, admin)
    assert desktop.delete(ITEM, headers=_bearer(admin)).status_code == 428
    stale = desktop.delete(ITEM, headers=_bearer(admin, **{"If-Match": '"x-v0-r0"'}))
    assert stale.status_code == 412
    # Another district's editor hears it is outside their district; this district's editor
    # that deleting, like creating, is for administrators. Nothing is written either way.
    for name, reason in (("bh-editor", "outside your district"), ("lt-editor", "administrators")):
        refused = desktop.delete(
            ITEM, headers=_bearer(issue_token(app, name), **{"If-Match": etag})
        )
        assert refused.status_code == 403 and reason in refused.get_json()["detail"]
    assert desktop.get(ITEM).status_code == 200
    read = desktop.get(f"/api/clusters/{LT}").get_json()
    deleted = desktop.delete(
        ITEM,
        json={"note": "nhập trùng, đã gộp vào CCN Long Phước 2"},
        headers=_bearer(admin, **{"If-Match": etag}),
    )
    assert deleted.status_code == 204, deleted.get_data(as_text=True)
    assert "Set-Cookie" not in deleted.headers
    # Gone from the API, the OGC items and the map's tiles.
    assert desktop.get(ITEM).status_code == 404
    assert desktop.get(f"/api/clusters/{LT}").status_code == 404
    listed = desktop.get("/ogc/collections/clusters/items?limit=1000").get_json()
    assert LT not in {f["id"] for f in listed["features"]}
    # Its history stays readable, ending with the deletion: who, why, every field emptied.
    viewer = app.test_client()
    login(viewer, "viewer")
    events = viewer.get(f"/api/clusters/{LT}/history").get_json()["events"]
    last = events[-1]
    assert last["actor"] == "admin" and last["note"].startswith("nhập trùng")
    assert last["version"] == read["properties"]["version"] + 1
    emptied = {c["field"]: c for c in last["changes"]}
    assert emptied["name_vi"] == {
        "field": "name_vi",
        "from": read["properties"]["name_vi"],
        "to": None,
    }
    assert emptied["geometry"]["to"] is None and emptied["geometry"]["from"] is not None
    # The chain still verifies, and the id is not handed to a new cluster.
    from gis.core.history import verify

    with store.session() as session:
        assert verify(session)[1] == []
    again = desktop.post(
        "/ogc/collections/clusters/items",
        json={
            "type": "Feature",
            "properties": {"id": LT, "name_vi": "CCN Mới", "kind": "CCN", "district_code": "740"},
            "geometry": None,
        },
        headers=_bearer(admin),
    )
    assert again.status_code == 422 and again.get_json()["errors"][0]["field"] == "id"
    # Deleting it twice finds nothing.
    assert desktop.delete(ITEM, headers=_bearer(admin, **{"If-Match": etag})).status_code == 404


def test_a_cluster_with_files_is_not_deleted(app, accounts, store) -> None:
    from gis.store.models import Attachment

    with store.write() as session:
        session.add(
            Attachment(
                cluster_id=LT,
                kind="document",
                media_type="application/pdf",
                file_key="k",
                sha256="0" * 64,
                size=1,
                name="quyet-dinh.pdf",
                added_by="admin",
            )
        )
    admin = issue_token(app, "admin")
    desktop = app.test_client(use_cookies=False)
    refused = desktop.delete(ITEM, headers=_bearer(admin, **{"If-Match": _etag(desktop, admin)}))
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "attachments"
    assert desktop.get(ITEM).status_code == 200


def test_a_browser_delete_needs_csrf(app, accounts) -> None:
    browser = app.test_client()
    login(browser, "admin")
    etag = browser.get(f"/api/clusters/{LT}").headers["ETag"]
    assert browser.delete(ITEM, headers={"If-Match": etag}).status_code == 400
    ok = browser.delete(ITEM, headers={"If-Match": etag, "X-CSRFToken": csrf_token(browser)})
    assert ok.status_code == 204, ok.get_data(as_text=True)
