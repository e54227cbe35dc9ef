"""Security headers on every response, and the per-request nonce of our inline scripts.

A small after_request rather than flask-talisman: we need five headers and a nonce, while
talisman would also redirect to HTTPS and rewrite the session cookie settings that
gis/web/auth.py already owns, each to be switched off again; its last release is from 2023.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from markupsafe import Markup

# folium writes its inline scripts as a bare "<script>"; only those get the nonce.
_BARE_SCRIPT = re.compile(r"<script>")
HSTS = "max-age=31536000; includeSubDomains"


def csp_nonce() -> str:
    """This request's CSP nonce (one per request, 128 random bits)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def with_nonce(html: str) -> Markup:
    """Trusted markup (folium's map header) with this request's nonce on its inline scripts."""
    return Markup(_BARE_SCRIPT.sub(f'<script nonce="{csp_nonce()}">', str(html)))


def tile_sources(tiles_url: str) -> list[str]:
    """The origin(s) a tile URL template loads images from, for CSP's img-src.

    A ``{s}`` subdomain placeholder becomes a wildcard; a relative template needs nothing.
    """
    parts = urlsplit(tiles_url)
    if not parts.scheme or not parts.netloc:
        return []
    host = re.sub(r"\{s\}", "*", parts.netloc)
    if "{" in host:
        # Another placeholder in the host ({switch:a,b}): allow any subdomain of the rest.
        host = "*." + host.split("}", 1)[1].lstrip(".")
    return [f"{parts.scheme}://{host}"]


def content_security_policy(nonce: str | None, tiles_url: str) -> str:
    """The policy: our own origin only, scripts by nonce, images also from the tile host."""
    directives = {
        "default-src": ["'self'"],
        # 'self' for our files and the vendored libraries, the nonce for folium's inline
        # map set-up; never 'unsafe-inline' or 'unsafe-eval' for scripts.
        "script-src": ["'self'", *([f"'nonce-{nonce}'"] if nonce else [])],
        # Leaflet, folium and Swagger UI position elements with style attributes.
        "style-src": ["'self'", "'unsafe-inline'"],
        # data: for the icons Leaflet and leaflet-geoman embed in their CSS.
        "img-src": ["'self'", "data:", *tile_sources(tiles_url)],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def init_app(app: Flask) -> None:
    """Add the headers to every response and ``csp_nonce`` / ``with_nonce`` to templates."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["with_nonce"] = with_nonce
    tiles_url = app.config["GIS_TILES_URL"]
    # Data answers run no script of their own: one policy without a nonce, built once.
    data_policy = content_security_policy(None, tiles_url)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        page = response.mimetype == "text/html" or "csp_nonce" in g
        policy = content_security_policy(csp_nonce(), tiles_url) if page else data_policy
        # A response that set a stricter policy of its own (a served attachment) keeps it.
        headers.setdefault("Content-Security-Policy", policy)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.is_secure:
            headers["Strict-Transport-Security"] = HSTS
        return response
