"""The store: SQLite settings, spatial indexes in use, seeding once, boundaries import."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import box
from sqlalchemy import text

from app import create_app
from gis.core.clusters import ClusterFilter, find_clusters
from tests.conftest import DISTRICT_BOUNDARIES, reference


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    with app.extensions["store"].engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_default_database_is_a_sqlite_file_under_instance(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True, "GIS_AUTO_INIT": False})  # connects to nothing
    url = app.extensions["store"].engine.url
    assert url.drivername == "sqlite"
    assert Path(url.database) == Path(app.instance_path) / "clusters.sqlite"


def test_bbox_query_is_answered_by_the_spatial_index(store) -> None:
    with store.engine.connect() as conn:
        if store.sql.name == "sqlite":
            plan = " ".join(
                str(r)
                for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT pk FROM clusters_rtree WHERE max_lon >= 106.9 "
                    "AND min_lon <= 107.1 AND max_lat >= 10.6 AND min_lat <= 10.8"
                )
            )
            assert "VIRTUAL TABLE INDEX" in plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(
                r[0]
                for r in conn.exec_driver_sql(
                    "EXPLAIN SELECT id FROM clusters WHERE geom && "
                    "ST_MakeEnvelope(106.9, 10.6, 107.1, 10.8, 4326)"
                )
            )
            assert "ix_clusters_geom" in plan


def test_spatial_index_follows_updates_and_deletes(store) -> None:
    area = (106.9, 10.6, 107.1, 10.8)
    with store.session() as session:
        before = {c.id for c in find_clusters(session, store.sql, ClusterFilter(bbox=area))}
    assert "ccn-long-phuoc-1" in before
    with store.write() as session:
        session.execute(
            text(
                "UPDATE clusters SET min_lon = 107.5, max_lon = 107.5, "
                "min_lat = 11.5, max_lat = 11.5, geom_wkb = :wkb "
                "WHERE id = 'ccn-long-phuoc-1'"
            ),
            {"wkb": box(107.49, 11.49, 107.5, 11.5).wkb},
        )
        session.execute(text("DELETE FROM clusters WHERE id = 'ccn-phuoc-binh'"))
    with store.session() as session:
        after = {c.id for c in find_clusters(session, store.sql, ClusterFilter(bbox=area))}
    assert after == before - {"ccn-long-phuoc-1", "ccn-phuoc-binh"}


def test_restart_never_reloads_over_existing_data(app, database_url: str, store) -> None:
    with store.write() as session:
        session.execute(text("UPDATE districts SET zone = 'I' WHERE code = '742'"))
        session.execute(text("DELETE FROM clusters WHERE id = 'ccn-doc-47'"))
    again = create_app({"TESTING": True, "DATABASE_URL": database_url})
    client = again.test_client()
    districts = client.get("/api/districts").get_json()["features"]
    assert next(d for d in districts if d["id"] == "742")["properties"]["zone"] == "I"
    assert client.get("/api/clusters/ccn-doc-47").status_code == 404
    again.extensions["store"].dispose()


def test_boundaries_import_rejects_unmatched_features_and_writes_nothing(
    runner,
    client,
    tmp_path: Path,
) -> None:
    frame = gpd.read_file(reference(DISTRICT_BOUNDARIES))
    frame.loc[0, "code"] = "999"
    frame.loc[0, "name"] = "Huyện Không Có"
    bad = tmp_path / "bad.gpkg"
    frame.to_file(bad, driver="GPKG")
    result = runner.invoke(args=["boundaries", "import", str(bad)])
    assert result.exit_code == 1
    assert "feature 0 (999): matches no district by code or name" in result.output
    features = client.get("/api/districts").get_json()["features"]
    assert all(f["geometry"] is None for f in features)


def test_boundaries_import_reads_other_formats_and_projections(
    runner, client, tmp_path: Path
) -> None:
    frame = gpd.read_file(reference(DISTRICT_BOUNDARIES)).to_crs("EPSG:32648")  # UTM 48N
    frame = frame.drop(columns=["code"])  # match by name alone
    shp = tmp_path / "districts.shp"
    frame.to_file(shp, driver="ESRI Shapefile", encoding="utf-8")
    result = runner.invoke(args=["boundaries", "import", str(shp)])
    assert result.exit_code == 0, result.output
    features = client.get("/api/districts").get_json()["features"]
    assert all(f["properties"]["has_boundary"] for f in features)
    minx, miny, maxx, maxy = gpd.GeoDataFrame.from_features(features).total_bounds
    assert 106.7 < minx < maxx < 107.6 and 10.5 < miny < maxy < 11.6
