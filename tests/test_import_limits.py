"""The import command bounds what it reads and ends every bad file with its name and the
reason, never a traceback: deep JSON, a truncated Shapefile, a zip of a million features."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from gis.core.imports import MAX_JSON_DEPTH

CLUSTER = "ccn-long-phuoc-1"
HOME = Point(106.994895, 10.718385)


def _import(runner, path: Path, *extra: str):
    result = runner.invoke(args=["clusters", "import", str(path), "--user", "admin", *extra])
    # A clean end: exit status 1 with a message, not an exception escaping the command.
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result.output


def _frame(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=[HOME] * len(rows), crs="EPSG:4326")


@pytest.mark.parametrize("column", ["infrastructure", "sources"])
def test_a_deeply_nested_json_column_is_rejected_by_name(
    runner, accounts, tmp_path, backend, column
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "deep.csv"
    _frame([{"id": CLUSTER, column: deep}]).to_file(
        path, driver="CSV", engine="pyogrio", layer_options={"GEOMETRY": "AS_XY"}
    )
    output = _import(runner, path)
    assert f"{column}: is JSON nested more than {MAX_JSON_DEPTH} levels deep" in output
    nine = "[" * 9 + "]" * 9  # within Python's limits, still deeper than any of our columns
    path = tmp_path / "nine.csv"
    _frame([{"id": CLUSTER, column: nine}]).to_file(
        path, driver="CSV", engine="pyogrio", layer_options={"GEOMETRY": "AS_XY"}
    )
    assert f"{column}: is JSON nested more than" in _import(runner, path)


def test_a_deeply_nested_geojson_property_names_the_file(runner, accounts, tmp_path, backend):
    nested = '{"a":' * 5_000 + '"x"' + "}" * 5_000
    point = json.dumps({"type": "Point", "coordinates": [HOME.x, HOME.y]})
    feature = (
        f'{{"type": "Feature", "geometry": {point}, '
        f'"properties": {{"id": "{CLUSTER}", "sources": {nested}}}}}'
    )
    path = tmp_path / "deep.geojson"
    path.write_text(f'{{"type": "FeatureCollection", "features": [{feature}]}}')
    output = _import(runner, path)
    assert f"{path}: cannot read:" in output and "nested" in output


@pytest.mark.parametrize("part", [".shp", ".dbf", ".shx"])
def test_a_truncated_shapefile_names_the_file_and_reason(
    runner, accounts, tmp_path, backend, part
) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    rows = [{"id": f"ccn-test-{i}", "name_vi": f"CCN Thử {i}"} for i in range(50)]
    _frame(rows).to_file(folder / "c.shp", engine="pyogrio")
    victim = folder / f"c{part}"
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2 + 3])
    path = tmp_path / "c.shp.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)
    output = _import(runner, path)
    assert f"{path}: cannot read:" in output


def test_a_zip_of_a_million_features_is_refused_before_reading(
    runner, accounts, store, tmp_path, backend
) -> None:
    path = tmp_path / "million.zip"
    # 16 MB of CSV, 30 kB zipped: GDAL counts its lines without loading them.
    lines = "id,name_vi,lon,lat\n" + "ccn-bomb,CCN Bom,107.0,10.9\n" * 1_000_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.csv", lines)
    revision = store.revision()
    output = _import(runner, path)
    assert f"{path}: cannot read: holds more than 200,000 features" in output
    assert store.revision() == revision


def test_feature_and_byte_limits_are_options(runner, accounts, tmp_path, backend) -> None:
    path = tmp_path / "few.gpkg"
    rows = [{"id": f"ccn-test-{i}", "name_vi": f"CCN Thử {i}"} for i in range(11)]
    _frame(rows).to_file(path, engine="pyogrio")
    output = _import(runner, path, "--max-features", "10")
    assert "holds more than 10 features (11 counted)" in output
    output = _import(runner, path, "--max-bytes", "1000")
    assert "bytes (uncompressed); the limit is 1,000 (--max-bytes)" in output
