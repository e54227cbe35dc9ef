"""Security headers on every response; inline scripts only with the request's nonce."""

from __future__ import annotations

import re

import pytest

from app import create_app
from gis.web.security import content_security_policy, tile_sources

SAMPLE_VALUES = {
    "cluster_id": "ccn-vinh-tan",
    "code": "740",
    "collection_id": "clusters",
    "feature_id": "ccn-vinh-tan",
    "filename": "css/app.css",
}


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part
    }


def _check_headers(response, where: str) -> None:
    csp = _csp(response)
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", where
    assert response.headers["X-Frame-Options"] == "DENY", where
    assert csp["frame-ancestors"] == ["'none'"], where
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"], where
    scripts = csp["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert "*" not in scripts and not any(s.startswith("http") for s in scripts), where


def _get_urls(app) -> list[str]:
    """A URL for every GET route, its path parameters filled with sample values."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        urls.append(
            re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: SAMPLE_VALUES.get(m[1], "1"), rule.rule)
        )
    return urls


def test_every_route_and_error_carries_the_headers(client, api_as) -> None:
    for url in _get_urls(client.application):
        response = client.get(url)
        _check_headers(response, url)
    for url in ("/no-such-page", "/api/no-such-thing", "/ogc/collections/nope"):
        response = client.get(url)
        assert response.status_code == 404
        _check_headers(response, url)
    response = client.delete("/api/clusters")
    assert response.status_code == 405
    _check_headers(response, "DELETE /api/clusters")
    logged_in = api_as("admin").client
    for url in ("/", "/admin/users", "/api/clusters/ccn-vinh-tan/history"):
        _check_headers(logged_in.get(url), f"{url} (admin)")


@pytest.mark.parametrize("path", ["/", "/clusters/ccn-vinh-tan"])
def test_inline_scripts_carry_this_requests_nonce(client, path) -> None:
    first, second = client.get(path), client.get(path)
    assert first.status_code == 200
    nonce = next(s for s in _csp(first)["script-src"] if s.startswith("'nonce-"))[7:-1]
    assert nonce != next(s for s in _csp(second)["script-src"] if s.startswith("'nonce-"))
    assert len(nonce) >= 22  # 128 random bits, URL-safe base64
    html = first.get_data(as_text=True)
    inline = [
        tag
        for tag in re.findall(r"<script\b[^>]*>", html)
        if "src=" not in tag and 'type="application/json"' not in tag
    ]
    assert inline, "the map page sets the map up inline"
    for tag in inline:
        assert f'nonce="{nonce}"' in tag, tag


def test_images_allowed_from_the_configured_tile_host(client) -> None:
    assert "https://tile.openstreetmap.org" in _csp(client.get("/"))["img-src"]
    assert tile_sources("https://{s}.tile.example.org/{z}/{x}/{y}.png") == [
        "https://*.tile.example.org"
    ]
    assert tile_sources("/tiles/{z}/{x}/{y}.png") == []
    policy = content_security_policy("abc", "http://tiles.local:8080/{z}/{x}/{y}.png")
    assert "img-src 'self' data: http://tiles.local:8080;" in policy


def test_strict_transport_security_only_over_https(client) -> None:
    assert "Strict-Transport-Security" not in client.get("/api/districts").headers
    secure = client.get("/api/districts", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_proxy_headers_are_trusted_only_when_configured(database_url, tmp_path) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gis.example.vn"}
    for hops, expected in ((0, "http://localhost/ogc"), (1, "https://gis.example.vn/ogc")):
        app = create_app({"TESTING": True, "DATABASE_URL": database_url, "GIS_PROXY_HOPS": hops})
        try:
            landing = app.test_client().get("/ogc", headers=forwarded).get_json()
            self_link = next(link for link in landing["links"] if link["rel"] == "self")
            assert self_link["href"].startswith(expected), hops
        finally:
            app.extensions["store"].dispose()


def test_production_refuses_debug(database_url, monkeypatch) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="debug"):
        create_app(
            {
                "DATABASE_URL": database_url,
                "GIS_ENV": "production",
                "SECRET_KEY": "a-production-secret-of-enough-length",
            }
        )


def test_request_size_is_limited(api_as) -> None:
    # Logged in: an anonymous write is refused with 401 before its body is read.
    response = api_as("admin").patch("ccn-vinh-tan", b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413
