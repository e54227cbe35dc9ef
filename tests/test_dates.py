"""Dates dd/mm/yyyy and times in Asia/Ho_Chi_Minh on pages and reports; the API stays ISO 8601."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gis import dates
from tests.conftest import login

# 18:30 UTC on New Year's Day is 01:30 on 2 January in Viet Nam (UTC+7).
BOUNDARY = dt.datetime(2026, 1, 1, 18, 30, tzinfo=dt.UTC)


def test_one_format_at_the_utc_day_boundary() -> None:
    assert dates.show("2026-01-01T18:30:00Z") == "02/01/2026 01:30"
    assert dates.show("2026-01-01T18:30:00.123456Z") == "02/01/2026 01:30"
    assert dates.show(BOUNDARY) == "02/01/2026 01:30"
    assert dates.show("2026-01-01T18:30:00+00:00") == "02/01/2026 01:30"
    assert dates.show_date("2026-01-01T18:30:00Z") == "02/01/2026"
    assert dates.show_date("2026-01-01T16:59:59Z") == "01/01/2026"
    assert dates.show("2020-04-05") == "05/04/2020"
    assert dates.show(dt.date(2020, 12, 31)) == "31/12/2020"
    assert dates.show("Quý I/2020") == "Quý I/2020"
    assert dates.show(None) == ""


def test_the_filter_renders_in_templates(app) -> None:
    with app.test_request_context("/"):
        template = app.jinja_env.from_string("{{ at|dmy }} {{ day|day }}")
        assert template.render(at="2026-01-01T18:30:00Z", day="2020-04-05") == (
            "02/01/2026 01:30 05/04/2020"
        )


@pytest.fixture
def new_years_night(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """The clock at 18:30 UTC on 1 January 2026: already 2 January in Viet Nam."""
    monkeypatch.setattr(dates, "now", lambda: BOUNDARY.astimezone(dates.VIETNAM))
    return BOUNDARY


def test_as_of_defaults_to_the_day_in_viet_nam(client, new_years_night) -> None:
    assert client.get("/api/plan/tasks").get_json()["as_of"] == "2026-01-02"
    assert client.get("/api/plan/tasks/i-1-1").get_json()["as_of"] == "2026-01-02"
    page = client.get("/reports/province").get_data(as_text=True)
    assert "02/01/2026" in page and "2026-01-02" not in re.sub(r'"[^"]*"', "", page)


def test_pages_show_dd_mm_yyyy_and_local_time(client, accounts, api_as) -> None:
    admin = api_as("admin")
    token = admin.token
    tag = admin.client.get("/api/plan/tasks/i-1-1").headers["ETag"]
    answer = admin.client.patch(
        "/api/plan/tasks/i-1-1",
        json={"status": "in_progress", "note": "Đã họp", "note_date": "2020-06-30"},
        headers={"X-CSRFToken": token, "If-Match": tag},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    # The API: ISO 8601, the instant with its offset ("Z").
    events = admin.client.get("/api/plan/tasks/i-1-1/history").get_json()["events"]
    at = events[-1]["at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", at)
    assert answer.get_json()["notes"][-1]["date"] == "2020-06-30"

    assert login(client, "viewer").status_code == 302
    page = client.get("/plan/tasks/i-1-1?lang=vi").get_data(as_text=True)
    assert "30/06/2020" in page and "31/03/2020" in page
    assert dates.show(at) in page and "UTC" not in page
    # Machine-readable dates stay ISO inside attributes only.
    visible = re.sub(r"<[^>]+>", " ", page)
    assert not re.search(r"\b\d{4}-\d\d-\d\d\b", visible)
    plan_page = client.get("/plan?lang=vi&as_of=2020-12-31").get_data(as_text=True)
    assert "31/12/2020" in plan_page
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", re.sub(r"<[^>]+>", " ", plan_page))
    cluster = client.get("/clusters/ccn-long-phuoc-1?lang=vi").get_data(as_text=True)
    assert "05/04/2020" in cluster
