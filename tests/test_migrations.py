"""Alembic migrations: an empty database of each backend migrated to head matches the models."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from psycopg import sql
from sqlalchemy import inspect, text

from app import create_app
from gis.store import migrate
from gis.store.db import REVISION_SLOTS, Store
from gis.store.models import Base
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def empty_url(backend: str, tmp_path) -> Iterator[str]:
    """A database with nothing in it, not even PostGIS (the other fixtures hand out seeded
    copies): a new SQLite file, or a new PostgreSQL database dropped after the test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    name = f"gis_migrate_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def store(empty_url: str) -> Iterator[Store]:
    """A store on the empty database (no schema made)."""
    store = Store(empty_url)
    yield store
    store.dispose()


# PostGIS's geometry type is unknown to SQLAlchemy; the column is left out of the comparison.
@pytest.mark.filterwarnings("ignore:Did not recognize type .geometry.")
def test_upgrade_empty_database_to_head_matches_models(store: Store) -> None:
    with store.engine.connect() as conn:
        assert migrate.current(conn) == ()
    migrate.upgrade(store.engine)
    with store.engine.connect() as conn:
        assert migrate.current(conn) == (migrate.head(),)
        context = MigrationContext.configure(
            conn, opts={"include_object": migrate.include_object, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []
        inspector = inspect(conn)
        if store.sql.name == "sqlite":
            assert inspector.has_table("clusters_rtree")
            triggers = conn.scalars(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            assert {"clusters_rtree_insert", "clusters_rtree_update"} <= set(triggers)
        else:
            columns = {c["name"]: c for c in inspector.get_columns("clusters")}
            assert "geom" in columns
            assert "ix_clusters_geom" in {i["name"] for i in inspector.get_indexes("clusters")}
        epoch = conn.scalar(text("SELECT epoch FROM store_revision WHERE id = 1"))
        assert epoch and len(epoch) == 16


def test_upgrade_twice_is_a_no_op(store: Store) -> None:
    migrate.upgrade(store.engine)
    with store.engine.connect() as conn:
        before = conn.execute(text("SELECT epoch, revision FROM store_revision")).all()
    migrate.upgrade(store.engine)
    store.create_schema()
    with store.engine.connect() as conn:
        assert migrate.current(conn) == (migrate.head(),)
        assert conn.execute(text("SELECT epoch, revision FROM store_revision")).all() == before


def test_database_made_before_migrations_is_stamped(store: Store) -> None:
    from gis.store import spatial

    with store.engine.begin() as conn:
        spatial.before_create(conn)
        Base.metadata.create_all(conn)
        spatial.after_create(conn)
    store.create_schema()
    with store.engine.connect() as conn:
        assert migrate.current(conn) == (migrate.head(),)


def test_cli_upgrade_and_current(empty_url: str, tmp_path) -> None:
    app = create_app(
        {"TESTING": True, "DATABASE_URL": empty_url, "SECRET_KEY": "x", "GIS_AUTO_INIT": False}
    )
    app.instance_path = str(tmp_path / "instance")
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["db", "current"])
        assert result.exit_code == 0, result.output
        assert "none" in result.output
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert migrate.head() in result.output
        result = runner.invoke(args=["db", "current"])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == f"{migrate.head()} (head)"
        # Again: nothing to do.
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    finally:
        app.extensions["store"].dispose()


def test_workers_starting_at_once_migrate_once(empty_url: str) -> None:
    """Gunicorn workers on a new database: one migrates, the others wait and find it done."""
    stores = [Store(empty_url) for _ in range(4)]
    errors: list[BaseException] = []

    def start(store: Store) -> None:
        try:
            store.create_schema()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        with stores[0].engine.connect() as conn:
            assert migrate.current(conn) == (migrate.head(),)
            assert conn.scalar(text("SELECT count(*) FROM store_revision")) == REVISION_SLOTS
    finally:
        for store in stores:
            store.dispose()
