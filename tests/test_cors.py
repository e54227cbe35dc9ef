"""CORS: other origins may read /api and /ogc, never write, log in or read history."""

from __future__ import annotations

import pytest

from gis.web.cors import READ_ENDPOINTS
from tests.conftest import csrf_token, login

ORIGIN = {"Origin": "https://gis.example.org"}
READS = [
    "/ogc",
    "/ogc/collections/clusters/items?limit=2",
    "/ogc/collections/clusters/items/ccn-vinh-tan?crs=EPSG:5899",
    "/ogc/collections/clusters/queryables",
    "/api/clusters?limit=2",
    "/api/clusters/ccn-vinh-tan",
    "/api/districts",
    "/api/places",
    "/api/clusters/export?format=csv",
    "/api/openapi.json",
    "/api/plan/tasks",
    "/api/plan/targets",
    "/api/dashboard",
    "/api/tiles/0/0/0.geojson",
]


def test_every_read_endpoint_names_a_route(app) -> None:
    """An endpoint renamed (as nesting under the api blueprint does) must not drop its CORS."""
    assert not READ_ENDPOINTS - set(app.view_functions)


@pytest.mark.parametrize("path", READS)
def test_reads_answer_any_origin_without_credentials(client, path) -> None:
    response = client.get(path, headers=ORIGIN)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Content-Crs"} <= exposed
    # A same-origin request (no Origin) gets no CORS headers.
    assert "Access-Control-Allow-Origin" not in client.get(path).headers


def test_an_error_of_a_read_is_readable_too(client) -> None:
    response = client.get("/ogc/collections/clusters/items?crs=EPSG:1", headers=ORIGIN)
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", READS)
def test_every_read_answers_its_preflight(client, path) -> None:
    """Also where one URL has a write rule too (POST of the OGC items): the preflight's
    announced method, not the rule Flask answers OPTIONS from, decides."""
    ok = client.options(
        path,
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert ok.headers.get("Access-Control-Allow-Origin") == "*", dict(ok.headers)
    post = client.options(path, headers={**ORIGIN, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in post.headers


def test_preflight_allows_get_and_refuses_writes(client) -> None:
    ok = client.options(
        "/api/clusters/ccn-vinh-tan",
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    assert set(ok.headers["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }
    assert "If-None-Match" in ok.headers["Access-Control-Allow-Headers"]
    for path, method in (
        ("/api/clusters/ccn-vinh-tan", "PATCH"),
        ("/api/plan/tasks/1", "PATCH"),
        ("/api/history/1/revert", "POST"),
        ("/auth/login", "POST"),
    ):
        refused = client.options(path, headers={**ORIGIN, "Access-Control-Request-Method": method})
        assert "Access-Control-Allow-Origin" not in refused.headers, (path, method)


def test_writes_login_history_and_pages_get_no_cors(client, api_as) -> None:
    editor = api_as("lt-editor")
    etag = editor.etag("ccn-long-phuoc-1")
    response = editor.client.patch(
        "/api/clusters/ccn-long-phuoc-1",
        json={"status_note": "Ghi chú"},
        headers={**ORIGIN, "If-Match": etag, "X-CSRFToken": editor.token},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Access-Control-Allow-Origin" not in response.headers
    history = editor.client.get("/api/clusters/ccn-long-phuoc-1/history", headers=ORIGIN)
    assert history.status_code == 200
    assert "Access-Control-Allow-Origin" not in history.headers
    for path in ("/auth/login", "/", "/clusters/ccn-vinh-tan", "/admin/users"):
        assert "Access-Control-Allow-Origin" not in client.get(path, headers=ORIGIN).headers, path
    fresh = client.application.test_client()
    token = csrf_token(fresh, "/auth/login")
    assert token
    posted = login(fresh, "viewer")
    assert "Access-Control-Allow-Origin" not in posted.headers
