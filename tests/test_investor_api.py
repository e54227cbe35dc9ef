"""Investors' API: places, free land, readiness, distances, filters, order, search, compare."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from pyproj import Geod
from shapely.geometry import shape
from sqlalchemy import delete

from gis.core.dataset import initialise_store
from gis.store.models import Cluster, Place
from gis.text import fold
from tests.conftest import ROOT
from tests.helpers import (
    CLUSTERS,
    PLACE_IDS,
    PLACES,
    apply_changes,
    assert_bad,
    changed_features,
    expected_free,
    expected_ready,
)

INTERCHANGES = [f["id"] for f in PLACES["features"] if f["properties"]["kind"].endswith("change")]
GEOD = Geod(ellps="WGS84")


def expected_occupancy(props: dict[str, Any]) -> float | None:
    industrial, leased = props["industrial_land_ha"], props["leased_land_ha"]
    if industrial and leased is not None:
        return round(100 * leased / industrial, 1)
    return props.get("occupancy_reported_pct")


def expected_distances(geometry: dict[str, Any] | None) -> dict[str, float] | None:
    if geometry is None:
        return None
    point = shape(geometry).representative_point()
    return {
        f["id"]: round(
            GEOD.inv(point.x, point.y, *f["geometry"]["coordinates"])[2] / 1000,
            1,
        )
        for f in PLACES["features"]
    }


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [f["id"] for f in response.get_json()["features"]]


# --- places -------------------------------------------------------------------------------


def test_places_are_loaded_and_listed_as_geojson(client) -> None:
    response = client.get("/api/places")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert sorted(f["id"] for f in body["features"]) == PLACE_IDS
    by_id = {f["id"]: f for f in body["features"]}
    for source in PLACES["features"]:
        feature = by_id[source["id"]]
        assert feature["geometry"] == source["geometry"]
        for key in ("id", "name_vi", "name_en", "kind", "status", "source"):
            assert feature["properties"][key] == source["properties"][key]
    assert by_id["airport-long-thanh"]["properties"]["name_vi"] == (
        "Cảng hàng không quốc tế Long Thành"
    )
    again = client.get("/api/places", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_places_come_to_a_store_made_before_them_without_touching_clusters(app, store) -> None:
    with store.write() as session:
        session.execute(delete(Place))
    with store.session() as session:
        versions = {c.id: c.version for c in session.query(Cluster)}
    initialise_store(store, ROOT / "data")
    with store.session() as session:
        assert sorted(p.id for p in session.query(Place)) == PLACE_IDS
        assert {c.id: c.version for c in session.query(Cluster)} == versions


# --- computed properties ------------------------------------------------------------------


def test_every_feature_carries_free_land_readiness_and_distances(client, store) -> None:
    apply_changes(store)
    features = {f["id"]: f for f in client.get("/api/clusters").get_json()["features"]}
    for source in changed_features():
        props = features[source["id"]]["properties"]
        free = expected_free(source["properties"])
        assert props["free_land_ha"] == free, source["id"]
        assert props["ready"] is expected_ready(source["properties"]), source["id"]
        distances = expected_distances(source["geometry"])
        assert props["distances_km"] == distances, source["id"]
        if distances is None:
            assert props["nearest_interchange"] is None
        else:
            nearest = min(INTERCHANGES, key=lambda i: (distances[i], i))
            assert props["nearest_interchange"] == {"id": nearest, "km": distances[nearest]}
    assert features["ccn-tam-an"]["properties"]["free_land_ha"] == 2.63
    assert features["ccn-long-giao"]["properties"]["ready"] is True
    # Phú Cường's wastewater is done (2022 source); its site clearance is not reported.
    assert features["ccn-phu-cuong"]["properties"]["ready"] is None
    assert features["kcn-ho-nai"]["properties"]["ready"] is False  # clearance in progress
    assert features["ccn-doc-47"]["properties"]["distances_km"] is None  # no location


def test_one_cluster_carries_the_same_computed_properties(client) -> None:
    listed = {f["id"]: f for f in client.get("/api/clusters").get_json()["features"]}
    one = client.get("/api/clusters/ccn-long-phuoc-1").get_json()
    assert one == listed["ccn-long-phuoc-1"]
    source = next(f for f in CLUSTERS["features"] if f["id"] == "ccn-long-phuoc-1")
    assert one["properties"]["distances_km"] == expected_distances(source["geometry"])
    # Tân Sơn Nhất is farther from a Long Thành cluster than Long Thành airport.
    km = one["properties"]["distances_km"]
    assert km["airport-long-thanh"] < km["airport-tan-son-nhat"]


# --- filters ------------------------------------------------------------------------------


def _expected_ids(predicate) -> list[str]:
    return sorted(f["id"] for f in changed_features() if predicate(f["properties"]))


@pytest.mark.parametrize(
    ("query", "predicate"),
    [
        ("min_free_land_ha=0", lambda p: expected_free(p) is not None),
        ("min_free_land_ha=14", lambda p: (expected_free(p) or -1) >= 14),
        ("min_free_land_ha=2.63", lambda p: (expected_free(p) or -1) >= 2.63),
        ("ready=true", lambda p: expected_ready(p) is True),
        ("ready=false", lambda p: expected_ready(p) is False),
        (
            "industry=che bien",
            lambda p: any("che bien" in fold(i) for i in p["industries"]),
        ),
        (
            "industry=" + "CÔNG NGHỆ CAO",
            lambda p: any("cong nghe cao" in fold(i) for i in p["industries"]),
        ),
        (
            "industry=chế biến nông sản, thực phẩm",
            lambda p: "chế biến nông sản, thực phẩm" in p["industries"],
        ),
        (
            "ready=false&district=740",
            lambda p: expected_ready(p) is False and p["district_code"] == "740",
        ),
        (
            "min_free_land_ha=1&kind=CCN&stage=operating",
            lambda p: (
                (expected_free(p) or -1) >= 1 and p["kind"] == "CCN" and p["stage"] == "operating"
            ),
        ),
    ],
)
def test_investor_filters_select_exactly_the_matching_clusters(
    client, store, query: str, predicate
) -> None:
    apply_changes(store)
    expected = _expected_ids(predicate)
    if "stage=operating" not in query:
        assert expected, "a filter test must select something"
    assert sorted(ids(client.get(f"/api/clusters?{query}"))) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("min_free_land_ha=-1", "min_free_land_ha"),
        ("min_free_land_ha=abc", "min_free_land_ha"),
        ("min_free_land_ha=nan", "min_free_land_ha"),
        ("min_free_land_ha=inf", "min_free_land_ha"),
        ("ready=yes", "ready"),
        ("ready=TRUE1", "ready"),
        ("industry=" + "x" * 201, "industry"),
        ("sort=area", "sort"),
        ("sort=--name", "sort"),
        ("sort=distance:nowhere", "sort"),
        ("sort=distance:", "sort"),
    ],
)
def test_bad_investor_parameters_get_400_naming_them(client, query: str, field: str) -> None:
    assert_bad(client.get(f"/api/clusters?{query}"), field)


# --- order --------------------------------------------------------------------------------


def _expected_order(value_of, descending: bool) -> list[str]:
    """Known values sorted (ties by name), then unknown ones by name: nulls last."""
    rows = [(value_of(f), fold(f["properties"]["name_vi"]), f["id"]) for f in changed_features()]
    known = [r for r in rows if r[0] is not None]
    unknown = sorted(r for r in rows if r[0] is None)
    if descending:
        known.sort(key=lambda r: (r[1], r[2]))
        known.sort(key=lambda r: r[0], reverse=True)
    else:
        known.sort()
    return [r[2] for r in known + unknown]


def _distance(place_id: str):
    return lambda f: (expected_distances(f["geometry"]) or {}).get(place_id)


def _nearest_interchange(f: dict[str, Any]) -> float | None:
    distances = expected_distances(f["geometry"])
    return None if distances is None else min(distances[i] for i in INTERCHANGES)


@pytest.mark.parametrize(
    ("sort", "value_of"),
    [
        ("name", lambda f: fold(f["properties"]["name_vi"])),
        ("free_land_ha", lambda f: expected_free(f["properties"])),
        ("planned_area_ha", lambda f: f["properties"]["planned_area_ha"]),
        ("occupancy_pct", lambda f: expected_occupancy(f["properties"])),
        ("distance:airport-long-thanh", _distance("airport-long-thanh")),
        ("distance:port-cai-mep", _distance("port-cai-mep")),
        ("nearest_interchange", _nearest_interchange),
    ],
)
@pytest.mark.parametrize("descending", [False, True])
def test_sort_orders_with_unknown_values_last(client, store, sort, value_of, descending) -> None:
    apply_changes(store)
    param = f"-{sort}" if descending else sort
    got = ids(client.get("/api/clusters", query_string={"sort": param}))
    assert got == _expected_order(value_of, descending)


def test_sort_combines_with_filters_and_keeps_etag_304_and_gzip(client) -> None:
    url = "/api/clusters?district=740&sort=-planned_area_ha"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(first.data))
    areas = [f["properties"]["planned_area_ha"] for f in body["features"]]
    known = [a for a in areas if a is not None]
    assert known == sorted(known, reverse=True) and areas[: len(known)] == known
    assert {f["properties"]["district_code"] for f in body["features"]} == {"740"}
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = client.get("/api/clusters?district=740&sort=planned_area_ha")
    assert other.headers["ETag"] != first.headers["ETag"]


# --- search -------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["long phuoc", "LONG PHƯỚC", "Long Phuoc 1"])
def test_search_finds_long_phuoc_1_first(client, q: str) -> None:
    assert ids(client.get("/api/clusters", query_string={"q": q}))[0] == "ccn-long-phuoc-1"


def test_search_hung_loc_finds_hung_loc(client) -> None:
    found = ids(client.get("/api/clusters", query_string={"q": "hung loc"}))
    assert found[0] == "ccn-hung-loc"
    name = client.get("/api/clusters/ccn-hung-loc").get_json()["properties"]["name_vi"]
    assert name == "CCN Hưng Lộc"


def test_dong_nai_matches_d_stroke_in_names_and_investors(client) -> None:
    assert fold("Đồng Nai") == "dong nai"
    assert fold("ĐỒNG NAI") == "dong nai"
    found = ids(client.get("/api/clusters", query_string={"q": "dong"}))
    with_dong = {
        f["id"]
        for f in CLUSTERS["features"]
        if any("dong" in fold(f["properties"][k] or "") for k in ("name_vi", "name_en", "investor"))
    }
    assert with_dong <= set(found)
    # The investor of CCN Phú Cường is "CTCP Đồng Phú Bình": found through its đ.
    assert "ccn-phu-cuong" in found
    investor = client.get("/api/clusters/ccn-phu-cuong").get_json()["properties"]["investor"]
    assert "Đồng" in investor


def test_search_puts_name_matches_before_other_fields(client) -> None:
    found = client.get("/api/clusters", query_string={"q": "long thanh"}).get_json()["features"]
    in_name = [
        "long thanh" in fold(f["properties"]["name_vi"] + " " + (f["properties"]["name_en"] or ""))
        for f in found
    ]
    assert True in in_name and False in in_name, "the example needs both kinds of match"
    first_other = in_name.index(False)
    assert all(in_name[:first_other]) and not any(in_name[first_other:])
    # Without the ranking, CCN Bình An (Long Thành district) would come before the park.
    assert found[0]["id"] == "kcn-cnc-long-thanh"


# --- compare ------------------------------------------------------------------------------


def test_compare_two_to_four_clusters_in_the_order_asked(client, store) -> None:
    apply_changes(store)
    asked = ["ccn-tam-an", "ccn-long-giao", "ccn-doc-47", "kcn-bien-hoa-1"]
    for n in (2, 3, 4):
        response = client.get("/api/compare", query_string={"ids": ",".join(asked[:n])})
        assert ids(response) == asked[:n]
    body = response.get_json()
    for field in (
        "planned_area_ha",
        "free_land_ha",
        "ready",
        "infrastructure.roads",
        "infrastructure.wastewater",
        "distances_km",
        "nearest_interchange",
        "industries",
        "investor",
        "decision_number",
    ):
        assert field in body["fields"]
    listed = {f["id"]: f for f in client.get("/api/clusters").get_json()["features"]}
    for feature in body["features"]:
        assert feature == listed[feature["id"]]
    tam_an = body["features"][0]["properties"]
    assert tam_an["free_land_ha"] == 2.63
    assert set(tam_an["distances_km"]) == set(PLACE_IDS)


@pytest.mark.parametrize(
    "ids_param",
    [
        "",
        "ccn-tam-an",
        "ccn-tam-an,ccn-hung-loc,ccn-phu-tuc,ccn-long-giao,ccn-xuan-hung",
        "ccn-tam-an,ccn-tam-an",
    ],
)
def test_compare_refuses_wrong_counts_and_repeated_ids(client, ids_param: str) -> None:
    assert_bad(client.get("/api/compare", query_string={"ids": ids_param}), "ids")


def test_compare_of_an_unknown_cluster_is_404_naming_ids(client) -> None:
    response = client.get("/api/compare", query_string={"ids": "ccn-tam-an,no-such-cluster"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == ["ids"]
