"""Static files: versioned URLs cached for good, others revalidated; imports use the same."""

from __future__ import annotations

import json
import re

IMMUTABLE = "public, max-age=31536000, immutable"


def _page(client) -> str:
    return client.get("/").get_data(as_text=True)


def test_every_static_url_of_the_map_page_is_versioned_and_cached_for_good(client) -> None:
    html = _page(client)
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any(u.startswith("/static/vendor/leaflet/leaflet.js?v=") for u in urls), urls
    for url in urls:
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url
        # The same for everyone: a new session cookie must not empty the browser's cache.
        assert "Cookie" not in response.headers.get("Vary", ""), url


def test_a_plain_or_stale_version_is_revalidated_not_kept(client) -> None:
    for url in ("/static/js/map.js", "/static/js/map.js?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"


def test_the_import_map_sends_module_imports_to_the_page_s_own_versioned_urls(client) -> None:
    response = client.get("/")
    html = response.get_data(as_text=True)
    found = re.search(r'<script type="importmap" nonce="([^"]+)">(.*?)</script>', html, re.S)
    assert found, "no import map"
    nonce, body = found.groups()
    # The import map is inline: it runs under the page's CSP only with the request's nonce.
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    imports = json.loads(body)["imports"]
    preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)"', html)
    scripts = re.findall(r'<script type="module"[^>]* src="([^"]+)"', html)
    assert preloads and scripts
    for url in preloads + scripts:
        plain = url.split("?", 1)[0]
        assert imports[plain] == url, url
    assert "/static/js/editor.js" in imports  # loaded by import() from map.js
    # The import map comes before every module is asked for (a later one is ignored).
    assert html.index('type="importmap"') < html.index('rel="modulepreload"')
