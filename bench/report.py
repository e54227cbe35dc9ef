"""Write bench/RESULTS.md from bench/results/*.json: raw figures and same-run ratios."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _machine() -> str:
    cpu = subprocess.run(
        ["bash", "-c", "lscpu | grep 'Model name' | sed 's/.*: *//'"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cpu or platform.processor()}, {cores} cores, Python {platform.python_version()}"


def _api(api: dict) -> list[str]:
    lines = [
        "## API under wrk (requests/s, p50 / p99 ms)",
        "",
        f"gunicorn with {api['workers']} workers for every server; wrk -t2 -c8, "
        f"{api['seconds']} s per query after a 2 s warm-up; loopback.",
        "",
    ]
    for size, entry in api["sizes"].items():
        lines += [
            f"### {int(size):,} features",
            "",
            "| server | page of 100 | page of 100, random offset | bbox ≈1 %, random | "
            "one feature, random |",
            "| --- | --- | --- | --- | --- |",
        ]
        for server, figures in entry.items():
            cells = []
            for query in ("page", "page_random", "bbox", "feature"):
                f = figures.get(query)
                cells.append(
                    "—"
                    if f is None
                    else f"{f['rps']:,.0f} ({f['p50_ms']:.1f} / {f['p99_ms']:.1f})"
                    + (f" [{f['non_2xx']} non-2xx]" if f.get("non_2xx") else "")
                )
            lines.append(f"| {server} | " + " | ".join(cells) + " |")
        lines += ["", "Ratios in this run:", ""]
        queries = ("page", "page_random", "bbox", "feature")
        best_pygeoapi = {
            q: max(entry[p][q]["rps"] for p in entry if p.startswith("pygeoapi")) for q in queries
        }
        for backend in ("ours_sqlite", "ours_postgis"):
            if backend not in entry:
                continue
            ours = entry[backend]
            parts = [
                f"{q}: {ours[q]['rps'] / best_pygeoapi[q]:.1f}× pygeoapi's faster provider"
                for q in queries
            ]
            parts += [
                f"{q}: {ours[q]['rps'] / entry['ceiling'][q]['rps']:.2f} of the ceiling"
                for q in ("page", "feature")
            ]
            lines.append(f"- {backend}: " + "; ".join(parts))
        lines.append("")
    if api.get("import_seconds"):
        lines += [
            "Loading through `flask clusters import` (seconds): "
            + ", ".join(f"{k}: {v}" for k, v in api["import_seconds"].items()),
            "",
        ]
    return lines


def _page(page: dict) -> list[str]:
    lines = [
        "## The map page in headless Chromium (medians)",
        "",
        "| data | ours: drawn / list ready / pan ms | naive folium: drawn / pan ms | "
        "drawn speed-up | ours: MB sent, heap MB | naive: MB sent, heap MB |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, entry in page.items():
        o, n = entry["ours"], entry["naive_folium"]
        lines.append(
            f"| {name} | {o['drawn_ms']:.0f} / {o.get('ready_ms', float('nan')):.0f} / "
            f"{o['pan_ms']:.0f} | {n['drawn_ms']:.0f} / "
            f"{n['pan_ms']:.0f} | {entry['drawn_speedup']:.1f}× | "
            f"{o['bytes'] / 1e6:.2f}, {o['heap'] / 1e6:.0f} | {n['bytes'] / 1e6:.2f}, "
            f"{n['heap'] / 1e6:.0f} |"
        )
    return [*lines, ""]


def _page_inline(sweep: dict) -> list[str]:
    """The measurement behind GIS_MAP_INLINE_MAX: our page carrying every cluster or not."""
    lines = [
        "## The map page carrying its clusters, or loading tiles (GIS_MAP_INLINE_MAX)",
        "",
        "| data | carried: drawn / list / pan ms | tiles: drawn / list / pan ms | "
        "naive folium drawn ms (both runs) |",
        "| --- | --- | --- | --- |",
    ]
    sizes = sorted({key.split()[0] for key in sweep}, key=int)
    for size in sizes:
        inline, tiles = sweep.get(f"{size} inline"), sweep.get(f"{size} tiles")
        if not inline or not tiles:
            continue
        i, t = inline["ours"], tiles["ours"]
        lines.append(
            f"| {int(size):,} | {i['drawn_ms']:.0f} / {i['ready_ms']:.0f} / {i['pan_ms']:.0f} | "
            f"{t['drawn_ms']:.0f} / {t['ready_ms']:.0f} / {t['pan_ms']:.0f} | "
            f"{inline['naive_folium']['drawn_ms']:.0f}, {tiles['naive_folium']['drawn_ms']:.0f} |"
        )
    return [*lines, ""]


def _page_trace(trace: dict) -> list[str]:
    """Where the province page's start-up goes, from Chromium's trace."""
    lines = [
        "## The province page's start-up in Chromium's trace (bench/page_trace.py)",
        "",
        "| page | drawn ms | main thread busy ms by kind (median) |",
        "| --- | --- | --- |",
    ]
    for name, entry in trace.items():
        busy = ", ".join(f"{k} {v:.0f}" for k, v in entry["busy_ms_median"].items())
        lines.append(f"| {name} | {entry['drawn_ms_median']:.0f} | {busy} |")
    return [*lines, ""]


def _writes(writes: dict) -> list[str]:
    lines = ["## Writes (history + version check), 8 concurrent editors", ""]
    for backend in ("sqlite", "postgis"):
        if backend in writes:
            w = writes[backend]
            lines.append(
                f"- {backend}: {w['updates_per_s']} accepted updates/s "
                f"({w['accepted']} accepted, {w['refused']} refused, "
                f"{w['errors']} errors in {w['seconds']} s)"
            )
    before = writes.get("before")
    if before:
        lines.append(
            f"- before this change ({before['code']}), same hour: sqlite "
            f"{before['sqlite']['updates_per_s']}, postgis {before['postgis']['updates_per_s']} "
            "accepted updates/s"
        )
    lines += [f"- {note}" for note in writes.get("notes", [])]
    soak = writes.get("soak_sqlite")
    if soak:
        lines.append(
            f"- soak on SQLite, {soak['minutes']} min of reads (wrk) and 8 writers: "
            f"largest worker RSS {soak['rss_first_mb']} MB near the start, "
            f"{soak['rss_last_mb']} MB at the end"
        )
    return [*lines, ""]


def _crash(crash: dict) -> list[str]:
    lines = [
        "## Crash cycles: SIGKILL of gunicorn during acknowledged writes",
        "",
        f"`bench/crash_bench.py`: {crash['writers']} editors writing through the API to "
        f"gunicorn with {crash['workers']} workers; master and workers killed together after "
        "0.5–2 s, then every acknowledged write, the integrity and the hash chains checked.",
        "",
        "| store | cycles | acknowledged writes | lost | duplicated | 5xx | integrity_check | "
        "history verify | seconds |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for backend in ("sqlite", "postgis"):
        if backend in crash:
            c = crash[backend]
            integrity = "ok" if not any("integrity" in f for f in c["failures"]) else "FAILED"
            verify = "ok" if c["history_verify_cli"] else "FAILED"
            lines.append(
                f"| {backend} | {c['cycles']} | {c['acknowledged']} | {c['lost']} | "
                f"{c['duplicated']} | {c['server_errors']} | {integrity} | {verify} | "
                f"{c['seconds']} |"
            )
    return [*lines, ""]


def _bbox_scaling(data: dict) -> list[str]:
    lines = [
        f"## A bbox query against the table's size (about {data['result']} features returned)",
        "",
        "In-process `query_page` (count, page, features built), no HTTP and no response "
        "cache; median of 50 random boxes.",
        "",
        "| features in the table | SQLite ms (features returned) | PostGIS ms (same) |",
        "| --- | --- | --- |",
    ]
    for size, entry in data["sizes"].items():
        cells = [
            f"{entry[b]['median_ms']:.1f} ({entry[b]['features']:.0f})" if b in entry else "—"
            for b in ("sqlite", "postgis")
        ]
        lines.append(f"| {int(size):,} | {cells[0]} | {cells[1]} |")
    return [*lines, ""]


def main() -> None:
    """Print RESULTS.md."""
    out = [
        "# Benchmark results",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {_machine()}.",
        "",
        "Command: `make bench` (runs `bench/run_all.sh`: api_bench.py, bbox_scaling.py, "
        "page_bench.py (also with --inline-sweep), page_trace.py, write_bench.py, "
        "crash_bench.py, then this report). "
        "Raw figures: `bench/results/*.json`.",
        "",
    ]
    sections = (
        ("api", _api),
        ("bbox_scaling", _bbox_scaling),
        ("page", _page),
        ("page_inline", _page_inline),
        ("page_trace", _page_trace),
        ("writes", _writes),
        ("crash", _crash),
    )
    for name, render in sections:
        data = _load(name)
        out += render(data) if data else [f"## {name}: not run", ""]
    out += [
        "## Reading these figures",
        "",
        "- Each ratio compares servers measured minutes apart in the same script run, on a "
        "machine running nothing else; the absolute figures of these shared 2-core machines vary "
        "by up to 2× from one hour to the next, the ratios much less.",
        '- Page: "drawn" is performance.now() when our map\'s data for the first view are '
        "drawn (`data-map-drawn`: the clusters the page carries, or the view's tiles), and "
        'when the naive page\'s last inline script has run; "list ready" is when our side '
        "panel's list is first drawn (`data-list-drawn`; naive folium has no list); pan is a "
        "640×320 px pan (beyond one 512 px tile) until its tiles are drawn, or, with "
        "nothing to load, the next frame (`data-views-drawn`; naive: the next frame). Our "
        "page and the naive one are loaded in turn, run by run. Base tiles are refused for "
        "both by a route on https:// only, so the pages' own requests are not paused for the "
        "harness. Synthetic data are viewed at `?view=16,106,6`; naive folium fits its data. "
        "Our app runs under gunicorn with 2 sync workers and no proxy in front.",
        "- This run (2026-11-29, 07:42–08:00 UTC): api_bench.py, bbox_scaling.py and "
        "page_bench.py on databases loaded through `clusters import` earlier the same morning "
        "(05:59–07:21; the import times above are from those loads, the SQLite 100,000 one "
        "while the machine was busy with profiling), with `VACUUM (ANALYZE) clusters` run by "
        "hand on the PostGIS ones, as the import now does at its end; write_bench.py ran at "
        "07:27–07:39 on the same code but for the list's paging, which writes do not use.",
        "- pygeoapi's non-2xx answers on its GeoPackage provider are its own errors on some "
        "requests under load; its GeoJSON provider reads the whole file per request.",
        "- Soak: the worker's RSS is sampled every 10 s; the per-process response cache is "
        "capped at 64 MB.",
        "",
    ]
    print("\n".join(out))


if __name__ == "__main__":
    main()
