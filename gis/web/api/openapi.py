"""The API described: the OpenAPI 3 document of /api and /ogc, and a page that renders it.

The paths are written by hand in openapi.yaml, next to this module, and loaded once.
Written, not generated: the routes belong to several blueprints written by different
people, and a generator would need every one of them rewritten around its decorators.
The domain's schemas (the cluster record, a change, the allowed values) are not written
there but built from core's pydantic models (gis/web/api/openapi_models.py).
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

from gis.web.api.openapi_models import merged, model_schemas

bp = Blueprint("openapi", __name__)

SOURCE = Path(__file__).with_name("openapi.yaml")
MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"


# gis/web/input_guard.py refuses control characters in every parameter and JSON string;
# the document says so on each string it declares (JSON Schema regexes are ECMA-262).
LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
_METHODS = ("get", "put", "post", "patch", "delete")


def _with_pattern(schema: Any, pattern: str) -> None:
    """Add ``pattern`` to every free string of a schema (one without enum, pattern, format)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if node.get("type") == "string" and not {"enum", "pattern", "format"} & set(node):
            node["pattern"] = pattern
        stack.extend(v for k, v in node.items() if k not in ("example", "examples", "default"))


def _apply_input_rules(doc: dict[str, Any]) -> dict[str, Any]:
    """Write the edge's rules into the document: string patterns, and 400 where they apply."""
    for parameter in doc["components"]["parameters"].values():
        _with_pattern(parameter.get("schema"), LINE_PATTERN)
    _with_pattern(doc["components"]["schemas"], TEXT_PATTERN)
    for item in doc["paths"].values():
        for parameter in item.get("parameters", []):
            _with_pattern(parameter.get("schema"), LINE_PATTERN)
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            for parameter in operation.get("parameters", []):
                _with_pattern(parameter.get("schema"), LINE_PATTERN)
            if "requestBody" in operation:
                _with_pattern(operation["requestBody"], TEXT_PATTERN)
            if item.get("parameters") or operation.get("parameters"):
                # Any parameter may be refused by the edge: every such operation has a 400.
                operation["responses"].setdefault(
                    "400", {"$ref": "#/components/responses/BadRequest"}
                )
    return doc


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI document as a dict (built once per process), with the edge's rules."""
    with SOURCE.open(encoding="utf-8") as handle:
        # libyaml's loader (in PyYAML's wheels): the pure-Python one took about 1 s here.
        doc = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    components = doc["components"]
    components["schemas"] = merged(components["schemas"], model_schemas())
    return _apply_input_rules(doc)


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
    return render_template("api_docs.html", spec_url=url_for("api.openapi.spec"))
