"""Hostile input and protocol corners (issue 14): each answers 4xx naming the field, never 500.

NUL and other control characters in any path segment, query parameter, form field or JSON
string; unbounded offsets and limits; 405 without Allow; anonymous writes; deep JSON;
geometries of the wrong JSON types; ``next`` after login; OGC ``datetime=../..``; RFC 7946
output. Every test runs on SQLite and PostGIS (PostgreSQL is the store that refuses NUL).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select

from gis.store.models import ChangeEvent
from gis.web.input_guard import MAX_JSON_DEPTH
from tests.conftest import DISTRICT_BOUNDARIES, PASSWORD, csrf_token, login, reference

LT = "ccn-long-phuoc-1"  # Long Thành (740), a cluster the lt-editor may change
TARGET = "industrial-production-index"
TASK = "i-1-2"


def _events(store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(ChangeEvent))


def _fields(response) -> list[str]:
    """The fields a problem+json answer names (or the text of an error page)."""
    if response.mimetype == "application/problem+json":
        return [e["field"] for e in response.get_json().get("errors", [])]
    return [response.get_data(as_text=True)]


def _names(response, field: str) -> bool:
    return any(field in f for f in _fields(response))


# --- 1. control characters at the edge ----------------------------------------------------

_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>[a-z_]+)>")
STRING_CONVERTERS = (None, "path", "cluster")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _routes(app) -> list[tuple[str, str, list[str]]]:
    """(method, rule, names of its string arguments) of every route of the app."""
    found = []
    for rule in app.url_map.iter_rules():
        strings = [
            m["name"] for m in _CONVERTER.finditer(rule.rule) if m["conv"] in STRING_CONVERTERS
        ]
        for method in sorted(rule.methods - IGNORED_METHODS):
            found.append((method, rule.rule, strings))
    return found


def _url(rule: str, value: str) -> str:
    """The rule with each string argument set to ``value`` and each number to 1."""
    return _CONVERTER.sub(lambda m: value if m["conv"] in STRING_CONVERTERS else "1", rule)


def test_every_route_refuses_nul_in_its_string_path_parameters(app, client) -> None:
    """Enumerated from app.url_map, so a route added later is covered too."""
    checked = 0
    for method, rule, strings in _routes(app):
        if not strings:
            continue
        response = client.open(_url(rule, "a%00b"), method=method)
        assert response.status_code == 400, (method, rule, response.status_code)
        assert any(_names(response, name) for name in strings), (method, rule, _fields(response))
        checked += 1
    assert checked >= 20  # every route with an id, a code, a scope or a file name


def test_every_route_refuses_control_characters_in_query_parameters(app, client) -> None:
    for method, rule, _strings in _routes(app):
        for raw in ("%00", "a%1Bb", "%7F", "%C2%85"):
            response = client.open(f"{_url(rule, 'x')}?q={raw}", method=method)
            assert response.status_code == 400, (method, rule, raw, response.status_code)
            assert _names(response, "q"), (method, rule, _fields(response))


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/clusters?q=%00", "q"),
        ("/api/clusters?industry=a%00", "industry"),
        ("/api/clusters/a%00b", "cluster_id"),
        ("/api/clusters/a%00b/history", "cluster_id"),
        ("/clusters/a%00b", "cluster_id"),
        ("/reports/a%00b", "scope"),
        ("/reports/a%00b.pdf", "scope"),
        ("/api/compare?ids=a%00,b", "ids"),
        ("/compare?ids=a%00,b", "ids"),
        ("/api/plan/tasks?lead_unit=S%00", "lead_unit"),
        ("/ogc/collections/clusters/items/a%00b", "cluster_id"),
        ("/ogc/collections/places/items/a%00b", "feature_id"),
        ("/ogc/collections/clusters/items?stage=%00", "stage"),
        ("/api/clusters?a%00b=1", "a\\x00b"),
    ],
)
def test_nul_in_the_reported_places_is_a_400_naming_the_field(client, url, field) -> None:
    response = client.get(url)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert _names(response, field), _fields(response)
    if url.startswith(("/api/", "/ogc/")):
        assert response.mimetype == "application/problem+json"


def test_a_login_with_nul_in_the_user_name_is_refused_before_the_store(
    app, client, accounts
) -> None:
    response = client.post(
        "/auth/login",
        data={"username": "admin\x00", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 400
    assert "username" in response.get_data(as_text=True)
    assert client.get("/api/clusters/x/history").status_code == 401  # not logged in
    assert login(client, "admin").status_code == 302  # and the account is not locked


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"investor": "Công ty\x00 A"}, "investor"),
        ({"name_vi": "CCN\x00"}, "name_vi"),
        ({"industries": ["dệt may", "cơ\x07 khí"]}, "industries[1]"),
        ({"note": "ghi chú\x00"}, "note"),
        ({"stage\x00": "building"}, "stage\\x00"),
        ({"geometry": {"type": "Point\x00", "coordinates": [107, 10.7]}}, "geometry.type"),
    ],
)
def test_control_characters_in_json_strings_are_422_and_nothing_written(
    api_as, client, store, body, field
) -> None:
    admin = api_as("admin")
    before = client.get(f"/api/clusters/{LT}").get_json()
    response = admin.patch(LT, body)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in _fields(response), _fields(response)
    assert client.get(f"/api/clusters/{LT}").get_json() == before
    assert _events(store) == 0


def test_a_lone_surrogate_in_json_is_refused(api_as, store) -> None:
    response = api_as("admin").patch(LT, '{"investor": "A\\ud800B"}')
    assert response.status_code == 422
    assert _fields(response) == ["investor"]
    assert "surrogate" in response.get_json()["errors"][0]["reason"]
    assert _events(store) == 0


def test_line_breaks_stay_allowed_in_free_text(api_as, client) -> None:
    response = api_as("admin").patch(LT, {"investor": "Công ty A\nChi nhánh B"})
    assert response.status_code == 200, response.get_json()
    assert client.get(f"/api/clusters/{LT}").get_json()["properties"]["investor"] == (
        "Công ty A\nChi nhánh B"
    )


def test_a_target_source_or_task_note_with_nul_is_refused(api_as, client) -> None:
    admin = api_as("admin")
    before = client.get("/api/plan/targets").get_json()
    response = admin.client.post(
        f"/api/plan/targets/{TARGET}/values",
        json={"year": 2020, "value": 1.0, "source": "báo cáo\x00"},
        headers={"X-CSRFToken": admin.token},
    )
    assert response.status_code == 422 and _fields(response) == ["source"]
    assert client.get("/api/plan/targets").get_json() == before
    task = admin.client.get(f"/api/plan/tasks/{TASK}")
    response = admin.client.patch(
        f"/api/plan/tasks/{TASK}",
        json={"note": "x\x00"},
        headers={"X-CSRFToken": admin.token, "If-Match": task.headers["ETag"]},
    )
    assert response.status_code == 422 and _fields(response) == ["note"]


def test_a_form_field_with_nul_is_refused_on_the_pages(api_as) -> None:
    admin = api_as("admin")
    response = admin.client.post(
        f"/plan/tasks/{TASK}",
        data={"csrf_token": admin.token, "status": "in_progress", "note": "a\x00b"},
    )
    assert response.status_code == 400
    assert "note" in response.get_data(as_text=True)


# --- 2. offsets and limits -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("offset=9223372036854775808", "offset"),
        ("offset=" + "9" * 5000, "offset"),
        ("offset=1000000001", "offset"),
        ("limit=10001", "limit"),
        ("limit=0", "limit"),
        ("limit=" + "9" * 5000, "limit"),
    ],
)
def test_api_offsets_and_limits_are_bounded(client, query, field) -> None:
    response = client.get(f"/api/clusters?{query}")
    assert response.status_code == 400
    assert _fields(response) == [field]


def test_ogc_offsets_are_bounded_and_large_limits_served_at_the_maximum(client) -> None:
    response = client.get("/ogc/collections/clusters/items?offset=9223372036854775808")
    assert response.status_code == 400 and _fields(response) == ["offset"]
    response = client.get("/ogc/collections/clusters/items?limit=" + "9" * 5000)
    assert response.status_code == 200
    assert response.get_json()["numberReturned"] == response.get_json()["numberMatched"]


def test_the_largest_offset_allowed_answers_an_empty_page(client) -> None:
    body = client.get("/api/clusters?offset=1000000000").get_json()
    assert body["features"] == [] and body["numberReturned"] == 0


# --- 3. 405 carries Allow ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("PUT", "/api/clusters", {"GET"}),
        ("DELETE", f"/api/clusters/{LT}", {"GET", "PATCH"}),
        ("POST", "/ogc/collections", {"GET"}),
        ("TRACE", "/api/plan/targets", {"GET"}),
        ("POST", "/dashboard", {"GET"}),
    ],
)
def test_405_names_the_allowed_methods(client, method, url, allowed) -> None:
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}
    if url.startswith(("/api/", "/ogc/")):
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 405


# --- 4. anonymous writes: 401 before CSRF ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("PATCH", f"/api/clusters/{LT}"),
        ("POST", "/api/history/1/revert"),
        ("PATCH", f"/api/plan/tasks/{TASK}"),
        ("POST", f"/api/plan/targets/{TARGET}/values"),
    ],
)
def test_an_anonymous_api_write_gets_401_not_a_csrf_error(client, store, method, url) -> None:
    response = client.open(url, method=method, json={"stage": "building"})
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert _events(store) == 0


def test_a_logged_in_write_without_its_csrf_token_is_still_refused(api_as, store) -> None:
    response = api_as("admin").patch(LT, {"stage": "building"}, **{"X-CSRFToken": ""})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert _events(store) == 0


# --- 5. deep JSON and geometries of the wrong JSON types -----------------------------------


@pytest.mark.parametrize("depth", [1000, 100_000, MAX_JSON_DEPTH + 2])
def test_deeply_nested_json_is_a_400(api_as, store, depth) -> None:
    admin = api_as("admin")
    raw = '{"note": ' + "[" * depth + "]" * depth + "}"
    response = admin.patch(LT, raw)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert "nested" in response.get_json()["detail"]
    response = admin.client.post(
        f"/api/plan/targets/{TARGET}/values",
        data="[" * depth + "]" * depth,
        content_type="application/json",
        headers={"X-CSRFToken": admin.token},
    )
    assert response.status_code == 400
    assert _events(store) == 0


@pytest.mark.parametrize("raw", ['{"investor": NaN}', '{"planned_area_ha": 1e999}'])
def test_json_that_is_not_json_is_a_400(api_as, raw) -> None:
    assert api_as("admin").patch(LT, raw).status_code == 400


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        ({"type": ["Point"], "coordinates": [107, 10.7]}, "type"),
        ({"type": {"a": 1}, "coordinates": [107, 10.7]}, "type"),
        ({"type": None, "coordinates": [107, 10.7]}, "type"),
        ({"type": "Point", "coordinates": "107,10.7"}, "coordinates"),
        ({"type": "Point", "coordinates": [107, "10.7"]}, "coordinates[1]"),
        ({"type": "Point", "coordinates": [True, 10.7]}, "coordinates[0]"),
        ({"type": "Point", "coordinates": [[107, 10.7]]}, "coordinates[0]"),
        ({"type": "Polygon", "coordinates": [[107, 10.7]]}, "coordinates[0][0]"),
        ({"type": "Polygon", "coordinates": [[[107, 10.7], {"x": 1}]]}, "coordinates[0][1]"),
        ({"type": "MultiPolygon", "coordinates": [[[[107, 10.7, 1, 2]]]]}, "coordinates"),
        ({"type": "Point"}, "coordinates"),
        ("POINT (107 10.7)", "GeoJSON"),
    ],
)
def test_a_geometry_of_the_wrong_json_types_is_422_naming_it(
    api_as, store, geometry, reason
) -> None:
    response = api_as("admin").patch(LT, {"geometry": geometry, "location_precision": "surveyed"})
    assert response.status_code == 422, response.get_data(as_text=True)
    errors = response.get_json()["errors"]
    assert [e["field"] for e in errors] == ["geometry"]
    assert reason in errors[0]["reason"], errors
    assert _events(store) == 0


# --- 6. next after login -------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//127.0.0.1:5102/x",
        "/\\127.0.0.1:5102/x",
        "\\\\127.0.0.1:5102/x",
        "https://example.org/x",
        "http:/example.org",
        " //example.org",
        "javascript:alert(1)",
        "x/y",
    ],
)
def test_next_never_leaves_the_site(client, accounts, target) -> None:
    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost"), response.headers["Location"]
    assert location.path == "/", response.headers["Location"]


@pytest.mark.parametrize("raw_next", ["%2F%09%2F127.0.0.1:5102%2Fx", "%2Fplan%0A%2Fx"])
def test_next_with_tab_or_newline_is_refused_before_the_login(client, accounts, raw_next) -> None:
    """The issue's own URL: the browser drops the tab and reads "//host" as another site."""
    response = client.post(
        f"/auth/login?next={raw_next}",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "next" in response.get_data(as_text=True)


def test_a_local_next_is_kept_with_its_query(client, accounts) -> None:
    response = client.post(
        "/auth/login?next=/plan%3Fstatus%3Ddone",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/plan?status=done"


def test_safe_next_normalises_what_a_browser_would_follow(app) -> None:
    from gis.web.auth import safe_next

    with app.test_request_context():
        assert safe_next("/\t/evil.example/x") == "/"
        assert safe_next("/x\r\nSet-Cookie: a=b") == "/xSet-Cookie: a=b"
        assert safe_next("/a\x00b") == "/"
        assert safe_next("/plan/tasks/i-1?x=1#n") == "/plan/tasks/i-1?x=1#n"


# --- 7. OGC corners ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["../..", "/", "../", "/..", "2020-01-01/2019-01-01"])
def test_ogc_datetime_with_no_closed_end_or_backwards_is_a_400(client, value) -> None:
    response = client.get(f"/ogc/collections/clusters/items?datetime={value}")
    assert response.status_code == 400
    assert _fields(response) == ["datetime"]
    assert response.get_json()["code"] == "InvalidParameterValue"


def test_ogc_half_open_intervals_still_work(client) -> None:
    for value in ("../2100-01-01T00:00:00Z", "2000-01-01T00:00:00Z/.."):
        assert client.get(f"/ogc/collections/clusters/items?datetime={value}").status_code == 200


# --- 8. RFC 7946 output --------------------------------------------------------------------


def _polygons(geometry: dict) -> list:
    geom = shape(geometry)
    return list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]


def _decimals(value: float) -> int:
    return max(0, -Decimal(repr(value)).as_tuple().exponent)


def _assert_rfc7946(geometry: dict) -> None:
    for polygon in _polygons(geometry):
        assert polygon.exterior.is_ccw, "exterior rings are counter-clockwise (§3.1.6)"
        assert all(not ring.is_ccw for ring in polygon.interiors), "holes are clockwise"
    numbers = re.findall(r"-?\d+\.\d+", json.dumps(geometry["coordinates"]))
    assert numbers and max(_decimals(float(n)) for n in numbers) <= 7, "§11.2"


def test_district_polygons_follow_the_right_hand_rule_and_7_decimals(runner, client) -> None:
    boundaries = str(reference(DISTRICT_BOUNDARIES))
    assert runner.invoke(args=["boundaries", "import", boundaries]).exit_code == 0
    districts = client.get("/api/districts").get_json()["features"]
    assert len(districts) == 11
    for feature in districts:
        _assert_rfc7946(feature["geometry"])
    items = client.get("/ogc/collections/districts/items?limit=20").get_json()["features"]
    for feature in items:
        _assert_rfc7946(feature["geometry"])


def test_a_clockwise_boundary_is_written_counter_clockwise_and_rounded(api_as, client) -> None:
    clockwise = [
        [106.992000001, 10.715000009],
        [106.992, 10.721],
        [106.998, 10.721],
        [106.998, 10.715],
        [106.992000001, 10.715000009],
    ]
    assert not shapely.LinearRing(clockwise).is_ccw
    response = api_as("admin").patch(
        LT,
        {
            "geometry": {"type": "Polygon", "coordinates": [clockwise]},
            "location_precision": "surveyed",
        },
    )
    assert response.status_code == 200, response.get_json()
    _assert_rfc7946(response.get_json()["geometry"])
    _assert_rfc7946(client.get(f"/api/clusters/{LT}").get_json()["geometry"])
    listed = client.get("/api/clusters?bbox=106.99,10.71,107.0,10.73").get_json()["features"]
    _assert_rfc7946(next(f for f in listed if f["id"] == LT)["geometry"])
    item = client.get(f"/ogc/collections/clusters/items/{LT}").get_json()
    _assert_rfc7946(item["geometry"])
