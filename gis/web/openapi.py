"""The API described: the OpenAPI 3 document of /api and /ogc, and a page that renders it.

The document is written by hand in openapi.yaml, next to this module, and loaded once.
Written, not generated: the routes belong to several blueprints written by different
people, and a generator would need every one of them rewritten around its decorators.
tests/test_openapi.py keeps it honest: it fails when a route under /api or /ogc is not in
the document, and schemathesis checks every answer against it on a live server.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, render_template, url_for

bp = Blueprint("openapi", __name__)

SOURCE = Path(__file__).with_name("openapi.yaml")
MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI document as a dict (parsed once per process)."""
    with SOURCE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@functools.cache
def _document_bytes() -> bytes:
    return json.dumps(document(), ensure_ascii=False, indent=1).encode("utf-8")


@bp.get("/openapi.json")
def spec() -> Response:
    """The OpenAPI 3.0 document of /api and /ogc."""
    response = Response(_document_bytes(), mimetype=MEDIA_TYPE)
    response.headers["Content-Type"] = f"{MEDIA_TYPE}; charset=utf-8"
    return response


@bp.get("/docs")
def docs() -> str:
    """The API documentation page (Swagger UI, served from /static/vendor)."""
    return render_template("api_docs.html", spec_url=url_for("openapi.spec"))
