"""OGC API – Features – Part 2 (CRS) at /ogc, checked against PROJ's cs2cs, GDAL and OWSLib.

The expected coordinates come from PROJ's ``cs2cs`` command with each CRS written out as a
PROJ string from its published definition (projection parameters, and for VN-2000 the
7-parameter Helmert shift of EPSG:6960 / Circular 973/2001/TT-TCĐC), not from the EPSG codes
the app resolves; so a wrong code, axis order or datum shift in the app shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings

import pytest
from shapely.geometry import box, shape

from tests.helpers import all_items, api_ids, invoke, ok_json

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
WGS84 = "+proj=longlat +datum=WGS84 +no_defs"
# VN-2000 on the WGS 84 ellipsoid with its shift to WGS 84. PROJ's +towgs84 takes rotations
# in the position-vector convention: the opposite signs of the published coordinate-frame
# rotations (-0.00928836", 0.01975479", -0.00427372").
VN2000 = (
    "+ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,"
    "0.00928836,-0.01975479,0.00427372,0.252906278 +no_defs"
)
# code: (independent PROJ definition, whether the CRS lists latitude first, metres or degrees)
DEFINITIONS = {
    "4326": (WGS84, True),
    "3857": (
        "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m "
        "+nadgrids=@null +no_defs",
        False,
    ),
    "4756": (f"+proj=longlat {VN2000}", True),
    "3405": (f"+proj=utm +zone=48 {VN2000}", False),
    "3406": (f"+proj=utm +zone=49 {VN2000}", False),
    "5899": (f"+proj=tmerc +lat_0=0 +lon_0=107.75 +k=0.9999 +x_0=500000 +y_0=0 {VN2000}", False),
}
GEOGRAPHIC = {"4326", "4756"}
# Within 5 cm: tighter than the 0.8 m between EPSG's two VN-2000 shifts, so it tells them apart.
TOLERANCE_M = 0.05
METRES_PER_DEGREE = 111_320.0
CONFORMANCE_CRS = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"


def cs2cs(points: list[tuple[float, float]], target: str) -> list[tuple[float, float]]:
    """WGS84 lon/lat points in ``target`` (x/easting first), by PROJ's cs2cs command."""
    text = "".join(f"{lon!r} {lat!r}\n" for lon, lat in points)
    result = subprocess.run(
        ["cs2cs", "-f", "%.10f", *WGS84.split(), "+to", *target.split()],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    out = [tuple(map(float, line.split()[:2])) for line in result.stdout.splitlines()]
    assert len(out) == len(points)
    return out  # type: ignore[return-value]


def _vertices(geometry: dict) -> list[tuple[float, float]]:
    """Every vertex of a Point, Polygon or MultiPolygon, in order."""
    coords = geometry["coordinates"]
    if geometry["type"] == "Point":
        return [tuple(coords)]
    rings = coords if geometry["type"] == "Polygon" else [r for p in coords for r in p]
    return [tuple(v) for ring in rings for v in ring]


def _close(a: tuple[float, float], b: tuple[float, float], code: str) -> bool:
    scale = METRES_PER_DEGREE if code in GEOGRAPHIC else 1.0
    return max(abs(a[0] - b[0]), abs(a[1] - b[1])) * scale <= TOLERANCE_M


def _expected_xy(features: list[dict], code: str) -> dict[str, list[tuple[float, float]]]:
    """Each feature's vertices in the CRS by cs2cs, x (longitude/easting) first."""
    located = [f for f in features if f["geometry"]]
    flat = [v for f in located for v in _vertices(f["geometry"])]
    moved = iter(cs2cs(flat, DEFINITIONS[code][0]))
    return {f["id"]: [next(moved) for _ in _vertices(f["geometry"])] for f in located}


def test_conformance_and_collections_declare_the_crs(client) -> None:
    assert CONFORMANCE_CRS in ok_json(client.get("/ogc/conformance"))["conformsTo"]
    for collection in ok_json(client.get("/ogc/collections"))["collections"]:
        assert collection["storageCrs"] == CRS84
        assert collection["crs"][0] == CRS84
        assert set(collection["crs"]) == {CRS84, *(f"{EPSG}{c}" for c in DEFINITIONS)}


@pytest.mark.parametrize("code", sorted(DEFINITIONS))
def test_features_in_each_crs_match_cs2cs(client, code) -> None:
    """Every vertex of every cluster, in the CRS's own axis order, within 5 cm of cs2cs."""
    crs = f"{EPSG}{code}"
    wgs84 = ok_json(client.get("/api/clusters"))["features"]
    expected = _expected_xy(wgs84, code)
    response = client.get(f"/ogc/collections/clusters/items?crs={crs}&limit=1000")
    assert response.headers["Content-Crs"] == f"<{crs}>"
    served = {f["id"]: f for f in ok_json(response)["features"]}
    assert sorted(served) == sorted(f["id"] for f in wgs84)
    assert expected, "the seed data locates clusters"
    for cluster_id, xy in expected.items():
        got = _vertices(served[cluster_id]["geometry"])
        if DEFINITIONS[code][1]:
            got = [(x, y) for y, x in got]  # latitude first in the response
        assert len(got) == len(xy)
        assert all(_close(g, e, code) for g, e in zip(got, xy, strict=True)), (cluster_id, got[0])
    # One feature alone is transformed the same way.
    one = client.get(f"/ogc/collections/clusters/items/ccn-vinh-tan?crs={crs}")
    assert one.headers["Content-Crs"] == f"<{crs}>"
    assert ok_json(one)["geometry"] == served["ccn-vinh-tan"]["geometry"]


def test_default_crs_is_crs84_and_named_in_the_header(client) -> None:
    response = client.get("/ogc/collections/places/items")
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    api = {f["id"]: f["geometry"] for f in ok_json(client.get("/api/places"))["features"]}
    for feature in ok_json(response)["features"]:
        assert feature["geometry"] == api[feature["id"]]
    short = client.get("/ogc/collections/places/items?crs=EPSG:5899")
    assert short.headers["Content-Crs"] == f"<{EPSG}5899>"


# A box in each CRS around the middle of the province (lower corner, upper corner, in the
# CRS's axis order): every cluster whose geometry meets it, by cs2cs, must come back.
BOXES = {
    "5899": (390_000.0, 1_175_000.0, 425_000.0, 1_215_000.0),
    "3405": (690_000.0, 1_175_000.0, 730_000.0, 1_215_000.0),
    "3857": (11_900_000.0, 1_190_000.0, 11_930_000.0, 1_230_000.0),
    "4326": (10.6, 106.9, 10.8, 107.1),
    "4756": (10.6, 106.9, 10.8, 107.1),
}


@pytest.mark.parametrize("code", sorted(BOXES))
def test_bbox_in_a_crs_selects_what_meets_that_box(client, code) -> None:
    numbers = BOXES[code]
    wgs84 = ok_json(client.get("/api/clusters"))["features"]
    in_crs = _expected_xy(wgs84, code)
    lower, upper = (numbers[:2], numbers[2:])
    if DEFINITIONS[code][1]:
        lower, upper = lower[::-1], upper[::-1]
    area = box(*lower, *upper)
    wanted = []
    for feature in wgs84:
        if not feature["geometry"]:
            continue
        xy = in_crs[feature["id"]]
        geom = shape({**feature["geometry"], "coordinates": _like(feature["geometry"], xy)})
        if geom.intersects(area):
            wanted.append(feature["id"])
    assert wanted and len(wanted) < len(wgs84), "the box should hold some, not all, clusters"
    query = f"bbox={','.join(map(repr, numbers))}&bbox-crs={EPSG}{code}&limit=1000"
    got = sorted(f["id"] for f in all_items(client, "clusters", query))
    assert got == sorted(wanted)


def _like(geometry: dict, xy: list[tuple[float, float]]):
    """Coordinates shaped as ``geometry``'s, from its vertices ``xy`` in order."""
    moved = iter(xy)
    if geometry["type"] == "Point":
        return next(moved)
    if geometry["type"] == "Polygon":
        return [[next(moved) for _ in ring] for ring in geometry["coordinates"]]
    return [[[next(moved) for _ in ring] for ring in poly] for poly in geometry["coordinates"]]


def test_a_latitude_first_bbox_equals_the_crs84_one(client) -> None:
    crs84 = api_ids(client, "bbox=106.9,10.6,107.1,10.8")
    query = f"bbox=10.6,106.9,10.8,107.1&bbox-crs={EPSG}4326&limit=1000"
    assert sorted(f["id"] for f in all_items(client, "clusters", query)) == crs84
    # The districts and places collections take a bbox in another CRS too.
    for collection in ("districts", "places"):
        plain = all_items(client, collection, "bbox=106.7,10.5,107.6,11.6&limit=1000")
        other = all_items(
            client, collection, "bbox=10.5,106.7,11.6,107.6&bbox-crs=EPSG:4326&limit=1000"
        )
        assert sorted(f["id"] for f in other) == sorted(f["id"] for f in plain)


@pytest.mark.parametrize(
    ("query", "parameter", "reason"),
    [
        ("crs=EPSG:9999", "crs", "unsupported CRS"),
        ("crs=http://www.opengis.net/def/crs/EPSG/0/32648", "crs", "unsupported CRS"),
        ("bbox=1,2,3,4&bbox-crs=EPSG:27700", "bbox-crs", "unsupported CRS"),
        ("bbox=0,0,1,1&bbox-crs=EPSG:5899", "bbox", "outside the area of use of EPSG:5899"),
        # Đồng Nai lies west of UTM zone 49's area (108°E to 109.53°E).
        ("bbox=690000,1175000,730000,1215000&bbox-crs=EPSG:3406", "bbox", "outside the area"),
        ("bbox=1e30,1e30,2e30,2e30&bbox-crs=EPSG:3857", "bbox", "outside the area"),
        ("bbox=420000,1175000,390000,1215000&bbox-crs=EPSG:5899", "bbox", "minimum exceeds"),
        ("bbox=1,2,3&bbox-crs=EPSG:5899", "bbox", "expected 4 numbers"),
    ],
)
def test_bad_crs_or_bbox_gets_400_naming_the_parameter(client, query, parameter, reason) -> None:
    body = ok_json(client.get(f"/ogc/collections/clusters/items?{query}"), 400)
    errors = {e["field"]: e["reason"] for e in body["errors"]}
    assert parameter in errors and reason in errors[parameter], errors
    item = ok_json(client.get("/ogc/collections/clusters/items/ccn-vinh-tan?crs=EPSG:1"), 400)
    assert item["errors"][0]["field"] == "crs"


# --- real clients: GDAL's OAPIF driver (in its own process) and OWSLib -----------------

GDAL_CRS_READER = textwrap.dedent(
    """
    import json, sys
    import pyogrio

    url = "OAPIF:" + sys.argv[1] + "/ogc"
    out = {}
    for code, bbox in json.loads(sys.argv[2]).items():
        opts = {"CRS": "EPSG:" + code}
        info = pyogrio.read_info(url, layer="clusters", **opts)
        frame = pyogrio.read_dataframe(url, layer="clusters", bbox=tuple(bbox), **opts)
        out[code] = {
            "crs": str(info["crs"]),
            "features": [
                {"id": i, "wkt": g.wkt} for i, g in zip(frame["id"], frame.geometry)
            ],
        }
    print(json.dumps(out))
    """
)


def test_gdal_reads_the_clusters_in_3857_and_tm3_with_a_bbox_in_them(client, live_server) -> None:
    boxes = {code: BOXES[code] for code in ("3857", "5899")}
    result = subprocess.run(
        [sys.executable, "-c", GDAL_CRS_READER, live_server, json.dumps(boxes)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    read = json.loads(result.stdout)
    wgs84 = ok_json(client.get("/api/clusters"))["features"]
    for code, numbers in boxes.items():
        assert read[code]["crs"] == f"EPSG:{code}"
        served = all_items(
            client, "clusters", f"bbox={','.join(map(repr, numbers))}&bbox-crs=EPSG:{code}"
        )
        got = {f["id"]: shape_of(f["wkt"]) for f in read[code]["features"]}
        assert sorted(got) == sorted(f["id"] for f in served) and got
        expected = _expected_xy([f for f in wgs84 if f["id"] in got], code)
        for cluster_id, xy in expected.items():
            first = got[cluster_id]
            vertex = first.coords[0] if first.geom_type == "Point" else _first_vertex(first)
            assert _close(vertex, xy[0], code), (code, cluster_id, vertex, xy[0])


def shape_of(wkt: str):
    """A shapely geometry from WKT."""
    from shapely import wkt as shapely_wkt

    return shapely_wkt.loads(wkt)


def _first_vertex(geom) -> tuple[float, float]:
    polygon = geom if geom.geom_type == "Polygon" else geom.geoms[0]
    return polygon.exterior.coords[0]


def test_owslib_reads_the_clusters_in_3857_and_tm3_with_a_bbox_in_them(client, live_server) -> None:
    from owslib.ogcapi.features import Features

    service = Features(f"{live_server}/ogc")
    assert CONFORMANCE_CRS in service.conformance()["conformsTo"]
    assert f"{EPSG}5899" in service.collection("clusters")["crs"]
    wgs84 = ok_json(client.get("/api/clusters"))["features"]
    for code in ("3857", "5899"):
        crs = f"{EPSG}{code}"
        body = service.collection_items(
            "clusters", bbox=list(BOXES[code]), limit=1000, crs=crs, **{"bbox-crs": crs}
        )
        query = f"bbox={','.join(map(repr, BOXES[code]))}&bbox-crs={crs}&limit=1000"
        ids = sorted(f["id"] for f in all_items(client, "clusters", query))
        assert sorted(f["id"] for f in body["features"]) == ids and ids
        expected = _expected_xy([f for f in wgs84 if f["id"] in ids], code)
        for feature in body["features"]:
            got = _vertices(feature["geometry"])
            assert all(
                _close(g, e, code) for g, e in zip(got, expected[feature["id"]], strict=True)
            )


# --- files: the export endpoint and flask clusters export/import take a CRS ----------


def _file_vertices(frame) -> dict[str, list[tuple[float, float]]]:
    from shapely.geometry import mapping

    return {i: _vertices(mapping(g)) for i, g in zip(frame["id"], frame.geometry, strict=True) if g}


@pytest.mark.parametrize(("fmt", "code"), [("gpkg", "5899"), ("shp", "3405"), ("geojson", "5899")])
def test_export_in_a_crs_matches_cs2cs(client, tmp_path, fmt, code) -> None:
    import pyogrio

    response = client.get(f"/api/clusters/export?format={fmt}&crs=EPSG:{code}")
    assert response.status_code == 200, response.get_data(as_text=True)
    suffix = {"gpkg": "gpkg", "shp": "shp.zip", "geojson": "geojson"}[fmt]
    path = tmp_path / f"export.{suffix}"
    path.write_bytes(response.data)
    frames = [
        pyogrio.read_dataframe(path, layer=str(name)) for name, _ in pyogrio.list_layers(path)
    ]
    assert all(f.crs.to_epsg() == int(code) for f in frames)
    got = {k: v for f in frames for k, v in _file_vertices(f).items()}
    wgs84 = ok_json(client.get("/api/clusters"))["features"]
    expected = _expected_xy(wgs84, code)
    assert sorted(got) == sorted(expected)
    for cluster_id, xy in expected.items():
        assert all(_close(g, e, code) for g, e in zip(got[cluster_id], xy, strict=True))
    # The lon/lat columns stay WGS84: they are named so.
    lons = [v for f in frames for v in f["lon"].dropna()]
    assert lons and all(106 < v < 108 for v in lons)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("format=csv&crs=EPSG:5899", "csv is always WGS84"),
        ("format=kml&crs=EPSG:3405", "kml is always WGS84"),
        ("format=gpkg&crs=EPSG:32648", "unsupported CRS"),
    ],
)
def test_export_refuses_a_crs_it_cannot_write(client, query, reason) -> None:
    body = ok_json(client.get(f"/api/clusters/export?{query}"), 400)
    assert reason in {e["field"]: e["reason"] for e in body["errors"]}["crs"]


@pytest.mark.parametrize("name", ["tm3.gpkg", "tm3.shp.zip", "tm3.geojson"])
def test_cli_export_in_tm3_imports_back_unchanged(runner, accounts, store, tmp_path, name):
    import pyogrio

    path = tmp_path / name
    result = invoke(runner, "clusters", "export", path, "--crs", "EPSG:5899")
    assert result.exit_code == 0, result.output
    first = str(pyogrio.list_layers(path)[0][0])
    assert pyogrio.read_info(path, layer=first)["crs"] == "EPSG:5899"
    revision = store.revision()
    result = invoke(runner, "clusters", "import", path, "--user", "admin")
    assert result.exit_code == 0, result.output
    assert " 0 changed" in result.output and "0 rejected" in result.output
    assert store.revision() == revision
    bad = invoke(runner, "clusters", "export", tmp_path / "x.csv", "--crs", "EPSG:5899")
    assert bad.exit_code != 0 and "--crs" in bad.output


# A surveyor's point: CCN Thạnh Phú's neighbourhood, lon/lat WGS84.
SURVEYED = (106.8412345, 11.0154321)


def _surveyor_shapefile(tmp_path, with_prj: bool):
    import geopandas as gpd
    from shapely.geometry import Point

    x, y = cs2cs([SURVEYED], DEFINITIONS["5899"][0])[0]
    frame = gpd.GeoDataFrame(
        {
            "id": ["ccn-do-dac"],
            "name_vi": ["CCN Đo Đạc"],
            "kind": ["CCN"],
            "dist_code": ["735"],
            "loc_prec": ["surveyed"],
        },
        geometry=[Point(x, y)],
        crs="EPSG:5899" if with_prj else None,
    )
    path = tmp_path / ("with-prj" if with_prj else "no-prj") / "survey.shp"
    path.parent.mkdir()
    frame.to_file(path, engine="pyogrio", encoding="UTF-8")
    return path


def test_cli_import_of_a_tm3_shapefile_lands_where_surveyed(runner, accounts, client, tmp_path):
    bare = _surveyor_shapefile(tmp_path, with_prj=False)
    refused = invoke(runner, "clusters", "import", bare, "--user", "admin")
    assert refused.exit_code == 1 and "states no coordinate reference system" in refused.output
    wrong = invoke(runner, "clusters", "import", bare, "--user", "admin", "--crs", "EPSG:9")
    assert wrong.exit_code != 0 and "--crs" in wrong.output
    result = invoke(runner, "clusters", "import", bare, "--user", "admin", "--crs", "EPSG:5899")
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output
    lon, lat = ok_json(client.get("/api/clusters/ccn-do-dac"))["geometry"]["coordinates"]
    assert _close((lon, lat), SURVEYED, "4326")
    # A file that states its CRS needs no --crs, and one stating another is refused.
    stated = _surveyor_shapefile(tmp_path, with_prj=True)
    again = invoke(runner, "clusters", "import", stated, "--user", "admin", "--dry-run")
    assert again.exit_code == 0 and "1 unchanged" in again.output, again.output
    clash = invoke(runner, "clusters", "import", stated, "--user", "admin", "--crs", "EPSG:3405")
    assert clash.exit_code == 1 and "not EPSG:3405" in clash.output


# A surveyor's DXF in TM-3 107-45: one layer per cluster, named by its id.
DXF_BOUNDARIES = {
    # A parcel boundary drawn as a polygon (GDAL writes a HATCH) ...
    "ccn-long-phuoc-1": [
        (106.9908765, 10.7143211),
        (106.9991234, 10.7145678),
        (106.9989876, 10.7223456),
        (106.9907654, 10.7221234),
    ],
    # ... and one as a closed polyline, as CAD programs draw them.
    "ccn-gom-su-tan-hanh": [
        (106.7754321, 10.9471234),
        (106.7834567, 10.9473456),
        (106.7831234, 10.9545678),
    ],
}


def _surveyor_dxf(tmp_path, layers: dict[str, list[tuple[float, float]]], name: str):
    import geopandas as gpd
    import pyogrio
    from shapely.geometry import LineString, Point, Polygon

    rows, geometries = [], []
    for layer, ring in layers.items():
        xy = cs2cs(ring, DEFINITIONS["5899"][0])
        closed = [*xy, xy[0]]
        rows.append(layer)
        geometries.append(Polygon(xy) if len(ring) == 4 else LineString(closed))
        # A survey marker and a dimension line beside the boundary do not replace it.
        rows += [layer, layer]
        geometries += [Point(*xy[0]), LineString(xy[:2])]
    frame = gpd.GeoDataFrame(
        {"Layer": rows},
        geometry=geometries,
        crs=None,
    )
    path = tmp_path / name
    with warnings.catch_warnings():
        # A DXF states no CRS: that is the point of the test, not a mistake to warn about.
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        pyogrio.write_dataframe(frame, path, driver="DXF")
    return path


def test_cli_import_of_a_tm3_dxf_lands_where_surveyed(runner, accounts, client, tmp_path):
    path = _surveyor_dxf(tmp_path, DXF_BOUNDARIES, "khao-sat.dxf")
    refused = invoke(runner, "clusters", "import", path, "--user", "admin")
    assert refused.exit_code == 1 and "states no coordinate reference system" in refused.output
    result = invoke(runner, "clusters", "import", path, "--user", "admin", "--crs", "EPSG:5899")
    assert result.exit_code == 0, result.output
    assert "2 changed" in result.output, result.output
    for cluster_id, ring in DXF_BOUNDARIES.items():
        feature = ok_json(client.get(f"/api/clusters/{cluster_id}"))
        assert feature["geometry"]["type"] == "Polygon", cluster_id
        assert feature["properties"]["location_precision"] == "surveyed"
        got = _vertices(feature["geometry"])
        # Every vertex within 5 cm of where the surveyor measured it (rings close on the first).
        assert len(got) == len(ring) + 1
        for vertex in got:
            assert any(_close(vertex, point, "4326") for point in ring), (cluster_id, vertex)
        assert all(any(_close(v, point, "4326") for v in got) for point in ring)


def test_a_dxf_drawn_on_layer_0_is_refused(runner, accounts, tmp_path):
    path = _surveyor_dxf(tmp_path, {"0": DXF_BOUNDARIES["ccn-long-phuoc-1"]}, "ban-ve.dxf")
    result = invoke(runner, "clusters", "import", path, "--user", "admin", "--crs", "EPSG:5899")
    assert result.exit_code == 1 and 'layer "0"' in result.output, result.output


def _r12_dxf(entities: list[list[str]]) -> str:
    """A DXF R12 ENTITIES section, as older CAD programs and survey software write it."""
    codes = ["0", "SECTION", "2", "ENTITIES", *(c for e in entities for c in e), "0", "ENDSEC"]
    return "\n".join([*codes, "0", "EOF"]) + "\n"


def _polyline(layer: str, xy: list[tuple[float, float]]) -> list[str]:
    codes = ["0", "POLYLINE", "8", layer, "66", "1", "70", "1"]  # 70 = 1: closed
    for x, y in xy:
        codes += ["0", "VERTEX", "8", layer, "10", f"{x:.4f}", "20", f"{y:.4f}", "30", "0.0"]
    return [*codes, "0", "SEQEND", "8", layer]


def _text(layer: str, x: float, y: float, words: str) -> list[str]:
    coords = ["10", f"{x:.4f}", "20", f"{y:.4f}", "30", "0.0"]
    return ["0", "TEXT", "8", layer, *coords, "40", "2.5", "1", words]


def test_a_cad_dxf_closed_polyline_is_a_boundary_and_its_labels_are_not(
    runner, accounts, client, tmp_path
):
    ring = DXF_BOUNDARIES["ccn-long-phuoc-1"]
    xy = cs2cs(ring, DEFINITIONS["5899"][0])
    other = cs2cs(DXF_BOUNDARIES["ccn-gom-su-tan-hanh"][:1], DEFINITIONS["5899"][0])[0]
    path = tmp_path / "cad.dxf"
    path.write_text(
        _r12_dxf(
            [
                _polyline("ccn-long-phuoc-1", xy),
                _text("ccn-long-phuoc-1", *xy[0], "CCN Long Phuoc 1"),
                # A label alone on another cluster's layer does not move that cluster.
                _text("ccn-gom-su-tan-hanh", *other, "CCN Gom su Tan Hanh"),
            ]
        ),
        encoding="ascii",
    )
    before = ok_json(client.get("/api/clusters/ccn-gom-su-tan-hanh"))["geometry"]
    result = invoke(runner, "clusters", "import", path, "--user", "admin", "--crs", "EPSG:5899")
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output, result.output
    feature = ok_json(client.get("/api/clusters/ccn-long-phuoc-1"))
    got = _vertices(feature["geometry"])
    assert feature["geometry"]["type"] == "Polygon" and len(got) == len(ring) + 1
    assert all(any(_close(v, point, "4326") for point in ring) for v in got)
    assert ok_json(client.get("/api/clusters/ccn-gom-su-tan-hanh"))["geometry"] == before
