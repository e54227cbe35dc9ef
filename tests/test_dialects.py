"""The dialect seam: one object per backend on Store, the same answers from both, and no
backend names asked for outside gis.store."""

from __future__ import annotations

import ast
import sqlite3
import threading
from pathlib import Path

import psycopg
import pytest
import shapely
from shapely.geometry import Polygon, box
from sqlalchemy import literal, select, text

from gis.core import cql2
from gis.core import queryables as typed
from gis.core.clusters import ClusterFilter, find_clusters, query_page
from gis.store.dialects import SEED_LOCK, PostGISDialect, SQLiteDialect
from gis.store.models import Cluster

ROOT = Path(__file__).resolve().parent.parent
# Where no code may ask which database it runs on: it takes the store's dialect instead.
ABOVE_THE_STORE = [
    *sorted((ROOT / "gis" / "core").rglob("*.py")),
    *sorted((ROOT / "gis" / "web").rglob("*.py")),
    ROOT / "gis" / "cli.py",
]
BACKEND_NAMES = {"sqlite", "postgresql", "postgres", "postgis"}
# A right triangle whose bounding box, not its shape, reaches the box QUERY (its far corner).
TRIANGLE = Polygon([(107.0, 10.9), (107.2, 10.9), (107.0, 11.1)])
QUERY = (107.15, 11.05, 107.25, 11.15)
SHAPED = "ccn-long-phuoc-1"


def test_each_store_picks_its_dialect_once(store, backend: str) -> None:
    expected = SQLiteDialect if backend == "sqlite" else PostGISDialect
    assert type(store.sql) is expected
    assert store.sql.name == store.engine.dialect.name


def _give_triangle(store) -> None:
    minx, miny, maxx, maxy = TRIANGLE.bounds
    with store.write() as session:
        session.execute(
            text(
                "UPDATE clusters SET min_lon = :minx, max_lon = :maxx, min_lat = :miny, "
                "max_lat = :maxy, geom_wkb = :wkb WHERE id = :id"
            ),
            {
                "minx": minx,
                "miny": miny,
                "maxx": maxx,
                "maxy": maxy,
                "wkb": shapely.to_wkb(TRIANGLE),
                "id": SHAPED,
            },
        )


def _truth(store, bbox: tuple[float, float, float, float]) -> set[str]:
    """The ids whose stored shape meets ``bbox``, by shapely over every row."""
    area = box(*bbox)
    with store.session() as session:
        rows = session.execute(select(Cluster.id, Cluster.geom_wkb)).all()
    return {i for i, wkb in rows if wkb is not None and area.intersects(shapely.from_wkb(wkb))}


@pytest.mark.parametrize(
    "bbox", [QUERY, (106.9, 10.6, 107.1, 10.8), (106.0, 10.0, 108.0, 12.0)], ids=str
)
def test_bbox_filter_returns_the_shapes_that_meet_the_box_on_both(store, bbox) -> None:
    """Index first, then the exact test where the index is not exact: every backend
    answers what shapely answers, a list page and its count included."""
    _give_triangle(store)
    expected = _truth(store, bbox)
    flt = ClusterFilter(bbox=bbox)
    with store.session() as session:
        found = {c.id for c in find_clusters(session, store.sql, flt)}
        _matched, page = query_page(session, store.sql, flt, limit=1000)
    assert found == expected
    assert {f["id"] for f in page} == expected


def test_the_exact_check_is_needed_only_where_the_index_is_not_exact(store) -> None:
    """The triangle's box meets QUERY, its shape does not: SQLite's R-tree selects it and
    exact_bbox drops it; PostGIS never selects it."""
    _give_triangle(store)
    with store.session() as session:
        by_index = set(
            session.scalars(store.sql.filter_bbox(select(Cluster.id), QUERY).order_by(Cluster.id))
        )
        rows = list(session.scalars(store.sql.filter_bbox(select(Cluster), QUERY)))
    assert (SHAPED in by_index) is not store.sql.exact_bbox_in_sql
    assert SHAPED not in {c.id for c in store.sql.exact_bbox(rows, QUERY)}


def test_cql2_text_is_case_sensitive_and_ordered_by_code_point_on_both(store) -> None:
    translator = cql2.Translator(typed.queryables("clusters", None), store.sql, True)
    with store.session() as session:

        def ids(expression: str) -> set[str]:
            clause = translator.translate(cql2.parse(expression, "cql2-text"))
            return set(session.scalars(select(Cluster.id).where(clause)))

        assert ids("id LIKE 'ccn-%'")
        assert not ids("id LIKE 'CCN-%'")
        # Code point order: every capital before every small letter ('Z' < 'a').
        assert session.scalar(select(store.sql.by_code_point(literal("Z")) < "a")) is True
        assert session.scalar(select(store.sql.by_code_point(literal("a")) < "B")) is False


def test_intersects_is_exact_on_both(store) -> None:
    _give_triangle(store)
    with store.session() as session:
        hit = set(
            session.scalars(select(Cluster.id).where(store.sql.intersects(box(*QUERY).buffer(0.1))))
        )
        miss = set(session.scalars(select(Cluster.id).where(store.sql.intersects(box(*QUERY)))))
    assert SHAPED in hit and SHAPED not in miss


def test_the_seed_lock_keeps_other_processes_waiting(store) -> None:
    """While one process seeds, another can neither seed nor write: PostgreSQL by the
    advisory lock SEED_LOCK, SQLite by the write transaction's own file lock."""
    seeding = threading.Event()
    finish = threading.Event()

    def seed() -> None:
        with store.write(revision=False) as session:
            store.sql.hold_seed_lock(session)
            seeding.set()
            finish.wait(10)

    worker = threading.Thread(target=seed)
    worker.start()
    try:
        assert seeding.wait(10)
        if store.sql.name == "sqlite":
            other = sqlite3.connect(store.engine.url.database, timeout=0, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
        else:
            url = store.engine.url.set(drivername="postgresql")
            with psycopg.connect(url.render_as_string(hide_password=False)) as other:
                taken = other.execute("SELECT pg_try_advisory_xact_lock(%s)", (SEED_LOCK,))
                assert taken.fetchone() == (False,)
    finally:
        finish.set()
        worker.join()


def _asks_for_a_backend(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.lower() in BACKEND_NAMES
    # engine.dialect.name / session.get_bind().dialect.name
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "name"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "dialect"
    )


def test_no_backend_names_above_the_store() -> None:
    """Core, web and CLI never compare database names nor take a dialect as a string:
    what differs is asked of ``store.sql`` (gis.store.dialects)."""
    found = []
    for path in ABOVE_THE_STORE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if _asks_for_a_backend(node):
                found.append(f"{where} names a backend")
            if (
                isinstance(node, ast.arg)
                and "dialect" in node.arg
                and isinstance(node.annotation, ast.Name)
                and node.annotation.id == "str"
            ):
                found.append(f"{where} takes the dialect as a string")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "sqlalchemy.dialects"
            ):
                found.append(f"{where} imports a backend's SQLAlchemy dialect")
    assert not found, found


def test_a_dialect_is_not_compared_with_a_name(store) -> None:
    """A leftover ``store.sql == "sqlite"`` fails loudly rather than being quietly False."""
    with pytest.raises(TypeError):
        _ = store.sql == "sqlite"
    assert store.sql == store.sql
