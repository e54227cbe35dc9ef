"""Every HTML page of the app, enumerated from its url_map with real ids in path parameters.

A new GET route that answers HTML is visited by the phone and language tests without
anyone listing it; a new path parameter fails the enumeration until it gets its ids here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import Page

from tests.conftest import PASSWORD

# Routes that are not pages a person reads: the JSON API (its /api/docs page is visited),
# static files, uploaded files (a photo or a document, never HTML), logging out (a form's
# target) and the report files and the editing workbook (tested as files; logged out, the
# workbook's address answers the login page, so the answer's type cannot tell), and the
# OGC tile documents and vector tiles (JSON and MVT for map clients; no HTML form).
NOT_PAGES = (
    "/api/",
    "/static/",
    "/attachments/",
    "/auth/logout",
    "/workbook/download",
    "/ogc/tileMatrixSets",
    "/ogc/collections/clusters/tiles",
)
FILE_ENDINGS = (".pdf", ".xlsx")
# Extra query strings a page shows more with (a chosen as-of date, the comparison's ids).
VARIANTS: dict[str, list[str]] = {
    "/plan": ["", "?as_of=2020-12-31"],
    "/dashboard": ["", "?as_of=2020-12-31"],
    "/reports": ["", "?as_of=2020-12-31"],
    "/ogc": ["?f=html"],
    "/ogc/conformance": ["?f=html"],
    "/ogc/collections": ["?f=html"],
}
ROLES = {"admin": "admin", "editor": "lt-editor", "viewer": "viewer"}
# Pages that answer something other than 200 on purpose: they must be readable too.
ERROR_PAGES = ["/no-such-page", "/clusters/no-such-cluster", "/compare?ids=x"]


def _ids(app: Flask) -> dict[str, list[Any]]:
    """Real values of every path parameter, read through the app's own API."""
    client = app.test_client()
    clusters = client.get("/api/clusters").get_json()["features"]
    # Parks, sub-zones and clusters, with and without a location: pages differ by kind.
    cluster_ids = [f["id"] for f in clusters]
    # A sample: the first of each kind, located and not (what a page lays out differently).
    shapes = {(f["properties"]["kind"], f["geometry"] is None): f["id"] for f in reversed(clusters)}
    tasks = [t["id"] for t in client.get("/api/plan/tasks").get_json()["tasks"]]
    districts = [d["id"] for d in client.get("/api/districts").get_json()["features"]]
    features: dict[str, list[str]] = {}
    for collection in ("clusters", "districts", "places"):
        body = client.get(f"/ogc/collections/{collection}/items?f=json&limit=2").get_json()
        features[collection] = [str(f["id"]) for f in body["features"]]
    return {
        "cluster_id": cluster_ids,
        "cluster_id sample": sorted(shapes.values(), key=cluster_ids.index),
        "task_id": tasks,
        "scope": ["province", *districts],
        "collection_id": list(features),
        "feature_id": features,
    }


def page_paths(
    app: Flask, every_id: bool = True, only: Callable[[str], bool] = lambda path: True
) -> list[str]:
    """The path of every HTML page (of those ``only`` keeps); ``every_id`` False takes a
    sample of each parameter's values: a cluster of each kind, located and not, and two
    values of the others."""
    ids = _ids(app)
    client = app.test_client()
    paths: list[str] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(NOT_PAGES):
            continue
        if rule.rule.endswith(FILE_ENDINGS) or rule.rule == "/api/docs":
            continue
        args = sorted(rule.arguments)
        missing = [a for a in args if a not in ids]
        assert not missing, f"{rule.rule}: no ids for {missing}; add them in site_pages._ids"
        candidates: list[dict[str, Any]] = [{}]
        for name in args:
            if name == "feature_id":
                continue
            values = ids[name] if every_id else ids.get(f"{name} sample", ids[name][:2])
            candidates = [{**c, name: v} for c in candidates for v in values]
        if "feature_id" in args:
            candidates = [
                {**c, "feature_id": f}
                for c in candidates
                for f in ids["feature_id"][c["collection_id"]][: 2 if every_id else 1]
            ]
        for values in candidates:
            path = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
            for variant in VARIANTS.get(path, [""]):
                if path.startswith("/ogc") and not variant:
                    variant = "?f=html"
                url = path + variant
                if url in paths or not only(url):
                    continue
                response = client.get(url, headers={"Accept": "text/html"})
                if response.mimetype == "text/html":
                    paths.append(url)
    return [*paths, *(path for path in ["/api/docs", *ERROR_PAGES] if only(path))]


def log_in(page: Page, base: str, username: str) -> None:
    """Log in through the real form in this page's browser context."""
    page.goto(base + "/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    assert "/auth/login" not in page.url, f"{username} could not log in"


def open_page(page: Page, url: str) -> None:
    """Open a page and wait until its script has drawn what it draws."""
    page.goto(url, wait_until="load")
    if page.locator("#map-config").count():
        page.wait_for_selector("body[data-ready]", timeout=15_000)
