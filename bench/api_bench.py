"""The API under load: our app on SQLite and PostGIS against pygeoapi and a ceiling.

Usage: .venv/bin/python bench/api_bench.py [--sizes 1000 10000 100000] [--seconds 10]

For each size, the same synthetic features are loaded through `flask clusters import`
into SQLite and PostGIS and, for pygeoapi (from PyPI, in bench/.venv-pygeoapi), into a
GeoJSON file and a GeoPackage. Every server runs under gunicorn with the same number of
workers; wrk sends GETs on loopback for: a page of 100 items (the first page, and random
offsets: "page_random", which defeats our per-revision response cache), a bbox
holding about 1 % of the features (300 random boxes), and one feature (random ids).
Results go to bench/results/api.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import urllib.request
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BENCH,
    IMPORT_SECONDS,
    VENV_BIN,
    WORK,
    dataset,
    free_port,
    gunicorn_app,
    load_through_import,
    log,
    server,
    write_json,
    wrk,
)

WORKERS = 2
PYGEOAPI_BIN = BENCH / ".venv-pygeoapi" / "bin"


def bboxes(collection: dict, share: float, count: int, seed: int = 3) -> list[str]:
    """``count`` boxes each holding about ``share`` of the features (by bbox centre)."""
    centres = np.array(
        [np.mean(f["geometry"]["coordinates"][0], axis=0) for f in collection["features"]]
    )
    rng = random.Random(seed)
    wanted = max(1, int(len(centres) * share))
    boxes = []
    for _ in range(count):
        cx, cy = centres[rng.randrange(len(centres))]
        low, high = 0.0001, 5.0
        for _ in range(30):  # bisect the half-size until the box holds `wanted` centres
            half = (low + high) / 2
            inside = np.sum(
                (np.abs(centres[:, 0] - cx) <= half) & (np.abs(centres[:, 1] - cy) <= half)
            )
            low, high = (half, high) if inside < wanted else (low, half)
        boxes.append(f"{cx - high:.5f},{cy - high:.5f},{cx + high:.5f},{cy + high:.5f}")
    return boxes


def queries(collection: dict, seed: int = 5) -> dict[str, list[str]]:
    """Path fragments for the three queries, shared by every server."""
    rng = random.Random(seed)
    n = len(collection["features"])
    ids = [f["id"] for f in collection["features"]]
    return {
        "page": [str(rng.randrange(0, max(1, n - 100))) for _ in range(300)],
        "bbox": bboxes(collection, 0.01, 300),
        "feature": [rng.choice(ids) for _ in range(1000)],
        "bbox_limit": [str(max(10, int(n * 0.03)))],
    }


def ours(backend: str, count: int, q: dict, seconds: int) -> dict:
    """Our API on one backend."""
    url = load_through_import(backend, count)
    port = free_port()
    limit = q["bbox_limit"][0]
    with gunicorn_app(url, port, WORKERS):
        base = f"http://127.0.0.1:{port}"
        results = {
            "page": wrk(base, ["/api/clusters?limit=100"], seconds),
            "page_random": wrk(
                base, [f"/api/clusters?limit=100&offset={o}" for o in q["page"]], seconds
            ),
            "bbox": wrk(
                base, [f"/api/clusters?limit={limit}&bbox={b}" for b in q["bbox"]], seconds
            ),
            "feature": wrk(base, [f"/api/clusters/{i}" for i in q["feature"]], seconds),
        }
        sample = urllib.request.urlopen(f"{base}/api/clusters?limit=100&offset=0").read()
        one = urllib.request.urlopen(f"{base}/api/clusters/{q['feature'][0]}").read()
    return {"results": results, "page_body": sample, "feature_body": one}


def _flatten_for_gpkg(path: Path, out: Path) -> None:
    frame = gpd.read_file(path, engine="pyogrio")
    for column in frame.columns:
        if column != "geometry" and frame[column].map(lambda v: isinstance(v, (dict, list))).any():
            frame[column] = frame[column].map(lambda v: json.dumps(v, ensure_ascii=False))
    pyogrio.write_dataframe(frame, out, layer="clusters", driver="GPKG", spatial_index=True)


def pygeoapi(count: int, q: dict, seconds: int) -> dict:
    """pygeoapi's GeoJSON and SQLite/GeoPackage providers on the same data."""
    source = dataset(count)
    WORK.mkdir(parents=True, exist_ok=True)
    gpkg = WORK / f"synthetic_{count}.gpkg"
    if not gpkg.exists():
        _flatten_for_gpkg(source, gpkg)
    port = free_port()
    config = WORK / f"pygeoapi_{count}.yml"
    config.write_text(PYGEOAPI_CONFIG.format(port=port, geojson=source, gpkg=gpkg))
    openapi = WORK / f"pygeoapi_{count}_openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    import subprocess

    subprocess.run(
        [
            PYGEOAPI_BIN / "pygeoapi",
            "openapi",
            "generate",
            str(config),
            "--output-file",
            str(openapi),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    command = [
        str(PYGEOAPI_BIN / "gunicorn"),
        "-w",
        str(WORKERS),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "pygeoapi.flask_app:APP",
    ]
    limit = q["bbox_limit"][0]
    results = {}
    with server(command, env, port, "/collections?f=json"):
        base = f"http://127.0.0.1:{port}"
        for provider in ("gpkg", "geojson"):
            items = f"/collections/{provider}/items"
            results[provider] = {
                "page": wrk(base, [f"{items}?f=json&limit=100"], seconds),
                "page_random": wrk(
                    base, [f"{items}?f=json&limit=100&offset={o}" for o in q["page"]], seconds
                ),
                "bbox": wrk(
                    base, [f"{items}?f=json&limit={limit}&bbox={b}" for b in q["bbox"]], seconds
                ),
                "feature": wrk(base, [f"{items}/{i}?f=json" for i in q["feature"]], seconds),
            }
    return results


def ceiling(page_body: bytes, feature_body: bytes, seconds: int) -> dict:
    """Flask returning the same bytes prepared beforehand: the most a Python app can do."""
    folder = WORK / "ceiling"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page.json").write_bytes(page_body)
    (folder / "feature.json").write_bytes(feature_body)
    port = free_port()
    env = {**os.environ, "CEILING_DIR": str(folder), "PYTHONPATH": str(BENCH)}
    command = [
        str(VENV_BIN / "gunicorn"),
        "-w",
        str(WORKERS),
        "-b",
        f"127.0.0.1:{port}",
        "ceiling_app:app",
    ]
    with server(command, env, port, "/page"):
        base = f"http://127.0.0.1:{port}"
        return {"page": wrk(base, ["/page"], seconds), "feature": wrk(base, ["/feature"], seconds)}


PYGEOAPI_CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {{default_items: 10, max_items: 10000}}
  map: {{url: "https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png", attribution: OSM}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [bench], terms_of_service: none,
                    url: http://127.0.0.1}}
  license: {{name: CC-BY 4.0, url: https://creativecommons.org/licenses/by/4.0/}}
  provider: {{name: bench, url: http://127.0.0.1}}
  contact: {{name: bench}}
resources:
  geojson:
    type: collection
    title: clusters (GeoJSON provider)
    description: synthetic clusters
    keywords: [clusters]
    extents: {{spatial: {{bbox: [102, 8, 110, 24], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84}}}}
    providers:
      - {{type: feature, name: GeoJSON, data: {geojson}, id_field: id}}
  gpkg:
    type: collection
    title: clusters (SQLite/GeoPackage provider)
    description: synthetic clusters
    keywords: [clusters]
    extents: {{spatial: {{bbox: [102, 8, 110, 24], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84}}}}
    providers:
      - {{type: feature, name: SQLiteGPKG, data: {gpkg}, id_field: id, table: clusters}}
"""


def main() -> None:
    """Run every server and query at every size; print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgis"])
    args = parser.parse_args()
    out: dict = {"workers": WORKERS, "seconds": args.seconds, "sizes": {}}
    for count in args.sizes:
        collection = json.loads(dataset(count).read_text(encoding="utf-8"))
        q = queries(collection)
        entry: dict = {}
        for backend in args.backends:
            log(f"ours/{backend} at {count}")
            run = ours(backend, count, q, args.seconds)
            entry[f"ours_{backend}"] = run["results"]
            page_body, feature_body = run["page_body"], run["feature_body"]
        log(f"pygeoapi at {count}")
        entry.update({f"pygeoapi_{k}": v for k, v in pygeoapi(count, q, args.seconds).items()})
        log(f"ceiling at {count}")
        entry["ceiling"] = ceiling(page_body, feature_body, args.seconds)
        out["sizes"][str(count)] = entry
        print(json.dumps({count: entry}, indent=1), flush=True)
    out["import_seconds"] = IMPORT_SECONDS
    (BENCH / "results").mkdir(exist_ok=True)
    write_json(BENCH / "results" / "api.json", out)


if __name__ == "__main__":
    main()
