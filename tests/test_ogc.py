"""OGC API – Features – Part 1 at /ogc, on SQLite and PostGIS, and read through GDAL."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import CLUSTERS, all_items, api_ids, link_of, ok_json, path_of

ALL_IDS = sorted(f["id"] for f in CLUSTERS["features"])
CONFORMANCE = {
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
}


@pytest.mark.parametrize("path", ["/ogc", "/ogc/"])
def test_landing_page_links_the_standard_resources(client, path) -> None:
    response = client.get(path)
    body = ok_json(response)
    assert response.mimetype == "application/json"
    for rel in ("self", "alternate", "service-desc", "service-doc", "conformance", "data"):
        assert link_of(body, rel), rel
    assert link_of(body, "service-desc")["type"].startswith("application/vnd.oai.openapi+json")
    assert ok_json(client.get(path_of(link_of(body, "service-desc")["href"])))[
        "openapi"
    ].startswith("3.0")


def test_conformance_declares_core_geojson_html_and_openapi(client) -> None:
    body = ok_json(client.get("/ogc/conformance"))
    assert set(body["conformsTo"]) == CONFORMANCE


def test_collections_list_clusters_districts_and_places(client) -> None:
    body = ok_json(client.get("/ogc/collections"))
    by_id = {c["id"]: c for c in body["collections"]}
    assert set(by_id) == {"clusters", "districts", "places"}
    for collection in by_id.values():
        minx, miny, maxx, maxy = collection["extent"]["spatial"]["bbox"][0]
        assert minx <= maxx and miny <= maxy
        assert collection["extent"]["spatial"]["crs"].endswith("/OGC/1.3/CRS84")
        items = link_of(collection, "items", "application/geo+json")
        assert path_of(items["href"]).startswith(f"/ogc/collections/{collection['id']}/items")
    # Every cluster with a location lies inside the clusters' extent.
    minx, miny, maxx, maxy = by_id["clusters"]["extent"]["spatial"]["bbox"][0]
    for feature in CLUSTERS["features"]:
        if feature["geometry"] and feature["geometry"]["type"] == "Point":
            x, y = feature["geometry"]["coordinates"]
            assert minx <= x <= maxx and miny <= y <= maxy
    assert ok_json(client.get("/ogc/collections/clusters"))["id"] == "clusters"


def test_items_page_with_counts_and_next_prev_links(client) -> None:
    response = client.get("/ogc/collections/clusters/items")
    body = ok_json(response)
    assert response.mimetype == "application/geo+json"
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == len(ALL_IDS)
    assert body["numberReturned"] == len(body["features"]) == 10
    assert link_of(body, "self") and link_of(body, "alternate", "text/html")
    assert link_of(body, "prev") is None
    second = ok_json(client.get(path_of(link_of(body, "next")["href"])))
    assert parse_qs(urlsplit(link_of(second, "prev")["href"]).query).get("offset") is None
    assert {f["id"] for f in second["features"]}.isdisjoint(f["id"] for f in body["features"])
    # Paging through returns every cluster exactly once, in the API's order.
    paged = [f["id"] for f in all_items(client, "clusters", "limit=7")]
    assert sorted(paged) == ALL_IDS and len(paged) == len(set(paged))
    api = client.get("/api/clusters").get_json()
    assert paged == [f["id"] for f in api["features"]]


@pytest.mark.parametrize(
    ("collection", "build"),
    [
        ("clusters", "gis.core.clusters.to_features"),
        ("districts", "gis.core.ogc_providers.district_feature"),
        ("places", "gis.core.ogc_providers.place_feature"),
    ],
)
def test_items_are_counted_and_paged_in_sql(app, client, monkeypatch, collection, build) -> None:
    """A page reads and builds its own rows only: the SELECT carries LIMIT and OFFSET, and
    the number matched is a COUNT, however many features the collection holds."""
    from sqlalchemy import event

    module, name = build.rsplit(".", 1)
    original = getattr(sys.modules[module], name)
    built: list[int] = []

    def counting(*args, **kwargs):
        result = original(*args, **kwargs)
        built.append(len(result) if isinstance(result, list) else 1)
        return result

    monkeypatch.setattr(sys.modules[module], name, counting)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:
        statements.append(" ".join(statement.split()))

    engine = app.extensions["store"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        body = ok_json(client.get(f"/ogc/collections/{collection}/items?limit=3&offset=2"))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert body["numberMatched"] > 5 and body["numberReturned"] == 3
    assert sum(built) == 3, f"built {sum(built)} features for a page of 3"
    own = [s for s in statements if f"FROM {collection}" in s]
    assert any("LIMIT" in s and "OFFSET" in s for s in own), own
    assert any("count(" in s.lower() for s in own), own


@pytest.mark.parametrize(
    ("collection", "query", "properties"),
    [
        ("clusters", "kind=CCN&datetime=2024-01-01/..", {"kind": ("CCN",)}),
        ("districts", "zone=II,unassigned", {"zone": ("II", "unassigned")}),
        ("places", "kind=port,airport", {"kind": ("port", "airport")}),
    ],
)
def test_a_provider_answers_in_core_what_the_items_resource_serves(
    client, store, collection, query, properties
) -> None:
    """The collections' data is core's: a provider answers a query with no Flask request."""
    import datetime as dt

    from gis.core.audience import PUBLIC
    from gis.core.ogc_providers import PROVIDERS
    from gis.core.ogc_query import ItemQuery

    interval = (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), None) if "datetime" in query else None
    asked = ItemQuery(limit=2, offset=1, interval=interval, properties=properties)
    with store.session() as session:
        matched, features = PROVIDERS[collection].query(session, store.sql, asked, PUBLIC)
    served = ok_json(client.get(f"/ogc/collections/{collection}/items?{query}&limit=2&offset=1"))
    assert matched == served["numberMatched"] > 1
    assert features == served["features"] != []


def test_a_limit_above_the_maximum_is_served_at_the_maximum(client) -> None:
    body = ok_json(client.get("/ogc/collections/clusters/items?limit=100000"))
    assert body["numberReturned"] == len(ALL_IDS)
    body = ok_json(client.get("/ogc/collections/clusters/items?limit=5&offset=1000"))
    assert body["numberReturned"] == 0 and body["numberMatched"] == len(ALL_IDS)


@pytest.mark.parametrize(
    "query",
    [
        "district=740",
        "district=740,742",
        "stage=operating",
        "kind=KCN",
        "zone=II",
        "zone=unassigned",
        "bbox=106.9,10.6,107.1,10.8",
        "bbox=106.7,10.5,107.6,11.6",
        "bbox=0,0,1,1",
        "district=740&bbox=106.9,10.6,107.1,10.8",
    ],
)
def test_filters_select_what_the_api_selects(client, query) -> None:
    ogc = sorted(f["id"] for f in all_items(client, "clusters", f"{query}&limit=1000"))
    assert ogc == api_ids(client, query)


def test_bbox_with_heights_and_across_the_antimeridian(client) -> None:
    flat = api_ids(client, "bbox=106.9,10.6,107.1,10.8")
    with_heights = all_items(client, "clusters", "bbox=106.9,10.6,-10,107.1,10.8,100")
    assert sorted(f["id"] for f in with_heights) == flat
    # West edge 100°E, east edge 80°W: the box wraps round through 180°.
    wrapped = all_items(client, "clusters", "bbox=100,-90,-80,90&limit=1000")
    assert sorted(f["id"] for f in wrapped) == api_ids(client, "bbox=-180,-90,180,90")


def test_datetime_selects_by_the_as_of_day(client) -> None:
    dated = {f["id"]: f["properties"]["as_of"] for f in CLUSTERS["features"]}
    known = sorted({d for d in dated.values() if d})
    assert known, "the seed data dates some clusters"
    day = known[0]
    instant = all_items(client, "clusters", f"datetime={day}T12:00:00Z&limit=1000")
    assert sorted(f["id"] for f in instant) == sorted(i for i, d in dated.items() if d == day)
    since = all_items(client, "clusters", f"datetime={day}T00:00:00Z/..&limit=1000")
    assert sorted(f["id"] for f in since) == sorted(i for i, d in dated.items() if d)
    assert (
        ok_json(client.get("/ogc/collections/districts/items?datetime=2020-01-01T00:00:00Z"))[
            "numberMatched"
        ]
        == 0
    )


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("offset=-5", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=106,11,107,10", "bbox"),
        ("bbox=106,10,107,95", "bbox"),
        ("datetime=yesterday", "datetime"),
        ("datetime=2021-01-01T00:00:00Z/2020-01-01T00:00:00Z", "datetime"),
        ("district=999", "district"),
        ("stage=built", "stage"),
        ("f=xml", "f"),
        ("filter=stage='built'", "filter"),
        ("sortby=name", "sortby"),
        ("limit=1&limit=2", "limit"),
    ],
)
def test_bad_parameters_get_400_naming_them(client, query, parameter) -> None:
    response = client.get(f"/ogc/collections/clusters/items?{query}")
    body = ok_json(response, 400)
    assert response.mimetype == "application/problem+json"
    assert parameter in {e["field"] for e in body["errors"]}
    assert body["code"] == "InvalidParameterValue" and body["description"]


def test_filters_of_another_collection_are_unknown_parameters(client) -> None:
    body = ok_json(client.get("/ogc/collections/places/items?district=740"), 400)
    assert body["errors"][0]["field"] == "district"
    kinds = all_items(client, "places", "kind=airport")
    assert kinds and all(f["properties"]["kind"] == "airport" for f in kinds)
    assert ok_json(client.get("/ogc/collections/districts/items?zone=II"))["numberMatched"] >= 3
    assert ok_json(client.get("/ogc/conformance?limit=3"), 400)["errors"][0]["field"] == "limit"


def test_unknown_collection_or_feature_is_404(client) -> None:
    assert ok_json(client.get("/ogc/collections/roads"), 404)["code"] == "NotFound"
    assert ok_json(client.get("/ogc/collections/roads/items"), 404)["code"] == "NotFound"
    assert ok_json(client.get("/ogc/collections/clusters/items/nope"), 404)["code"] == "NotFound"
    assert client.get("/ogc/collections/districts/items/999").status_code == 404


def test_one_feature_with_its_links(client) -> None:
    response = client.get("/ogc/collections/clusters/items/ccn-vinh-tan")
    body = ok_json(response)
    assert response.mimetype == "application/geo+json"
    assert body["id"] == "ccn-vinh-tan" and body["properties"]["name_vi"] == "CCN Vĩnh Tân"
    for rel in ("self", "alternate", "collection"):
        assert link_of(body, rel), rel
    api = client.get("/api/clusters/ccn-vinh-tan").get_json()
    assert body["properties"] == api["properties"] and body["geometry"] == api["geometry"]
    district = ok_json(client.get("/ogc/collections/districts/items/740"))
    assert district["properties"]["name"] == "Huyện Long Thành"
    place = all_items(client, "places")[0]
    assert ok_json(client.get(f"/ogc/collections/places/items/{place['id']}"))["id"] == place["id"]


def test_html_by_parameter_or_by_accept_header(client) -> None:
    for response in (
        client.get("/ogc/collections/clusters/items?f=html&lang=vi"),
        client.get("/ogc/collections/clusters/items", headers={"Accept": "text/html"}),
    ):
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "CCN" in response.get_data(as_text=True)
    page = client.get("/ogc/collections/clusters/items/ccn-vinh-tan?f=html")
    assert "CCN Vĩnh Tân" in page.get_data(as_text=True)
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/places"):
        assert client.get(f"{path}?f=html").mimetype == "text/html", path
    error = client.get("/ogc/collections/clusters/items?f=html&limit=0")
    assert error.status_code == 400 and error.mimetype == "text/html"
    # A client that accepts anything, as curl and GDAL do, gets JSON.
    assert client.get("/ogc", headers={"Accept": "*/*"}).mimetype == "application/json"


def test_items_revalidate_with_etag(client) -> None:
    first = client.get("/ogc/collections/clusters/items?limit=3")
    again = client.get(
        "/ogc/collections/clusters/items?limit=3", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_anonymous_clients_see_only_public_properties(client, api_as, monkeypatch) -> None:
    """The one rule of gis.core.audience hides an internal property everywhere."""
    from gis.core import audience

    monkeypatch.setattr(
        audience,
        "PUBLIC_CLUSTER_PROPERTIES",
        audience.PUBLIC_CLUSTER_PROPERTIES - {"investor"},
    )
    urls = (
        "/ogc/collections/clusters/items?limit=1000",
        "/api/clusters",
    )
    for url in urls:
        for feature in client.get(url).get_json()["features"]:
            assert "investor" not in feature["properties"], url
    for url in ("/ogc/collections/clusters/items/ccn-vinh-tan", "/api/clusters/ccn-vinh-tan"):
        assert "investor" not in client.get(url).get_json()["properties"], url
    staff = api_as("viewer").client
    assert (
        "investor"
        in staff.get("/ogc/collections/clusters/items/ccn-vinh-tan").get_json()["properties"]
    )
    assert "investor" in staff.get("/api/clusters/ccn-vinh-tan").get_json()["properties"]


# --- a real client: GDAL's OAPIF driver through pyogrio -------------------------------

# pyogrio keeps the GIL while GDAL waits for the server, so the reader runs in its own
# process; the server is the test's app on a live port.
GDAL_READER = textwrap.dedent(
    """
    import json, sys
    import pyogrio

    url = "OAPIF:" + sys.argv[1] + "/ogc"
    bbox = tuple(map(float, sys.argv[2].split(",")))

    def rows(**kwargs):
        frame = pyogrio.read_dataframe(url, **kwargs)
        return json.loads(frame.drop(columns="geometry").to_json(orient="records",
                          date_format="iso", force_ascii=False))

    out = {
        "layers": [[str(name), str(kind)] for name, kind in pyogrio.list_layers(url)],
        "clusters": rows(layer="clusters"),
        "bbox": [r["id"] for r in rows(layer="clusters", bbox=bbox)],
        "districts": rows(layer="districts"),
        "places": rows(layer="places"),
    }
    print(json.dumps(out, ensure_ascii=False))
    """
)
BBOX = "106.9,10.6,107.1,10.8"


def _gdal_read(base_url: str, bbox: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", GDAL_READER, base_url, bbox],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def _same(api_value, gdal_value) -> bool:
    if isinstance(api_value, list | dict) and isinstance(gdal_value, str):
        # A nested value typed as text by the collection's schema arrives as its JSON.
        return json.loads(gdal_value) == api_value
    if api_value is None or api_value == [] or api_value == {}:
        # GDAL reads a JSON null (and an empty list) as an unset field.
        return gdal_value in (None, [], {})
    if isinstance(api_value, float | int) and not isinstance(api_value, bool):
        return gdal_value is not None and abs(float(gdal_value) - api_value) < 1e-9
    if isinstance(api_value, str) and len(api_value) == 10 and api_value[4] == "-":
        return str(gdal_value).startswith(api_value)  # a date comes back as a datetime
    return gdal_value == api_value


def test_gdal_reads_every_layer_with_attributes_intact(client, live_server) -> None:
    """QGIS-style access: GDAL's OAPIF driver lists, reads and filters the layers."""
    read = _gdal_read(live_server, BBOX)
    assert {name for name, _kind in read["layers"]} == {"clusters", "districts", "places"}

    api = {f["id"]: f["properties"] for f in client.get("/api/clusters").get_json()["features"]}
    gdal = {row["id"]: row for row in read["clusters"]}
    assert sorted(gdal) == sorted(api) == ALL_IDS
    for cluster_id, props in api.items():
        for key, value in props.items():
            assert _same(value, gdal[cluster_id].get(key)), (cluster_id, key, value)
    # Vietnamese text arrives as it is stored, tones and đ included.
    assert gdal["ccn-vinh-tan"]["name_vi"] == "CCN Vĩnh Tân"
    assert any(
        "Đồng" in str(row.get("status_note")) or "đ" in str(row.get("status_note"))
        for row in gdal.values()
    )

    # A bbox read gives exactly what /api/clusters gives for that bbox.
    assert sorted(read["bbox"]) == api_ids(client, f"bbox={BBOX}")
    assert read["bbox"], "the test bbox should hold clusters"

    districts = client.get("/api/districts").get_json()["features"]
    assert sorted(r["code"] for r in read["districts"]) == sorted(d["id"] for d in districts)
    names = {r["code"]: r["name"] for r in read["districts"]}
    assert all(names[d["id"]] == d["properties"]["name"] for d in districts)
    places = client.get("/api/places").get_json()["features"]
    assert sorted(r["id"] for r in read["places"]) == sorted(p["id"] for p in places)
