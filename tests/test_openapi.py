"""The OpenAPI document: valid, complete for /api and /ogc, and true on a live server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal, get_args

import pytest
import requests
from openapi_spec_validator import validate
from pydantic import BaseModel

from gis.core.editing import READ_ONLY
from gis.core.plan import TaskChange
from gis.core.schema import DERIVED_PROPERTIES, ClusterRecord
from gis.web.api.openapi import MEDIA_TYPE, SOURCE, TEXT_PATTERN, _with_pattern, document
from gis.web.api.openapi_models import ENUMS, merged, model_schemas, openapi30
from tests.conftest import PASSWORD, ROOT

DOCUMENTED_PREFIXES = ("/api", "/ogc")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path template: ``<int:event_id>`` becomes ``{event_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _routes(app) -> set[tuple[str, str]]:
    """(path, method) of every route under /api and /ogc."""
    return {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule == "/ogc" or rule.rule.startswith(tuple(f"{p}/" for p in DOCUMENTED_PREFIXES))
        for method in rule.methods - IGNORED_METHODS
    }


# Paths documented once per collection (each with its own filters) stand for this route.
PER_COLLECTION = re.compile(r"^/ogc/collections/(?:clusters|districts|places)/items$")


def _documented() -> set[tuple[str, str]]:
    return {
        # A write (Part 4's POST of a cluster) is its own route, not the generic one.
        (
            PER_COLLECTION.sub("/ogc/collections/{collection_id}/items", path)
            if method == "get"
            else path,
            method,
        )
        for path, item in document()["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    }


def test_each_ogc_collection_documents_its_items_path(app) -> None:
    from gis.web.ogc import COLLECTIONS

    paths = document()["paths"]
    for collection in COLLECTIONS.values():
        names = {
            p["$ref"].rsplit("/", 1)[1] if "$ref" in p else p["name"]
            for p in paths[f"/ogc/collections/{collection.id}/items"]["get"]["parameters"]
        }
        declared = {document()["components"]["parameters"][n]["name"] for n in names}
        assert set(collection.filters) <= declared, collection.id
        others = {f for c in COLLECTIONS.values() for f in c.filters} - set(collection.filters)
        assert not others & declared, (collection.id, others & declared)


def test_document_is_valid_openapi_3() -> None:
    validate(document())
    assert document()["openapi"].startswith("3.0")


def test_every_route_is_documented(app) -> None:
    """Fails when someone adds a route under /api or /ogc without describing it."""
    missing = sorted(_routes(app) - _documented())
    assert not missing, f"routes missing from gis/web/api/openapi.yaml: {missing}"


def test_every_write_documents_the_busy_answer() -> None:
    """A write may be refused for contention: 503 with Retry-After (gis.store.db.Store.write)."""
    doc = document()
    busy = doc["components"]["responses"]["Busy"]
    assert busy["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert "application/problem+json" in busy["content"]
    writes = [
        (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in {"put", "post", "patch", "delete"}
    ]
    assert writes
    for path, method, op in writes:
        assert op["responses"].get("503") == {"$ref": "#/components/responses/Busy"}, (
            path,
            method,
        )


def test_every_documented_operation_exists(app) -> None:
    stale = sorted(_documented() - _routes(app))
    assert not stale, f"gis/web/api/openapi.yaml documents routes the app lacks: {stale}"


def test_served_as_json_with_its_media_type(client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(MEDIA_TYPE)
    assert response.get_json() == document()


def test_docs_page_uses_the_vendored_swagger_ui(client) -> None:
    html = client.get("/api/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert 'data-spec-url="/api/openapi.json"' in html
    assert "<script>" not in html, "no inline script: CSP forbids it"
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert (ROOT / "static" / "vendor" / "swagger-ui" / asset).is_file(), asset
        assert client.get(f"/static/vendor/swagger-ui/{asset}").status_code == 200


# --- the domain's schemas come from the pydantic models --------------------------------


def _served(name: str) -> dict[str, Any]:
    return document()["components"]["schemas"][name]


def _from_model(
    model: type[BaseModel], mode: Literal["validation", "serialization"]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model's own schema and those it refers to, served as 3.0 with the edge's patterns."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    defs = {name: openapi30(d) for name, d in schema.pop("$defs", {}).items()}
    converted = openapi30(schema)
    _with_pattern([converted, defs], TEXT_PATTERN)
    return converted, defs


def test_allowed_values_are_the_models() -> None:
    for name, values in ENUMS.items():
        assert _served(name) == {"type": "string", "enum": list(get_args(values))}, name


@pytest.mark.parametrize(
    ("name", "model", "mode", "left_out", "added", "partial"),
    [
        ("ClusterProperties", ClusterRecord, "serialization", set(), {*DERIVED_PROPERTIES}, False),
        # A change names only what it changes, never a read-only property.
        ("ClusterChanges", ClusterRecord, "validation", READ_ONLY, {"geometry", "note"}, True),
        ("PlanTaskChanges", TaskChange, "validation", set(), set(), False),
    ],
)
def test_records_are_the_models(name, model, mode, left_out, added, partial) -> None:
    """Each property the model has is served as the model says; openapi.yaml only adds."""
    served, (expected, defs) = _served(name), _from_model(model, mode)
    assert set(served["properties"]) == (set(model.model_fields) - left_out) | added
    for field in set(model.model_fields) - left_out:
        assert served["properties"][field] == expected["properties"][field], field
    assert served["additionalProperties"] is False
    assert served.get("required", []) == ([] if partial else expected.get("required", []))
    # The records the model refers to are served under their own names.
    for inner, definition in defs.items():
        assert _served(inner) == definition, inner


def test_openapi_yaml_does_not_restate_the_models() -> None:
    import yaml

    written = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))["components"]["schemas"]
    for name, generated in model_schemas().items():
        extra = written.get(name, {})
        assert set(extra) <= {"description", "properties"}, name
        assert not set(extra.get("properties", {})) & set(generated.get("properties", {})), name
    with pytest.raises(ValueError, match="restates Kind"):
        merged({"Kind": {"enum": ["CCN", "KCN"]}}, model_schemas())
    with pytest.raises(ValueError, match="restates ClusterProperties's \\['stage'\\]"):
        merged({"ClusterProperties": {"properties": {"stage": {}}}}, model_schemas())


def _enums(node: Any) -> list[list[Any]]:
    """Every `enum` list anywhere in a document."""
    found, stack = [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("enum"), list):
                found.append(item["enum"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def test_every_enum_naming_domain_values_lists_exactly_the_models() -> None:
    """A hand-written copy of kinds, stages, statuses... (stale or partial) fails here."""
    domain = [set(get_args(values)) for values in ENUMS.values()]
    checked = 0
    for enum in _enums(document()):
        values = set(enum) - {None}
        if any(values & d for d in domain):
            assert values in domain, enum
            checked += 1
    assert checked >= len(ENUMS)
    # The query parameters take the same values as the record, by reference.
    parameters = document()["components"]["parameters"]
    assert parameters["Kind"]["schema"]["items"] == {"$ref": "#/components/schemas/Kind"}
    assert parameters["Stage"]["schema"]["items"] == {"$ref": "#/components/schemas/Stage"}


def test_no_json_schema_2020_in_the_3_0_document() -> None:
    """pydantic writes JSON Schema 2020-12: a `null` type or `const` is not OpenAPI 3.0."""
    text = str(document())
    assert "'null'" not in text and "'const'" not in text and "'$defs'" not in text


def test_openapi30_rewrites_null_and_refuses_what_it_cannot() -> None:
    assert openapi30({"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None}) == {
        "type": "integer",
        "nullable": True,
        "default": None,
    }
    assert openapi30({"anyOf": [{"enum": ["a"], "type": "string"}, {"type": "null"}]}) == {
        "enum": ["a", None],
        "type": "string",
        "nullable": True,
    }
    ref = {"$ref": "#/components/schemas/X"}
    assert openapi30({"anyOf": [ref, {"type": "null"}]}) == {"allOf": [ref], "nullable": True}
    assert openapi30({"const": "a", "title": "A"}) == {"enum": ["a"]}
    with pytest.raises(ValueError, match="prefixItems"):
        openapi30({"type": "array", "prefixItems": [{"type": "number"}]})


# --- schemathesis against the live server ---------------------------------------------
#
# The schemathesis command line runs every operation of the document on a live server
# with ALL its checks (`--checks all`, negative data included) through its examples,
# coverage and fuzzing phases: no answer may be a 5xx, each must have a documented status,
# media type, headers and body; schema-violating requests must be refused, schema-valid
# ones accepted, undeclared methods answered 405 with Allow, required headers enforced,
# and operations that declare the session refused without it. Writes run as a logged-in
# administrator (the session cookie as the document's `session` scheme, with its CSRF
# token). Up to 10 examples per operation, a fixed seed, stateful phase off: measured at
# 2 to 2.8 minutes on SQLite and 2.3 to 3.3 on PostGIS on a loaded 2-core machine.
MAX_EXAMPLES = 10
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _logged_in_session(base_url: str) -> tuple[requests.Session, str]:
    """A requests session logged in as the admin, and its CSRF token."""
    session = requests.Session()
    page = session.get(f"{base_url}/auth/login", timeout=10).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
    response = session.post(
        f"{base_url}/auth/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text
    page = session.get(f"{base_url}/auth/login", timeout=10).text
    return session, re.search(r'name="csrf-token" content="([^"]+)"', page)[1]


REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428"]
# Where a schema-valid request may still be refused, and why the document cannot say more:
# writes depend on state and on rules across fields (412 for a version read before, 422
# for a geometry outside the province, 428 without If-Match); reads with a bbox (a minimum
# above its maximum, latitudes beyond 90: OpenAPI 3.0 has no per-item array schemas) or an
# OGC datetime (RFC 3339 intervals are no regular language worth writing here), and the
# plan's filters that name data (a cluster id, a lead unit in any of the plan's spellings).
WRITES_MAY_REFUSE = ["2xx", "401", "403", "404", "409", "412", "422", "428"]
READS_MAY_REFUSE = ["2xx", "304", "400", "404"]
READS_WITH_RULES_ACROSS_VALUES = [
    "listClusters",
    "exportClusters",
    "clusterTile",
    "ogcItemsClusters",
    "ogcItemsDistricts",
    "ogcItemsPlaces",
    "listPlanTasks",
]


def _config(cookie: str, token: str) -> str:
    """The schemathesis.toml of the run."""

    def strings(values: list[str]) -> str:
        return "[" + ", ".join(f'"{v}"' for v in values) + "]"

    return f"""
seed = 1
# One worker: with two, hypothesis's lambda descriptions call ast.parse from two threads,
# and CPython 3.11.7's AST converter keeps its recursion depth in shared state
# (gh-106905): "AST constructor recursion depth mismatch", a Runtime Error in CI.
workers = 1
# A saturated CI machine can hold an answer for seconds; a slow answer is no failure here.
request-timeout = 120
headers = {{ "X-CSRFToken" = "{token}" }}

[generation]
max-examples = {MAX_EXAMPLES}

[auth]
auto-signup = false

[auth.openapi.session]
api_key = "{cookie}"

[checks.negative_data_rejection]
expected-statuses = {strings(REFUSALS)}

[checks.missing_required_header]
# 428 Precondition Required (RFC 6585) is the answer to a missing If-Match.
expected-statuses = ["400", "401", "403", "406", "415", "422", "428"]

[[operations]]
include-method = ["DELETE", "PATCH", "POST", "PUT"]
checks.positive_data_acceptance.expected-statuses = {strings(WRITES_MAY_REFUSE)}

[[operations]]
include-operation-id = {strings(READS_WITH_RULES_ACROSS_VALUES)}
checks.positive_data_acceptance.expected-statuses = {strings(READS_MAY_REFUSE)}
"""


def test_api_conforms_to_its_document_under_all_checks(live_server, accounts, tmp_path) -> None:
    session, token = _logged_in_session(live_server)
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(session.cookies["session"], token), encoding="utf-8")
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(config),
            "run",
            f"{live_server}/api/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing",
            "--no-color",
            "--report-dir",
            str(tmp_path / "report"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=tmp_path,  # its cache directory stays out of the worktree
    )
    summary = result.stdout[-1500:]
    # The ERRORS and FAILURES sections come first; the tail holds warnings and the summary.
    report = result.stdout[:12000] + "\n[...]\n" + summary + result.stderr[-3000:]
    assert result.returncode == 0, report
    assert "Tested: " in summary and "failure" not in summary.lower(), summary
