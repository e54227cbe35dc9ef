"""The ceiling for a Python web app: Flask returning pre-serialised bytes.

Serves the bodies of our API's answers, captured once, at /page and /feature; run under
gunicorn like the app (bench/api_bench.py starts it with CEILING_DIR set).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

_DIR = Path(os.environ.get("CEILING_DIR", "."))
_PAGE = (_DIR / "page.json").read_bytes()
_FEATURE = (_DIR / "feature.json").read_bytes()
app = Flask(__name__)


@app.get("/page")
def page() -> Response:
    """A page of 100 items, as bytes prepared beforehand."""
    return Response(_PAGE, mimetype="application/geo+json")


@app.get("/feature")
def feature() -> Response:
    """One feature, as bytes prepared beforehand."""
    return Response(_FEATURE, mimetype="application/geo+json")
