"""Where the map page's start-up goes: Chromium's trace (CDP Tracing) of one page load.

Usage: .venv/bin/python bench/page_trace.py [--runs 3] [--out bench/results/page_trace.json]

Loads the province page (our app under gunicorn, SQLite, the seed data) and the naive
folium page of the same data, each with Chromium's tracing on, and prints for each the
moments of the load (ms from navigation start: HTML received, each request's start and
end, scripts evaluated, first paint, the data drawn) and the main thread's busy time by
kind (HTML parsing, script compile and run, style and layout, paint), median of --runs.
Base tiles are refused, as in page_bench.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH, ROOT, VENV_BIN, database_url, free_port, gunicorn_app, server, write_json
from page_bench import CHROMIUM_ARGS, _refuse_external, naive_page

CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "blink.user_timing",
    "loading",
    "v8.execute",
    "blink",
]

# Main-thread trace events by what they spend the time on (complete events, "X").
KINDS = {
    "ParseHTML": "parse HTML",
    "ParseAuthorStyleSheet": "parse CSS",
    "EvaluateScript": "script",
    "v8.compile": "compile",
    "v8.compileModule": "compile",
    "FunctionCall": "script",
    "TimerFire": "script",
    "FireAnimationFrame": "script",
    "EventDispatch": "script",
    "XHRReadyStateChange": "script",
    "RunMicrotasks": "script",
    "UpdateLayoutTree": "style",
    "Layout": "layout",
    "PrePaint": "paint",
    "Paint": "paint",
    "Layerize": "paint",
    "UpdateLayer": "paint",
    "CompositeLayers": "paint",
}


def _navigation(events: list[dict], url: str) -> dict:
    """The navigationStart of ``url``: its time is performance.now()'s zero, its thread the
    renderer's main thread."""
    for e in events:
        data = (e.get("args") or {}).get("data") or {}
        if e.get("name") == "navigationStart" and data.get("documentLoaderURL") == url:
            return e
    raise RuntimeError(f"no navigationStart of {url} in the trace")


def summarise(events: list[dict], url: str) -> dict:
    """Moments (ms from navigation start) and main-thread busy time by kind."""
    start = _navigation(events, url)
    pid, tid, t0 = start["pid"], start["tid"], start["ts"]
    origin = "/".join(url.split("/", 3)[:3])

    def ms(ts: float) -> float:
        return round((ts - t0) / 1000, 1)

    requests: dict[str, dict] = {}
    moments: list[tuple[float, str]] = []
    busy: dict[str, float] = defaultdict(float)
    # Nested events (a FunctionCall inside an EvaluateScript) count once, at the outermost.
    stack_end = 0.0
    for e in sorted(events, key=lambda e: e.get("ts", 0)):
        name = e.get("name", "")
        data = (e.get("args") or {}).get("data") or {}
        if name == "ResourceSendRequest" and data.get("url", "").startswith(origin):
            # (Only the page's own: Chromium's own pages request files too.)
            requests[data.get("requestId")] = {"url": data["url"], "start": ms(e["ts"])}
        elif name == "ResourceReceiveResponse" and data.get("requestId") in requests:
            requests[data["requestId"]]["response"] = ms(e["ts"])
        elif name == "ResourceFinish" and data.get("requestId") in requests:
            requests[data["requestId"]]["end"] = ms(e["ts"])
        elif (
            name in ("firstPaint", "firstContentfulPaint", "MarkDOMContent", "MarkLoad")
            and e.get("pid") == pid
            and e["ts"] >= t0
        ):
            moments.append((ms(e["ts"]), name))
        if e.get("pid") != pid or e.get("tid") != tid or e.get("ph") != "X":
            continue
        if name == "EvaluateScript" and data.get("url"):
            moments.append(
                (ms(e["ts"]), f"script {_short(data['url'])} runs {e['dur'] / 1000:.1f} ms")
            )
        kind = KINDS.get(name)
        if kind and e["ts"] >= stack_end:
            busy[kind] += e["dur"] / 1000
            stack_end = e["ts"] + e["dur"]
        if name == "RunTask":
            busy["all tasks"] += e["dur"] / 1000
    for r in requests.values():
        moments.append((r["start"], f"request {_short(r['url'])} sent"))
        if "end" in r:
            moments.append((r["end"], f"request {_short(r['url'])} received"))
    return {
        "moments": [f"{t:8.1f}  {what}" for t, what in sorted(moments)],
        "busy_ms": {k: round(v, 1) for k, v in sorted(busy.items())},
    }


def _short(url: str) -> str:
    parsed = urlparse(url)
    path = parsed.path.rsplit("/", 2)
    return "/".join(path[-2:]) + (("?" + parsed.query[:30]) if parsed.query else "")


def traced_load(browser, url: str, done: str) -> tuple[dict, float]:  # type: ignore[no-untyped-def]
    """Load ``url`` with tracing on until ``done`` (a JS expression) holds; trace summary."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    _refuse_external(page)
    browser.start_tracing(page=page, categories=CATEGORIES)
    page.goto(url, timeout=600_000)
    page.wait_for_function(done, timeout=600_000)
    drawn = float(page.evaluate(done))
    page.wait_for_timeout(300)  # the paint after it
    trace = json.loads(browser.stop_tracing())
    page.close()
    return summarise(trace["traceEvents"], url), drawn


def main() -> None:
    """Trace both pages, print the last run's moments and the median busy times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "page_trace.json")
    args = parser.parse_args()
    static_port = free_port()
    static = server(
        [str(VENV_BIN / "python"), "-m", "http.server", str(static_port), "--bind", "127.0.0.1"],
        {},
        static_port,
        "/static/vendor/leaflet/leaflet.js",
    )
    naive_path = naive_page(ROOT / "data" / "clusters.geojson", "province")
    naive_url = f"http://127.0.0.1:{static_port}{naive_path}"
    port = free_port()
    results: dict = {}
    with (
        static,
        gunicorn_app(database_url("sqlite", "bench_trace"), port, 2),
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        cases = {
            "ours": (f"http://127.0.0.1:{port}/", "document.body.dataset.mapDrawn"),
            "naive_folium": (naive_url, "window.__drawn"),
        }
        for name, (url, done) in cases.items():
            runs = [traced_load(browser, url, done) for _ in range(args.runs)]
            busy_keys = {k for summary, _ in runs for k in summary["busy_ms"]}
            results[name] = {
                "drawn_ms_median": statistics.median(d for _, d in runs),
                "busy_ms_median": {
                    k: statistics.median(s["busy_ms"].get(k, 0.0) for s, _ in runs)
                    for k in sorted(busy_keys)
                },
                "last_run_moments": runs[-1][0]["moments"],
            }
            print(f"== {name}: drawn at {results[name]['drawn_ms_median']:.0f} ms (median)")
            print("main-thread busy (ms, median):", json.dumps(results[name]["busy_ms_median"]))
            print("\n".join(runs[-1][0]["moments"]), flush=True)
        browser.close()
    args.out.parent.mkdir(exist_ok=True)
    write_json(args.out, results)


if __name__ == "__main__":
    main()
