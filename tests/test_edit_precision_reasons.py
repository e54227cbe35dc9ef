"""A new location states its precision; refusals carry a code the pages word; "as of" is a
day in Viet Nam."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from gis import dates
from tests.browser.english_words import english_in
from tests.conftest import login
from tests.helpers import LT, LT_SQUARE, event_count, task_form

SCT_TASK = "i-1-1"  # led by Sở Công Thương
EAST = {"type": "Point", "coordinates": [106.9962, 10.7182]}


@pytest.mark.parametrize("geometry", [EAST, LT_SQUARE], ids=["moved point", "drawn boundary"])
def test_a_new_location_without_its_precision_is_refused(api_as, client, store, geometry) -> None:
    editor = api_as("lt-editor")
    before = client.get(f"/api/clusters/{LT}").get_json()
    response = editor.patch(LT, {"geometry": geometry, "stage": "building"})
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["field"] == "location_precision" and error["code"] == "precision_required"
    assert "location_precision" in response.get_json()["detail"]
    assert client.get(f"/api/clusters/{LT}").get_json() == before  # nothing half-written
    assert event_count(store, LT) == 0


def test_the_precision_given_is_stored_and_the_stored_place_needs_none(api_as, client) -> None:
    editor = api_as("lt-editor")
    start = client.get(f"/api/clusters/{LT}").get_json()
    # Sending back the stored place is no new location: nothing to state.
    same = editor.patch(LT, {"geometry": start["geometry"], "stage": "building"})
    assert same.status_code == 200, same.get_json()
    assert (
        same.get_json()["properties"]["location_precision"]
        == (start["properties"]["location_precision"])
    )
    moved = editor.patch(LT, {"geometry": EAST, "location_precision": "commune_point"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["properties"]["location_precision"] == "commune_point"
    # The stored value may be stated again for a new place: it is said, not assumed.
    again = dict(EAST, coordinates=[106.9966, 10.7182])
    kept = editor.patch(LT, {"geometry": again, "location_precision": "commune_point"})
    assert kept.status_code == 200
    assert kept.get_json()["geometry"]["coordinates"] == [106.9966, 10.7182]


def test_a_reverted_move_keeps_the_precision(api_as, client, history) -> None:
    editor = api_as("lt-editor")
    start = client.get(f"/api/clusters/{LT}").get_json()
    body = {"geometry": EAST, "location_precision": start["properties"]["location_precision"]}
    assert editor.patch(LT, body).status_code == 200
    event = history(LT)[-1]
    admin = api_as("admin")
    reverted = admin.client.post(
        f"/api/history/{event['id']}/revert", headers={"X-CSRFToken": admin.token}
    )
    assert reverted.status_code == 200, reverted.get_json()
    assert reverted.get_json()["geometry"] == start["geometry"]
    assert (
        reverted.get_json()["properties"]["location_precision"]
        == (start["properties"]["location_precision"])
    )


def test_an_import_that_moves_a_cluster_needs_the_files_precision(
    runner, accounts, client, tmp_path
) -> None:
    feature = client.get(f"/api/clusters/{LT}").get_json()
    props = {"id": LT, "stage": feature["properties"]["stage"]}
    moved = {"type": "Feature", "properties": props, "geometry": EAST}
    path = tmp_path / "moved.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [moved]}))
    refused = runner.invoke(args=["clusters", "import", str(path), "--user", "admin"])
    assert refused.exit_code == 1
    assert "location_precision: required when the geometry changes" in refused.output
    assert client.get(f"/api/clusters/{LT}").get_json()["geometry"] == feature["geometry"]
    props["location_precision"] = "surveyed"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [moved]}))
    done = runner.invoke(args=["clusters", "import", str(path), "--user", "admin"])
    assert done.exit_code == 0, done.output
    after = client.get(f"/api/clusters/{LT}").get_json()
    assert after["geometry"]["coordinates"] == EAST["coordinates"]
    assert after["properties"]["location_precision"] == "surveyed"


def test_refusals_carry_a_code_and_the_figures_they_cite(api_as, client) -> None:
    editor = api_as("lt-editor")
    response = editor.patch(LT, {"clearance_cleared_ha": 60, "clearance_total_ha": 50})
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["field"] == "clearance_cleared_ha" and error["code"] == "exceeds"
    assert error["params"] == {"value": 60, "other": "clearance_total_ha", "limit": 50}
    assert "exceeds" in error["reason"]  # the API's own words stay English
    negative = editor.patch(LT, {"leased_land_ha": -1}).get_json()["errors"]
    assert [(e["field"], e["code"], e["params"]) for e in negative] == [
        ("leased_land_ha", "too_small", {"limit": 0})
    ]
    far = {"type": "Point", "coordinates": [107.45, 10.95]}  # Xuân Lộc, ~55 km away
    body = {"geometry": far, "location_precision": "surveyed"}
    [outside] = editor.patch(LT, body).get_json()["errors"]
    assert (outside["field"], outside["code"]) == ("geometry", "outside_district")
    unknown = editor.patch(LT, {"colour": "red"}).get_json()["errors"]
    assert [e["code"] for e in unknown] == ["unknown_field"]


def test_an_edit_after_midnight_in_viet_nam_is_dated_to_that_day(
    api_as, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 17:30 UTC on 1 March is 00:30 on 2 March in Viet Nam: the edit's day is the 2nd,
    # the UTC day would be the 1st.
    instant = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(dates, "now", lambda: instant.astimezone(dates.VIETNAM))
    response = api_as("lt-editor").patch(LT, {"stage": "building"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["properties"]["as_of"] == "2026-03-02"


def _error_lines(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", p) for p in re.findall(r'<p class="error"[^>]*>.*?</p>', html)]


def test_form_pages_word_refusals_in_vietnamese(api_as, client, accounts) -> None:
    assert login(client, "sct-editor").status_code == 302
    form = task_form(client, SCT_TASK)
    task = client.post(
        f"/plan/tasks/{SCT_TASK}", data={**form, "note": "Ghi chú", "note_date": "2099-01-01"}
    )
    assert task.status_code == 422
    [line] = _error_lines(task.get_data(as_text=True))
    assert line.startswith("Ngày của ghi chú tiến độ: Ngày này sau hôm nay (")
    assert re.search(r"\(\d\d/\d\d/20\d\d\)\.$", line) and english_in(line) == []
    late = client.post(
        f"/plan/tasks/{SCT_TASK}", data={**form, "note": "Ghi chú", "note_date": "2999-01-01"}
    )
    assert _error_lines(late.get_data(as_text=True)) == [
        "Ngày của ghi chú tiến độ: Phải nằm trong khoảng từ 01/01/2019 đến 31/12/2100."
    ]

    admin = api_as("admin")
    bad = admin.client.post(
        "/admin/users",
        data={"username": "x", "password": "short", "role": "editor", "csrf_token": admin.token},
    )
    lines = _error_lines(bad.get_data(as_text=True))
    assert lines == [
        "Mật khẩu: Từ 8 đến 128 ký tự.",
        "Tên đăng nhập: Từ 3 đến 40 ký tự: a–z, 0–9, dấu chấm, gạch ngang hoặc gạch dưới.",
        "Huyện/thành phố: Biên tập viên cần có huyện, thành phố (hoặc đơn vị chủ trì).",
    ]
    page = admin.client.get("/admin/users").get_data(as_text=True)
    assert "<td>editor</td>" not in page and "Biên tập viên (huyện hoặc đơn vị chủ trì)" in page


def test_scope_refusals_carry_a_code_worded_for_the_pages(app) -> None:
    from gis.core.actors import Actor, check_cluster_edit
    from gis.errors import Forbidden
    from gis.web.reason_text import reason_text

    editor = Actor(username="e", role="editor", district_code="740")
    refusals = []
    for district, fields in (("731", {"stage"}), ("740", {"stage", "name_vi", "sources"})):
        with pytest.raises(Forbidden) as caught:
            check_cluster_edit(editor, district, fields)
        refusals.append(caught.value)
    assert [r.code for r in refusals] == ["outside_your_district", "fields_not_editable"]
    with app.test_request_context("/?lang=vi"):
        words = [reason_text(r.code, r.params) for r in refusals]
    assert words[0] == "Cụm công nghiệp này nằm ngoài huyện, thành phố của bạn."
    assert words[1].startswith("Biên tập viên không được thay đổi: ")
    assert all(english_in(w) == [] for w in words), words
