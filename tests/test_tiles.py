"""Map tiles (/api/tiles/z/x/y.geojson): features, counts when dense, simplification."""

from __future__ import annotations

import mercantile
import pytest
from shapely.geometry import Point, box, shape

from gis.core import tiles
from tests.helpers import CLUSTERS

LOCATED = [f for f in CLUSTERS["features"] if f["geometry"]]


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    tile = mercantile.tile(lon, lat, z)
    return tile.z, tile.x, tile.y


def _inside(z: int, x: int, y: int) -> list[dict]:
    area = box(*mercantile.bounds(x, y, z))
    return [f for f in LOCATED if area.intersects(shape(f["geometry"]))]


def _get(client, z: int, x: int, y: int, query: str = "") -> dict:
    response = client.get(f"/api/tiles/{z}/{x}/{y}.geojson{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_tile_holds_exactly_the_clusters_inside_it_with_map_properties(client) -> None:
    z, x, y = _tile_of(107.0, 11.0, 8)
    body = _get(client, z, x, y)
    expected = _inside(z, x, y)
    assert expected, "the tile must hold some of the province's clusters"
    assert body["aggregated"] is False and body["tile"] == [z, x, y]
    assert sorted(f["id"] for f in body["features"]) == sorted(f["id"] for f in expected)
    for feature in body["features"]:
        assert set(feature["properties"]) == set(tiles.MAP_PROPERTIES)


def test_filters_apply_to_tiles(client) -> None:
    z, x, y = _tile_of(107.0, 11.0, 6)
    body = _get(client, z, x, y, "?kind=KCN")
    expected = [f["id"] for f in _inside(z, x, y) if f["properties"]["kind"] == "KCN"]
    assert sorted(f["id"] for f in body["features"]) == sorted(expected)


def test_a_dense_tile_answers_with_counts_that_add_up(client, monkeypatch) -> None:
    monkeypatch.setattr(tiles, "MAX_TILE_FEATURES", 5)
    z, x, y = _tile_of(107.0, 11.0, 6)
    body = _get(client, z, x, y)
    assert body["aggregated"] is True
    west, south, east, north = mercantile.bounds(x, y, z)
    # Each cluster is counted in the one tile holding its centre.
    in_tile = [
        f
        for f in LOCATED
        if west <= shape(f["geometry"]).centroid.x < east
        and south <= shape(f["geometry"]).centroid.y < north
    ]
    assert sum(f["properties"]["count"] for f in body["features"]) == len(in_tile)
    assert body["numberMatched"] == len(in_tile)
    assert 1 < len(body["features"]) <= tiles.GRID**2
    for cell in body["features"]:
        lon, lat = cell["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north


def test_polygons_are_simplified_to_half_a_pixel_of_a_512_pixel_tile(client, store) -> None:
    from gis.core.clusters import write_cluster
    from gis.core.schema import ClusterRecord

    first = CLUSTERS["features"][0]["properties"]
    record = {k: v for k, v in first.items() if k in ClusterRecord.model_fields}
    record["id"] = "ccn-test-polygon"
    # A detailed outline: a circle of 2 km radius with 720 vertices.
    outline = Point(107.0, 11.0).buffer(0.02, quad_segs=180)
    with store.write() as session:
        write_cluster(session, ClusterRecord.model_validate(record), outline)
    vertices = {}
    for z in (8, 14):
        tz, tx, ty = _tile_of(107.0, 11.0, z)
        feature = next(f for f in _get(client, tz, tx, ty)["features"] if f["id"] == record["id"])
        drawn = shape(feature["geometry"])
        half_pixel = 360 / (512 * 2**z) / 2
        assert outline.hausdorff_distance(drawn) <= half_pixel * 1.01 + 1e-6
        vertices[z] = len(drawn.exterior.coords)
    assert vertices[8] < vertices[14] <= 721


@pytest.mark.parametrize("path", ["/api/tiles/23/0/0.geojson", "/api/tiles/3/8/0.geojson"])
def test_a_tile_that_does_not_exist_is_404(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "tile" in response.get_json()["detail"]


def test_tiles_revalidate_with_etag(client) -> None:
    z, x, y = _tile_of(107.0, 11.0, 8)
    first = client.get(f"/api/tiles/{z}/{x}/{y}.geojson")
    again = client.get(
        f"/api/tiles/{z}/{x}/{y}.geojson", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_tiles_show_anonymous_clients_only_public_properties(client, api_as, monkeypatch) -> None:
    """A tile passes through the one rule of gis.core.audience, and its ETag names who asked."""
    from gis.core import audience

    monkeypatch.setattr(
        audience,
        "PUBLIC_CLUSTER_PROPERTIES",
        audience.PUBLIC_CLUSTER_PROPERTIES - {"clearance_status"},
    )
    z, x, y = _tile_of(107.0, 11.0, 8)
    url = f"/api/tiles/{z}/{x}/{y}.geojson"
    public = client.get(url)
    assert public.status_code == 200
    features = public.get_json()["features"]
    assert features and all("clearance_status" not in f["properties"] for f in features)
    # The copy anonymous clients got is not the staff's: no 304 for its ETag.
    staff = api_as("viewer").client.get(url, headers={"If-None-Match": public.headers["ETag"]})
    assert staff.status_code == 200
    assert staff.headers["ETag"] != public.headers["ETag"]
    assert all("clearance_status" in f["properties"] for f in staff.get_json()["features"])
