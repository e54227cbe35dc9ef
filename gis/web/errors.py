"""One error shape for the whole API: RFC 9457 problem details, with per-field errors."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from gis.errors import FieldError, Forbidden, InvalidInput, NotFound, StaleVersion

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, title: str, detail: str, errors: list[FieldError] | None = None
) -> Response:
    """A problem+json response; ``errors`` names each field and the reason."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [{"field": e.field, "reason": e.reason} for e in errors]
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Register the app-wide error handlers (JSON under /api, a page elsewhere)."""

    @app.errorhandler(InvalidInput)
    def _invalid(exc: InvalidInput):  # type: ignore[no-untyped-def]
        title = "Bad Request" if exc.status == 400 else "Unprocessable Content"
        if _wants_json():
            return problem(exc.status, title, str(exc), exc.errors)
        return render_template("error.html", status=exc.status, message=str(exc)), exc.status

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden):  # type: ignore[no-untyped-def]
        if _wants_json():
            return problem(403, "Forbidden", str(exc))
        return render_template("error.html", status=403, message=str(exc)), 403

    @app.errorhandler(StaleVersion)
    def _stale(exc: StaleVersion):  # type: ignore[no-untyped-def]
        response = problem(
            412, "Precondition Failed", f"{exc}; reload, then apply your change again"
        )
        body = response.get_json()
        body["current_version"] = exc.current_version
        body["changes_since"] = exc.changes_since
        response.set_data(jsonify(body).get_data())
        return response

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):  # type: ignore[no-untyped-def]
        if _wants_json():
            return problem(404, "Not Found", str(exc))
        return render_template("error.html", status=404, message=str(exc)), 404

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        status = exc.code or 500
        if _wants_json():
            return problem(status, exc.name, exc.description or exc.name)
        return render_template("error.html", status=status, message=exc.description), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error")
        if _wants_json():
            return problem(500, "Internal Server Error", "an unexpected error occurred")
        return render_template("error.html", status=500, message="unexpected error"), 500
