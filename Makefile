# Two commands on a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test setup lint clean translations bench

run: setup
	$(BIN)/flask --app app db init
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

test: lint
	$(BIN)/flask --app app clusters validate data/clusters.geojson
	$(BIN)/pytest -n auto --dist worksteal

MO := gis/translations/vi/LC_MESSAGES/messages.mo

setup: $(VENV)/.installed static/vendor/.installed $(MO)

# Compiled translations are build output; the .po catalog is the source.
$(MO): gis/translations/vi/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -d gis/translations

# After changing UI strings: refresh the template and the catalog, then translate.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o gis/translations/messages.pot gis templates
	$(BIN)/pybabel -q update -i gis/translations/messages.pot -d gis/translations

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Front-end libraries come from npm and are served from our own /static/vendor route.
static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	rm -rf static/vendor && mkdir -p static/vendor/leaflet static/vendor/leaflet.fullscreen
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
	      node_modules/leaflet/dist/images node_modules/leaflet/LICENSE static/vendor/leaflet/
	cp node_modules/leaflet.fullscreen/Control.FullScreen.js \
	   node_modules/leaflet.fullscreen/Control.FullScreen.css \
	   node_modules/leaflet.fullscreen/icon-fullscreen.svg \
	   node_modules/leaflet.fullscreen/LICENSE static/vendor/leaflet.fullscreen/
	mkdir -p static/vendor/leaflet-geoman
	cp node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.js \
	   node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css \
	   node_modules/@geoman-io/leaflet-geoman-free/LICENSE static/vendor/leaflet-geoman/
	mkdir -p static/vendor/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	   node_modules/swagger-ui-dist/LICENSE node_modules/swagger-ui-dist/NOTICE static/vendor/swagger-ui/
	touch $@

# ruff's rules, mypy's check of the type hints (pyproject.toml configures both), and
# ESLint's of the browser modules (eslint.config.js; installed by npm with the vendor files).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	npx eslint static/js

# Build output only: instance/ holds the local database (and attachments), which is data.
clean:
	rm -rf $(VENV) node_modules static/vendor $(MO)

# Benchmarks (bench/RESULTS.md); takes about 40 minutes.
bench: setup
	bench/run_all.sh
