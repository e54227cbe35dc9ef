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
import os
import statistics
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BENCH,
    ROOT,
    VENV_BIN,
    WORK,
    database_url,
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


def _refuse_external(page) -> None:  # type: ignore[no-untyped-def]
    """Refuse base tiles (every external request is https; ours are plain http).

    Only https:// is routed: a route on every URL would pause each of the page's own
    requests for a round trip to this Python process, a cost of the harness that no user
    pays and that grows with the number of requests.
    """
    page.route("https://**/*", lambda route: route.abort())


def measure_ours(browser, url: str) -> dict:  # type: ignore[no-untyped-def]
    """Default view drawn, the side panel's list drawn, then a pan's view drawn."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    _refuse_external(page)
    page.goto(url, timeout=600_000)
    page.wait_for_selector("body[data-ready]", timeout=600_000)
    ready = page.evaluate("() => performance.now()")
    # The map's data drawn (what naive folium's page shows), and the side panel's list
    # (naive folium has none): moments the page's script notes, read afterwards.
    drawn = float(page.evaluate("() => document.body.dataset.mapDrawn"))
    # (Pages before data-list-drawn: when data-ready was seen.)
    listed = float(page.evaluate("() => document.body.dataset.listDrawn") or ready)
    # A pan's view is drawn when its tiles are, or (the page holding every cluster, with
    # nothing to load) at the frame after the move, as naive folium's is.
    pan = page.evaluate("""() => new Promise((resolve) => {
        const cfg = JSON.parse(document.getElementById('map-config').textContent);
        const map = window[cfg.map];
        const views = () => Number(document.body.dataset.viewsDrawn
            || document.body.dataset.tilesLoaded || 0);
        const before = views();
        const start = performance.now();
        const check = () => views() > before
            ? resolve(performance.now() - start) : requestAnimationFrame(check);
        map.panBy([640, 320], {animate: false});
        requestAnimationFrame(check);
    })""")
    inline = page.evaluate("() => document.getElementById('map-inline') !== null")
    metrics = page.evaluate(_METRICS)
    page.close()
    return {"drawn_ms": drawn, "ready_ms": listed, "pan_ms": pan, "inline": inline, **metrics}


def measure_naive(browser, url: str) -> dict:  # type: ignore[no-untyped-def]
    """Everything is inlined: drawn when the page's last script has run; a pan redraws."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    _refuse_external(page)
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
    return {
        key: first if isinstance(first, bool) else statistics.median(r[key] for r in runs)
        for key, first in runs[0].items()
    }


def naive_page(source: Path, name: str) -> str:
    """Write the naive folium page of ``source`` under bench/work; its URL path."""
    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / f"naive_{name}.html"
    if not out.exists():
        subprocess.run([VENV_BIN / "python", BENCH / "naive_folium.py", source, out], check=True)
    return "/" + str(out.relative_to(ROOT))


def measure_pair(browser, ours_url: str, naive_url: str, runs: int) -> dict:  # type: ignore[no-untyped-def]
    """Medians of ``runs`` loads of each page, taken in turn so both meet the same load."""
    ours, naive = [], []
    for _ in range(runs):
        ours.append(measure_ours(browser, ours_url))
        naive.append(measure_naive(browser, naive_url))
    o, n = _median(ours), _median(naive)
    return {"ours": o, "naive_folium": n, "drawn_speedup": n["drawn_ms"] / o["drawn_ms"]}


def _case(name: str, count: int | None) -> tuple[str, Path, str]:
    """Database URL, source GeoJSON and the view of one data set."""
    if count is None:
        # A fresh database: the app seeds it with the province's data on first start.
        view = ""  # the province page's own default view
        return database_url("sqlite", "bench_province"), ROOT / "data" / "clusters.geojson", view
    lat, lon, zoom = NATIONAL_VIEW
    return load_through_import("sqlite", count), dataset(count), f"?view={lat},{lon},{zoom}"


def main() -> None:
    """Measure both pages at every size; print and save the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--inline-sweep",
        type=int,
        nargs="*",
        metavar="SIZE",
        help="instead: at each size, our page carrying every cluster (GIS_MAP_INLINE_MAX=500) "
        "against our page loading tiles (GIS_MAP_INLINE_MAX=0); to bench/results/page_inline.json",
    )
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
        if args.inline_sweep:
            cases = [(str(n), n) for n in args.inline_sweep]
        else:
            cases = [("province", None)] + [(str(n), n) for n in args.sizes]
        for name, count in cases:
            url, source, view = _case(name, count)
            naive_url = f"http://127.0.0.1:{static_port}{naive_page(source, name)}"
            settings = [("500", "inline"), ("0", "tiles")] if args.inline_sweep else [(None, "")]
            for inline_max, label in settings:
                if inline_max is not None:
                    os.environ["GIS_MAP_INLINE_MAX"] = inline_max
                port = free_port()
                key = f"{name} {label}".strip()
                with gunicorn_app(url, port, 2):
                    log(f"page at {key}")
                    ours_url = f"http://127.0.0.1:{port}/{view}"
                    results[key] = measure_pair(browser, ours_url, naive_url, args.runs)
                print(json.dumps({key: results[key]}, indent=1), flush=True)
            os.environ.pop("GIS_MAP_INLINE_MAX", None)
        browser.close()
    (BENCH / "results").mkdir(exist_ok=True)
    out = "page_inline.json" if args.inline_sweep else "page.json"
    write_json(BENCH / "results" / out, results)


if __name__ == "__main__":
    main()
