"""Fixtures: the app on SQLite and on PostGIS (a database created and dropped per run)."""

from __future__ import annotations

import contextlib
import graphlib
import json
import os
import secrets
import shutil
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from psycopg import sql
from sqlalchemy.engine import Engine

from app import create_app

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "reference"
DISTRICT_BOUNDARIES = SHARED / "dong_nai_districts.geojson"
PG_ADMIN_URL = os.environ.get(
    "GIS_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgis")


def reference(path: Path) -> Path:
    """A file of ../shared, or skip the test naming it (a skip fails the run in CI)."""
    if not path.exists():
        pytest.skip(f"needs {path.relative_to(ROOT.parent)}, which is not beside this clone")
    return path


def _admin_execute(statement: sql.Composable) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(statement)


def _pg_url(name: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def _new_epoch(path: Path) -> None:
    """Give a copied SQLite database its own revision epoch.

    Response bodies are cached per process by (request, revision): two copies of one
    template at the same revision would otherwise answer with each other's bodies.
    """
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE store_revision SET epoch = ? WHERE id = 1", (secrets.token_hex(8),))
        conn.commit()


def _seed(url: str) -> None:
    """Migrate and fill a database from data/, exactly as the app's first start does."""
    seeded = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret"})
    seeded.extensions["store"].dispose()


def _snapshot_and_restore_sql(conn: psycopg.Connection, schema: str) -> sql.Composed:
    """Copy every table's rows into ``schema``; return the SQL that puts them back.

    Restoring rows costs about 25 milliseconds. A database copied per test (CREATE DATABASE
    ... TEMPLATE) costs about 0.2 s, but dropping it waits about 1.3 s for a checkpoint, and
    concurrent drops do not share one: 500 tests would spend ten minutes dropping.
    """
    names = [
        r[0]
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('spatial_ref_sys', 'alembic_version')"
        )
    ]
    # Rows go back parents first, so that every foreign key finds its row.
    parents: dict[str, set[str]] = {name: set() for name in names}
    for child, parent in conn.execute(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
    ):
        if child != parent and child in parents and parent in parents:
            parents[child].add(parent)
    tables = list(graphlib.TopologicalSorter(parents).static_order())
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    # DELETE, children first, rather than TRUNCATE: on tables this small it takes half the
    # time (23 against 51 ms a test, measured), as TRUNCATE makes new files for each table.
    # The sequences are set below from the rows put back, so none needs restarting.
    statements = [
        sql.SQL("DELETE FROM {}").format(sql.Identifier("public", t)) for t in reversed(tables)
    ]
    for table in tables:
        conn.execute(
            sql.SQL("CREATE TABLE {} AS TABLE {}").format(
                sql.Identifier(schema, table), sql.Identifier("public", table)
            )
        )
        # Generated columns (the PostGIS geometry made from the WKB) are computed again.
        columns = sql.SQL(", ").join(
            sql.Identifier(r[0])
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "'public' AND table_name = %s AND is_generated = 'NEVER' "
                "ORDER BY ordinal_position",
                (table,),
            )
        )
        statements.append(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
                sql.Identifier("public", table),
                columns,
                columns,
                sql.Identifier(schema, table),
            )
        )
        for column, sequence in conn.execute(
            "SELECT column_name, pg_get_serial_sequence(format('public.%%I', table_name), "
            "column_name) FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = %s",
            (table,),
        ):
            if sequence:
                statements.append(
                    sql.SQL(
                        "SELECT setval({}, COALESCE((SELECT max({}) FROM {}), 0) + 1, false)"
                    ).format(sql.Literal(sequence), sql.Identifier(column), sql.Identifier(table))
                )
    return sql.SQL(";\n").join(statements)


class PostGISTemplate:
    """The run's PostgreSQL database, seeded once; ``restore`` puts a test's rows back.

    One connection is kept for the whole run: a new one for each test cost about 10 ms
    twice (the rows put back, then the new epoch), measured.
    """

    def __init__(self, url: str, seeded: sql.Composed, with_accounts: sql.Composed) -> None:
        self.url = url
        self.restores = {False: seeded, True: with_accounts}
        self.conn: psycopg.Connection | None = None

    def restore(self, with_accounts: bool) -> None:
        """The rows as seeded (and the test accounts, if asked), under a new epoch."""
        for attempt in (1, 2):
            try:
                if self.conn is None or self.conn.closed:
                    self.conn = psycopg.connect(self.url)
                self.conn.execute(self.restores[with_accounts])
                # Its own epoch, as a copied SQLite file gets (see _new_epoch).
                self.conn.execute(
                    "UPDATE store_revision SET epoch = %s WHERE id = 1", (secrets.token_hex(8),)
                )
                self.conn.commit()
                return
            except psycopg.OperationalError:
                # A test may have ended every session on the database: connect anew once.
                self.close()
                if attempt == 2:
                    raise

    def close(self) -> None:
        """Close the kept connection, if any."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@pytest.fixture(scope="session")
def postgis_template() -> Iterator[PostGISTemplate]:
    """A PostgreSQL database for this run, seeded once, dropped at the end.

    Each test gets it back as seeded, with or without the test accounts. It is never
    skipped: when PostgreSQL or PostGIS is missing the tests fail, because CI must prove
    the production backend works.
    """
    name = f"gis_test_{uuid.uuid4().hex[:12]}"
    _admin_execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    template = None
    try:
        url = _pg_url(name)
        _seed(url)
        with psycopg.connect(url, autocommit=True) as conn:
            seeded = _snapshot_and_restore_sql(conn, "test_seed")
        _with_accounts(url)
        with psycopg.connect(url, autocommit=True) as conn:
            with_accounts = _snapshot_and_restore_sql(conn, "test_seed_accounts")
        template = PostGISTemplate(url, seeded, with_accounts)
        yield template
    finally:
        if template is not None:
            template.close()
        _admin_execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _with_accounts(url: str) -> None:
    """Add the test accounts to the seeded database at ``url``."""
    application = app_on(url, Path(tempfile.mkdtemp(prefix="gis-accounts-")))
    add_accounts(application.extensions["store"])
    application.extensions["store"].dispose()


def _sqlite_file(path: Path) -> Path:
    """``path``, with its write-ahead log folded in, so that copying the one file copies all."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file seeded once per run; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("template") / "seeded.sqlite"
    _seed(f"sqlite:///{path}")
    return _sqlite_file(path)


@pytest.fixture(scope="session")
def sqlite_template_with_accounts(sqlite_template: Path) -> Path:
    """The seeded SQLite file with the test accounts added."""
    path = sqlite_template.with_name("seeded-accounts.sqlite")
    shutil.copyfile(sqlite_template, path)
    _with_accounts(f"sqlite:///{path}")
    return _sqlite_file(path)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which store the test runs against; every app test runs on both."""
    return request.param


def seeded_database(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, with_accounts: bool = False
) -> str:
    """The URL of a database of ``backend`` holding the seed data as first loaded (and the
    test accounts, when asked): a copy of the seeded file on SQLite, the run's database with
    the seeded rows put back on PostGIS."""
    if backend == "sqlite":
        path = tmp_path / "test.sqlite"
        template = "sqlite_template_with_accounts" if with_accounts else "sqlite_template"
        shutil.copyfile(request.getfixturevalue(template), path)
        _new_epoch(path)
        return f"sqlite:///{path}"
    postgis: PostGISTemplate = request.getfixturevalue("postgis_template")
    postgis.restore(with_accounts)
    return postgis.url


# Set on a test whose database came with the test accounts in it (see ``accounts``).
_ACCOUNTS_COPIED = pytest.StashKey[bool]()


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database of the chosen backend holding the seed data as first loaded.

    A test that asks for ``accounts`` gets them in its copy already (about 13 ms a test on
    SQLite and 33 on PostGIS, measured, to insert them otherwise); a test of the production
    password hash gets them hashed with it, by ``accounts``.
    """
    names = request.fixturenames
    with_accounts = "accounts" in names and "slow_password_hash" not in names
    request.node.stash[_ACCOUNTS_COPIED] = with_accounts
    return seeded_database(backend, tmp_path, request, with_accounts)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hash() -> Iterator[None]:
    """A fast password hash for the run; tests of the hashing ask for ``slow_password_hash``."""
    from gis.core import users

    slow = users.PASSWORD_HASH_METHOD
    users.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
    yield
    users.PASSWORD_HASH_METHOD = slow


@pytest.fixture(scope="session", autouse=True)
def url_builders_compiled_once() -> Iterator[None]:
    """Each URL rule's builder compiled once per run, not once per test's app.

    werkzeug compiles two Python functions per rule (``ast`` then ``compile``) whenever an
    app registers its routes: about 30 of the 50 ms each test's ``create_app`` takes,
    measured. The function is a pure product of the rule's text, parsed parts and defaults,
    and takes the rule as its first argument, so one compiled function serves every app's
    copy of the rule. A rule whose path holds a default is compiled as werkzeug does.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    compiled: dict[tuple, object] = {}

    def compile_once(rule: Rule, append_unknown: bool = True):
        defaults = rule.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in rule._trace):
            return compile_builder(rule, append_unknown)
        key = (rule.rule, tuple(rule._trace), repr(sorted(defaults.items())), append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(rule, append_unknown)
        return compiled[key]

    Rule._compile_builder = compile_once  # type: ignore[method-assign]
    yield
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def one_postgresql_engine_per_database() -> Iterator[None]:
    """Every app of the run on one PostgreSQL database shares one engine (one per worker).

    SQLAlchemy keeps compiled SQL per engine, so each test's new engine compiled again
    every statement it ran, and connected anew: about 38 ms of a PostGIS test's first
    request, against 5 ms for the same request after it (measured). The engine is kept
    across tests, and its pool with it: ``Store.dispose`` leaves it open until the run ends.
    SQLite files differ from test to test; their engines are made and closed per test.
    """
    from gis.store import db

    make_engine = db.make_engine
    engines: dict[str, Engine] = {}

    def shared(url: str) -> Engine:
        if not db.normalise_url(url).startswith("postgresql"):
            return make_engine(url)
        if url not in engines:
            engine = make_engine(url)
            engine.dispose = lambda close=True: None  # type: ignore[method-assign]
            engines[url] = engine
        return engines[url]

    db.make_engine = shared  # type: ignore[assignment]
    yield
    db.make_engine = make_engine  # type: ignore[assignment]
    for engine in engines.values():
        type(engine).dispose(engine)


class _TemplatesInMemory(BytecodeCache):
    """Compiled templates kept in memory, keyed by template and checksum of its source."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session", autouse=True)
def templates_compiled_once() -> Iterator[None]:
    """Each template compiled once per run, not once per test's app.

    Every app has its own Jinja environment, so each test compiled again every template it
    rendered: 31 of the scope matrix's 88 s, measured with cProfile. Jinja's bytecode cache
    is its own answer to this; a changed template has a new checksum and is compiled anew.
    """
    options = Flask.jinja_options
    Flask.jinja_options = {**options, "bytecode_cache": _TemplatesInMemory()}
    yield
    Flask.jinja_options = options


@pytest.fixture
def slow_password_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The production password hash, for the tests that check it."""
    from gis.core import users

    monkeypatch.setattr(users, "PASSWORD_HASH_METHOD", "scrypt")


def app_on(database_url: str, instance: Path) -> Flask:
    """The app on a seeded database, as after a new user's first run."""
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            # The copy is migrated and seeded already (by the same first start, once).
            "GIS_AUTO_INIT": False,
        }
    )
    application.instance_path = str(instance)
    return application


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    """The app on this test's copy of the seeded database, as after a new user's first run."""
    application = app_on(database_url, tmp_path / "instance")
    yield application
    application.extensions["store"].dispose()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner of the app's commands."""
    return app.test_cli_runner()


@pytest.fixture
def store(app):
    """The app's store."""
    return app.extensions["store"]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: every browser and PostGIS test must run there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(f"CI: {skipped} test(s) skipped; nothing may skip in CI.", red=True)


PASSWORD = "correct horse battery"
ACCOUNTS = {
    "admin": ("admin", None, None),
    # Long Thành's staff answer for its clusters and for the plan tasks its UBND leads.
    "lt-editor": ("editor", "740", "UBND huyện Long Thành"),
    "bh-editor": ("editor", "731", None),  # Biên Hòa
    "sct-editor": ("editor", None, "Sở Công Thương"),  # a lead unit only, no district
    "viewer": ("viewer", None, None),
    # The province's checker under approval (GIS_APPROVAL): decides, changes nothing itself.
    "reviewer": ("reviewer", None, None),
}


# The accounts' rows as create_user first made them, by password hash method: a test's
# accounts are these rows copied (41 ms a test through create_user, measured, mostly its
# checks and the hashing; create_user's checks have tests of their own).
_ACCOUNT_ROWS: dict[str, list[dict]] = {}


@pytest.fixture
def accounts(store, request: pytest.FixtureRequest) -> dict[str, str]:
    """An admin, editors of Long Thành and Biên Hòa and of Sở Công Thương, a viewer, a reviewer."""
    if request.node.stash.get(_ACCOUNTS_COPIED, False):
        return {name: PASSWORD for name in ACCOUNTS}
    return add_accounts(store)


def add_accounts(store) -> dict[str, str]:
    """Give ``store`` the test accounts (see ``accounts``); returns their passwords by name."""
    from sqlalchemy import insert

    from gis.core import users
    from gis.store.models import User

    copied = ("username", "password_hash", "role", "district_code", "lead_unit", "active")
    with store.write() as session:
        rows = _ACCOUNT_ROWS.get(users.PASSWORD_HASH_METHOD)
        if rows is None:
            made = [
                users.create_user(session, name, PASSWORD, *rest) for name, rest in ACCOUNTS.items()
            ]
            _ACCOUNT_ROWS[users.PASSWORD_HASH_METHOD] = [
                {column: getattr(user, column) for column in copied} for user in made
            ]
        else:
            session.execute(insert(User), rows)
    return {name: PASSWORD for name in ACCOUNTS}


def csrf_token(client, path: str = "/auth/login") -> str:
    """The CSRF token a page gives this client's session."""
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html)[1]


def login(client, username: str, password: str = PASSWORD):
    """Log ``client`` in through the real form; returns the response."""
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


class ApiClient:
    """A logged-in test client that sends JSON with the CSRF header, as the map page does."""

    def __init__(self, client, username: str) -> None:
        self.client = client
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        self.token = csrf_token(client)

    def etag(self, cluster_id: str) -> str:
        """The ETag of a cluster as this client reads it."""
        return self.client.get(f"/api/clusters/{cluster_id}").headers["ETag"]

    def patch(self, cluster_id: str, body, etag: str | None = "read", **headers):
        """PATCH a cluster; by default with the ETag just read."""
        if etag == "read":
            etag = self.etag(cluster_id)
        if etag is not None:
            headers["If-Match"] = etag
        headers.setdefault("X-CSRFToken", self.token)
        kwargs = (
            {"json": body}
            if not isinstance(body, (str, bytes))
            else {"data": body, "content_type": "application/json"}
        )
        return self.client.patch(f"/api/clusters/{cluster_id}", headers=headers, **kwargs)


@pytest.fixture
def api_as(app, accounts):
    """Factory: a logged-in ApiClient for one of the test accounts."""
    return lambda name: ApiClient(app.test_client(), name)


@pytest.fixture
def history(app, accounts):
    """Factory: a cluster's change events as a logged-in viewer reads them."""
    viewer = app.test_client()
    assert login(viewer, "viewer").status_code == 302

    def events(cluster_id: str) -> list[dict]:
        response = viewer.get(f"/api/clusters/{cluster_id}/history")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["events"]

    return events


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served on a free loopback port in a thread; yields its base URL.

    For the browser tests and for real HTTP clients (GDAL, schemathesis). A client that
    holds the GIL while it waits for the answer (pyogrio does) must run in another process.
    """

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def all_strings(value: object):
    """Every string inside nested JSON data, keys included (for NFC checks)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from all_strings(key)
            yield from all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)


def map_config(html: str) -> dict:
    """The JSON the map page hands to its script (the `map-config` element)."""
    import re

    match = re.search(r'<script type="application/json" id="map-config">(.*?)</script>', html, re.S)
    assert match, "no map-config in the page"
    return json.loads(match.group(1))


# A report PDF takes seconds of CPU; on a loaded CI machine a cold one can pass the
# production time bound (GIS_REPORT_PDF_TIMEOUT). Tests check what a PDF holds, not how
# fast it is made; the test of the bound itself sets its own.
os.environ.setdefault("GIS_REPORT_PDF_TIMEOUT", "600")
