"""Every feature within reach on the map, and a map that explains itself.

Features sharing a point get a chooser; a drawn boundary keeps its marker until it can be
seen; parks and clusters differ in shape; the legend explains everything drawn and is not
hidden by the attribution; reference places are a layer, with a popup and in the search;
the free-land filter says how many report free land; an empty search says so in words.
"""

from __future__ import annotations

from collections import defaultdict

from playwright.sync_api import Page, expect
from sqlalchemy import select

from gis.store.models import Place
from tests.browser.conftest import PageWatch
from tests.helpers import LT, LT_SQUARE

MAP = "window[JSON.parse(document.getElementById('map-config').textContent).map]"
XSS = "<img src=x onerror=alert(1)>"


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready]")


def _shared_points(client) -> list[list[dict]]:
    by_point = defaultdict(list)
    for f in client.get("/api/clusters").get_json()["features"]:
        if f["geometry"] and f["geometry"]["type"] == "Point":
            by_point[tuple(f["geometry"]["coordinates"])].append(f)
    return [group for group in by_point.values() if len(group) > 1]


def test_features_sharing_a_point_can_each_be_reached(page: Page, live_server, client) -> None:
    groups = _shared_points(client)
    assert groups, "the seed data has features on one point (Tam An and KCN CNC Long Thành)"
    for group in groups:
        lon, lat = group[0]["geometry"]["coordinates"]
        _open(page, f"{live_server}/?view={lat},{lon},13")
        marker = page.locator(f'path.cluster-marker[data-id="{group[-1]["id"]}"]')
        for feature in group:
            page.evaluate(f"() => {MAP}.closePopup()")  # the last one's popup covers the point
            # Leaflet keeps a closed popup (and the chooser it replaced) in the page for its
            # fade-out: wait until they are gone, so the chooser below is the new one (checked
            # at every frame: the fade takes 200 ms, expect's retries would wait 350).
            page.wait_for_function("() => !document.querySelector('.leaflet-popup')")
            marker.click(force=True)
            chooser = page.locator(".leaflet-popup-content .point-chooser")
            expect(chooser).to_be_visible()
            expect(chooser.locator("button")).to_have_count(len(group))
            chooser.locator(f'button[data-id="{feature["id"]}"]').click()
            heading = page.locator(".leaflet-popup-content .cluster-popup h3")
            expect(heading).to_have_text(feature["properties"]["name_vi"])


def test_a_drawn_boundary_keeps_its_marker_until_it_can_be_seen(
    page: Page, live_server, api_as
) -> None:
    assert (
        api_as("admin")
        .patch(LT, {"geometry": LT_SQUARE, "location_precision": "surveyed"})
        .status_code
        == 200
    )
    _open(page, live_server + "/")
    stand_in = page.locator(f'path.area-marker[data-id="{LT}"]')
    expect(stand_in).to_have_count(1)
    box = stand_in.bounding_box()
    assert box["width"] >= 12 and box["height"] >= 12, box  # a sized marker, not a speck
    # Zoomed in, the boundary itself is big enough: the stand-in goes.
    page.evaluate(f"() => {MAP}.setView([10.718, 106.995], 15, {{animate: false}})")
    expect(stand_in).to_have_count(0)
    area = page.locator(f'path.cluster-marker[data-id="{LT}"]').bounding_box()
    assert area["width"] > 40, area
    page.evaluate(f"() => {MAP}.setZoom(9, {{animate: false}})")
    expect(stand_in).to_have_count(1)


def test_parks_and_clusters_differ_in_shape_and_the_legend_says_so(
    page: Page, live_server, client
) -> None:
    features = client.get("/api/clusters").get_json()["features"]
    kinds = {f["properties"]["kind"] for f in features if f["geometry"]}
    assert {"CCN", "KCN"} <= kinds
    _open(page, live_server + "/")
    for kind in kinds:
        paths = page.locator(f'path.cluster-marker[data-kind="{kind}"]')
        expect(paths.first).to_be_attached()
        d = paths.first.get_attribute("d")
        # A circle marker is drawn with arcs; a park's square with straight lines.
        assert ("a" in d) if kind == "CCN" else ("a" not in d), (kind, d)
    for kind in ("CCN", "KCN", "CNHT"):
        expect(page.locator(f'#legend li[data-kind="{kind}"]')).to_have_count(1)
    legend = page.locator("#legend")
    for key in ("I", "II", "unassigned"):
        expect(legend.locator(f'li[data-zone="{key}"]')).to_have_count(1)
    expect(legend.locator('li[data-legend="polygon"]')).to_have_count(1)
    expect(legend.locator('li[data-legend="places"]')).to_have_count(1)


def test_the_legends_last_line_is_not_behind_the_attribution(page: Page, live_server) -> None:
    for width, height in ((1366, 768), (1280, 800), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        _open(page, live_server + "/")
        page.locator("#legend").evaluate("el => { el.scrollTop = el.scrollHeight; }")
        last = page.locator("#legend > :last-child").bounding_box()
        legend = page.locator("#legend").bounding_box()
        attribution = page.locator(".leaflet-control-attribution").bounding_box()
        assert last["y"] + last["height"] <= legend["y"] + legend["height"] + 0.5
        assert legend["y"] + legend["height"] <= attribution["y"], (width, legend, attribution)


def test_pages_have_a_favicon_an_h1_and_no_console_error(page: Page, live_server) -> None:
    errors: list[str] = []

    def on_console(message) -> None:
        # Base tiles from the internet fail in the browser's resolver; our own files do not.
        if message.type == "error" and "openstreetmap" not in (message.location or {}).get(
            "url", ""
        ):
            errors.append(f"{message.text} {message.location}")

    page.on("console", on_console)
    for path in ("/", "/dashboard", "/plan", "/reports", "/auth/login"):
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        expect(page.locator("h1")).to_have_count(1)
        icon = page.locator('link[rel="icon"]').get_attribute("href")
        assert page.request.get(live_server + icon).status == 200
    assert page.request.get(live_server + "/favicon.ico").status == 200
    assert errors == []


def test_filter_labels_and_choices_are_not_cut_short(page: Page, live_server) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    _open(page, live_server + "/")
    cut = page.evaluate(
        """() => {
            const cut = [];
            const probe = document.createElement("span");
            probe.style.cssText = "position:absolute;visibility:hidden;white-space:nowrap";
            document.body.append(probe);
            for (const select of document.querySelectorAll("#filters select")) {
                const style = getComputedStyle(select);
                probe.style.font = style.font;
                const option = select.options[select.selectedIndex];
                probe.textContent = option.textContent;
                // The text, the padding and the arrow (about 20 px) must fit.
                const room = select.clientWidth - parseFloat(style.paddingLeft)
                    - parseFloat(style.paddingRight) - 20;
                if (probe.offsetWidth > room) cut.push(option.textContent);
            }
            for (const label of document.querySelectorAll("#filters label")) {
                if (label.scrollWidth > label.clientWidth + 1) cut.push(label.textContent.trim());
            }
            probe.remove();
            return cut;
        }"""
    )
    assert cut == []


def test_a_search_without_result_says_so_and_how_to_widen_it(page: Page, live_server) -> None:
    _open(page, live_server + "/")
    page.fill("#search-q", "zzqxw")
    page.keyboard.press("Enter")
    message = page.locator("#cluster-list .no-match")
    expect(message).to_contain_text("zzqxw")
    expect(message).to_contain_text("bỏ bớt bộ lọc")
    message.locator("button").click()
    expect(page.locator("#cluster-list .no-match")).to_have_count(0)
    expect(page.locator("#cluster-list .row").first).to_be_visible()


def test_the_free_land_filter_says_how_many_report_it_and_can_include_the_rest(
    page: Page, live_server, client
) -> None:
    features = client.get("/api/clusters").get_json()["features"]
    known = sum(f["properties"]["free_land_ha"] is not None for f in features)
    _open(page, live_server + "/")
    hint = page.locator("#free-land-known")
    expect(hint).to_contain_text(f"{known} trên {len(features)}")
    page.fill("input[name=min_free_land_ha]", "5")
    page.keyboard.press("Enter")
    strict = client.get("/api/clusters?min_free_land_ha=5").get_json()["numberMatched"]
    expect(page.locator("#count")).to_contain_text(f"{strict}/")
    page.locator("input[name=free_land_unreported]").check()
    wider = client.get("/api/clusters?min_free_land_ha=5&free_land_unreported=true").get_json()
    assert wider["numberMatched"] == strict + (len(features) - known)
    expect(page.locator("#count")).to_contain_text(f"{wider['numberMatched']}/")
    page.wait_for_function("() => location.search.includes('free_land_unreported=true')")
    page.reload()
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("input[name=free_land_unreported]")).to_be_checked()


def test_reference_places_are_a_layer_with_popups_and_found_by_the_search(
    page: Page, live_server, client, store, watch: PageWatch
) -> None:
    with store.write() as session:
        port = session.scalars(select(Place).where(Place.kind == "port")).first()
        port.name_vi = "Cảng " + XSS
        port_id = port.id
    places = client.get("/api/places").get_json()["features"]
    _open(page, live_server + "/")
    markers = page.locator(".place-marker")
    expect(markers).to_have_count(sum(1 for p in places if p["geometry"]))
    for query, kind in (("sân bay", "airport"), ("airport", "airport"), ("cảng", "port")):
        page.fill("#search-q", "")
        page.locator("#search-q").press_sequentially(query, delay=20)
        wanted = ", ".join(
            f'#search-suggestions li[data-place="{p["id"]}"]'
            for p in places
            if p["properties"]["kind"] == kind
        )
        expect(page.locator(wanted).first).to_be_visible()
    # The port named with markup: shown as text in the suggestion and the popup, never run.
    page.fill("#search-q", "")
    page.locator("#search-q").press_sequentially("cảng", delay=20)
    page.locator(f'#search-suggestions li[data-place="{port_id}"]').click()
    popup = page.locator(".leaflet-popup-content .place-popup h3")
    expect(popup).to_have_text("Cảng " + XSS)
    assert page.locator("img[src=x]").count() == 0
    assert watch.dialogs == [] and watch.errors == []
