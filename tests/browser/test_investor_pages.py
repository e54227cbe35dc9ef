"""Investors in a real browser: search, filters, order, compare, language, export, phone."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PageWatch, save_screenshot
from tests.helpers import apply_changes, changed_features, expected_free, expected_ready

MAP = "window[JSON.parse(document.getElementById('map-config').textContent).map]"
LONG_PHUOC = "ccn-long-phuoc-1"  # 10.718385, 106.994895
# After apply_changes, computed from the data file the way the server should: the clusters with
# at least 10 ha free (Long Giao 30 ready, Phú Cường 14 with wastewater building, Hưng Lộc 30
# with clearance in progress, and any park whose sources give free land), and the ready ones.
_FREE = {f["id"]: (expected_free(f["properties"]), f["properties"]) for f in changed_features()}
FREE_10 = sorted(i for i, (free, _) in _FREE.items() if free is not None and free >= 10)
READY = sorted(i for i in FREE_10 if expected_ready(_FREE[i][1]))


def _open_map(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready]")


def _list_ids(page: Page) -> list[str]:
    return page.locator("#cluster-list button.row").evaluate_all(
        "els => els.map(e => e.dataset.id)"
    )


def _query(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _api_ids(client, query: str) -> list[str]:
    return [f["id"] for f in client.get("/api/clusters?" + query).get_json()["features"]]


def _km_vi(km: float) -> str:
    """A distance as the Vietnamese pages write it: one decimal, decimal comma."""
    return f"{km:.1f}".replace(".", ",") + " km"


def test_search_suggests_as_you_type_and_picking_focuses_the_cluster(
    page: Page, live_server: str, watch: PageWatch
) -> None:
    _open_map(page, live_server + "/")
    search = page.locator("#search-q")
    search.press_sequentially("long phuoc", delay=40)
    suggestions = page.locator("#search-suggestions")
    expect(suggestions).to_be_visible()
    expect(search).to_have_attribute("aria-expanded", "true")
    options = suggestions.locator("[role=option]")
    expect(options.first).to_have_attribute("data-id", LONG_PHUOC)
    expect(options.first).to_contain_text("CCN Long Phước 1")
    expect(page.locator("#search-status")).not_to_be_empty()

    # The keyboard picks it: the map zooms to the cluster and opens its popup.
    zoom_before = page.evaluate(f"() => {MAP}.getZoom()")
    search.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(search).to_have_attribute("aria-activedescendant", "suggestion-0")
    search.press("Enter")
    expect(suggestions).to_be_hidden()
    expect(search).to_have_attribute("aria-expanded", "false")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("CCN Long Phước 1")
    page.wait_for_function(f"() => {MAP}.getZoom() > {zoom_before}")
    centre = page.evaluate(f"() => {MAP}.getCenter()")
    assert abs(centre["lat"] - 10.718385) < 0.01 and abs(centre["lng"] - 106.994895) < 0.01
    expect(search).to_have_value("CCN Long Phước 1")
    expect(page.locator("#cluster-list button.row").first).to_have_attribute("data-id", LONG_PHUOC)

    # Capitals and diacritics do not matter; a click picks too.
    search.fill("")
    search.press_sequentially("HƯNG LOC", delay=40)
    option = suggestions.locator('[role=option][data-id="ccn-hung-loc"]')
    expect(option).to_be_visible()
    option.click()
    expect(popup.filter(has_text="CCN Hưng Lộc")).to_be_visible()
    expect(page.locator(".leaflet-popup")).to_have_count(1)  # the first one has faded out
    assert watch.errors == []


def test_free_land_and_readiness_filters_and_the_url_keeps_every_state(
    page: Page, live_server: str, store, client
) -> None:
    apply_changes(store)
    _open_map(page, live_server + "/")
    page.fill("input[name=min_free_land_ha]", "10")
    expect(page.locator("#cluster-list li")).to_have_count(len(FREE_10))
    assert sorted(_list_ids(page)) == FREE_10
    # Each row says how much land is free.
    expect(page.locator('#cluster-list button[data-id="ccn-phu-cuong"] .metric')).to_contain_text(
        "14 ha"
    )
    page.select_option("select[name=ready]", "true")
    expect(page.locator("#cluster-list li")).to_have_count(len(READY))
    assert _list_ids(page) == READY
    expect(page.locator("path.cluster-marker")).to_have_count(1)
    expect(
        page.locator('#cluster-list button[data-id="ccn-long-giao"] .ready-badge')
    ).to_be_visible()
    assert _query(page)["min_free_land_ha"] == "10" and _query(page)["ready"] == "true"

    # Order by distance to Long Thành airport; rows give the straight-line distance.
    page.select_option("select[name=ready]", "")
    page.select_option("#sort-field", "distance:airport-long-thanh")
    expected = _api_ids(client, "min_free_land_ha=10&sort=distance:airport-long-thanh")
    page.wait_for_function(
        "ids => [...document.querySelectorAll('#cluster-list button.row')]"
        ".map(e => e.dataset.id).join() === ids.join()",
        arg=expected,
    )
    giao = client.get("/api/clusters/ccn-long-giao").get_json()["properties"]
    km = giao["distances_km"]["airport-long-thanh"]
    metric = page.locator('#cluster-list button[data-id="ccn-long-giao"] .metric')
    expect(metric).to_contain_text(_km_vi(km))
    expect(metric).to_contain_text("Long Thành")
    assert _query(page)["sort"] == "distance:airport-long-thanh"

    # The map's view joins the URL once the map moves; a reload restores all of it.
    page.evaluate(f"() => {MAP}.setView([10.85, 107.05], 11, {{animate: false}})")
    page.wait_for_function("() => new URL(location.href).searchParams.get('view')")
    assert _query(page)["view"] == "10.85000,107.05000,11"
    page.reload()
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("input[name=min_free_land_ha]")).to_have_value("10")
    expect(page.locator("#sort-field")).to_have_value("distance:airport-long-thanh")
    assert _list_ids(page) == expected
    view = page.evaluate(f"() => [{MAP}.getCenter().lat, {MAP}.getCenter().lng, {MAP}.getZoom()]")
    assert abs(view[0] - 10.85) < 1e-4 and abs(view[1] - 107.05) < 1e-4 and view[2] == 11

    # Largest first for free land, and the order flips with the descending box.
    page.select_option("#sort-field", "free_land_ha")
    expect(page.locator("#sort-desc")).to_be_checked()
    page.wait_for_function(
        "q => document.body.dataset.listQuery === q", arg="min_free_land_ha=10&sort=-free_land_ha"
    )
    assert _list_ids(page)[-1] == "ccn-phu-cuong"
    page.locator("#sort-desc").uncheck()
    page.wait_for_function(
        "q => document.body.dataset.listQuery === q", arg="min_free_land_ha=10&sort=free_land_ha"
    )
    assert _list_ids(page)[0] == "ccn-phu-cuong"


def test_compare_two_to_four_ticked_clusters_side_by_side(
    page: Page, live_server: str, store, client
) -> None:
    apply_changes(store)
    _open_map(page, live_server + "/")
    link = page.locator("#compare-link")
    expect(link).to_have_attribute("aria-disabled", "true")
    chosen = ["ccn-long-giao", "ccn-phu-cuong", "ccn-hung-loc"]
    for cluster_id in chosen:
        page.locator(f'#cluster-list .compare-pick[value="{cluster_id}"]').check()
    # A choice survives a filter change that hides it.
    page.select_option("select[name=district]", "736")
    page.select_option("select[name=district]", "")
    expect(page.locator('#cluster-list .compare-pick[value="ccn-long-giao"]')).to_be_checked()
    page.locator('#cluster-list .compare-pick[value="ccn-tam-an"]').check()
    # Four at most: the other boxes are disabled.
    expect(page.locator('#cluster-list .compare-pick[value="kcn-bien-hoa-1"]')).to_be_disabled()
    page.locator('#cluster-list .compare-pick[value="ccn-tam-an"]').uncheck()
    expect(link).not_to_have_attribute("aria-disabled", "true")
    expect(link).to_have_attribute("href", "/compare?ids=" + ",".join(chosen))
    link.click()
    page.wait_for_url(re.compile(r"/compare\?ids="))

    heads = page.locator("#compare-table thead th[data-id]")
    assert heads.evaluate_all("els => els.map(e => e.dataset.id)") == chosen
    expect(heads.nth(0)).to_contain_text("CCN Long Giao")
    free = page.locator('#compare-table tr[data-field="free_land_ha"] td')
    assert free.all_inner_texts() == ["30 ha", "14 ha", "30 ha"]
    # Readiness from the data: Long Giao ready, Hưng Lộc not (clearance in progress), Phú
    # Cường unknown (its sources give no fire protection state).
    ready = page.locator('#compare-table tr[data-field="ready"]')
    props = {i: _FREE[i][1] for i in chosen}
    marks = {True: "yes", False: "no", None: "unknown"}
    assert {marks[expected_ready(props[i])] for i in chosen} == {"yes", "no", "unknown"}
    for cluster_id in chosen:
        mark = marks[expected_ready(props[cluster_id])]
        expect(ready.locator(f'td[data-id="{cluster_id}"] .check-{mark}')).to_have_count(1)
    for cluster_id in chosen:
        km = client.get(f"/api/clusters/{cluster_id}").get_json()["properties"]["distances_km"]
        cell = page.locator(
            f'#compare-table tr[data-field="distances_km.port-cai-mep"] td[data-id="{cluster_id}"]'
        )
        expect(cell).to_have_text(_km_vi(km["port-cai-mep"]))
    industries = page.locator('#compare-table tr[data-field="industries"]')
    assert any(props[i]["industries"] for i in chosen)
    for cluster_id in chosen:
        cell = industries.locator(f'td[data-id="{cluster_id}"]')
        for industry in props[cluster_id]["industries"] or ["Chưa có thông tin"]:
            expect(cell).to_contain_text(industry)
    expect(page.locator('#compare-table tr[data-field="decree32.expansion"] td')).to_have_count(3)

    # In English: the components' states and the straight-line label.
    page.goto(page.url + "&lang=en")
    wastewater = page.locator('#compare-table tr[data-field="infrastructure.wastewater"]')
    states = {"done": "Done", "building": "Building", "none": "Not built", None: "Not reported"}
    for cluster_id in chosen:
        state = props[cluster_id]["infrastructure"]["wastewater"]
        expect(wastewater.locator(f'td[data-id="{cluster_id}"]')).to_have_text(states[state])
    assert len({props[i]["infrastructure"]["wastewater"] for i in chosen}) > 1
    expect(page.locator("#compare-table")).to_contain_text("straight line")
    assert "ids=" + ",".join(chosen) in page.url


def test_language_switch_keeps_the_filters_and_translates_the_page(
    page: Page, live_server: str
) -> None:
    _open_map(page, live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#legend h2")).to_have_text("Chú giải")
    page.select_option("select[name=district]", "740")
    page.select_option("select[name=ready]", "false")
    page.select_option("#sort-field", "nearest_interchange")
    page.wait_for_function(
        "q => document.body.dataset.listQuery === q",
        arg="district=740&ready=false&sort=nearest_interchange",
    )
    count = page.locator("#cluster-list li").count()

    page.locator("a[data-lang=en]").click()
    page.wait_for_url(re.compile(r"lang=en"))
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    query = _query(page)
    assert query["district"] == "740" and query["ready"] == "false"
    assert query["sort"] == "nearest_interchange"
    expect(page.locator("select[name=district]")).to_have_value("740")
    expect(page.locator("select[name=ready]")).to_have_value("false")
    expect(page.locator("#sort-field")).to_have_value("nearest_interchange")
    assert count > 0
    expect(page.locator("#cluster-list li")).to_have_count(count)
    expect(page.locator("#legend h2")).to_have_text("Legend")
    expect(page.locator("#filters")).to_contain_text("District")
    # Popups and list rows speak English too.
    page.locator(f'#cluster-list button[data-id="{LONG_PHUOC}"]').click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("District")
    expect(popup).to_contain_text("Nearest interchange")
    expect(page.locator(f'#cluster-list button[data-id="{LONG_PHUOC}"] .metric')).to_contain_text(
        "km to"
    )
    # The download links follow the language.
    assert "lang=en" in page.locator("a[data-format=csv]").get_attribute("href")

    page.locator("a[data-lang=vi]").click()
    page.wait_for_url(re.compile(r"lang=vi"))
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("#legend h2")).to_have_text("Chú giải")
    expect(page.locator("select[name=district]")).to_have_value("740")


def test_the_export_link_downloads_a_csv_of_exactly_the_listed_clusters(
    page: Page, live_server: str
) -> None:
    _open_map(page, live_server + "/")
    page.select_option("select[name=kind]", "CCN")
    page.select_option("#sort-field", "planned_area_ha")
    page.wait_for_function("() => new URL(location.href).searchParams.get('sort')")
    page.wait_for_function(
        "q => document.body.dataset.listQuery === q", arg="kind=CCN&sort=-planned_area_ha"
    )
    listed = _list_ids(page)
    link = page.locator("a[data-format=csv]")
    href = link.get_attribute("href")
    assert "kind=CCN" in href and "sort=-planned_area_ha" in href and "lang=vi" in href
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "dong-nai-clusters.csv"
    data = download.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "Mã" and rows[0][1] == "Tên"  # Vietnamese headers, as the page
    assert [r[0] for r in rows[1:]] == listed
    assert "CCN Long Phước 1" in [r[1] for r in rows[1:]]
    for fmt in ("xlsx", "geojson", "gpkg", "kml", "shp"):
        assert f"format={fmt}" in page.locator(f"a[data-format={fmt}]").get_attribute("href")


def test_on_a_phone_filter_open_a_cluster_and_read_its_distances(
    browser: Browser, live_server: str, client, watch: PageWatch
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
    )
    page = context.new_page()
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    try:
        _open_map(page, live_server + "/")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide: it scrolls sideways"
        map_box = page.locator(".folium-map").bounding_box()
        assert map_box["height"] > 250 and map_box["width"] >= 380
        page.select_option("select[name=district]", "740")
        expect(page.locator("#cluster-list li")).to_have_count(
            len(_api_ids(client, "district=740"))
        )
        page.locator(f'#cluster-list button[data-id="{LONG_PHUOC}"]').tap()
        popup = page.locator(".leaflet-popup-content")
        expect(popup).to_contain_text("CCN Long Phước 1")
        expect(popup).to_be_in_viewport()
        page.wait_for_timeout(400)  # the popup's fade-in, for a clear screenshot
        save_screenshot(page, "phone-map-popup")
        popup.locator("a", has_text="Xem chi tiết").tap()
        page.wait_for_url(re.compile(f"/clusters/{LONG_PHUOC}$"))
        distances = page.locator("#distances")
        distances.scroll_into_view_if_needed()
        expect(distances).to_be_visible()
        props = client.get(f"/api/clusters/{LONG_PHUOC}").get_json()["properties"]
        row = distances.locator('tr[data-place="airport-long-thanh"]')
        expect(row.locator("td.km")).to_have_text(
            _km_vi(props["distances_km"]["airport-long-thanh"])
        )
        expect(distances.locator("tr")).to_have_count(1 + len(props["distances_km"]))
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the cluster page is {width} px wide"
        save_screenshot(page, "phone-cluster-distances")
        assert watch.errors == []
    finally:
        context.close()
