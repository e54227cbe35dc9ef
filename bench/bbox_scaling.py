"""Does a bbox query's time follow its result rather than the table? In-process, no HTTP.

Usage: .venv/bin/python bench/bbox_scaling.py [--sizes 1000 10000 100000] [--result 100]

For each size and backend (the databases api_bench.py loaded through `clusters import`),
times core.query_page for 50 random boxes each holding about ``--result`` features, with
no response cache in the way, and reports the median milliseconds per query and per
feature returned. The query is the one /api/clusters runs for ``?bbox=`` (count, page,
features built). Results go to bench/results/bbox_scaling.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api_bench import bboxes
from common import BENCH, VIETNAM_BBOX, dataset, load_through_import, log, write_json

from gis.core.clusters import ClusterFilter, query_page
from gis.store.db import Store


def median_ms(store: Store, boxes: list[str], limit: int) -> tuple[float, float]:
    """Median ms per query and mean features returned, over ``boxes``."""
    times, returned = [], []
    for raw in boxes:
        flt = ClusterFilter(bbox=tuple(float(v) for v in raw.split(",")))  # type: ignore[arg-type]
        with store.session() as session:
            started = time.perf_counter()
            _matched, features = query_page(session, store.sql, flt, limit, 0)
            times.append((time.perf_counter() - started) * 1000)
        returned.append(len(features))
    return statistics.median(times), statistics.mean(returned)


def main() -> None:
    """Time fixed-size bbox results at every table size; print and save them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--result", type=int, default=100)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgis"])
    args = parser.parse_args()
    extent = tuple(float(v) for v in VIETNAM_BBOX.split(","))
    out: dict = {"result": args.result, "sizes": {}}
    for count in args.sizes:
        collection = json.loads(dataset(count).read_text(encoding="utf-8"))
        boxes = bboxes(collection, args.result / count, 50, seed=11)
        del collection
        entry = {}
        for backend in args.backends:
            store = Store(load_through_import(backend, count), extent)  # type: ignore[arg-type]
            median_ms(store, boxes[:5], args.result * 3)  # warm the connection and caches
            ms, returned = median_ms(store, boxes, args.result * 3)
            store.dispose()
            entry[backend] = {"median_ms": ms, "features": returned}
            log(f"{backend} at {count}: {ms:.1f} ms for {returned:.0f} features")
        out["sizes"][str(count)] = entry
    write_json(BENCH / "results" / "bbox_scaling.json", out)


if __name__ == "__main__":
    main()
