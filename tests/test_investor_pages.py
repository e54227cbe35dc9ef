"""Investors' pages, server side: the comparison, the printable page, the cluster page's facts."""

from __future__ import annotations

import html
import re

import pytest

from gis.core.clusters import SORT_FIELDS, cluster_geometry, get_cluster, write_cluster
from gis.core.schema import INFRASTRUCTURE_COMPONENTS, ClusterRecord
from tests.conftest import ROOT, login, map_config
from tests.helpers import PLACES, apply_changes

PLACE_IDS = [f["id"] for f in PLACES["features"]]
APPROXIMATE = [f["id"] for f in PLACES["features"] if f["properties"]["source"] is None]
EXPORT_FORMATS = ("csv", "xlsx", "geojson", "gpkg", "kml", "shp")
XSS = "<img src=x onerror=alert(1)>"


def _page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def _text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _row(page: str, field: str) -> str:
    match = re.search(rf'<tr data-field="{re.escape(field)}">(.*?)</tr>', page, re.S)
    assert match, f"no row {field}"
    return match.group(1)


def _cells(page: str, field: str) -> dict[str, str]:
    """The compare table's cells of one row, by cluster id."""
    cells = re.findall(r'<td data-id="([^"]+)">(.*?)</td>', _row(page, field), re.S)
    return {cluster_id: _text(content) for cluster_id, content in cells}


def _distances(client, cluster_id: str) -> dict[str, float]:
    return client.get(f"/api/clusters/{cluster_id}").get_json()["properties"]["distances_km"]


# --- Compare -------------------------------------------------------------------------------


def test_compare_page_puts_the_clusters_side_by_side(client, store) -> None:
    apply_changes(store)
    ids = ["ccn-long-giao", "ccn-phu-cuong", "ccn-tam-an"]
    page = _page(client, "/compare?ids=" + ",".join(ids) + "&lang=en")
    heads = re.findall(r'<th scope="col" data-id="([^"]+)">', page)
    assert heads == ids  # in the order asked
    assert "CCN Long Giao" in page and "CCN Phú Cường" in page and "CCN Tam An" in page
    assert _cells(page, "free_land_ha") == {
        "ccn-long-giao": "30 ha",
        "ccn-phu-cuong": "14 ha",
        "ccn-tam-an": "2.63 ha",
    }
    assert _cells(page, "occupancy_pct")["ccn-long-giao"] == "25 %"
    assert _cells(page, "planned_area_ha")["ccn-phu-cuong"] == "44.46 ha"
    ready = _cells(page, "ready")
    assert ready["ccn-long-giao"].endswith("Ready to build")
    # Phú Cường: wastewater done (2022 source), site clearance not reported.
    assert ready["ccn-phu-cuong"].endswith("Not known")
    for component in INFRASTRUCTURE_COMPONENTS:
        assert len(_cells(page, f"infrastructure.{component}")) == 3
    assert _cells(page, "infrastructure.wastewater")["ccn-phu-cuong"] == "Done"
    assert _cells(page, "infrastructure.wastewater")["ccn-long-giao"] == "Done"
    assert _cells(page, "clearance_status")["ccn-long-giao"] == "Cleared"
    # Every distance, labelled as a straight line; approximate points say so.
    assert "Distances (straight line, not by road)" in page
    for place_id in PLACE_IDS:
        cells = _cells(page, f"distances_km.{place_id}")
        for cluster_id in ids:
            assert cells[cluster_id] == f"{_distances(client, cluster_id)[place_id]:.1f} km"
    label = _text(_row(page, f"distances_km.{APPROXIMATE[0]}").split("</th>")[0])
    assert label.endswith("(approximate point)")
    nearest = _cells(page, "nearest_interchange")["ccn-long-giao"]
    assert re.fullmatch(r"\d+\.\d km to .+ \(straight line\)", nearest)
    assert _cells(page, "industries")["ccn-long-giao"].startswith("chế biến nông sản")
    assert _cells(page, "investor")["ccn-tam-an"] != "Not reported"
    assert "decision" in re.findall(r'<tr data-field="([^"]+)">', page)
    # The Decree 32 expansion check of each, with its figures.
    verdicts = _cells(page, "decree32.expansion")
    assert set(verdicts) == set(ids)
    assert _cells(page, "decree32.occupancy")["ccn-tam-an"].startswith("✓ 94.7 %")
    assert "missing: Internal roads" in _cells(page, "decree32.infra_roads")["ccn-tam-an"]
    assert _cells(page, "decree32.infra_roads")["ccn-long-giao"] == "✓ Done"


def test_compare_page_speaks_vietnamese_by_default(client, store) -> None:
    apply_changes(store)
    page = _page(client, "/compare?ids=ccn-tam-an,ccn-hung-loc")
    assert '<html lang="vi">' in page
    assert _cells(page, "free_land_ha") == {"ccn-tam-an": "2,63 ha", "ccn-hung-loc": "30 ha"}
    assert _cells(page, "leased_land_ha")["ccn-hung-loc"] == "0 ha"
    assert _cells(page, "decision")["ccn-hung-loc"] == "Chưa có thông tin"  # not reported
    assert "Quay lại bản đồ" in page


@pytest.mark.parametrize(
    "ids",
    [
        "",
        "ccn-hung-loc",
        "ccn-hung-loc,ccn-hung-loc",
        "ccn-hung-loc,ccn-tam-an,ccn-phu-cuong,ccn-long-giao,ccn-phu-vinh",
        "ccn-hung-loc,does-not-exist",
    ],
)
def test_compare_page_answers_bad_ids_with_a_400_page(client, ids: str) -> None:
    page = _page(client, f"/compare?ids={ids}&lang=en", status=400)
    assert "These clusters cannot be compared" in page
    assert "Error 400" in page
    if "does-not-exist" in ids:
        assert "There is no cluster with the id does-not-exist." in page
    else:
        assert "Choose 2 to 4 different clusters to compare." in page


def test_compare_error_and_page_escape_text(client, store) -> None:
    page = _page(client, "/compare?ids=ccn-hung-loc,<script>alert(1)</script>", status=400)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    with store.write() as session:
        cluster = get_cluster(session, "ccn-hung-loc")
        record = ClusterRecord.model_validate({**cluster.record, "name_vi": XSS, "investor": XSS})
        write_cluster(session, record, cluster_geometry(cluster), existing=cluster)
    page = _page(client, "/compare?ids=ccn-hung-loc,ccn-tam-an")
    assert XSS not in page
    assert html.escape(XSS, quote=False) in page


# --- The printable page --------------------------------------------------------------------


def test_print_page_holds_a_boards_facts_on_paper(client, store) -> None:
    apply_changes(store)
    page = _page(client, "/clusters/ccn-tam-an/print?lang=en")
    assert '<h1 id="cluster-name">CCN Tam An</h1>' in page
    # A print button wired by a script file, no map and no inline code (CSP).
    assert 'id="print-button"' in page and "/static/js/print.js" in page
    assert "leaflet" not in page.lower()
    assert not re.search(r"\son[a-z]+=", page)
    assert not re.search(r"<script(?![^>]*(?:\bsrc=|application/json))[^>]*>", page)
    # The key figures, readiness and the straight-line distances.
    assert "2.63 ha" in page and "94.7 %" in page
    assert 'data-field="ready"' in page
    for place_id in PLACE_IDS:
        assert f'data-place="{place_id}"' in page
    km = _distances(client, "ccn-tam-an")["airport-long-thanh"]
    row = re.search(r'<tr data-place="airport-long-thanh".*?</tr>', page, re.S).group(0)
    assert f"{km:.1f} km" in _text(row) and "approximate point" in _text(row)
    assert "not road distances" in page
    # Decree 32 with the figures and the missing data named.
    checks = re.findall(r'<tr data-check="([a-z_]+)">', page)
    assert checks[:5] == ["occupancy", "area", "infra_roads", "infra_water", "infra_wastewater"]
    assert {"average_occupancy", "unleased_land"} <= set(checks)  # the district's check
    assert "Room to expand: 25.1 ha" in page
    assert "Missing: Internal roads" in page
    assert "Could a new cluster be established in Huyện Long Thành?" in page
    # Sources written out in full (paper has no links), the date and the page's address.
    sources = client.get("/api/clusters/ccn-tam-an").get_json()["properties"]["sources"]
    url = next(s for srcs in sources.values() for s in srcs if s.startswith("https://"))
    assert f'<span class="source">{html.escape(url)}</span>' in page
    listed = re.findall(r'<span class="source">(.*?)</span>', page)
    assert len(listed) == len(set(listed))  # each source once, with the facts it supports
    assert re.search(
        r"Printed on \d{2}/\d{2}/\d{4} from http://localhost/clusters/ccn-tam-an", page
    )


def test_print_stylesheet_lays_the_page_out_for_a4() -> None:
    css = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
    prints = re.findall(r"@media print \{(.*?)\n\}", css, re.S)
    assert any("@page { size: A4" in block for block in prints)
    assert any(".topbar" in block and "display: none" in block for block in prints)
    assert any("break-inside: avoid" in block for block in prints)


def test_print_page_leaves_out_the_staff_history(client, accounts) -> None:
    login(client, "admin")
    page = _page(client, "/clusters/ccn-long-phuoc-1/print")
    assert 'id="timeline"' not in page and "Revert" not in page


def test_print_page_of_an_unknown_cluster_is_a_404_page(client) -> None:
    _page(client, "/clusters/does-not-exist/print", status=404)


# --- The cluster page ----------------------------------------------------------------------


def test_cluster_page_gives_distances_readiness_and_decree_checks(client) -> None:
    page = _page(client, "/clusters/ccn-long-phuoc-1?lang=en")
    props = client.get("/api/clusters/ccn-long-phuoc-1").get_json()["properties"]
    distances = re.search(r'<table class="facts distances".*?</table>', page, re.S).group(0)
    for place_id in PLACE_IDS:
        row = re.search(rf'<tr data-place="{place_id}".*?</tr>', distances, re.S).group(0)
        assert f"{props['distances_km'][place_id]:.1f} km" in _text(row)
        # An estimated point carries its coordinate note.
        if place_id in APPROXIMATE:
            assert "APPROXIMATE AND UNSOURCED" in row
        else:
            assert "coordinate-note" not in row
    assert "Straight-line (geodesic) distances" in distances
    nearest = props["nearest_interchange"]
    assert f"{nearest['km']:.1f} km to" in _text(_row(page, "nearest_interchange"))
    assert 'class="nearest"' in distances
    assert "Not reported" in _text(_row(page, "free_land_ha"))
    assert "Not ready" in _text(_row(page, "ready"))
    # Decree 32: the cluster's expansion and its district's new-cluster check, gaps named.
    assert "Could this cluster be expanded?" in page
    assert "Data missing for this check: Industrial land" in page
    assert re.search(r'id="expansion-verdict" data-eligible="false"', page)  # 75 ha: no room
    assert "Could a new cluster be established in Huyện Long Thành?" in page
    assert 'id="district-missing"' in page and "CCN Long Phước 1: Industrial land" in page
    assert 'href="/clusters/ccn-long-phuoc-1/print"' in page


def test_cluster_page_of_a_cluster_without_location_has_no_distances(client) -> None:
    page = _page(client, "/clusters/cnht-03-phan-khu?lang=en")
    distances = re.search(r'<table class="facts distances".*?</table>', page, re.S).group(0)
    assert "km</td>" not in distances and "Not reported" in distances
    assert "The cluster's district is not known." in page
    assert "Not applicable: Decree 32 governs industrial clusters (CCN)" in page


# --- The map page and errors ---------------------------------------------------------------


def test_map_page_offers_search_filters_orders_compare_and_exports(client) -> None:
    page = _page(client, "/")
    assert 'role="combobox"' in page and 'aria-controls="search-suggestions"' in page
    assert 'role="listbox"' in page
    for name in ("q", "district", "zone", "kind", "stage", "min_free_land_ha", "ready", "industry"):
        assert re.search(rf'name="{name}"', page), name
    options = re.search(r'<select id="sort-field">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"', options) == ["", *SORT_FIELDS]
    assert 'id="sort-places"' in page  # the distances, from /api/places, by the script
    for fmt in EXPORT_FORMATS:
        assert f'href="/api/clusters/export?format={fmt}&amp;lang=vi"' in page
    assert 'id="compare-link"' in page
    config = map_config(page)
    assert config["placesUrl"] == "/api/places" and config["compareUrl"] == "/compare"
    assert config["exportUrl"] == "/api/clusters/export" and config["lang"] == "vi"
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers (CSP)
    english = _page(client, "/?lang=en")
    assert 'href="/api/clusters/export?format=csv&amp;lang=en"' in english


def test_error_pages_say_what_went_wrong_in_the_readers_language(client) -> None:
    page = _page(client, "/clusters/does-not-exist?lang=en", status=404)
    assert "<h1>Not found</h1>" in page and "Error 404" in page
    page = _page(client, "/clusters/does-not-exist?lang=vi", status=404)
    assert '<html lang="vi">' in page and "Quay lại bản đồ" in page
