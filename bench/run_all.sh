#!/usr/bin/env bash
# One command for every benchmark: `make bench` (or bench/run_all.sh). Needs what `make
# setup` installs plus wrk, SpatiaLite and Debian's python3-venv for pygeoapi, installed
# here with apt; pygeoapi itself goes into bench/.venv-pygeoapi (Debian's Python, whose
# sqlite3 can load SpatiaLite for pygeoapi's GeoPackage provider).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/mod_spatialite.so ]; then
    apt-get install -y -qq wrk libsqlite3-mod-spatialite python3-venv >/dev/null
fi
if [ ! -x bench/.venv-pygeoapi/bin/pygeoapi ]; then
    /usr/bin/python3 -m venv bench/.venv-pygeoapi
    bench/.venv-pygeoapi/bin/pip install -q pygeoapi==0.21.0 gunicorn==27.0.1
fi
mkdir -p bench/results bench/work
rm -f bench/work/*.loaded  # load every data set afresh, once per run
.venv/bin/python bench/api_bench.py "$@" | tee bench/results/api.log
.venv/bin/python bench/bbox_scaling.py | tee bench/results/bbox_scaling.log
.venv/bin/python bench/page_bench.py | tee bench/results/page.log
# The measurement behind GIS_MAP_INLINE_MAX, and where the province page's start-up goes.
.venv/bin/python bench/page_bench.py --inline-sweep 100 250 500 | tee bench/results/page_inline.log
.venv/bin/python bench/page_trace.py | tee bench/results/page_trace.log
.venv/bin/python bench/write_bench.py | tee bench/results/writes.log
.venv/bin/python bench/crash_bench.py | tee bench/results/crash.log
.venv/bin/python bench/report.py > bench/RESULTS.md
