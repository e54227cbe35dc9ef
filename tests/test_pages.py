"""Server-rendered pages: local assets only, escaping, and error pages."""

from __future__ import annotations

import re

from gis.core.clusters import get_cluster, write_cluster
from gis.core.schema import ClusterRecord


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)


def test_map_page_loads_every_library_from_our_own_static_route(client) -> None:
    html = client.get("/").get_data(as_text=True)
    urls = _asset_urls(html)
    assert "/static/vendor/leaflet/leaflet.js" in urls
    assert all(u.startswith("/static/") for u in urls), urls
    for url in urls:
        assert client.get(url).status_code == 200, url
    # No library host at all (a plain "cdn" substring also occurs in escaped Vietnamese).
    assert not re.search(r"https?://[^\"']*(cdn|jsdelivr|unpkg|googleapis)", html, re.I)


def test_map_page_does_not_inline_cluster_data(client) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "CCN Long Phước 1" not in html  # the page fetches clusters from the API
    assert '"clustersUrl": "/api/clusters"' in html


def test_cluster_page_shows_every_fact_with_its_source(client) -> None:
    html = client.get("/clusters/ccn-phu-cuong").get_data(as_text=True)
    assert "CCN Phú Cường" in html
    assert "1013/QĐ-UBND" in html
    assert (
        'href="https://sunnyhomes.vn/phu-cuong-industrial-cluster-dinh-quan-district-dong-nai.html"'
        in html
    )


def test_unknown_cluster_page_is_a_404_page(client) -> None:
    response = client.get("/clusters/does-not-exist")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_user_text_is_escaped_in_server_rendered_html(client, store) -> None:
    with store.write() as session:
        cluster = get_cluster(session, "ccn-tri-an")
        record = ClusterRecord.model_validate(
            {
                **cluster.record,
                "name_vi": "<script>alert(1)</script>",
                "sources": {**cluster.record["sources"], "investor": ["javascript:alert(1)"]},
                "investor": "<b>x</b>",
            }
        )
        write_cluster(session, record, None, existing=cluster)
    html = client.get("/clusters/ccn-tri-an").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html
    assert 'href="javascript:' not in html
