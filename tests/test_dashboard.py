"""/api/dashboard and /dashboard: every figure recomputed from the public API and compared.

The recomputation below is written from the API's documents only (clusters, districts,
tasks, targets), not from gis.core.dashboard, so a wrong sum or a typed-in figure shows.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from tests.helpers import CLUSTERS, PLAN, patch_task, post_value

# Long Thành's features in the data file (clusters and, since issue 11, parks).
LONG_THANH = [
    f["properties"] for f in CLUSTERS["features"] if f["properties"]["district_code"] == "740"
]
# The fixture below sets CCN Tam An (building in the data) to operating.
LONG_THANH_OPERATING = sum(p["stage"] == "operating" for p in LONG_THANH) + 1

AS_OF = "2020-07-15"
STAGES = (
    "planned",
    "established",
    "clearing",
    "building",
    "operating",
    "converting",
    "relocating",
    "removed",
)
# Facts an admin reports, so that every sum has something to add (and something missing).
CLUSTER_FACTS = {
    "ccn-long-phuoc-1": {
        "clearance_cleared_ha": 40.5,
        "clearance_total_ha": 75,
        "industrial_land_ha": 52.3,
        "leased_land_ha": 10.1,
    },
    "ccn-tam-an": {"industrial_land_ha": 49.9, "stage": "operating"},  # leased: 47.27
    "ccn-phu-cuong": {
        "clearance_cleared_ha": 44.46,
        "clearance_total_ha": 44.46,
        "industrial_land_ha": 31.12,
        "leased_land_ha": 31.12,
    },
    "ccn-hung-loc": {"clearance_cleared_ha": 12.25, "clearance_total_ha": 42},
    "ccn-doc-47": {"industrial_land_ha": 20, "leased_land_ha": 0},  # no district
}


@pytest.fixture
def filled(api_as) -> None:
    """Clusters with land and clearance figures, tasks in every status, target values."""
    admin = api_as("admin")
    for cluster_id, facts in CLUSTER_FACTS.items():
        assert admin.patch(cluster_id, facts).status_code == 200
    for task_id, body in {
        "i-1-1": {"status": "done"},
        "i-1-2": {"status": "in_progress", "note": "Đã cập nhật", "note_date": "2020-06-25"},
        "ii-1-b": {"status": "in_progress"},
        "ii-4": {"status": "done"},
        "iii-5": {"status": "in_progress"},
    }.items():
        assert patch_task(admin, task_id, body).status_code == 200
    for target_id, value in {"industrial-production-index": 8.6, "zone-ii-share": 4.9}.items():
        body = {"year": 2020, "value": value, "source": "Cục Thống kê"}
        assert post_value(admin, target_id, body).status_code == 201


# --- an independent recomputation from the API ----------------------------------------------


def _sum_where(rows: list[dict], *keys: str) -> tuple[list[tuple], int]:
    complete = [tuple(r[k] for k in keys) for r in rows if all(r[k] is not None for k in keys)]
    return complete, len(rows) - len(complete)


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


KINDS = ("CCN", "KCN", "CNHT")


def _group(rows: list[dict]) -> dict:
    stages = Counter(r["stage"] for r in rows)
    kinds = Counter(r["kind"] for r in rows)
    planned = [r["planned_area_ha"] for r in rows if r["planned_area_ha"] is not None]
    cleared, cleared_missing = _sum_where(rows, "clearance_cleared_ha", "clearance_total_ha")
    land, land_missing = _sum_where(rows, "industrial_land_ha", "leased_land_ha")
    c, t = sum(x for x, _ in cleared), sum(y for _, y in cleared)
    i, le = sum(x for x, _ in land), sum(y for _, y in land)
    return {
        "count": len(rows),
        "by_kind": {k: kinds.get(k, 0) for k in KINDS},
        "by_stage": {s: stages.get(s, 0) for s in STAGES},
        "planned_area": {
            "ha": round(sum(planned), 2),
            "reporting": len(planned),
            "not_reported": len(rows) - len(planned),
        },
        "clearance": {
            "cleared_ha": round(c, 2),
            "total_ha": round(t, 2),
            "pct": _pct(c, t),
            "reporting": len(cleared),
            "not_reported": cleared_missing,
        },
        "occupancy": {
            "industrial_ha": round(i, 2),
            "leased_ha": round(le, 2),
            "free_ha": round(i - le, 2),
            "pct": _pct(le, i),
            "reporting": len(land),
            "not_reported": land_missing,
        },
    }


def _task_counts(tasks: list[dict]) -> dict:
    return {
        "total": len(tasks),
        "not_started": sum(t["status"] == "not_started" for t in tasks),
        "in_progress": sum(t["status"] == "in_progress" for t in tasks),
        "done": sum(t["status"] == "done" for t in tasks),
        "overdue": sum(t["overdue"] for t in tasks),
    }


def _recompute(client, as_of: str) -> dict:
    clusters = [f["properties"] for f in client.get("/api/clusters").get_json()["features"]]
    districts = [f["properties"] for f in client.get("/api/districts").get_json()["features"]]
    tasks = client.get(f"/api/plan/tasks?as_of={as_of}").get_json()["tasks"]
    targets = client.get("/api/plan/targets").get_json()["targets"]
    by_district = {
        d["code"]: {"code": d["code"], "name": d["name"], "zone": d["zone"]} for d in districts
    }
    for code in by_district:
        by_district[code].update(_group([c for c in clusters if c["district_code"] == code]))
    without = [c for c in clusters if c["district_code"] is None]
    if without:
        by_district[None] = {"code": None, "name": None, "zone": None, **_group(without)}
    zones = {
        z: {
            "zone": z,
            "district_codes": sorted(d["code"] for d in districts if d["zone"] == z),
            # A feature without a district has no zone: the map's zone filter agrees.
            **_group([c for c in clusters if c["zone"] == z and c["district_code"]]),
        }
        for z in ("I", "II", None)
    }
    units: dict[str, list[dict]] = defaultdict(list)
    names: dict[str, Counter] = defaultdict(Counter)
    for task in tasks:
        for name, key in zip(task["lead_units"], task["lead_unit_keys"], strict=True):
            units[key].append(task)
            names[key][name] += 1
    return {
        "as_of": as_of,
        "province": _group(clusters),
        "districts": by_district,
        "zones": zones,
        "tasks": {
            **_task_counts(tasks),
            "without_lead_unit": _task_counts([t for t in tasks if not t["lead_units"]]),
            "by_lead_unit": {
                key: {"key": key, "name": names[key].most_common(1)[0][0], **_task_counts(rows)}
                for key, rows in units.items()
            },
        },
        "targets": {
            "by_status": dict(Counter(t["status"] for t in targets)),
            "items": {t["id"]: t for t in targets},
        },
    }


@pytest.mark.parametrize("as_of", [AS_OF, "2021-06-01"])
def test_every_dashboard_figure_is_recomputed_from_the_api(client, filled, as_of: str) -> None:
    response = client.get(f"/api/dashboard?as_of={as_of}")
    assert response.status_code == 200
    got = response.get_json()
    want = _recompute(client, as_of)
    assert got["as_of"] == as_of
    assert got["stages"] == list(STAGES)
    assert got["clusters"]["province"] == want["province"]
    assert {r["code"]: r for r in got["clusters"]["districts"]} == want["districts"]
    assert [r["code"] for r in got["clusters"]["districts"]][:11] == sorted(
        c for c in want["districts"] if c
    )
    assert {r["zone"]: r for r in got["clusters"]["zones"]} == want["zones"]
    tasks = got["tasks"]
    for key in ("total", "not_started", "in_progress", "done", "overdue", "without_lead_unit"):
        assert tasks[key] == want["tasks"][key], key
    assert {r["key"]: r for r in tasks["by_lead_unit"]} == want["tasks"]["by_lead_unit"]
    assert [r["total"] for r in tasks["by_lead_unit"]] == sorted(
        (r["total"] for r in tasks["by_lead_unit"]), reverse=True
    )
    targets = got["targets"]
    assert {k: v for k, v in targets["by_status"].items() if v} == want["targets"]["by_status"]
    assert {t["id"]: t for t in targets["items"]} == want["targets"]["items"]


def test_the_figures_follow_the_data(client, filled) -> None:
    """Spot checks against numbers worked out by hand from CLUSTER_FACTS."""
    data = client.get(f"/api/dashboard?as_of={AS_OF}").get_json()
    long_thanh = next(r for r in data["clusters"]["districts"] if r["code"] == "740")
    assert long_thanh["clearance"] == {
        "cleared_ha": 40.5,
        "total_ha": 75,
        "pct": 54.0,
        "reporting": 1,
        "not_reported": len(LONG_THANH) - 1,
    }
    # Long Phước 1 (10.1 of 52.3 ha) and Tam An (47.27 of 49.9 ha, leased land from the data).
    assert long_thanh["occupancy"]["pct"] == round(100 * (10.1 + 47.27) / (52.3 + 49.9), 1)
    assert long_thanh["occupancy"]["reporting"] == 2
    assert long_thanh["by_stage"]["operating"] == LONG_THANH_OPERATING
    province = data["clusters"]["province"]
    # Biên Hòa 1 (227 of 236) + Long Phước 1 + Phú Cường + Hưng Lộc.
    assert province["clearance"]["cleared_ha"] == round(227 + 40.5 + 44.46 + 12.25, 2)
    assert province["occupancy"]["free_ha"] == round(52.3 - 10.1 + 49.9 - 47.27 + 0 + 20, 2)
    tasks = data["tasks"]
    assert (tasks["done"], tasks["in_progress"]) == (2, 3)
    unit = {r["key"]: r for r in tasks["by_lead_unit"]}
    # "Sở Kế hoạch - Đầu tư" (5 tasks) and "Sở Kế hoạch Đầu tư" (iii-5): one unit.
    assert unit["so-ke-hoach-dau-tu"]["total"] == 6
    assert unit["so-ke-hoach-dau-tu"]["name"] == "Sở Kế hoạch - Đầu tư"
    rest = len(PLAN["targets"]) - 2
    assert data["targets"]["by_status"] == {"met": 1, "not_met": 1, "not_reported": rest}


def test_the_dashboard_page_draws_the_same_figures(client, filled) -> None:
    response = client.get(f"/dashboard?as_of={AS_OF}&lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    data = client.get(f"/api/dashboard?as_of={AS_OF}").get_json()
    assert "<script" not in html.split("<main", 1)[1]  # charts are SVG, no script
    stage_chart = re.search(r'data-chart="stage_by_district".*?</svg>', html, re.S)[0]
    segments = sum(1 for r in data["clusters"]["districts"] for n in r["by_stage"].values() if n)
    assert stage_chart.count("data-key=") == segments
    assert f"<title>Huyện Long Thành: Operating {LONG_THANH_OPERATING}</title>" in stage_chart
    table = re.search(r'id="district-table".*?</table>', html, re.S)[0]
    row = re.search(r'<tr data-district="731">.*?</tr>', table, re.S)[0]
    assert "227 / 236 ha (96.2 %)" in row
    assert f"{data['tasks']['overdue']} overdue as of 15/07/2020" in html
    target_row = re.search(r'<tr data-target="zone-ii-share" data-status="not_met">', html)
    assert target_row is not None
    assert client.get("/dashboard?as_of=someday").status_code == 400


def test_the_dashboard_api_revalidates_and_changes_with_the_data(client, api_as) -> None:
    first = client.get(f"/api/dashboard?as_of={AS_OF}")
    etag = first.headers["ETag"]
    assert (
        client.get(f"/api/dashboard?as_of={AS_OF}", headers={"If-None-Match": etag}).status_code
        == 304
    )
    assert patch_task(api_as("admin"), "i-1-1", {"status": "done"}).status_code == 200
    second = client.get(f"/api/dashboard?as_of={AS_OF}", headers={"If-None-Match": etag})
    assert second.status_code == 200
    assert second.get_json()["tasks"]["done"] == first.get_json()["tasks"]["done"] + 1
    bad = client.get("/api/dashboard?as_of=2020-02-31")
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "as_of"
