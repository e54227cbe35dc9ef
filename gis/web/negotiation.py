"""Which representation a request asks for: ``?f=json|html`` first, then the Accept header."""

from __future__ import annotations

from flask import request

from gis.errors import FieldError, InvalidInput

FORMATS = ("json", "html")
# Offered in this order, so a client that accepts anything (curl, GDAL's */*) gets JSON
# and a browser, which ranks text/html above */*, gets HTML.
_OFFERED = {"application/json": "json", "application/geo+json": "json", "text/html": "html"}


def requested_format() -> str:
    """``json`` or ``html`` for this request; InvalidInput when ``f`` names another."""
    chosen = request.args.get("f")
    if chosen is not None:
        if chosen not in FORMATS:
            raise InvalidInput(
                [FieldError("f", f"unknown format {chosen!r}; allowed: {', '.join(FORMATS)}")]
            )
        return chosen
    best = request.accept_mimetypes.best_match(list(_OFFERED), default="application/json")
    return _OFFERED[best]


def wants_html() -> bool:
    """True when the request asks for HTML (never raises: used while answering errors)."""
    try:
        return requested_format() == "html"
    except InvalidInput:
        return False
