"""PATCH /api/clusters/<id>: scope, version check, validation, history."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import DISTRICT_BOUNDARIES, reference
from tests.helpers import LT, LT_SQUARE, event_count

BH = "ccn-gom-su-tan-hanh"  # Biên Hòa (731)


def test_editor_updates_site_clearance_of_own_district(history, api_as, client, store) -> None:
    editor = api_as("lt-editor")
    before = client.get(f"/api/clusters/{LT}").get_json()["properties"]
    response = editor.patch(
        LT,
        {
            "clearance_status": "done",
            "clearance_cleared_ha": 60,
            "clearance_total_ha": 75,
            "infrastructure": {"roads": "building"},
            "note": "Biên bản bàn giao mặt bằng",
        },
    )
    assert response.status_code == 200, response.get_json()
    props = response.get_json()["properties"]
    assert props["clearance_status"] == "done"
    assert props["infrastructure"]["roads"] == "building"
    assert props["infrastructure"]["power"] == before["infrastructure"]["power"]
    assert props["version"] == before["version"] + 1
    assert response.headers["ETag"] != editor.etag(BH)
    history = history(LT)
    assert len(history) == 1
    event = history[0]
    assert event["actor"] == "lt-editor"
    assert event["note"] == "Biên bản bàn giao mặt bằng"
    assert event["at"].endswith("Z")
    changed = {c["field"]: (c["from"], c["to"]) for c in event["changes"]}
    assert changed["clearance_status"] == (before["clearance_status"], "done")
    assert changed["infrastructure.roads"] == (before["infrastructure"]["roads"], "building")


def test_the_map_api_shows_the_change_at_once(api_as, client) -> None:
    etag = client.get("/api/clusters").headers["ETag"]
    assert api_as("lt-editor").patch(LT, {"stage": "building"}).status_code == 200
    response = client.get("/api/clusters", headers={"If-None-Match": etag})
    assert response.status_code == 200
    stage = {f["id"]: f["properties"]["stage"] for f in response.get_json()["features"]}
    assert stage[LT] == "building"


def test_editor_of_another_district_is_refused(api_as, store) -> None:
    response = api_as("bh-editor").patch(LT, {"stage": "building"})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert event_count(store, LT) == 0


@pytest.mark.parametrize("field", ["district_code", "name_vi", "kind", "sources"])
def test_editor_cannot_change_province_fields(api_as, field: str) -> None:
    value = {"district_code": "731", "name_vi": "X", "kind": "KCN", "sources": {}}[field]
    response = api_as("lt-editor").patch(LT, {field: value})
    assert response.status_code == 403
    assert field in response.get_json()["detail"]


def test_viewer_changes_nothing_and_anonymous_gets_401(api_as, client) -> None:
    assert api_as("viewer").patch(LT, {"stage": "building"}).status_code == 403
    response = client.patch(
        f"/api/clusters/{LT}", json={"stage": "building"}, headers={"If-Match": '"x"'}
    )
    assert response.status_code in (400, 401)  # no session: no CSRF token, no user


def test_without_if_match_428_and_stale_version_412(api_as, store) -> None:
    editor = api_as("lt-editor")
    assert editor.patch(LT, {"stage": "building"}, etag=None).status_code == 428
    old = editor.etag(LT)
    assert editor.patch(LT, {"stage": "building"}, etag=old).status_code == 200
    stale = editor.patch(LT, {"stage": "operating"}, etag=old)
    assert stale.status_code == 412
    body = stale.get_json()
    assert body["current_version"] == 2
    # The edit moved "as of" to its day too.
    assert [c["field"] for c in body["changes_since"][0]["changes"]] == ["as_of", "stage"]
    assert event_count(store, LT) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stage": "finished"}, "stage"),
        ({"clearance_cleared_ha": "many"}, "clearance_cleared_ha"),
        ({"clearance_cleared_ha": -1}, "clearance_cleared_ha"),
        ({"industrial_land_ha": 10_000_000}, "industrial_land_ha"),
        ({"clearance_cleared_ha": 90, "clearance_total_ha": 80}, "clearance_cleared_ha"),
        ({"industrial_land_ha": 50, "leased_land_ha": 60}, "leased_land_ha"),
        ({"infrastructure": {"roads": "half"}}, "infrastructure.roads"),
        ({"infrastructure": {"tunnels": "done"}}, "infrastructure.tunnels"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"colour": "red"}, "colour"),
        ({"version": 7}, "version"),
        ({"stage": "building", "note": 5}, "note"),
        ({"geometry": {"type": "Point", "coordinates": [10.72, 106.99]}}, "geometry"),
        ({"geometry": {"type": "Point", "coordinates": [105.85, 21.03]}}, "geometry"),
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [107.0, 10.7],
                            [107.01, 10.71],
                            [107.01, 10.7],
                            [107.0, 10.71],
                            [107.0, 10.7],
                        ]
                    ],
                }
            },
            "geometry",
        ),
        (
            {"geometry": {"type": "LineString", "coordinates": [[107, 10.7], [107.1, 10.7]]}},
            "geometry",
        ),
    ],
)
def test_bad_input_gets_422_naming_the_field_and_writes_nothing(
    api_as, client, store, body, field
) -> None:
    editor = api_as("lt-editor")
    before = client.get(f"/api/clusters/{LT}").get_json()
    response = editor.patch(LT, body)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in problem["errors"]], problem
    assert client.get(f"/api/clusters/{LT}").get_json() == before
    assert event_count(store, LT) == 0


@pytest.mark.parametrize(
    ("raw", "status"),
    [("{not json", 400), ("[1, 2]", 400), ("", 400), ("x" * (3 * 1024 * 1024), 413)],
)
def test_malformed_or_huge_bodies_are_refused(api_as, store, raw: str, status: int) -> None:
    response = api_as("lt-editor").patch(LT, raw)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert event_count(store, LT) == 0


def test_geometry_outside_own_district_is_refused_once_boundaries_are_loaded(
    api_as, runner, store
) -> None:
    assert (
        runner.invoke(args=["boundaries", "import", str(reference(DISTRICT_BOUNDARIES))]).exit_code
        == 0
    )
    bien_hoa_point = {"type": "Point", "coordinates": [106.85, 10.95]}
    response = api_as("lt-editor").patch(
        LT, {"geometry": bien_hoa_point, "location_precision": "surveyed"}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {
            "field": "geometry",
            "reason": "outside the cluster's district",
            "code": "outside_district",
        }
    ]
    assert event_count(store, LT) == 0


def test_a_drawn_boundary_keeps_the_precision_given_and_its_area_is_checked(api_as, client) -> None:
    response = api_as("lt-editor").patch(
        LT, {"geometry": LT_SQUARE, "location_precision": "surveyed"}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["geometry"]["type"] == "Polygon"
    assert body["properties"]["location_precision"] == "surveyed"
    # The square is about 43 ha; CCN Long Phước 1 declares 75 ha.
    assert len(body["warnings"]) == 1 and "75 ha" in body["warnings"][0]
    inside = client.get("/api/clusters?bbox=106.99,10.71,106.995,10.716").get_json()
    assert LT in [f["id"] for f in inside["features"]]


def test_moving_a_point_is_recorded_from_and_to(history, api_as, client) -> None:
    moved = {"type": "Point", "coordinates": [106.99, 10.72]}
    assert (
        api_as("lt-editor")
        .patch(LT, {"geometry": moved, "location_precision": "surveyed"})
        .status_code
        == 200
    )
    change = history(LT)[0]["changes"]
    geometry = next(c for c in change if c["field"] == "geometry")
    assert geometry["to"]["coordinates"] == [106.99, 10.72]
    assert geometry["from"]["type"] == "Point"


def test_history_verify_catches_tampering_and_deletion(api_as, runner, store) -> None:
    editor = api_as("lt-editor")
    for stage in ("building", "operating", "established"):
        assert editor.patch(LT, {"stage": stage}).status_code == 200
    result = runner.invoke(args=["history", "verify"])
    assert result.exit_code == 0 and "3 change(s) verified" in result.output
    with store.write() as session:
        session.execute(text("UPDATE change_events SET actor = 'someone-else' WHERE version = 3"))
    result = runner.invoke(args=["history", "verify"])
    assert result.exit_code == 1
    assert f"cluster {LT}: change" in result.output and "does not match its hash" in result.output
    with store.write() as session:
        session.execute(text("UPDATE change_events SET actor = 'lt-editor' WHERE version = 3"))
        session.execute(text("DELETE FROM change_events WHERE version = 4"))  # the latest
    result = runner.invoke(args=["history", "verify"])
    assert result.exit_code == 1
    assert "latest event is missing or was replaced" in result.output


def test_admin_reverts_a_change_as_a_new_event(history, api_as, client) -> None:
    editor = api_as("lt-editor")
    before = client.get(f"/api/clusters/{LT}").get_json()["properties"]
    assert editor.patch(LT, {"stage": "operating", "investor": "Công ty X"}).status_code == 200
    event_id = history(LT)[0]["id"]
    assert (
        editor.client.post(
            f"/api/history/{event_id}/revert", headers={"X-CSRFToken": editor.token}
        ).status_code
        == 403
    )
    admin = api_as("admin")
    response = admin.client.post(
        f"/api/history/{event_id}/revert", headers={"X-CSRFToken": admin.token}
    )
    assert response.status_code == 200, response.get_json()
    props = response.get_json()["properties"]
    assert (props["stage"], props["investor"]) == (before["stage"], before["investor"])
    events = history(LT)
    assert len(events) == 2
    assert events[1]["reverts"] == event_id and events[1]["actor"] == "admin"


def test_admin_may_move_a_cluster_to_another_district(api_as, client) -> None:
    response = api_as("admin").patch(LT, {"district_code": "742"})
    assert response.status_code == 200
    assert response.get_json()["properties"]["district_name"] == "Huyện Nhơn Trạch"
    bad = api_as("admin").patch(LT, {"district_code": "999"})
    assert bad.status_code in (403, 422)


def test_notes_are_stored_as_text(history, api_as, client) -> None:
    payload = "<script>alert(1)</script>"
    assert api_as("lt-editor").patch(LT, {"stage": "building", "note": payload}).status_code == 200
    assert history(LT)[0]["note"] == payload


def test_history_is_for_logged_in_users(api_as, client, history) -> None:
    response = api_as("lt-editor").patch(LT, {"stage": "building", "note": "ghi chú riêng 7731"})
    assert response.status_code == 200
    assert client.get(f"/api/clusters/{LT}/history").status_code == 401
    assert "ghi chú riêng 7731" not in client.get(f"/clusters/{LT}").get_data(as_text=True)
    assert history(LT)[0]["note"] == "ghi chú riêng 7731"  # a viewer reads it
