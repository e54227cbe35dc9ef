"""Command-line interface: ``flask --app app db|clusters|boundaries ...``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from gis.core.actors import ROLES, Actor
from gis.core.audience import PUBLIC, visible_feature
from gis.core.clusters import query_features
from gis.core.coverage import coverage_table, replace_section
from gis.core.dataset import check_collection, initialise_store, read_json, store_counts
from gis.core.districts import all_districts, import_boundaries, province_outline
from gis.core.districts import boundaries as stored_boundaries
from gis.core.exports import FILE_STEM, LANGUAGES, export_crs, export_table
from gis.core.history import verify
from gis.core.imports import (
    ADDED,
    CHANGED,
    REJECTED,
    UNCHANGED,
    ImportFeature,
    Outcome,
    import_clusters,
    new_change_set,
    resolve_columns,
)
from gis.core.places import place_points
from gis.core.plan import plan_counts
from gis.core.users import actor_of, create_user
from gis.crs import parse_crs
from gis.errors import InvalidInput, StaleVersion
from gis.io import (
    EXPORT_FORMATS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_FEATURES,
    read_import_file,
    read_layer,
    write_export,
)
from gis.store import migrate
from gis.store.backup import BackupError
from gis.store.db import Store
from gis.store.models import User
from gis.text import nfc
from gis.web.params import cluster_filter

db_cli = AppGroup("db", help="Set up the database.")
clusters_cli = AppGroup(
    "clusters", help="Check, import and export the cluster data, and count what it reports."
)
boundaries_cli = AppGroup("boundaries", help="Load official district boundaries.")


def _store() -> Store:
    return current_app.extensions["store"]


def _data_dir() -> Path:
    return Path(current_app.config["GIS_DATA_DIR"])


@db_cli.command("init")
def db_init() -> None:
    """Create the tables and load data/ into an empty database (safe to repeat)."""
    initialise_store(_store(), _data_dir())
    with _store().session() as session:
        districts, clusters = store_counts(session)
        tasks, targets = plan_counts(session)
    click.echo(
        f"Database ready: {districts} districts, {clusters} clusters, "
        f"{tasks} plan tasks, {targets} targets."
    )


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database schema to REVISION (default: the newest, head)."""
    store = _store()
    migrate.upgrade(store.engine, revision)
    with store.engine.connect() as conn:
        click.echo(f"Database at revision {', '.join(migrate.current(conn)) or 'none'}.")


@db_cli.command("current")
def db_current() -> None:
    """Print the schema revision the database is at (and whether it is the newest)."""
    with _store().engine.connect() as conn:
        revisions = migrate.current(conn)
    if not revisions:
        click.echo("none (no migration applied)")
    head = migrate.head()
    for revision in revisions:
        click.echo(f"{revision} (head)" if revision == head else revision)


@clusters_cli.command("validate")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--boundaries",
    "boundaries_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Official district boundaries to check against (any GDAL format); "
    "default: those loaded into the database, if any.",
)
def clusters_validate(path: str | None, boundaries_path: str | None) -> None:
    """Check a clusters GeoJSON file (default: data/clusters.geojson); exit 1 on problems."""
    path = path or str(_data_dir() / "clusters.geojson")
    districts_doc = read_json(_data_dir() / "districts.json")
    if boundaries_path:
        frame = read_layer(boundaries_path)
        boundaries = {str(r["code"]): r.geometry for _, r in frame.iterrows()}
        province = frame.geometry.union_all()
    else:
        with _store().session() as session:
            boundaries = stored_boundaries(session)
            province = province_outline(session)
    try:
        collection = read_json(path)
    except ValueError as exc:
        click.echo(f"{path}: not valid JSON: {exc}", err=True)
        sys.exit(1)
    checked = check_collection(collection, districts_doc, boundaries, province)
    problems = [(c.label, p) for c in checked for p in c.problems]
    for label, problem in problems:
        click.echo(f"{path}: {label}: {problem}", err=True)
    where = "against official boundaries" if boundaries else "without boundaries (bbox only)"
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(checked)} feature(s).", err=True)
        sys.exit(1)
    click.echo(f"{path}: {len(checked)} features valid ({where}).")


@clusters_cli.command("coverage")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--write",
    "readme",
    type=click.Path(exists=True, dir_okay=False),
    help="Replace the coverage section (between its markers) of this Markdown file, "
    "e.g. data/README.md, instead of printing the table.",
)
def clusters_coverage(path: str | None, readme: str | None) -> None:
    """How many parks, clusters and sub-zones report each fact (default: data/clusters.geojson)."""
    path = path or str(_data_dir() / "clusters.geojson")
    table = coverage_table(read_json(path).get("features") or [])
    if readme is None:
        click.echo(table)
        return
    target = Path(readme)
    try:
        text = replace_section(target.read_text(encoding="utf-8"), table)
    except ValueError as exc:
        click.echo(f"{readme}: {exc}", err=True)
        sys.exit(1)
    target.write_text(text, encoding="utf-8")
    click.echo(f"Wrote the coverage of {path} to {readme}.")


@boundaries_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--code-field",
    default="code",
    show_default=True,
    help="Attribute holding the GSO district code.",
)
@click.option(
    "--name-field",
    default="name",
    show_default=True,
    help="Attribute holding the district name (used when the code does not match).",
)
def boundaries_import(path: str, code_field: str, name_field: str) -> None:
    """Load district boundaries from any file GDAL reads; all districts or nothing."""
    frame = read_layer(path)
    rows = [
        (
            str(r[code_field])
            if code_field in frame.columns and r[code_field] is not None
            else None,
            nfc(str(r[name_field])) if name_field in frame.columns and r[name_field] else None,
            r.geometry,
        )
        for _, r in frame.iterrows()
    ]
    try:
        with _store().write() as session:
            count = import_boundaries(session, rows, source=Path(path).name)
    except InvalidInput as exc:
        for error in exc.errors:
            click.echo(f"{path}: {error.field}: {error.reason}", err=True)
        sys.exit(1)
    click.echo(f"Imported boundaries of {count} districts from {path}.")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    for group in (db_cli, clusters_cli, boundaries_cli, users_cli, history_cli):
        app.cli.add_command(group)
    app.cli.add_command(backup_command)


users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--district", "district_code", help="GSO code of an editor's district, e.g. 740.")
@click.option("--lead-unit", help="The plan's lead unit an editor answers for.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(
    username: str, role: str, district_code: str | None, lead_unit: str | None, password_stdin: bool
) -> None:
    """Create an account; the password comes from a prompt or --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with _store().write() as session:
            user = create_user(session, username, password, role, district_code, lead_unit)
            name = user.username
    except InvalidInput as exc:
        for error in exc.errors:
            click.echo(f"{error.field}: {error.reason}", err=True)
        sys.exit(1)
    click.echo(f"Created {role} {name}.")


history_cli = AppGroup("history", help="Check the change history.")


@history_cli.command("verify")
def history_verify() -> None:
    """Recompute every hash chain; exit 1 and name each tampered change."""
    with _store().session() as session:
        count, problems = verify(session)
    for p in problems:
        where = f"change {p.event_id}" if p.event_id is not None else "head"
        click.echo(f"{p.subject}: {where}: {p.reason}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {count} change(s).", err=True)
        sys.exit(1)
    click.echo(f"History intact: {count} change(s) verified.")


# --- import, export and backup ----------------------------------------------------------


class _Rollback(Exception):
    """Raised inside a write transaction to leave the database as it was."""


def _import_actor(username: str) -> Actor:
    with _store().session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise click.BadParameter(f"no active user {username!r}", param_hint="--user")
        return actor_of(user)


@clusters_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", required=True, help="The importing user (recorded as such).")
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option(
    "--skip-invalid", is_flag=True, help="Write the valid features even if others are rejected."
)
@click.option("--layer", help="The layer to read, for a file that holds several.")
@click.option(
    "--max-features",
    type=click.IntRange(min=1),
    default=MAX_IMPORT_FEATURES,
    show_default=True,
    help="Refuse a file holding more features (counted before anything is read).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=MAX_IMPORT_BYTES,
    show_default=True,
    help="Refuse a file larger than this (a zip: what it holds, uncompressed).",
)
@click.option(
    "--crs",
    "crs_name",
    help="CRS of a file that states none (a CSV's x/y, a Shapefile without .prj, a DXF), e.g. "
    "EPSG:5899 (VN-2000 / TM-3 107-45), EPSG:3405, EPSG:4756; default for CSV: WGS84 lon/lat.",
)
def clusters_import(
    path: str,
    username: str,
    dry_run: bool,
    skip_invalid: bool,
    layer: str | None,
    max_features: int,
    max_bytes: int,
    crs_name: str | None,
) -> None:
    """Add or change clusters from GeoJSON, GeoPackage, zipped Shapefile, CSV or DXF.

    Every feature passes the editor's checks; the import is one change set in the history.
    A file larger than --max-bytes or holding more than --max-features is refused before
    it is read; a file GDAL cannot read ends with its name and the reason. Files in VN-2000
    are moved to WGS84 with the published 7-parameter shift (EPSG:6960). A surveyor's DXF
    gives boundaries of existing clusters: each DXF layer, named by a cluster's id, holds its
    closed polylines (--crs states the drawing's CRS, e.g. EPSG:5899).
    """
    actor = _import_actor(username)
    try:
        crs = parse_crs(crs_name) if crs_name else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--crs") from None
    try:
        frame = read_import_file(path, layer, crs, max_features, max_bytes)
    except (ValueError, OSError, RuntimeError, RecursionError, MemoryError) as exc:
        # RuntimeError: every pyogrio error (a truncated or corrupt file, a JSON nested
        # deeper than GDAL parses): the user gets the file and the reason, not a traceback.
        click.echo(f"{path}: cannot read: {exc or type(exc).__name__}", err=True)
        sys.exit(1)
    with _store().session() as session:
        places = place_points(session)
    columns, unknown = resolve_columns([c for c in frame.columns if c != "geometry"], places)
    if unknown:
        click.echo(f"{path}: unknown columns: {', '.join(unknown)}; nothing written.", err=True)
        sys.exit(1)
    features = [
        ImportFeature(
            f"feature {index + 1}",
            {c: row[c] for c in columns},
            _located(row.geometry),
        )
        for index, (_i, row) in enumerate(frame.iterrows())
    ]
    change_set = new_change_set()
    outcomes: list[Outcome] = []
    try:
        with _store().write() as session:
            outcomes = import_clusters(
                session,
                actor,
                features,
                columns,
                note=f"import of {Path(path).name}",
                change_set=change_set,
            )
            rejected = any(o.status == REJECTED for o in outcomes)
            written = any(o.status in (ADDED, CHANGED) for o in outcomes)
            if dry_run or (rejected and not skip_invalid) or not written:
                raise _Rollback
    except _Rollback:
        written = False
    except StaleVersion:
        click.echo("a cluster changed during the import; nothing written; run it again", err=True)
        sys.exit(1)
    if written:
        _store().refresh_statistics()
    _report_import(outcomes)
    rejected_count = sum(o.status == REJECTED for o in outcomes)
    if rejected_count and not skip_invalid:
        # A dry run fails too: a script checking a file learns it would be refused.
        click.echo(
            f"Nothing written: {rejected_count} feature(s) rejected "
            "(fix them, or pass --skip-invalid to write the others).",
            err=True,
        )
        sys.exit(1)
    if dry_run:
        click.echo("Dry run: nothing written.")
    elif written:
        click.echo(f"Written as change set {change_set} by {actor.username}.")
    else:
        click.echo("Nothing to write: the store already holds every feature as given.")


def _located(geometry: object) -> BaseGeometry | None:
    # pandas gives a feature without geometry as None or as NaN, depending on the driver.
    if isinstance(geometry, BaseGeometry) and not geometry.is_empty:
        return geometry
    return None


def _report_import(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.status == REJECTED:
            for reason in outcome.details:
                click.echo(f"rejected  {outcome.label}: {reason}", err=True)
        elif outcome.status == CHANGED:
            click.echo(f"changed   {outcome.label}: {', '.join(outcome.details)}")
        elif outcome.status == ADDED:
            click.echo(f"added     {outcome.label}")
        for warning in outcome.warnings:
            click.echo(f"warning   {outcome.label}: {warning}")
    counts = {s: sum(o.status == s for o in outcomes) for s in (ADDED, CHANGED, UNCHANGED)}
    rejected = sum(o.status == REJECTED for o in outcomes)
    click.echo(
        f"{counts[ADDED]} added, {counts[CHANGED]} changed, {counts[UNCHANGED]} unchanged, "
        f"{rejected} rejected."
    )


EXPORT_SUFFIXES = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".kml": "kml",
    ".zip": "shp",
}


@clusters_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    help="File format; default: from the file name's ending.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the column headers.",
)
@click.option("--district", default="", help="GSO district code(s), comma-separated.")
@click.option("--zone", default="", help="Zone(s): I, II, unassigned.")
@click.option("--kind", default="", help="Kind(s): CCN, KCN, CNHT.")
@click.option("--stage", default="", help="Stage(s), comma-separated.")
@click.option("--q", default="", help="Search text, as on the map.")
@click.option(
    "--crs",
    "crs_name",
    default="",
    help="CRS of the geometry (GeoJSON, GPKG, SHP), e.g. EPSG:5899 (VN-2000 / TM-3 107-45); "
    "default WGS84 lon/lat.",
)
def clusters_export(
    path: str,
    fmt: str | None,
    lang: str,
    district: str,
    zone: str,
    kind: str,
    stage: str,
    q: str,
    crs_name: str,
) -> None:
    """Write the clusters as /api/clusters/export does: CSV, XLSX, GeoJSON, GPKG, KML, SHP."""
    fmt = fmt or EXPORT_SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise click.BadParameter(
            f"cannot tell the format from {Path(path).name!r}; give one", param_hint="--format"
        )
    try:
        crs = export_crs(crs_name, fmt)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--crs") from None
    store = _store()
    args = {"district": district, "zone": zone, "kind": kind, "stage": stage, "q": q}
    with store.session() as session:
        try:
            flt = cluster_filter(args, [d.code for d in all_districts(session)])
        except InvalidInput as exc:
            for error in exc.errors:
                click.echo(f"--{error.field}: {error.reason}", err=True)
            sys.exit(1)
        places = place_points(session)
        features = [visible_feature(f, PUBLIC) for f in query_features(session, store.sql, flt)]
        table = export_table(features, places, lang, fmt, crs)
    exported = write_export(fmt, table, FILE_STEM)
    Path(path).write_bytes(exported.data)
    omitted = exported.omitted_without_geometry
    note = f" ({omitted} without a location left out: {fmt} cannot hold them)" if omitted else ""
    click.echo(f"Wrote {len(features) - omitted} clusters to {path}{note}.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path: str) -> None:
    """Back up the database to PATH: SQLite's online backup, or pg_dump for PostgreSQL.

    Safe while the app is writing. A PostgreSQL backup needs pg_dump (postgresql-client).
    """
    store = _store()
    target = Path(path)
    try:
        click.echo(store.sql.backup(store.engine, target))
    except BackupError as exc:
        click.echo(f"backup failed: {exc}", err=True)
        by_hand = store.sql.backup_by_hand(store.engine, target)
        if by_hand:
            click.echo(by_hand, err=True)
        sys.exit(1)
