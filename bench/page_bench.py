"""The map page in headless Chromium: ours against a naive folium map of the same data.

Usage: .venv/bin/python bench/page_bench.py [--sizes 1000 10000 100000] [--runs 3]

For the province data (our seed) and each synthetic size: the time until the default
view's data is drawn, the time until a pan's data is drawn, bytes transferred and the JS
heap, median of --runs page loads, for our app (gunicorn, SQLite, loaded through the
import command) and for the naive folium page (every feature inlined), both viewed at
the same national view. Base tiles are refused (no internet here) for both.
Results go to bench/results/page.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BENCH,
    ROOT,
    VENV_BIN,
    WORK,
    dataset,
    free_port,
    gunicorn_app,
    load_through_import,
    log,
    server,
    write_json,
)

NATIONAL_VIEW = (16.0, 106.0, 6)  # what naive folium shows: all of Vietnam
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-precise-memory-info",
    "--js-flags=--expose-gc",
]

_METRICS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  if (window.gc) window.gc();
  return {bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
          heap: performance.memory.usedJSHeapSize};
}"""


def _route(route) -> None:  # type: ignore[no-untyped-def]
    host = urlparse(route.request.url).hostname
    return route.continue_() if host == "127.0.0.1" else route.abort()


def measure_ours(browser, url: str) -> dict:  # type: ignore[no-untyped-def]
    """Default view drawn (all its tiles), page ready (the list too), then a pan's tiles."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.route("**/*", _route)
    page.goto(url, timeout=600_000)
    page.wait_for_selector("body[data-ready]", timeout=600_000)
    # The map's data drawn (what naive folium's page shows), and the whole page ready,
    # the side panel's list included (naive folium has none).
    ready = page.evaluate("() => performance.now()")
    drawn = float(page.evaluate("() => document.body.dataset.mapDrawn"))
    pan = page.evaluate("""() => new Promise((resolve) => {
        const cfg = JSON.parse(document.getElementById('map-config').textContent);
        const map = window[cfg.map];
        const before = Number(document.body.dataset.tilesLoaded || 0);
        const start = performance.now();
        const check = () => Number(document.body.dataset.tilesLoaded || 0) > before
            ? resolve(performance.now() - start) : requestAnimationFrame(check);
        map.panBy([640, 320], {animate: false});
        requestAnimationFrame(check);
    })""")
    metrics = page.evaluate(_METRICS)
    page.close()
    return {"drawn_ms": drawn, "ready_ms": ready, "pan_ms": pan, **metrics}


def measure_naive(browser, url: str) -> dict:  # type: ignore[no-untyped-def]
    """Everything is inlined: drawn when the page's last script has run; a pan redraws."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.route("**/*", _route)
    page.goto(url, timeout=600_000, wait_until="load")
    page.wait_for_function("() => window.__drawn !== undefined", timeout=600_000)
    drawn = page.evaluate("() => window.__drawn")
    pan = page.evaluate("""() => new Promise((resolve) => {
        const map = Object.values(window).find((v) => v && v._container && v.panBy);
        const start = performance.now();
        map.once('moveend', () => requestAnimationFrame(() => resolve(performance.now() - start)));
        map.panBy([640, 320], {animate: false});
    })""")
    metrics = page.evaluate(_METRICS)
    page.close()
    return {"drawn_ms": drawn, "pan_ms": pan, **metrics}


def _median(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def naive_page(source: Path, name: str) -> str:
    """Write the naive folium page of ``source`` under bench/work; its URL path."""
    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / f"naive_{name}.html"
    if not out.exists():
        subprocess.run([VENV_BIN / "python", BENCH / "naive_folium.py", source, out], check=True)
    return "/" + str(out.relative_to(ROOT))


def main() -> None:
    """Measure both pages at every size; print and save the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    static_port = free_port()
    results: dict = {}
    # The naive pages and our vendored Leaflet are served as plain files from the project.
    static = server(
        [str(VENV_BIN / "python"), "-m", "http.server", str(static_port), "--bind", "127.0.0.1"],
        {},
        static_port,
        "/static/vendor/leaflet/leaflet.js",
    )
    with static, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        cases = [("province", None)] + [(str(n), n) for n in args.sizes]
        for name, count in cases:
            if count is None:
                from common import database_url

                url = database_url("sqlite", "bench_province")
                source = ROOT / "data" / "clusters.geojson"
                view = ""  # the province page's own default view
            else:
                url = load_through_import("sqlite", count)
                source = dataset(count)
                lat, lon, zoom = NATIONAL_VIEW
                view = f"?view={lat},{lon},{zoom}"
            naive_url = f"http://127.0.0.1:{static_port}{naive_page(source, name)}"
            port = free_port()
            with gunicorn_app(url, port, 2):
                log(f"page at {name}")
                ours = _median(
                    [
                        measure_ours(browser, f"http://127.0.0.1:{port}/{view}")
                        for _ in range(args.runs)
                    ]
                )
                naive = _median([measure_naive(browser, naive_url) for _ in range(args.runs)])
            results[name] = {
                "ours": ours,
                "naive_folium": naive,
                "drawn_speedup": naive["drawn_ms"] / ours["drawn_ms"],
            }
            print(json.dumps({name: results[name]}, indent=1), flush=True)
        browser.close()
    (BENCH / "results").mkdir(exist_ok=True)
    write_json(BENCH / "results" / "page.json", results)


if __name__ == "__main__":
    main()
