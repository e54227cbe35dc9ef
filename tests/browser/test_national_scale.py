"""The map at national scale: 100,000 land lots drawn, panned and opened in Chromium.

One SQLite store (the data set takes about a minute to write; PostGIS answers the same
tile queries through its GiST index, measured in bench/). Only what a user sees is
asserted here; speed is measured in bench/, never in tests.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from app import create_app
from gis.core.clusters import write_clusters
from gis.core.schema import ClusterRecord
from gis.geometry import parse_geojson

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate import generate

COUNT = 100_000
MAP = "window[JSON.parse(document.getElementById('map-config').textContent).map]"


@pytest.fixture(scope="module")
def national_server(tmp_path_factory) -> Iterator[str]:
    """A live app whose store holds 100,000 synthetic lots across Vietnam."""
    folder = tmp_path_factory.mktemp("national")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": f"sqlite:///{folder / 'national.sqlite'}",
            "GIS_EXTENT_BBOX": "102,8,110,24",
        }
    )
    store = app.extensions["store"]
    with store.write() as session:
        write_clusters(
            session,
            (
                (ClusterRecord.model_validate(f["properties"]), parse_geojson(f["geometry"]))
                for f in generate(COUNT)["features"]
            ),
        )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        store.dispose()


def test_100k_features_are_drawn_panned_and_opened(page: Page, national_server: str) -> None:
    page.goto(national_server + "/?view=16,106,6")
    page.wait_for_selector("body[data-ready]", timeout=120_000)
    # The whole country at zoom 6: dense tiles come as counts, never 100,000 markers.
    bubbles = page.locator(".aggregate-marker")
    expect(bubbles.first).to_be_visible()
    counts = bubbles.evaluate_all("els => els.map(e => Number(e.textContent.replace(/\\D/g, '')))")
    # Tiles of the zoom the page opened at may linger until Leaflet prunes them, so a few
    # lots can show twice for a moment; every lot is in a bubble.
    assert COUNT <= sum(counts) <= 1.02 * COUNT
    assert len(counts) < 2000
    assert page.locator("path.cluster-marker").count() < 2000
    expect(page.locator("#count")).to_contain_text("100")

    # Pan: the new tiles arrive and are drawn.
    before = int(page.evaluate("() => document.body.dataset.tilesLoaded"))
    page.evaluate(f"() => {MAP}.panBy([600, 300], {{animate: false}})")  # beyond a 512 px tile
    page.wait_for_function(f"() => Number(document.body.dataset.tilesLoaded) > {before}")

    # Zoom into one park: single lots, clickable, with their full facts in the popup.
    page.evaluate(f"() => {MAP}.setView([11.10, 106.65], 13, {{animate: false}})")
    # Tiles reach beyond the screen and arrive one by one: wait until a lot whose centre is
    # on screen, and not under a panel, is drawn (the first tile may be an off-screen one).
    # Click that point, not the n-th path: later tiles add paths and change their order.
    hittable = """() => {
        for (const el of document.querySelectorAll('path.cluster-marker')) {
            const r = el.getBoundingClientRect();
            const x = r.x + r.width / 2, y = r.y + r.height / 2;
            if (document.elementFromPoint(x, y) === el) return [x, y];
        }
        return null;
    }"""
    point = page.wait_for_function(hittable, timeout=60_000).json_value()
    page.mouse.click(*point)
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator("h3")).to_contain_text("Lô")
    expect(popup).to_contain_text("ha")
