"""Composition root: ``create_app`` builds the Flask app (``flask --app app run``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from gis import cli, config
from gis.core.dataset import initialise_store
from gis.store.db import Store
from gis.web import admin, api, auth, errors, i18n, views


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the app; settings come from the environment, then test_config."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.from_environment())
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    if test_config:
        app.config.update(test_config)
    if app.config["GIS_ENV"] == "production" and app.config["SECRET_KEY"] == config.DEV_SECRET_KEY:
        raise RuntimeError("refusing to start in production with the development SECRET_KEY")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    url = app.config["DATABASE_URL"] or config.default_database_url(app.instance_path)
    store = Store(url)
    app.extensions["store"] = store
    if app.config["GIS_AUTO_INIT"]:
        initialise_store(store, Path(app.config["GIS_DATA_DIR"]))

    i18n.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    cli.init_app(app)
    return app
