"""OGC API – Tiles: the clusters as Mapbox Vector Tiles in WebMercatorQuad, read by GDAL."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import mercantile
import pytest
import shapely
import shapely.wkt
from pyproj import Transformer
from shapely.geometry import Point, box, shape

from gis.core import tiles
from gis.core.audience import PUBLIC_CLUSTER_PROPERTIES
from tests.helpers import CLUSTERS

LOCATED = [f for f in CLUSTERS["features"] if f["geometry"]]
BASE = "/ogc/collections/clusters/tiles/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"
_MERCATOR = Transformer.from_crs("OGC:CRS84", "EPSG:3857", always_xy=True)


def _to_mercator(coords):
    x, y = _MERCATOR.transform(coords[:, 0], coords[:, 1])
    coords[:, 0], coords[:, 1] = x, y
    return coords


def _inside(z: int, x: int, y: int) -> list[dict]:
    area = box(*mercantile.bounds(x, y, z))
    return [f for f in LOCATED if area.intersects(shape(f["geometry"]))]


# GDAL's MVT driver in its own process (pyogrio holds the GIL while GDAL reads): every
# feature of the tile file with its properties, in EPSG:3857.
GDAL_MVT_READER = textwrap.dedent(
    """
    import json, sys
    import pyogrio
    path, z, x, y = sys.argv[1], *map(int, sys.argv[2:])
    options = {"X": x, "Y": y, "Z": z}
    layers = [name for name, _kind in pyogrio.list_layers(path)]
    out = {"layers": layers, "features": []}
    for layer in layers:
        frame = pyogrio.read_dataframe(path, layer=layer, **options)
        out["crs"] = frame.crs.to_epsg()
        out["dtypes"] = {k: str(v) for k, v in frame.dtypes.items()}
        for _, row in frame.iterrows():
            props = {k: (None if v != v else v) for k, v in row.items() if k != "geometry"}
            out["features"].append({"properties": props, "wkt": row.geometry.wkt})
    print(json.dumps(out, default=str))
    """
)


def _gdal_read(path, z: int, x: int, y: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", GDAL_MVT_READER, str(path), str(z), str(x), str(y)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_gdal_reads_a_tile_with_the_clusters_in_it_and_their_properties(client, tmp_path) -> None:
    tile = mercantile.tile(107.0, 11.0, 8)
    z, x, y = tile.z, tile.x, tile.y
    response = client.get(f"{BASE}/{z}/{y}/{x}?f=mvt")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == MVT
    path = tmp_path / f"{z}-{x}-{y}.mvt"
    path.write_bytes(response.data)
    read = _gdal_read(path, z, x, y)
    assert read["layers"] == ["clusters"]
    assert read["crs"] == 3857
    expected = {f["id"]: f for f in _inside(z, x, y)}
    assert expected, "the tile must hold some of the province's clusters"
    got = {f["properties"]["id"]: f for f in read["features"]}
    assert sorted(got) == sorted(expected)
    # GDAL types the area as a number and reads each map property back as it is stored.
    assert read["dtypes"]["planned_area_ha"] == "float64"
    for cluster_id, feature in got.items():
        source = expected[cluster_id]["properties"]
        for name in tiles.MAP_PROPERTIES:
            if source.get(name) is not None:
                assert feature["properties"][name] == source[name], (cluster_id, name)
    # The tile's geometry lies where the cluster is: within a pixel of a 256-pixel tile.
    pixel = 40075016.69 / (256 * 2**z)
    clip = box(*mercantile.xy_bounds(x, y, z)).buffer(pixel)
    for cluster_id, feature in got.items():
        source = shape(expected[cluster_id]["geometry"])
        drawn = shapely.wkt.loads(feature["wkt"])
        projected = shapely.transform(source, _to_mercator).intersection(clip)
        assert projected.hausdorff_distance(drawn) <= 2 * pixel, cluster_id


def test_an_accept_header_gets_the_same_tile_and_filters_apply(client, tmp_path) -> None:
    tile = mercantile.tile(107.0, 11.0, 6)
    z, x, y = tile.z, tile.x, tile.y
    by_f = client.get(f"{BASE}/{z}/{y}/{x}?f=mvt")
    by_accept = client.get(f"{BASE}/{z}/{y}/{x}", headers={"Accept": MVT})
    assert by_accept.status_code == 200 and by_accept.data == by_f.data
    kcn = client.get(f"{BASE}/{z}/{y}/{x}?kind=KCN")
    path = tmp_path / "kcn.mvt"
    path.write_bytes(kcn.data)
    read = _gdal_read(path, z, x, y)
    expected = [f["id"] for f in _inside(z, x, y) if f["properties"]["kind"] == "KCN"]
    assert expected
    assert sorted(f["properties"]["id"] for f in read["features"]) == sorted(expected)


def test_a_dense_tile_holds_counts_like_the_geojson_tile(client, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(tiles, "MAX_TILE_FEATURES", 5)
    tile = mercantile.tile(107.0, 11.0, 6)
    z, x, y = tile.z, tile.x, tile.y
    geojson = client.get(f"/api/tiles/{z}/{x}/{y}.geojson").get_json()
    assert geojson["aggregated"] is True
    path = tmp_path / "dense.mvt"
    path.write_bytes(client.get(f"{BASE}/{z}/{y}/{x}").data)
    read = _gdal_read(path, z, x, y)
    counts = sorted(int(f["properties"]["count"]) for f in read["features"])
    assert counts == sorted(f["properties"]["count"] for f in geojson["features"])


def test_a_detailed_outline_is_simplified_for_the_zoom(client, store, tmp_path) -> None:
    from gis.core.clusters import write_cluster
    from gis.core.schema import ClusterRecord

    first = CLUSTERS["features"][0]["properties"]
    record = {k: v for k, v in first.items() if k in ClusterRecord.model_fields}
    record["id"] = "ccn-test-polygon"
    outline = Point(107.1, 11.1).buffer(0.02, quad_segs=180)  # 720 vertices
    with store.write() as session:
        write_cluster(session, ClusterRecord.model_validate(record), outline)
    vertices = {}
    for z in (7, 11):
        tile = mercantile.tile(107.1, 11.1, z)
        assert box(*mercantile.bounds(tile)).contains(outline)  # drawn whole, not clipped
        path = tmp_path / f"{z}.mvt"
        path.write_bytes(client.get(f"{BASE}/{z}/{tile.y}/{tile.x}").data)
        read = _gdal_read(path, z, tile.x, tile.y)
        feature = next(f for f in read["features"] if f["properties"]["id"] == record["id"])
        vertices[z] = len(shapely.wkt.loads(feature["wkt"]).exterior.coords)
    assert vertices[7] < vertices[11] <= 721


def test_tiles_carry_only_public_properties() -> None:
    # Anonymous readers get tiles: every property in them must be one they may see.
    assert set(tiles.MAP_PROPERTIES) <= PUBLIC_CLUSTER_PROPERTIES


def test_tileset_metadata_links_the_template_and_the_tile_matrix_set(client) -> None:
    conformance = client.get("/ogc/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conformance
    collection = client.get("/ogc/collections/clusters").get_json()
    tilesets_href = next(
        link["href"]
        for link in collection["links"]
        if link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
    )
    listed = client.get(tilesets_href).get_json()["tilesets"]
    assert [t["tileMatrixSetURI"] for t in listed] == [
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    ]
    tileset = client.get(next(lk["href"] for lk in listed[0]["links"] if lk["rel"] == "self"))
    body = tileset.get_json()
    template = next(lk for lk in body["links"] if lk["rel"] == "item")
    assert template["type"] == MVT and template["templated"] is True
    assert template["href"].endswith(f"{BASE}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}?f=mvt")
    scheme = next(
        lk["href"]
        for lk in body["links"]
        if lk["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
    )
    tms = client.get(scheme).get_json()
    assert tms["id"] == "WebMercatorQuad"
    levels = {m["id"]: m for m in tms["tileMatrices"]}
    assert levels["0"]["matrixWidth"] == 1 and levels["10"]["matrixWidth"] == 1024
    # Level z's cell is the world's width over 256·2^z pixels.
    assert levels["10"]["cellSize"] == pytest.approx(2 * 20037508.3427892 / (256 * 1024))
    listing = client.get("/ogc/tileMatrixSets").get_json()
    assert [t["id"] for t in listing["tileMatrixSets"]] == ["WebMercatorQuad"]


@pytest.mark.parametrize(
    ("path", "status", "parameter"),
    [
        (f"{BASE}/23/0/0", 404, "tileMatrix"),
        (f"{BASE}/3/8/0", 404, "tileRow"),
        (f"{BASE}/3/0/8", 404, "tileCol"),
        (f"{BASE}/x/0/0", 400, "tileMatrix"),
        (f"{BASE}/3/-1/0", 400, "tileRow"),
        (f"{BASE}/3/0/0?f=png", 400, "f"),
        (f"{BASE}/3/0/0?colour=red", 400, "colour"),
    ],
)
def test_a_tile_outside_its_matrix_names_the_parameter(client, path, status, parameter) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == [parameter]


def test_an_unknown_tile_matrix_set_is_404(client) -> None:
    for path in ("/ogc/tileMatrixSets/WorldCRS84Quad", BASE.replace("WebMercatorQuad", "X")):
        response = client.get(path)
        assert response.status_code == 404 and "tile matrix set" in response.get_json()["detail"]


def test_tiles_revalidate_with_etag_and_cross_origin_readers_get_them(client) -> None:
    first = client.get(f"{BASE}/8/120/214", headers={"Origin": "https://example.org"})
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get(f"{BASE}/8/120/214", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


# GDAL's OGC API driver, as a desktop client does: from the collection it follows the links
# to the tilesets, the tileset, its tile matrix set and the tile template, then reads tiles
# with its MVT driver. In its own process: pyogrio holds the GIL while GDAL fetches.
GDAL_OGCAPI_READER = textwrap.dedent(
    """
    import json, sys
    import pyogrio
    url = "OGCAPI:" + sys.argv[1] + "/ogc/collections/clusters"
    info = pyogrio.read_info(url, layer=0, API="TILES")
    frame = pyogrio.read_dataframe(url, layer=0, API="TILES")
    print(json.dumps({
        "driver": info["driver"],
        "layer": info["layer_name"],
        "crs": info["crs"],
        "types": dict(zip(info["fields"].tolist(), info["ogr_types"])),
        "ids": sorted(frame["id"].tolist()),
    }))
    """
)


def test_gdal_ogcapi_driver_finds_the_tiles_from_the_collection(client, live_server) -> None:
    done = subprocess.run(
        [sys.executable, "-c", GDAL_OGCAPI_READER, live_server],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    read = json.loads(done.stdout)
    assert read["driver"] == "OGCAPI" and read["layer"] == "Zoom level 0"
    assert read["crs"] == "EPSG:3857"
    assert read["types"]["planned_area_ha"] == "OFTReal"
    # The world's one tile at level 0 holds every located cluster.
    located = client.get("/api/tiles/0/0/0.geojson").get_json()["features"]
    assert read["ids"] == sorted(f["id"] for f in located) and read["ids"]
