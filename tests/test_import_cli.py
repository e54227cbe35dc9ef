"""flask clusters import / export, on SQLite and PostGIS."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, shape

from gis.core.history import verify
from gis.io import EXPORT_MEDIA
from tests.helpers import ALL, CLUSTERS, SEED, invoke

LOCATED = sum(f["geometry"] is not None for f in CLUSTERS["features"])
MOVED = "ccn-vinh-tan"  # Vĩnh Cửu (735)
LT_CLUSTER = "ccn-long-phuoc-1"  # Long Thành (740)
BH_CLUSTER = next(i for i, f in SEED.items() if f["properties"]["district_code"] == "731")


def _feature(cluster_id: str, **changes) -> dict:
    feature = json.loads(json.dumps(SEED[cluster_id]))
    geometry = changes.pop("geometry", feature["geometry"])
    feature["properties"].update(changes)
    feature["geometry"] = geometry
    return feature


def _write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


NEW_CLUSTER = {
    "type": "Feature",
    "id": "ccn-thu-nghiem",
    "geometry": {"type": "Point", "coordinates": [107.05, 10.95]},
    "properties": {
        "id": "ccn-thu-nghiem",
        "name_vi": "CCN Thử Nghiệm Đông Hòa",
        "kind": "CCN",
        "district_code": "735",
        "stage": "planned",
        "location_precision": "commune_centroid",
        "infrastructure": {"roads": "building"},
        "industries": ["cơ khí, chế tạo"],
    },
}


def _events(store, cluster_id: str) -> list:
    from gis.core.history import events_of

    with store.session() as session:
        return events_of(session, "cluster", cluster_id)


def _record(client, cluster_id: str) -> dict:
    return client.get(f"/api/clusters/{cluster_id}").get_json()


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("c.geojson", []),
        ("c.gpkg", []),
        ("c-vi.gpkg", ["--lang", "vi"]),
        ("c.shp.zip", []),
        ("c.csv", []),
    ],
)
def test_an_export_imports_back_unchanged(runner, accounts, store, tmp_path, name, extra) -> None:
    """A GIS officer's round trip: export, open in QGIS, import; nothing changes by itself."""
    path = tmp_path / name
    result = invoke(runner, "clusters", "export", path, *extra)
    assert result.exit_code == 0, result.output
    revision = store.revision()
    result = invoke(runner, "clusters", "import", path, "--user", "admin")
    assert result.exit_code == 0, result.output
    expected = LOCATED if name.endswith(".zip") else ALL
    assert f"0 added, 0 changed, {expected} unchanged, 0 rejected." in result.output
    assert "Nothing to write" in result.output
    assert store.revision() == revision


def test_the_seed_file_imports_unchanged(runner, accounts) -> None:
    from tests.conftest import ROOT

    result = invoke(
        runner, "clusters", "import", ROOT / "data" / "clusters.geojson", "--user", "admin"
    )
    assert result.exit_code == 0, result.output
    assert f"0 added, 0 changed, {ALL} unchanged, 0 rejected." in result.output


def _mixed_file(tmp_path: Path) -> Path:
    """One change, one move, one new cluster, one invalid feature, as QGIS would save them:
    flat columns as in our exports, projected to UTM 48N (VN-2000 users often send UTM)."""
    seed = {i: f["properties"] for i, f in SEED.items()}
    rows = [
        {**_flat(seed[LT_CLUSTER]), "stage": "building", "clearance_status": "in_progress"},
        # A move states how precise the new place is (a file without it is refused).
        {**_flat(seed[MOVED]), "location_precision": "surveyed"},
        {
            **_flat(NEW_CLUSTER["properties"]),
            "infra_roads": "building",
            "industries": "cơ khí, chế tạo",
        },
        {**_flat(seed["ccn-an-vien"]), "planned_area_ha": -5.0, "industrial_land_ha": 10.0},
    ]
    points = [
        shape(SEED[LT_CLUSTER]["geometry"]),
        Point(107.02, 11.05),
        shape(NEW_CLUSTER["geometry"]),
        shape(SEED["ccn-an-vien"]["geometry"]),
    ]
    frame = gpd.GeoDataFrame(rows, geometry=points, crs="EPSG:4326")
    path = tmp_path / "mixed.gpkg"
    frame.to_crs("EPSG:32648").to_file(path, driver="GPKG", engine="pyogrio")
    return path


def _flat(props: dict) -> dict:
    """The columns a user keeps when editing: scalars only."""
    keep = (
        "id",
        "name_vi",
        "kind",
        "district_code",
        "stage",
        "clearance_status",
        "planned_area_ha",
        "industrial_land_ha",
        "location_precision",
    )
    return {k: props.get(k) for k in keep}


def test_a_rejected_feature_stops_the_whole_import(runner, accounts, store, client, tmp_path):
    path = _mixed_file(tmp_path)
    revision = store.revision()
    for flags in ([], ["--dry-run"]):
        result = invoke(runner, "clusters", "import", path, "--user", "admin", *flags)
        assert result.exit_code == 1, result.output
        assert "rejected  feature 4 (ccn-an-vien): planned_area_ha:" in result.output
        assert "1 added, 2 changed, 0 unchanged, 1 rejected." in result.output
        assert "Nothing written" in result.output
    assert store.revision() == revision
    assert client.get("/api/clusters/ccn-thu-nghiem").status_code == 404
    assert (
        _record(client, LT_CLUSTER)["properties"]["stage"]
        == SEED[LT_CLUSTER]["properties"]["stage"]
    )


def test_dry_run_reports_and_writes_nothing(runner, accounts, store, tmp_path) -> None:
    path = _write_geojson(
        tmp_path / "ok.geojson", [NEW_CLUSTER, _feature(LT_CLUSTER, stage="building")]
    )
    revision = store.revision()
    result = invoke(runner, "clusters", "import", path, "--user", "admin", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "added     feature 1 (ccn-thu-nghiem)" in result.output
    assert f"changed   feature 2 ({LT_CLUSTER}): stage" in result.output
    assert "Dry run: nothing written." in result.output
    assert store.revision() == revision


def test_skip_invalid_writes_the_rest_as_one_change_set(runner, accounts, store, client, tmp_path):
    path = _mixed_file(tmp_path)
    result = invoke(runner, "clusters", "import", path, "--user", "admin", "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "Written as change set import-" in result.output

    changed = _record(client, LT_CLUSTER)["properties"]
    assert changed["stage"] == "building" and changed["clearance_status"] == "in_progress"
    moved = _record(client, MOVED)
    x, y = moved["geometry"]["coordinates"]
    assert abs(x - 107.02) < 1e-6 and abs(y - 11.05) < 1e-6, "reprojected from UTM to WGS84"
    assert moved["properties"]["location_precision"] == "surveyed"
    added = _record(client, "ccn-thu-nghiem")
    assert added["properties"]["name_vi"] == "CCN Thử Nghiệm Đông Hòa"
    assert added["properties"]["industries"] == ["cơ khí, chế tạo"]
    assert added["properties"]["infrastructure"]["roads"] == "building"
    assert added["properties"]["version"] == 1
    assert _record(client, "ccn-an-vien")["properties"]["planned_area_ha"] is None

    events = [e for c in (LT_CLUSTER, MOVED, "ccn-thu-nghiem") for e in _events(store, c)]
    assert len(events) == 3
    assert len({e.change_set for e in events}) == 1 and events[0].change_set.startswith("import-")
    assert {e.actor for e in events} == {"admin"}
    assert all(e.note == "import of mixed.gpkg" for e in events)
    with store.session() as session:
        assert verify(session)[1] == []


def test_csv_with_lon_lat_or_wkt(runner, accounts, client, tmp_path) -> None:
    lonlat = tmp_path / "lonlat.csv"
    lonlat.write_text(
        "id,name_vi,kind,district_code,location_precision,lon,lat\n"
        "ccn-moi-mot,CCN Mới Một,CCN,735,commune_centroid,107.03,10.99\n",
        encoding="utf-8",
    )
    wkt = tmp_path / "wkt.csv"
    wkt.write_text(
        "id,name_vi,kind,district_code,planned_area_ha,WKT\n"
        'ccn-moi-hai,CCN Mới Hai,CCN,735,60,"POLYGON ((107.0 10.9, 107.01 10.9, 107.01 10.91, '
        '107.0 10.91, 107.0 10.9))"\n',
        encoding="utf-8",
    )
    for path in (lonlat, wkt):
        result = invoke(runner, "clusters", "import", path, "--user", "admin")
        assert result.exit_code == 0, result.output
        assert "1 added" in result.output
    assert _record(client, "ccn-moi-mot")["geometry"]["coordinates"] == [107.03, 10.99]
    polygon = shape(_record(client, "ccn-moi-hai")["geometry"])
    assert polygon.geom_type == "Polygon" and polygon.covers(Point(107.005, 10.905))


def test_geometry_outside_the_province_or_swapped_is_rejected(runner, accounts, tmp_path) -> None:
    swapped = _feature(MOVED, geometry={"type": "Point", "coordinates": [11.05, 107.02]})
    far = dict(NEW_CLUSTER, geometry={"type": "Point", "coordinates": [105.8, 21.0]})
    path = _write_geojson(tmp_path / "bad.geojson", [swapped, far])
    result = invoke(runner, "clusters", "import", path, "--user", "admin")
    assert result.exit_code == 1
    assert "swapped" in result.output and "outside Đồng Nai province" in result.output


def test_editors_import_only_within_their_scope(runner, accounts, client, tmp_path) -> None:
    own = _feature(LT_CLUSTER, stage="building")
    other = _feature(BH_CLUSTER, stage="building")
    renamed = _feature(LT_CLUSTER, name_vi="Tên khác")
    path = _write_geojson(tmp_path / "scope.geojson", [other, NEW_CLUSTER])
    result = invoke(runner, "clusters", "import", path, "--user", "lt-editor")
    assert result.exit_code == 1
    assert "this cluster is outside your district" in result.output
    assert "only administrators can do this" in result.output
    for feature, expected in ((renamed, "editors cannot change name_vi"), (own, "1 changed")):
        path = _write_geojson(tmp_path / "one.geojson", [feature])
        result = invoke(runner, "clusters", "import", path, "--user", "lt-editor")
        assert expected in result.output, result.output
    # The whole district, names and sources included, unchanged: nothing is forbidden.
    path = tmp_path / "lt.gpkg"
    assert invoke(runner, "clusters", "export", path, "--district", "740").exit_code == 0
    result = invoke(runner, "clusters", "import", path, "--user", "lt-editor")
    assert result.exit_code == 0, result.output
    assert "0 rejected" in result.output


def test_bad_user_file_or_columns_are_refused(runner, accounts, tmp_path) -> None:
    path = _write_geojson(tmp_path / "ok.geojson", [NEW_CLUSTER])
    result = invoke(runner, "clusters", "import", path, "--user", "nobody")
    assert result.exit_code == 2 and "--user" in result.output
    odd = _write_geojson(
        tmp_path / "odd.geojson",
        [dict(NEW_CLUSTER, properties={**NEW_CLUSTER["properties"], "stag": "planned"})],
    )
    result = invoke(runner, "clusters", "import", odd, "--user", "admin")
    assert result.exit_code == 1 and "unknown columns: stag" in result.output
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"not a geopackage")
    assert invoke(runner, "clusters", "import", junk, "--user", "admin").exit_code == 1
    twice = _write_geojson(tmp_path / "twice.geojson", [NEW_CLUSTER, NEW_CLUSTER])
    result = invoke(runner, "clusters", "import", twice, "--user", "admin")
    assert result.exit_code == 1 and "id: repeated in the file" in result.output


def test_export_writes_what_the_api_exports(runner, client, tmp_path) -> None:
    for fmt in ("csv", "xlsx", "geojson", "gpkg", "kml", "shp"):
        path = tmp_path / f"out.{EXPORT_MEDIA[fmt][0]}"
        result = invoke(runner, "clusters", "export", path, "--format", fmt, "--district", "740")
        assert result.exit_code == 0, result.output
        api = client.get(f"/api/clusters/export?format={fmt}&district=740")
        if fmt in ("csv", "geojson", "kml"):
            assert path.read_bytes() == api.data, fmt
        elif fmt == "shp":
            with (
                zipfile.ZipFile(path) as ours,
                zipfile.ZipFile(io.BytesIO(api.data)) as theirs,
            ):
                assert sorted(ours.namelist()) == sorted(theirs.namelist())
    frame = gpd.read_file(tmp_path / "out.gpkg")
    api_ids = [f["id"] for f in client.get("/api/clusters?district=740").get_json()["features"]]
    assert list(frame["id"]) == api_ids
    result = invoke(runner, "clusters", "export", tmp_path / "x.txt")
    assert result.exit_code == 2 and "--format" in result.output
    result = invoke(runner, "clusters", "export", tmp_path / "y.csv", "--stage", "built")
    assert result.exit_code == 1 and "--stage" in result.output


def test_list_paging_reads_only_the_index_after_an_import(
    runner, accounts, store, tmp_path, backend
) -> None:
    """The list's paging reads only the (sort_name, id) index. SQLite's plan says so at
    once; PostgreSQL needs a visibility map and fresh statistics after a bulk load, so the
    import runs VACUUM (ANALYZE)."""
    from sqlalchemy import text

    if backend == "sqlite":
        keys = "SELECT id FROM clusters ORDER BY sort_name, id LIMIT 100 OFFSET 20"
        with store.engine.connect() as conn:
            plan = " ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {keys}"))
        assert "COVERING INDEX ix_clusters_name_order" in plan, plan
        return

    def vacuumed() -> int:
        with store.engine.connect() as conn:
            query = (
                "SELECT vacuum_count FROM pg_stat_user_tables "
                "WHERE relname = 'clusters' AND schemaname = current_schema()"
            )
            return conn.execute(text(query)).scalar_one()

    before = vacuumed()
    frame = gpd.GeoDataFrame(
        [_flat(NEW_CLUSTER["properties"])], geometry=[shape(NEW_CLUSTER["geometry"])], crs=4326
    )
    path = tmp_path / "one.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    result = invoke(runner, "clusters", "import", path, "--user", "admin")
    assert result.exit_code == 0, result.output
    assert vacuumed() > before
