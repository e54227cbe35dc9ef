"""HTTP edge: Flask blueprints that parse requests, call the core and shape answers."""

from __future__ import annotations

from flask import current_app

from gis.store.db import Store


def get_store() -> Store:
    """The store of the running app."""
    return current_app.extensions["store"]
