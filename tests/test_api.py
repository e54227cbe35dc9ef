"""The clusters and districts API, on SQLite and PostGIS."""

from __future__ import annotations

import gzip
import json

import pytest
from shapely.geometry import box, shape

from gis.text import fold
from tests.conftest import DISTRICT_BOUNDARIES, map_config, reference
from tests.helpers import CLUSTERS, DISTRICTS

ZONE_OF = {d["code"]: d["zone"] for d in DISTRICTS["districts"]}


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(f["id"] for f in response.get_json()["features"])


def _expected(predicate) -> list[str]:
    return sorted(
        f["id"] for f in CLUSTERS["features"] if predicate(f["properties"], f["geometry"])
    )


def test_list_returns_every_cluster_as_geojson(client) -> None:
    response = client.get("/api/clusters")
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == len(CLUSTERS["features"])
    assert _ids(response) == sorted(f["id"] for f in CLUSTERS["features"])


def test_feature_carries_derived_properties(client) -> None:
    feature = client.get("/api/clusters/ccn-xuan-hung").get_json()
    props = feature["properties"]
    assert props["name_vi"] == "CCN Xuân Hưng"
    assert props["district_name"] == "Huyện Xuân Lộc"
    assert props["zone"] == "II"
    assert props["version"] == 1
    assert feature["geometry"]["type"] == "Point"


@pytest.mark.parametrize(
    ("query", "predicate"),
    [
        ("district=740", lambda p, g: p["district_code"] == "740"),
        ("district=740,742", lambda p, g: p["district_code"] in ("740", "742")),
        ("zone=II", lambda p, g: ZONE_OF.get(p["district_code"]) == "II"),
        (
            "zone=unassigned",
            lambda p, g: p["district_code"] is not None and ZONE_OF[p["district_code"]] is None,
        ),
        ("kind=KCN", lambda p, g: p["kind"] == "KCN"),
        ("stage=operating", lambda p, g: p["stage"] == "operating"),
        (
            "stage=clearing&district=740",
            lambda p, g: p["stage"] == "clearing" and p["district_code"] == "740",
        ),
        (
            "bbox=106.9,10.6,107.1,10.8",
            lambda p, g: g is not None and box(106.9, 10.6, 107.1, 10.8).intersects(shape(g)),
        ),
    ],
)
def test_filters_return_exactly_the_matching_clusters(client, query, predicate) -> None:
    expected = _expected(predicate)
    assert expected, "a filter test must select something"
    assert _ids(client.get(f"/api/clusters?{query}")) == expected


@pytest.mark.parametrize("q", ["long phuoc", "LONG PHƯỚC", "Long Phuoc 1", "long phước 1"])
def test_search_ignores_case_and_diacritics(client, q: str) -> None:
    assert "ccn-long-phuoc-1" in _ids(client.get("/api/clusters", query_string={"q": q}))


def test_search_matches_d_stroke_and_district_names(client) -> None:
    ids = _ids(client.get("/api/clusters", query_string={"q": "dinh quan"}))
    assert ids == _expected(lambda p, g: p["district_code"] == "736")
    assert _ids(client.get("/api/clusters", query_string={"q": "hung loc"})) == ["ccn-hung-loc"]


def test_search_escapes_like_wildcards(client) -> None:
    assert _ids(client.get("/api/clusters", query_string={"q": "%"})) == []
    assert _ids(client.get("/api/clusters", query_string={"q": "_"})) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bbox=abc", "bbox"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=107,11,106,10", "bbox"),
        ("bbox=0,0,nan,1", "bbox"),
        ("bbox=0,0,200,1", "bbox"),
        ("district=999", "district"),
        ("zone=III", "zone"),
        ("kind=farm", "kind"),
        ("stage=done", "stage"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_parameters_get_400_naming_the_parameter(client, query: str, field: str) -> None:
    response = client.get(f"/api/clusters?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 400
    assert [e["field"] for e in body["errors"]] == [field]
    assert body["errors"][0]["reason"]


def test_unknown_id_and_unknown_route_get_404_in_the_same_shape(client) -> None:
    for url in ("/api/clusters/nope", "/api/nothing-here"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert set(response.get_json()) >= {"type", "title", "status", "detail"}


def test_method_not_allowed_is_405_problem(client) -> None:
    response = client.delete("/api/clusters")
    assert response.status_code == 405
    assert response.get_json()["status"] == 405


def test_etag_and_304_and_new_etag_after_a_write(client, store) -> None:
    first = client.get("/api/clusters?kind=CCN")
    etag = first.headers["ETag"]
    again = client.get("/api/clusters?kind=CCN", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get("/api/clusters?kind=KCN")
    assert other.headers["ETag"] != etag
    with store.write():
        pass  # any committed write changes the revision
    after = client.get("/api/clusters?kind=CCN", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["ETag"] != etag


def test_gzip_when_accepted(client) -> None:
    plain = client.get("/api/clusters")
    zipped = client.get("/api/clusters", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.data) < len(plain.data) / 3
    assert json.loads(gzip.decompress(zipped.data)) == plain.get_json()


def test_districts_without_then_with_official_boundaries(client, runner) -> None:
    body = client.get("/api/districts").get_json()
    assert len(body["features"]) == 11
    assert all(f["geometry"] is None and f["properties"]["label_point"] for f in body["features"])
    counts = {f["id"]: f["properties"]["cluster_count"] for f in body["features"]}
    assert counts["740"] == len(_expected(lambda p, g: p["district_code"] == "740"))

    result = runner.invoke(args=["boundaries", "import", str(reference(DISTRICT_BOUNDARIES))])
    assert result.exit_code == 0, result.output
    body = client.get("/api/districts").get_json()
    assert {f["geometry"]["type"] for f in body["features"]} <= {"Polygon", "MultiPolygon"}
    bien_hoa = next(f for f in body["features"] if f["id"] == "731")
    assert bien_hoa["properties"]["zone"] == "I"
    assert shape(bien_hoa["geometry"]).contains(
        shape(client.get("/api/clusters/kcn-bien-hoa-1").get_json()["geometry"])
    )


def test_unicode_is_nfc_and_unescaped_in_json(client) -> None:
    raw = client.get("/api/clusters/ccn-phu-tuc").get_data(as_text=True)
    assert "Phú Túc" in raw
    assert fold("Phú Túc") == "phu tuc"


def test_pages_at_any_offset_follow_the_full_order(client) -> None:
    whole = client.get("/api/clusters").get_json()["features"]
    paged = []
    for offset in range(0, len(whole) + 5, 5):
        page = client.get(f"/api/clusters?limit=5&offset={offset}").get_json()
        assert page["numberMatched"] == len(whole)
        paged += page["features"]
    assert [f["id"] for f in paged] == [f["id"] for f in whole]
    assert paged == whole  # the same features, built the same way, page by page


def test_values_kept_per_revision_follow_a_write(client, store) -> None:
    """Counts, the names a filter may use and the map's extent are remembered per revision:
    a write must show in each at once."""
    from shapely.geometry import Point

    from gis.core.clusters import write_cluster
    from gis.core.schema import ClusterRecord
    from gis.store.models import Place

    before = client.get("/api/clusters?limit=5&offset=5").get_json()["numberMatched"]
    assert client.get("/api/clusters?sort=distance:test-place").status_code == 400
    config = map_config(client.get("/").get_data(as_text=True))
    minx, miny, maxx, maxy = config["extent"]
    first = CLUSTERS["features"][0]["properties"]
    source = {k: v for k, v in first.items() if k in ClusterRecord.model_fields}
    source["id"] = "ccn-test-new"
    with store.write() as session:
        write_cluster(session, ClusterRecord.model_validate(source), Point(maxx + 0.01, maxy))
        session.add(
            Place(
                id="test-place",
                name_vi="Nơi thử",
                name_en="Test place",
                kind="city",
                lon=maxx,
                lat=maxy,
            )
        )
    after = client.get("/api/clusters?limit=5&offset=5").get_json()
    assert after["numberMatched"] == before + 1
    assert client.get("/api/clusters?sort=distance:test-place").status_code == 200
    assert map_config(client.get("/").get_data(as_text=True))["extent"] == [
        minx,
        miny,
        maxx + 0.01,
        maxy,
    ]
