"""Measure the province map as a user meets it: API sizes and page load in Chromium.

Usage: .venv/bin/python bench/province_page.py [--runs 5] [--boundaries PATH]
Starts the app on a temporary SQLite database, on a free loopback port, and prints
medians. Base tiles are refused (no internet here), as in the tests.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import statistics
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from app import create_app


def _size(url: str) -> tuple[int, int]:
    raw = urllib.request.urlopen(url).read()
    return len(raw), len(gzip.compress(raw, compresslevel=6))


def main() -> None:
    """Run the measurements and print a small report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--boundaries", help="official district boundaries to import first")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite"})
    if args.boundaries:
        app.test_cli_runner().invoke(args=["boundaries", "import", args.boundaries])
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    for path in ("/api/clusters", "/api/districts"):
        raw, zipped = _size(base + path)
        print(f"{path}: {raw:,} bytes, {zipped:,} gzipped")
    times, transferred, heaps = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for _ in range(args.runs):
            page = browser.new_page()
            page.route(
                "**/*",
                lambda r: (
                    r.continue_() if urlparse(r.request.url).hostname == "127.0.0.1" else r.abort()
                ),
            )
            page.goto(base + "/")
            page.wait_for_selector("body[data-ready]")
            metrics = page.evaluate("""() => {
                const nav = performance.getEntriesByType('navigation')[0];
                const res = performance.getEntriesByType('resource');
                return {ready: performance.now(),
                        bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
                        heap: performance.memory ? performance.memory.usedJSHeapSize : null};
            }""")
            times.append(metrics["ready"])
            transferred.append(metrics["bytes"])
            heaps.append(metrics["heap"])
            page.close()
        browser.close()
    server.shutdown()
    print(
        json.dumps(
            {
                "runs": args.runs,
                "ready_ms_median": round(statistics.median(times), 1),
                "ready_ms_all": [round(t, 1) for t in times],
                "bytes_transferred_median": statistics.median(transferred),
                "js_heap_bytes_median": statistics.median(heaps) if all(heaps) else None,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
