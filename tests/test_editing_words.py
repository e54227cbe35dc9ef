"""An edit dates the data to its day in Viet Nam; warnings and history are written for people."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from pyproj import Geod
from shapely.geometry import shape

from tests.conftest import login
from tests.helpers import LT, LT_SQUARE

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
GEOD = Geod(ellps="WGS84")


def _vietnam_days() -> set[str]:
    # The day is read twice around the request, so a run across midnight still holds.
    return {dt.datetime.now(VIETNAM).date().isoformat()}


def test_an_edit_sets_as_of_to_its_day_in_viet_nam_unless_given(api_as, client) -> None:
    editor = api_as("lt-editor")
    days = _vietnam_days()
    response = editor.patch(LT, {"stage": "building"})
    days |= _vietnam_days()
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["properties"]["as_of"] in days
    # A day the editor gives is kept: the data may describe an earlier survey.
    given = editor.patch(LT, {"clearance_status": "done", "as_of": "2024-05-02"})
    assert given.status_code == 200
    assert given.get_json()["properties"]["as_of"] == "2024-05-02"
    # Nothing changed, nothing written: "as of" alone does not make a change.
    same = editor.patch(LT, {"clearance_status": "done"})
    assert same.status_code == 200
    assert same.get_json()["properties"]["version"] == given.get_json()["properties"]["version"]


def test_the_area_warning_is_in_the_readers_language_with_its_figures(api_as) -> None:
    editor = api_as("lt-editor")
    vi = editor.patch(LT, {"geometry": LT_SQUARE, "location_precision": "surveyed"})
    body = vi.get_json()
    [detail] = body["warning_details"]
    assert detail["code"] == "area_differs" and detail["declared_ha"] == 75
    area_m2, _ = GEOD.geometry_area_perimeter(shape(LT_SQUARE))
    assert abs(detail["measured_ha"] - abs(area_m2) / 10_000) < 0.1
    assert body["warnings"] == [
        f"Diện tích vẽ được là {detail['measured_ha']:.1f} ha; diện tích quy hoạch đã khai là "
        "75 ha (chênh lệch quá 20 %)."
    ]
    moved = dict(LT_SQUARE, coordinates=[[[x + 0.0005, y] for x, y in LT_SQUARE["coordinates"][0]]])
    en = editor.client.patch(
        f"/api/clusters/{LT}?lang=en",
        json={"geometry": moved, "location_precision": "surveyed"},
        headers={"If-Match": editor.etag(LT), "X-CSRFToken": editor.token},
    )
    assert en.get_json()["warnings"][0].startswith("The drawn area is ")


def _timeline(client) -> str:
    html = client.get(f"/clusters/{LT}").get_data(as_text=True)
    timeline = re.search(r'id="timeline".*?</ol>', html, re.S)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", timeline))


def test_history_reads_in_words_and_local_time(api_as, app, history) -> None:
    editor = api_as("lt-editor")
    start = editor.client.get(f"/api/clusters/{LT}").get_json()
    lon, lat = start["geometry"]["coordinates"]
    assert editor.patch(LT, {"clearance_status": "done", "stage": "building"}).status_code == 200
    east = [lon + 0.0011, lat]  # about 120 m east at this latitude
    body = {"geometry": {"type": "Point", "coordinates": east}, "location_precision": "surveyed"}
    assert editor.patch(LT, body).status_code == 200
    assert (
        editor.patch(LT, {"geometry": LT_SQUARE, "location_precision": "surveyed"}).status_code
        == 200
    )

    viewer = app.test_client()
    login(viewer, "viewer")
    timeline = _timeline(viewer)
    assert "clearance_status" not in timeline and "{&#34;type" not in timeline
    assert "Tình trạng: Đang bồi thường, GPMB → Đang xây dựng hạ tầng" in timeline
    assert "Bồi thường, GPMB: Đang thực hiện → Đã hoàn thành" in timeline
    _, _, metres = GEOD.inv(lon, lat, *east)
    assert f"Đã dời {round(metres)} m" in timeline
    area = abs(GEOD.geometry_area_perimeter(shape(LT_SQUARE))[0])
    assert f"Đã vẽ ranh giới, {area / 10_000:.1f}".replace(".", ",") + " ha" in timeline
    # Times in Viet Nam, dd/mm/yyyy HH:MM; the API keeps UTC and the raw changes.
    events = history(LT)
    for event in events:
        at = dt.datetime.fromisoformat(event["at"].replace("Z", "+00:00")).astimezone(VIETNAM)
        assert at.strftime("%d/%m/%Y %H:%M") in timeline
        assert event["at"].endswith("Z")
    last = events[-1]["changes"]
    assert any(c["field"] == "geometry" and c["to"]["type"] == "Polygon" for c in last)
    assert "UTC" not in timeline


def test_a_tasks_history_reads_in_words_and_local_time(api_as, app) -> None:
    from tests.helpers import patch_task

    admin = api_as("admin")
    body = {"status": "in_progress", "note": "Đã họp", "note_date": "2020-06-25"}
    assert patch_task(admin, "i-1-2", body).status_code == 200
    html = admin.client.get("/plan/tasks/i-1-2").get_data(as_text=True)
    timeline = re.search(r'id="timeline".*?</ol>', html, re.S)[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", timeline))
    assert "Chưa thực hiện → Đang thực hiện" in text
    assert "Ghi chú tiến độ ngày 25/06/2020: Đã họp" in text
    assert "progress_note" not in text and "UTC" not in text
    event = admin.client.get("/api/plan/tasks/i-1-2").get_json()
    at = re.search(r'<time datetime="([^"]+)">', timeline)[1]
    local = dt.datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(VIETNAM)
    assert local.strftime("%d/%m/%Y %H:%M") in text
    assert event["status"] == "in_progress"
