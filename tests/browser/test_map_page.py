"""The map page and a cluster's page in a real browser, against a live server."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from gis.core.clusters import get_cluster, write_cluster
from gis.core.schema import ClusterRecord
from gis.geometry import parse_geojson
from tests.browser.conftest import PageWatch, save_screenshot
from tests.conftest import DISTRICT_BOUNDARIES, reference
from tests.helpers import CLUSTERS

LOCATED = [f for f in CLUSTERS["features"] if f["geometry"] is not None]
# An element, and the end of the <script> the map page carries its clusters in.
XSS = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"
MAP = "window[JSON.parse(document.getElementById('map-config').textContent).map]"


def _open_map(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready]")


def test_every_cluster_marker_and_the_district_layer_are_drawn(
    page: Page,
    live_server: str,
    runner,
    watch: PageWatch,
) -> None:
    assert (
        runner.invoke(args=["boundaries", "import", str(reference(DISTRICT_BOUNDARIES))]).exit_code
        == 0
    )
    _open_map(page, live_server + "/")
    markers = page.locator("path.cluster-marker")
    expect(markers).to_have_count(len(LOCATED))
    drawn = set(markers.evaluate_all("els => els.map(e => e.getAttribute('data-id'))"))
    assert drawn == {f["id"] for f in LOCATED}
    expect(page.locator(".district-label")).to_have_count(11)
    expect(page.locator("path.district-boundary")).to_have_count(11)
    expect(page.locator("#count")).to_contain_text(str(len(CLUSTERS["features"])))
    expect(page.locator(".leaflet-control-layers")).to_have_count(1)
    expect(page.locator(".leaflet-control-scale")).to_have_count(1)
    expect(page.locator(".leaflet-control-zoom-fullscreen")).to_have_count(1)
    expect(page.locator("#legend")).to_be_visible()
    save_screenshot(page, "map-overview")
    # Only base tiles may leave the machine; every library is served by us.
    assert all(u.startswith("https://tile.openstreetmap.org/") for u in watch.external), (
        watch.external
    )
    assert watch.errors == []


def test_the_map_and_the_list_are_drawn_before_any_api_answer(page: Page, live_server: str) -> None:
    held: list = []  # every API request waits until the map and the list are checked
    holding = True
    page.route("**/api/**", lambda route: held.append(route) if holding else route.continue_())
    page.goto(live_server + "/")
    expect(page.locator("path.cluster-marker")).to_have_count(len(LOCATED))
    expect(page.locator("#cluster-list li.cluster-item")).to_have_count(len(CLUSTERS["features"]))
    assert page.evaluate("() => document.body.dataset.mapDrawn") is not None
    asked = [route.request.url for route in held]
    assert not any("/api/tiles/" in u or "/api/clusters" in u for u in asked), asked
    holding = False
    for route in held:
        route.continue_()
    page.wait_for_selector("body[data-ready]")
    expect(page.locator(".district-label")).not_to_have_count(0)
    # A filter then asks the API once, and map and list follow its answer.
    page.select_option("select[name=kind]", "KCN")
    parks = [f for f in CLUSTERS["features"] if f["properties"]["kind"] == "KCN"]
    expect(page.locator("#cluster-list li.cluster-item")).to_have_count(len(parks))
    located_parks = [f for f in parks if f["geometry"]]
    expect(page.locator("path.cluster-marker")).to_have_count(len(located_parks))


def test_a_row_click_zooms_to_the_cluster_and_opens_its_popup(page: Page, live_server: str) -> None:
    _open_map(page, live_server + "/")
    zoom_before = page.evaluate(f"() => {MAP}.getZoom()")
    page.locator('#cluster-list button[data-id="ccn-long-phuoc-1"]').click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("CCN Long Phước 1")
    expect(popup).to_contain_text("Huyện Long Thành")
    page.wait_for_function(f"() => {MAP}.getZoom() > {zoom_before}")
    centre = page.evaluate(f"() => {MAP}.getCenter()")
    assert abs(centre["lat"] - 10.718385) < 0.01 and abs(centre["lng"] - 106.994895) < 0.01
    popup.locator("a").click()
    expect(page).to_have_url(live_server + "/clusters/ccn-long-phuoc-1")


def test_filters_keep_list_map_count_and_url_in_step(page: Page, live_server: str) -> None:
    _open_map(page, live_server + "/")
    expected = sorted(
        f["id"] for f in CLUSTERS["features"] if f["properties"]["district_code"] == "740"
    )
    page.select_option("select[name=district]", "740")
    expect(page.locator("#cluster-list li")).to_have_count(len(expected))
    rows = page.locator("#cluster-list button").evaluate_all("els => els.map(e => e.dataset.id)")
    assert sorted(rows) == expected
    located = [i for i in expected if any(f["id"] == i and f["geometry"] for f in LOCATED)]
    expect(page.locator("path.cluster-marker")).to_have_count(len(located))
    expect(page.locator("#count")).to_contain_text(f"{len(expected)}")
    assert "district=740" in page.url
    page.reload()
    page.wait_for_selector("body[data-clusters-loaded]")
    expect(page.locator("select[name=district]")).to_have_value("740")
    expect(page.locator("#cluster-list li")).to_have_count(len(expected))
    page.select_option("select[name=stage]", "operating")
    both = [
        i
        for i in expected
        if any(
            f["id"] == i and f["properties"]["stage"] == "operating" for f in CLUSTERS["features"]
        )
    ]
    # (An empty list says so in a row of its own, not a cluster's.)
    expect(page.locator("#cluster-list li.cluster-item")).to_have_count(len(both))


def test_cluster_page_shows_facts_sources_and_a_small_map(page: Page, live_server: str) -> None:
    page.goto(live_server + "/clusters/kcn-bien-hoa-1")
    page.wait_for_selector("body[data-clusters-loaded='1']")
    expect(page.locator("#cluster-name")).to_have_text("KCN Biên Hòa 1")
    expect(page.locator("path.cluster-marker")).to_have_count(1)
    row = page.locator('tr[data-field="clearance_cleared_ha"]')
    expect(row).to_contain_text("227")
    expect(row.locator(".sources a")).to_have_count(1)
    expect(page.locator(".plan-actions li[data-action=convert]")).to_have_count(1)


def test_text_from_data_is_shown_as_text_and_never_runs(
    page: Page,
    live_server: str,
    store,
    watch: PageWatch,
) -> None:
    with store.write() as session:
        cluster = get_cluster(session, "ccn-phu-tuc")
        record = ClusterRecord.model_validate(
            {**cluster.record, "name_vi": XSS, "commune": XSS, "status_note": XSS}
        )
        geometry = parse_geojson({"type": "Point", "coordinates": [107.225268, 11.080775]})
        write_cluster(session, record, geometry, existing=cluster)
    _open_map(page, live_server + "/")
    # Drawn and listed from the clusters the page carries, not from an API answer.
    expect(page.locator("#map-inline")).to_have_count(1)
    expect(page.locator("#cluster-list")).to_contain_text(XSS)
    page.locator('#cluster-list button[data-id="ccn-phu-tuc"]').click()
    expect(page.locator(".leaflet-popup-content h3")).to_have_text(XSS)
    page.locator('path.cluster-marker[data-id="ccn-phu-tuc"]').hover(force=True)
    page.goto(live_server + "/clusters/ccn-phu-tuc")
    page.wait_for_selector("body[data-clusters-loaded]")
    expect(page.locator("#cluster-name")).to_have_text(XSS)
    expect(page.locator('tr[data-field="status_note"] td').first).to_have_text(XSS)
    assert page.locator("img[src=x]").count() == 0
    page.wait_for_timeout(300)
    assert watch.dialogs == []
    assert watch.errors == []
