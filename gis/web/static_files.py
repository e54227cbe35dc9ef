"""Versioned static URLs (``?v=`` the file's hash) cached for a year; the modules' import map.

``url_for("static", filename=...)`` gets ``v=`` the first 12 hex digits of the file's
SHA-256, so a changed file has a new URL and a browser may keep each one for good
(``immutable``): a repeat visit asks for none of them. A request whose ``v`` is not the
file's current hash (an old page, a hand-typed URL) is answered with ``no-cache`` instead,
so nothing stale is kept for a year. ES modules import one another by relative URL, which
carries no query: the import map each page holds (``static_import_map``) sends those
imports to the same versioned URLs as the page's own ``<script>`` and ``modulepreload``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, Response, current_app, request, session, url_for

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"

# (path, mtime_ns, size) → hash: a file is read again only when it changes on disk.
_hashes: dict[tuple[str, int, int], str] = {}


def file_version(folder: str, filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256, or None when it is not a file."""
    path = os.path.join(folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None  # a folder's URL (a prefix to build on): no version of its own
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _hashes:
        _hashes[key] = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return _hashes[key]


def static_import_map() -> dict[str, dict[str, str]]:
    """Every module under static/js/ mapped from its plain URL to its versioned one."""
    imports = {}
    for name in sorted(os.listdir(os.path.join(str(current_app.static_folder), "js"))):
        if name.endswith(".js"):
            plain = url_for("static", filename=f"js/{name}", v=None)
            imports[plain] = url_for("static", filename=f"js/{name}")
    return {"imports": imports}


def init_app(app: Flask) -> None:
    """Version static URLs, cache the versioned answers a year, and give templates the map."""
    folder = str(app.static_folder)
    app.jinja_env.globals["static_import_map"] = static_import_map

    @app.url_defaults
    def _version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            if "v" in values and values["v"] is None:
                del values["v"]  # the plain URL asked for (the import map's keys)
                return
            version = file_version(folder, values["filename"])
            if version:
                values.setdefault("v", version)

    @app.after_request
    def _cache(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        if not session.modified:
            # A file does not depend on who asks: no "Vary: Cookie" (which the session adds
            # when a hook merely read it), or a new session cookie would empty the cache.
            session.accessed = False
        filename = (request.view_args or {}).get("filename", "")
        asked = request.args.get("v")
        if asked and asked == file_version(folder, filename):
            response.headers["Cache-Control"] = IMMUTABLE
        else:
            # No version, or not this file's: the browser asks again each time (a 304
            # when unchanged), never keeping old bytes under a URL for a year.
            response.headers["Cache-Control"] = "no-cache"
        return response
