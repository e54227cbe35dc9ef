"""Expensive writes and scope without boundaries: a geometry's size is bounded, and an
editor's geometry stays near its district while no official boundaries are loaded."""

from __future__ import annotations

import json

from shapely.geometry import Point, mapping

from gis.geometry import MAX_GEOJSON_BYTES, MAX_VERTICES
from tests.conftest import DISTRICT_BOUNDARIES, ROOT, reference

CLUSTER = "ccn-long-phuoc-1"  # Long Thành (740), at 106.994895, 10.718385
HOME = Point(106.994895, 10.718385)
FAR = {"type": "Point", "coordinates": [107.45, 10.95]}  # Xuân Lộc (741), ~55 km away
NEARBY = {"type": "Point", "coordinates": [107.0, 10.72]}  # still Long Thành


def _ring(vertices: int) -> dict:
    """A valid polygon around the cluster with about ``vertices`` vertices."""
    return mapping(HOME.buffer(0.004, quad_segs=max(1, vertices // 4)))


def _fields(response) -> list[str]:
    return [e["field"] for e in response.get_json().get("errors", [])]


def test_a_geometry_with_too_many_vertices_is_refused(client, api_as, backend) -> None:
    editor = api_as("lt-editor")
    before = client.get("/api/clusters").data
    huge = _ring(MAX_VERTICES + 4)
    assert sum(len(r) for r in huge["coordinates"]) > MAX_VERTICES
    response = editor.patch(CLUSTER, {"geometry": huge, "location_precision": "surveyed"})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert _fields(response) == ["geometry"]
    assert "vertices" in response.get_json()["errors"][0]["reason"]
    assert client.get("/api/clusters").data == before  # nothing written
    fine = _ring(400)
    response = editor.patch(CLUSTER, {"geometry": fine, "location_precision": "surveyed"})
    assert response.status_code == 200, response.get_data(as_text=True)
    stored = client.get(f"/api/clusters/{CLUSTER}").get_json()["geometry"]
    assert stored["type"] == "Polygon"


def test_a_geometry_too_large_as_json_is_refused(client, api_as, backend) -> None:
    editor = api_as("lt-editor")
    padded = {**NEARBY, "padding": "x" * (MAX_GEOJSON_BYTES + 1)}
    assert len(json.dumps(padded)) < 2 * 1024 * 1024  # under the request size limit
    response = editor.patch(CLUSTER, {"geometry": padded, "location_precision": "surveyed"})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert _fields(response) == ["geometry"]
    assert "bytes" in response.get_json()["errors"][0]["reason"]


def test_an_import_with_too_many_vertices_is_rejected(runner, accounts, tmp_path, backend) -> None:
    from tests.helpers import SEED

    feature = json.loads(json.dumps(SEED[CLUSTER]))
    feature["geometry"] = _ring(MAX_VERTICES + 4)
    path = tmp_path / "big.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    result = runner.invoke(args=["clusters", "import", str(path), "--user", "admin"])
    assert result.exit_code == 1, result.output
    assert "geometry: has" in result.output and "vertices" in result.output


def test_an_editor_cannot_move_a_cluster_into_a_far_district_without_boundaries(
    client, api_as, backend
) -> None:
    editor = api_as("lt-editor")
    response = editor.patch(CLUSTER, {"geometry": FAR, "location_precision": "surveyed"})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert _fields(response) == ["geometry"]
    assert "district" in response.get_json()["errors"][0]["reason"]
    assert client.get(f"/api/clusters/{CLUSTER}").get_json()["geometry"]["coordinates"] == [
        106.994895,
        10.718385,
    ]
    response = editor.patch(CLUSTER, {"geometry": NEARBY, "location_precision": "surveyed"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert client.get(f"/api/clusters/{CLUSTER}").get_json()["geometry"] == NEARBY


def test_the_exact_boundary_check_applies_once_boundaries_are_loaded(
    client, api_as, runner, backend
) -> None:
    result = runner.invoke(args=["boundaries", "import", str(reference(DISTRICT_BOUNDARIES))])
    assert result.exit_code == 0, result.output
    editor = api_as("lt-editor")
    response = editor.patch(CLUSTER, {"geometry": FAR, "location_precision": "surveyed"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {
            "field": "geometry",
            "reason": "outside the cluster's district",
            "code": "outside_district",
        }
    ]
    assert (
        editor.patch(CLUSTER, {"geometry": NEARBY, "location_precision": "surveyed"}).status_code
        == 200
    )


def test_an_administrator_places_clusters_anywhere_in_the_province(client, api_as, backend):
    admin = api_as("admin")
    response = admin.patch(
        CLUSTER, {"geometry": FAR, "district_code": "741", "location_precision": "surveyed"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_each_district_box_is_its_official_extent_with_a_small_margin() -> None:
    """data/districts.json's bbox is computed from the official boundaries, not typed."""
    import geopandas as gpd
    from shapely.geometry import box

    official = gpd.read_file(reference(DISTRICT_BOUNDARIES)).set_index("code").geometry
    districts = json.loads((ROOT / "data" / "districts.json").read_text(encoding="utf-8"))
    assert len(districts["districts"]) == len(official)
    for district in districts["districts"]:
        extent = box(*district["bbox"])
        boundary = official[district["code"]]
        assert extent.covers(boundary), district["code"]
        minx, miny, maxx, maxy = boundary.bounds
        margins = (minx - extent.bounds[0], miny - extent.bounds[1])
        margins += (extent.bounds[2] - maxx, extent.bounds[3] - maxy)
        assert all(0.009 < m < 0.0102 for m in margins), (district["code"], margins)
