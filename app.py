"""Composition root: ``create_app`` builds the Flask app (``flask --app app run``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from gis import cli, config
from gis.core.dataset import initialise_store
from gis.core.districts import read_district_boxes
from gis.store.db import Store
from gis.store.files import file_store
from gis.web import (
    admin,
    api,
    attachments,
    auth,
    cors,
    dashboard,
    data_text,
    errors,
    i18n,
    input_guard,
    ogc,
    ogc_tiles,
    ogc_write,
    plan,
    reports,
    review,
    security,
    tokens,
    uploads,
    views,
    workbook,
)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the app; settings come from the environment, then test_config."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.from_environment())
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    if test_config:
        app.config.update(test_config)
    if app.config["GIS_ENV"] == "production" and app.config["SECRET_KEY"] == config.DEV_SECRET_KEY:
        raise RuntimeError("refusing to start in production with the development SECRET_KEY")
    if app.config["GIS_ENV"] == "production" and app.debug:
        # The debugger runs code sent from the browser: never on a production server.
        raise RuntimeError("refusing to start in production with debug on (FLASK_DEBUG)")
    if app.config["GIS_PROXY_HOPS"]:
        hops = app.config["GIS_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    url = app.config["DATABASE_URL"] or config.default_database_url(app.instance_path)
    data_dir = Path(app.config["GIS_DATA_DIR"])
    store = Store(
        url,
        config.parse_extent(app.config["GIS_EXTENT_BBOX"]),
        read_district_boxes(data_dir / "districts.json"),
    )
    app.extensions["store"] = store
    attachments_dir = app.config["GIS_ATTACHMENTS_DIR"] or str(
        Path(app.instance_path) / "attachments"
    )
    app.extensions["files"] = file_store(
        attachments_dir, app.config["GIS_FILES_S3_BUCKET"], app.config["GIS_FILES_S3_ENDPOINT"]
    )
    if app.config["GIS_AUTO_INIT"]:
        initialise_store(store, Path(app.config["GIS_DATA_DIR"]))

    i18n.init_app(app)
    data_text.init_app(app)
    errors.init_app(app)
    input_guard.init_app(app)
    # After the guard, so its limit is set first: the guard and the CSRF check read the body.
    uploads.init_app(app)
    auth.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp, url_prefix="/api")  # the JSON API: gis/web/api/__init__.py
    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(tokens.bp)
    app.register_blueprint(workbook.bp, url_prefix="/workbook")
    app.register_blueprint(attachments.bp)
    app.register_blueprint(review.bp)
    security.init_app(app)
    app.register_blueprint(ogc.bp, url_prefix="/ogc")
    app.register_blueprint(ogc_write.bp, url_prefix="/ogc")
    app.register_blueprint(ogc_tiles.bp, url_prefix="/ogc")
    for blueprint in (plan.bp, dashboard.bp, reports.bp):
        app.register_blueprint(blueprint)
    cors.init_app(app)
    cli.init_app(app)
    return app
