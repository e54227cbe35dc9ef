"""Server-rendered pages: local assets only, escaping, and error pages."""

from __future__ import annotations

import json
import re

from gis.core.clusters import get_cluster, write_cluster
from gis.core.map_inline import INLINE_PROPERTIES
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


def _inline(html: str) -> list[dict] | None:
    """The clusters the map page carries (the `map-inline` element), or None."""
    match = re.search(r'<script type="application/json" id="map-inline">(.*?)</script>', html, re.S)
    return None if match is None else json.loads(match.group(1))


def test_map_page_carries_every_cluster_with_the_map_and_list_properties(client) -> None:
    inline = _inline(client.get("/").get_data(as_text=True))
    listed = client.get("/api/clusters?limit=500").get_json()["features"]
    # Every cluster, in the list's order, so the page draws map and list without asking.
    assert [f["id"] for f in inline] == [f["id"] for f in listed]
    for compact, full in zip(inline, listed, strict=True):
        assert set(compact["properties"]) == set(INLINE_PROPERTIES)
        assert compact["properties"] == {k: full["properties"].get(k) for k in INLINE_PROPERTIES}
        assert (compact["geometry"] is None) == (full["geometry"] is None)
    # Coordinates to 0.1 m, as the tiles send them.
    points = [
        f["geometry"]["coordinates"]
        for f in inline
        if f["geometry"] and f["geometry"]["type"] == "Point"
    ]
    assert points and all(round(c, 6) == c for xy in points for c in xy)


def test_above_its_limit_the_map_page_carries_no_cluster(app, client) -> None:
    app.config["GIS_MAP_INLINE_MAX"] = 10  # fewer than the seed's clusters: tiles instead
    html = client.get("/").get_data(as_text=True)
    assert _inline(html) is None
    assert "CCN Long Phước 1" not in html
    assert '"clustersUrl": "/api/clusters"' in html


def test_a_hostile_name_stays_inside_the_carried_clusters(client, store) -> None:
    hostile = "</script><script>alert(1)</script><!-- ' & end"
    with store.write() as session:
        cluster = get_cluster(session, "ccn-tri-an")
        record = ClusterRecord.model_validate({**cluster.record, "name_vi": hostile})
        write_cluster(session, record, None, existing=cluster)
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "<!--" not in html.split('id="map-inline">', 1)[1].split("</script>", 1)[0]
    names = {f["id"]: f["properties"]["name_vi"] for f in _inline(html)}
    assert names["ccn-tri-an"] == hostile


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
