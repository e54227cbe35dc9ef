"""Per-route upload limits, applied before anything (CSRF included) reads the body.

Flask-WTF's CSRF check parses the form in a before_request hook, so a limit set inside a
view would come too late: the app-wide MAX_CONTENT_LENGTH would already have decided. A
view names its limit's configuration key with ``@upload_limit``; this hook, registered
before the CSRF one, sets ``request.max_content_length`` from it. Werkzeug then refuses a
larger Content-Length before reading a byte, and stops a body without one once it passes
the limit: an oversized upload never reaches the disk or the memory whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request

F = TypeVar("F", bound=Callable[..., Any])
# Room for the multipart envelope (boundaries, headers, the CSRF field) around the file.
MULTIPART_OVERHEAD = 64 * 1024


def upload_limit(config_key: str) -> Callable[[F], F]:
    """Mark a view as taking uploads of at most ``app.config[config_key]`` bytes."""

    def mark(view: F) -> F:
        view.upload_limit_key = config_key  # type: ignore[attr-defined]
        return view

    return mark


def limit_of(endpoint: str | None) -> int | None:
    """The upload limit in bytes of an endpoint's file, or None for the app-wide one."""
    view = current_app.view_functions.get(endpoint or "")
    key = getattr(view, "upload_limit_key", None)
    return int(current_app.config[key]) if key else None


def init_app(app: Flask) -> None:
    """Register the hook first of all: every other hook may read the request body."""

    def _apply_upload_limit() -> None:
        limit = limit_of(request.endpoint)
        if limit is not None:
            request.max_content_length = limit + MULTIPART_OVERHEAD

    app.before_request_funcs.setdefault(None, []).insert(0, _apply_upload_limit)
