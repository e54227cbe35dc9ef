"""CORS in a real browser: a page of another origin reads /ogc and /api, and cannot write."""

from __future__ import annotations

from playwright.sync_api import Page

READ = """async (url) => {
    // If-None-Match is not CORS-safelisted: the browser sends a preflight first.
    const r = await fetch(url, {headers: {"If-None-Match": '"nothing"'}});
    const body = await r.json();
    return {status: r.status, crs: r.headers.get("Content-Crs"), etag: r.headers.get("ETag"),
            count: body.features.length};
}"""
WRITE = """async (url) => {
    try {
        const r = await fetch(url, {method: "PATCH", body: "{}",
                                    headers: {"Content-Type": "application/json"}});
        return "answered " + r.status;
    } catch (e) {
        return "refused: " + e.name;
    }
}"""


def test_another_origin_reads_but_cannot_write(page: Page, live_server: str) -> None:
    # A blank page has an opaque origin ("null"): every request to the server is cross-origin.
    page.set_content("<!doctype html><title>elsewhere</title>")
    read = page.evaluate(
        READ, f"{live_server}/ogc/collections/clusters/items?crs=EPSG:5899&limit=3"
    )
    assert read["status"] == 200 and read["count"] == 3
    assert read["crs"] == "<http://www.opengis.net/def/crs/EPSG/0/5899>" and read["etag"]
    api = page.evaluate(READ, f"{live_server}/api/clusters?limit=2")
    assert api["status"] == 200 and api["count"] == 2
    # The PATCH's preflight gets no CORS answer, so the browser never sends the PATCH.
    assert page.evaluate(WRITE, f"{live_server}/api/clusters/ccn-long-phuoc-1") == (
        "refused: TypeError"
    )
