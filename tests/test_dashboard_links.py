"""The dashboard agrees with the map: the same filter gives the same count, and each figure
links to the list behind it; unknown is never shown as 0; parks and clusters apart."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from gis.core.schema import KINDS


def _matched(client, query: str) -> int:
    response = client.get("/api/clusters?" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["numberMatched"]


def test_zone_district_kind_and_stage_counts_equal_the_maps(client) -> None:
    data = client.get("/api/dashboard").get_json()["clusters"]
    zones = {r["zone"]: r["count"] for r in data["zones"]}
    # "Zone not assigned" is a district the plan puts in no zone; a feature whose district
    # is not known is not in it (the 20 on the dashboard against 18 on the map).
    assert zones[None] == _matched(client, "zone=unassigned")
    assert zones["I"] == _matched(client, "zone=I")
    assert zones["II"] == _matched(client, "zone=II")
    for row in data["districts"]:
        if row["code"] is None:
            continue
        assert row["count"] == _matched(client, f"district={row['code']}"), row["code"]
        for stage, n in row["by_stage"].items():
            assert n == _matched(client, f"district={row['code']}&stage={stage}")
    province = data["province"]
    assert province["count"] == _matched(client, "")
    for kind in KINDS:
        assert province["by_kind"][kind] == _matched(client, f"kind={kind}"), kind
    # The seed data has parks and clusters: they are counted apart, not as one figure.
    assert province["by_kind"]["KCN"] > 0 and province["by_kind"]["CCN"] > 0


def test_every_figure_links_to_the_list_behind_it(client) -> None:
    html = client.get("/dashboard").get_data(as_text=True)
    links = re.findall(r'<a class="figure-link" href="([^"]+)">([\d.,]+)</a>', html)
    assert len(links) > 20
    for href, shown in links:
        parts = urlsplit(href.replace("&amp;", "&"))
        assert parts.path == "/"
        query = "&".join(f"{k}={v}" for k, v in parse_qsl(parts.query))
        assert _matched(client, query) == int(shown.replace(".", "").replace(",", "")), href
    # Each district's name opens its report.
    table = re.search(r'id="district-table".*?</table>', html, re.S)[0]
    reports = re.findall(r'<a href="(/reports/\d+)">', table)
    districts = [r for r in client.get("/api/dashboard").get_json()["clusters"]["districts"]]
    assert len(reports) == sum(1 for r in districts if r["code"])
    assert all(client.get(url).status_code == 200 for url in reports[:2])


def test_unknown_area_is_not_reported_never_zero(client) -> None:
    data = client.get("/api/dashboard").get_json()["clusters"]
    html = client.get("/dashboard").get_data(as_text=True)
    table = re.search(r'id="district-table".*?</table>', html, re.S)[0]
    unknown = [r for r in data["districts"] if r["count"] and not r["planned_area"]["reporting"]]
    assert unknown, "the seed data has a district whose clusters report no planned area"
    for r in unknown:
        row = re.search(rf'<tr data-district="{r["code"] or ""}">.*?</tr>', table, re.S)[0]
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert 'class="unknown"' in cells[2] and "0 ha" not in cells[2], cells[2]


def test_a_quick_choice_judges_overdue_at_the_plans_year_end(client) -> None:
    html = client.get("/dashboard").get_data(as_text=True)
    link = re.search(r'id="as-of-plan-end" href="([^"]+)">([^<]+)<', html)
    assert link is not None
    targets = client.get("/api/plan/targets").get_json()["targets"]
    year = max(t["year"] for t in targets)
    assert link[1].replace("&amp;", "&").endswith(f"as_of={year}-12-31")
    assert f"31/12/{year}" in link[2]
    page = client.get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    assert f'data-as-of="{year}-12-31"' in page
    judged = client.get(f"/api/plan/tasks?as_of={year}-12-31").get_json()["tasks"]
    overdue = sum(t["overdue"] for t in judged)
    assert client.get(f"/api/dashboard?as_of={year}-12-31").get_json()["tasks"]["overdue"] == (
        overdue
    )
