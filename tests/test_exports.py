"""Exports: every format through the API, read back with GDAL (pyogrio), same features."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyogrio
import pytest

from gis.core.exports import BASE_COLUMNS, HEADERS_VI, distance_column
from tests.helpers import PLACE_IDS, apply_changes, assert_bad

FORMATS = ("csv", "xlsx", "geojson", "gpkg", "kml", "shp")
SPATIAL_WITHOUT_NULL_GEOMETRY = ("kml", "shp")
QUERIES = (
    "",
    "district=740&sort=-planned_area_ha",
    "q=long phuoc",
    "kind=CNHT",  # the sub-zones have no location
    "min_free_land_ha=10&ready=false",
)


def _api(client, query: str) -> list[dict]:
    response = client.get(f"/api/clusters?{query}")
    assert response.status_code == 200
    return response.get_json()["features"]


def _export(client, fmt: str, query: str, lang: str | None = None):
    url = f"/api/clusters/export?format={fmt}" + (f"&{query}" if query else "")
    if lang:
        url += f"&lang={lang}"
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _read_back(response, fmt: str, tmp_path: Path):
    """The exported file read with GDAL, as a QGIS user would open it."""
    filename = response.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
    path = tmp_path / filename
    path.write_bytes(response.data)
    if fmt == "shp":
        return pyogrio.read_dataframe(f"/vsizip/{path}/dong-nai-clusters.shp")
    if fmt == "xlsx":
        # GDAL guesses whether the first row is a header; the export always has one.
        pyogrio.set_gdal_config_options({"OGR_XLSX_HEADERS": "FORCE"})
        try:
            return pyogrio.read_dataframe(path)
        finally:
            pyogrio.set_gdal_config_options({"OGR_XLSX_HEADERS": None})
    return pyogrio.read_dataframe(path)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_holds_exactly_the_filtered_clusters(
    client, store, tmp_path: Path, fmt: str, query: str
) -> None:
    apply_changes(store)
    features = _api(client, query)
    response = _export(client, fmt, query)
    frame = _read_back(response, fmt, tmp_path)
    expected = [f["id"] for f in features]
    without_geometry = [f["id"] for f in features if f["geometry"] is None]
    if fmt in SPATIAL_WITHOUT_NULL_GEOMETRY:
        expected = [i for i in expected if i not in without_geometry]
        assert response.headers["X-Omitted-Without-Geometry"] == str(len(without_geometry))
    else:
        assert response.headers["X-Omitted-Without-Geometry"] == "0"
    # The same clusters in the same order as the list.
    assert list(frame["id"]) == expected
    if expected:
        names = {f["id"]: f["properties"]["name_vi"] for f in features}
        name_column = "Name" if fmt == "kml" else "name_vi"
        assert list(frame[name_column]) == [names[i] for i in expected]


@pytest.mark.parametrize("fmt", FORMATS)
def test_vietnamese_names_survive_every_format(client, tmp_path: Path, fmt: str) -> None:
    frame = _read_back(_export(client, fmt, "q=long phuoc 1"), fmt, tmp_path)
    name_column = "Name" if fmt == "kml" else "name_vi"
    assert list(frame[name_column]) == ["CCN Long Phước 1"]
    frame = _read_back(_export(client, fmt, "district=736"), fmt, tmp_path)
    assert "CCN Phú Túc" in set(frame[name_column])


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "gpkg"])
def test_flat_columns_with_components_lists_and_distances(
    client, store, tmp_path: Path, fmt: str
) -> None:
    apply_changes(store)
    frame = _read_back(_export(client, fmt, ""), fmt, tmp_path)
    columns = set(frame.columns)
    for component in ("roads", "power", "water", "wastewater", "drainage", "fire"):
        assert f"infra_{component}" in columns
    for place_id in PLACE_IDS:
        assert distance_column(place_id) in columns
    assert "dist_airport_long_thanh_km" in columns
    row = frame.set_index("id").loc["ccn-long-giao"]
    assert row["industries"] == "chế biến nông sản, thực phẩm; chế biến hạt điều (ưu tiên)"
    assert row["infra_roads"] == "done"
    assert float(row["free_land_ha"]) == 30.0
    api = client.get("/api/clusters/ccn-long-giao").get_json()["properties"]
    km = api["distances_km"]["airport-long-thanh"]
    assert float(row["dist_airport_long_thanh_km"]) == pytest.approx(km)
    assert row["nearest_interchange_id"] == api["nearest_interchange"]["id"]


def test_csv_is_utf8_with_a_bom(client) -> None:
    response = _export(client, "csv", "")
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,name_vi,name_en,")
    assert "CCN Long Phước 1" in text


def test_features_without_location_stay_in_csv_xlsx_geojson_gpkg(client, tmp_path: Path) -> None:
    for fmt in ("csv", "xlsx", "geojson", "gpkg"):
        frame = _read_back(_export(client, fmt, ""), fmt, tmp_path)
        assert {"ccn-doc-47", "cnht-03-phan-khu"} <= set(frame["id"])
        if fmt in ("geojson", "gpkg"):
            located = frame.set_index("id").geometry
            assert located["ccn-doc-47"] is None
            assert located["ccn-long-phuoc-1"].geom_type == "Point"


def test_geojson_follows_rfc_7946(client) -> None:
    body = json.loads(_export(client, "geojson", "").data)
    assert body["type"] == "FeatureCollection"
    assert "crs" not in body
    feature = next(f for f in body["features"] if f["id"] == "ccn-long-phuoc-1")
    assert feature["properties"]["name_vi"] == "CCN Long Phước 1"
    lon, lat = feature["geometry"]["coordinates"][:2]
    assert 106 < lon < 108 and 10 < lat < 12  # [lon, lat] order


def test_shapefile_zip_has_cpg_short_fields_and_their_meaning(client, tmp_path: Path) -> None:
    response = _export(client, "shp", "")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    for ending in ("shp", "shx", "dbf", "prj", "cpg"):
        assert f"dong-nai-clusters.{ending}" in names
    assert archive.read("dong-nai-clusters.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
    note = archive.read("fields.txt").decode("utf-8")
    assert "dist_code\tdistrict_code" in note
    path = tmp_path / "dong-nai-clusters.shp.zip"
    path.write_bytes(response.data)
    info = pyogrio.read_info(f"/vsizip/{path}/dong-nai-clusters.shp")
    assert info["encoding"] == "UTF-8"
    assert all(len(field) <= 10 for field in info["fields"])
    assert len(set(info["fields"])) == len(info["fields"])
    for short in info["fields"]:
        assert f"\n{short}\t" in note


def test_kml_names_each_placemark(client) -> None:
    text = _export(client, "kml", "").data.decode("utf-8")
    assert '<Placemark id="ccn-long-phuoc-1">' in text
    assert "<name>CCN Long Phước 1</name>" in text


def test_content_disposition_names_the_file(client) -> None:
    endings = {
        "csv": "csv",
        "xlsx": "xlsx",
        "geojson": "geojson",
        "gpkg": "gpkg",
        "kml": "kml",
        "shp": "shp.zip",
    }
    for fmt, ending in endings.items():
        disposition = _export(client, fmt, "").headers["Content-Disposition"]
        assert disposition == f'attachment; filename="dong-nai-clusters.{ending}"'


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "gpkg"])
def test_vietnamese_headers_on_request(client, tmp_path: Path, fmt: str) -> None:
    frame = _read_back(_export(client, fmt, "", lang="vi"), fmt, tmp_path)
    assert list(frame.columns[:3]) == [HEADERS_VI["id"], HEADERS_VI["name_vi"], "Tên tiếng Anh"]
    assert "Tỷ lệ lấp đầy (%)" in frame.columns
    assert "Khoảng cách đường chim bay đến Cảng hàng không quốc tế Long Thành (km)" in (
        frame.columns
    )
    assert "CCN Long Phước 1" in set(frame[HEADERS_VI["name_vi"]])


def test_english_headers_by_default_and_every_column_has_a_vietnamese_header(client) -> None:
    header = _export(client, "csv", "").data.decode("utf-8-sig").splitlines()[0]
    assert header.split(",")[: len(BASE_COLUMNS)] == list(BASE_COLUMNS)
    assert set(HEADERS_VI) == set(BASE_COLUMNS)


def test_export_revalidates_with_its_etag(client, store) -> None:
    first = _export(client, "gpkg", "district=740")
    again = client.get(
        "/api/clusters/export?format=gpkg&district=740",
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    with store.write():
        pass
    after = client.get(
        "/api/clusters/export?format=gpkg&district=740",
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert after.status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("format=pdf", "format"),
        ("", "format"),
        ("format=csv&lang=fr", "lang"),
        ("format=csv&district=999", "district"),
        ("format=csv&sort=size", "sort"),
        ("format=shp&min_free_land_ha=-3", "min_free_land_ha"),
    ],
)
def test_bad_export_parameters_get_400_naming_them(client, query: str, field: str) -> None:
    assert_bad(client.get(f"/api/clusters/export?{query}"), field)
