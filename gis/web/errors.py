"""One error shape for the whole API: RFC 9457 problem details, with per-field errors."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from gis.errors import (
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    ProposalConflict,
    StaleVersion,
    StoreBusy,
)
from gis.web.negotiation import wants_html

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, title: str, detail: str, errors: list[FieldError] | None = None, **extra: Any
) -> Response:
    """A problem+json response; ``errors`` names each field and why, ``extra`` adds members."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    if errors:
        body["errors"] = [_error(e) for e in errors]
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def _error(error: FieldError) -> dict[str, Any]:
    """One field error: the English reason, and its code and figures for programs and pages."""
    item: dict[str, Any] = {"field": error.field, "reason": error.reason, "code": error.code}
    if error.params:
        item["params"] = error.params
    return item


def _wants_json() -> bool:
    if request.path == "/ogc" or request.path.startswith("/ogc/"):
        # GIS clients read errors as JSON; a browser that asked for the HTML pages gets a page.
        return not wants_html()
    return request.path.startswith("/api/")


def _answer(
    status: int, title: str, detail: str, errors: list[FieldError] | None = None
) -> ResponseReturnValue:
    """problem+json under /api, an error page elsewhere."""
    if _wants_json():
        return problem(status, title, detail, errors)
    return render_template("error.html", status=status, message=detail), status


def init_app(app: Flask) -> None:
    """Register the app-wide error handlers (JSON under /api, a page elsewhere)."""

    @app.errorhandler(InvalidInput)
    def _invalid(exc: InvalidInput) -> ResponseReturnValue:
        title = "Bad Request" if exc.status == 400 else "Unprocessable Content"
        return _answer(exc.status, title, str(exc), exc.errors)

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden) -> ResponseReturnValue:
        return _answer(403, "Forbidden", str(exc))

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> ResponseReturnValue:
        return _answer(404, "Not Found", str(exc))

    @app.errorhandler(StaleVersion)
    def _stale(exc: StaleVersion) -> ResponseReturnValue:
        return problem(
            412,
            "Precondition Failed",
            f"{exc}; reload, then apply your change again",
            current_version=exc.current_version,
            changes_since=exc.changes_since,
        )

    @app.errorhandler(ProposalConflict)
    def _proposal_conflict(exc: ProposalConflict) -> ResponseReturnValue:
        # The review pages word these themselves; any other caller gets a 409, never a 500.
        return _answer(409, "Conflict", str(exc))

    @app.errorhandler(StoreBusy)
    def _busy(exc: StoreBusy) -> ResponseReturnValue:
        # Contention is temporary: 503 tells clients (and the map's script) to try again.
        if _wants_json():
            response = problem(503, "Service Unavailable", str(exc))
        else:
            message = _("The service is busy; please try again in a moment.")
            html = render_template("error.html", status=503, message=message)
            response = Response(html, status=503, mimetype="text/html")
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        response = app.make_response(
            _answer(exc.code or 500, exc.name, exc.description or exc.name)
        )
        # The exception's own headers are part of the answer: Allow on a 405 (RFC 9110
        # §15.5.6), Retry-After, WWW-Authenticate. Our body keeps its own Content-Type.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error")
        return _answer(500, "Internal Server Error", "an unexpected error occurred")
