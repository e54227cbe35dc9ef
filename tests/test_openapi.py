"""The OpenAPI document: valid, complete for /api and /ogc, and true on a live server."""

from __future__ import annotations

import re

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gis.web.openapi import MEDIA_TYPE, document
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


def _documented() -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document()["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    }


def test_document_is_valid_openapi_3() -> None:
    validate(document())
    assert document()["openapi"].startswith("3.0")


def test_every_route_is_documented(app) -> None:
    """Fails when someone adds a route under /api or /ogc without describing it."""
    missing = sorted(_routes(app) - _documented())
    assert not missing, f"routes missing from gis/web/openapi.yaml: {missing}"


def test_every_documented_operation_exists(app) -> None:
    stale = sorted(_documented() - _routes(app))
    assert not stale, f"gis/web/openapi.yaml documents routes the app lacks: {stale}"


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


# --- schemathesis against the live server ---------------------------------------------
#
# Every operation of the document is called with generated data (valid and invalid) on a
# live server: no answer may be a 5xx, and every answer must have a documented status,
# media type, headers and body schema. Writes run as a logged-in administrator with the
# session's CSRF token. Up to 25 examples per operation and mode (valid, invalid), 28
# operations: about 9-12 s per backend on this machine (2 cores), ~20 s for both, which
# keeps the suite fast while still reaching every parameter.
MAX_EXAMPLES = 25


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


def _operations(base_url: str) -> list:
    """Every operation of the document as the live server serves it."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json", config=CONFIG)
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operation, mode: GenerationMode, base_url: str, session, token: str) -> None:
    """Call one operation with generated data and check each answer against the document."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        headers = {"X-CSRFToken": token} if case.method.upper() != "GET" else {}
        case.call_and_validate(
            base_url=base_url, session=session, headers=headers, checks=CHECKS, timeout=30
        )

    run()


# The schemathesis pytest plugin (schema.parametrize) does not run under pytest 9.2, so
# Hypothesis drives each operation's strategy directly; the checks are schemathesis' own.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


# A rejection is any 4xx that says why; 412 too: generated If-Match values name no version
# of the cluster, and the session cookie schemathesis "leaves out" is still in the session.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 412, 415, 422, 428]
            }
        }
    }
)


def test_api_conforms_to_its_document(live_server, accounts) -> None:
    session, token = _logged_in_session(live_server)
    failures = []
    for operation in _operations(live_server):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, live_server, session, token)
            except Unsatisfiable:
                # An operation without parameters or body has no invalid request to make.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
