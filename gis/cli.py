"""Command-line interface: ``flask --app app db|clusters|boundaries ...``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from gis.core.actors import ROLES
from gis.core.dataset import check_collection, initialise_store, read_json, store_counts
from gis.core.districts import boundaries as stored_boundaries
from gis.core.districts import import_boundaries, province_outline
from gis.core.history import verify
from gis.core.users import create_user
from gis.errors import InvalidInput
from gis.io import read_layer
from gis.text import nfc

db_cli = AppGroup("db", help="Set up the database.")
clusters_cli = AppGroup("clusters", help="Check the cluster data.")
boundaries_cli = AppGroup("boundaries", help="Load official district boundaries.")


def _store():  # type: ignore[no-untyped-def]
    return current_app.extensions["store"]


def _data_dir() -> Path:
    return Path(current_app.config["GIS_DATA_DIR"])


@db_cli.command("init")
def db_init() -> None:
    """Create the tables and load data/ into an empty database (safe to repeat)."""
    initialise_store(_store(), _data_dir())
    with _store().session() as session:
        districts, clusters = store_counts(session)
    click.echo(f"Database ready: {districts} districts, {clusters} clusters.")


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
