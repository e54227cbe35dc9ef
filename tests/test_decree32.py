"""Decree 32/2024/NĐ-CP checks: expansion of a cluster, a new cluster in a district."""

from __future__ import annotations

from typing import Any

import pytest

from gis.core import decree32
from tests.helpers import ALL_DONE, CLUSTERS, apply_changes

NONE_DONE = {c: None for c in ALL_DONE}


def record(**values: Any) -> dict[str, Any]:
    """A cluster record as stored, with the fields the checks read."""
    base = {
        "id": "ccn-test",
        "kind": "CCN",
        "stage": "operating",
        "planned_area_ha": 50.0,
        "industrial_land_ha": 40.0,
        "leased_land_ha": 30.0,
        "infrastructure": dict(ALL_DONE),
    }
    return {**base, **values}


def checks_by_id(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in result["checks"]}


# --- the rules as data ----------------------------------------------------------------------


def test_thresholds_are_named_constants_and_rules_are_english_text() -> None:
    assert decree32.EXPANSION_MIN_OCCUPANCY_PCT == 60
    assert decree32.MAX_AREA_AFTER_EXPANSION_HA == 75
    assert decree32.NEW_CLUSTER_MIN_AVERAGE_OCCUPANCY_PCT == 50
    assert decree32.NEW_CLUSTER_MAX_UNLEASED_HA == 100
    assert decree32.EXPANSION_INFRASTRUCTURE == ("roads", "water", "wastewater")
    for text in decree32.RULES.values():
        assert text.isascii() and text[0].isupper()


# --- expansion ----------------------------------------------------------------------------


def test_expansion_eligible_with_every_figure_shown() -> None:
    result = decree32.expansion(record())
    assert result["eligible"] is True and result["applicable"] is True
    assert result["decree"] == "32/2024/NĐ-CP"
    checks = checks_by_id(result)
    assert list(checks) == ["occupancy", "area", "infra_roads", "infra_water", "infra_wastewater"]
    assert checks["occupancy"] | {"note": None} == {
        "id": "occupancy",
        "rule": decree32.RULES["occupancy"],
        "value": 75.0,
        "threshold": 60.0,
        "ok": True,
        "missing": [],
        "note": None,
    }
    assert checks["area"]["value"] == 50.0 and checks["area"]["threshold"] == 75.0
    assert result["max_expansion_ha"] == checks["area"]["max_expansion_ha"] == 25.0
    assert all(c["ok"] is True and c["missing"] == [] for c in checks.values())
    assert result["not_assessed"]


@pytest.mark.parametrize(
    ("values", "failing"),
    [
        ({"leased_land_ha": 23.9}, "occupancy"),  # 59.75 % rounds to 59.8 %
        ({"planned_area_ha": 75.0}, "area"),
        ({"planned_area_ha": 80.0}, "area"),
        ({"infrastructure": {**ALL_DONE, "roads": "building"}}, "infra_roads"),
        ({"infrastructure": {**ALL_DONE, "water": "none"}}, "infra_water"),
        ({"infrastructure": {**ALL_DONE, "wastewater": "building"}}, "infra_wastewater"),
    ],
)
def test_expansion_not_eligible_names_the_failing_check(values, failing: str) -> None:
    result = decree32.expansion(record(**values))
    assert result["eligible"] is False
    checks = checks_by_id(result)
    assert [k for k, c in checks.items() if c["ok"] is False] == [failing]


def test_expansion_at_exactly_60_percent_is_enough() -> None:
    result = decree32.expansion(record(leased_land_ha=24.0))
    assert checks_by_id(result)["occupancy"]["value"] == 60.0
    assert result["eligible"] is True


def test_power_is_not_one_of_the_decree_s_essential_works() -> None:
    result = decree32.expansion(record(infrastructure={**ALL_DONE, "power": "none"}))
    assert result["eligible"] is True


def test_expansion_names_missing_data_and_stays_unknown() -> None:
    result = decree32.expansion(
        record(industrial_land_ha=None, planned_area_ha=None, infrastructure=NONE_DONE)
    )
    assert result["eligible"] is None
    assert result["max_expansion_ha"] is None
    checks = checks_by_id(result)
    assert checks["occupancy"]["missing"] == ["industrial_land_ha"]
    assert checks["area"]["missing"] == ["planned_area_ha"]
    assert checks["infra_water"]["missing"] == ["infrastructure.water"]
    assert all(c["ok"] is None for c in checks.values())


def test_a_known_failure_decides_even_with_missing_data() -> None:
    result = decree32.expansion(record(industrial_land_ha=None, planned_area_ha=90.0))
    assert result["eligible"] is False
    assert checks_by_id(result)["occupancy"]["ok"] is None


def test_parks_are_not_governed_by_the_decree() -> None:
    result = decree32.expansion(record(kind="KCN"))
    assert result["applicable"] is False and result["eligible"] is None
    assert result["checks"]  # the figures are still shown


# --- a new cluster in a district ----------------------------------------------------------


def test_new_cluster_by_average_occupancy_above_50_percent() -> None:
    result = decree32.new_cluster(
        [
            record(id="a", industrial_land_ha=100.0, leased_land_ha=80.0),  # 80 %
            record(id="b", industrial_land_ha=200.0, leased_land_ha=60.0),  # 30 %
        ]
    )
    assert result["average_occupancy_pct"] == 55.0  # plain mean of the clusters' rates
    assert result["unleased_industrial_land_ha"] == 160.0
    checks = checks_by_id(result)
    assert checks["average_occupancy"]["ok"] is True
    assert checks["unleased_land"]["ok"] is False
    assert result["eligible"] is True
    assert result["clusters_counted"] == 2 and result["complete"] is True


def test_new_cluster_by_little_unleased_land() -> None:
    result = decree32.new_cluster([record(industrial_land_ha=100.0, leased_land_ha=10.0)])
    assert result["average_occupancy_pct"] == 10.0
    assert result["unleased_industrial_land_ha"] == 90.0
    assert result["eligible"] is True


def test_no_new_cluster_when_both_conditions_fail() -> None:
    result = decree32.new_cluster(
        [
            record(id="a", industrial_land_ha=75.0, leased_land_ha=37.5),  # exactly 50 %
            record(id="b", industrial_land_ha=75.0, leased_land_ha=10.0),
        ]
    )
    checks = checks_by_id(result)
    assert checks["average_occupancy"]["value"] == pytest.approx(31.7)
    assert checks["average_occupancy"]["ok"] is False
    assert checks["unleased_land"]["value"] == 102.5
    assert result["eligible"] is False


def test_new_cluster_missing_data_is_named_and_partial_figures_do_not_decide() -> None:
    result = decree32.new_cluster(
        [
            record(id="a", industrial_land_ha=60.0, leased_land_ha=10.0),
            record(id="b", industrial_land_ha=None),
        ]
    )
    assert result["complete"] is False
    assert result["clusters_with_missing_data"] == [{"id": "b", "missing": ["industrial_land_ha"]}]
    checks = checks_by_id(result)
    assert checks["average_occupancy"]["ok"] is None
    assert checks["unleased_land"]["ok"] is None
    assert checks["unleased_land"]["missing"] == ["b.industrial_land_ha"]
    assert result["eligible"] is None


def test_a_partial_unleased_total_over_100_ha_already_decides_that_check() -> None:
    result = decree32.new_cluster(
        [
            record(id="a", industrial_land_ha=150.0, leased_land_ha=0.0),
            record(id="b", leased_land_ha=None),
        ]
    )
    assert checks_by_id(result)["unleased_land"]["ok"] is False
    assert result["eligible"] is None  # the average is still unknown


def test_only_established_ccns_are_counted() -> None:
    result = decree32.new_cluster(
        [
            record(id="planned", stage="planned", industrial_land_ha=None),
            record(id="removed", stage="removed", industrial_land_ha=None),
            record(id="park", kind="KCN", industrial_land_ha=None),
        ]
    )
    assert result["clusters_counted"] == 0 and result["checks"] == []
    assert result["eligible"] is True and result["note"]


# --- endpoints ----------------------------------------------------------------------------


def _established_ccns(code: str) -> list[dict[str, Any]]:
    return sorted(
        (
            f["properties"]
            for f in CLUSTERS["features"]
            if f["properties"]["district_code"] == code
            and f["properties"]["kind"] == "CCN"
            and f["properties"]["stage"] not in ("planned", "removed")
        ),
        key=lambda p: p["id"],
    )


def test_cluster_endpoint_shows_long_phuoc_1_at_the_75_ha_cap(client) -> None:
    response = client.get("/api/clusters/ccn-long-phuoc-1/decree32")
    assert response.status_code == 200
    body = response.get_json()
    assert body["cluster"] == "ccn-long-phuoc-1" and body["name_vi"] == "CCN Long Phước 1"
    expansion = body["expansion"]
    checks = checks_by_id(expansion)
    assert checks["area"]["value"] == 75 and checks["area"]["ok"] is False
    assert expansion["max_expansion_ha"] == 0
    assert expansion["eligible"] is False
    assert checks["occupancy"]["missing"] == ["industrial_land_ha", "leased_land_ha"]


def test_cluster_endpoint_follows_the_store(client, store) -> None:
    apply_changes(
        store,
        {
            "ccn-long-giao": {
                "industrial_land_ha": 40.0,
                "leased_land_ha": 30.0,
                "infrastructure": ALL_DONE,
            }
        },
    )
    expansion = client.get("/api/clusters/ccn-long-giao/decree32").get_json()["expansion"]
    assert expansion["eligible"] is True
    assert expansion["max_expansion_ha"] == round(75 - 55.93, 2)


def test_district_endpoint_counts_the_district_s_established_clusters(client) -> None:
    response = client.get("/api/districts/740/decree32")
    assert response.status_code == 200
    body = response.get_json()
    assert body["district"] == "740" and body["name"] == "Huyện Long Thành"
    result = body["new_cluster"]
    expected = _established_ccns("740")
    assert sorted(result["cluster_ids"]) == [p["id"] for p in expected]
    assert result["clusters_counted"] == len(expected)
    missing = {m["id"]: m["missing"] for m in result["clusters_with_missing_data"]}
    for props in expected:
        fields = [f for f in ("industrial_land_ha", "leased_land_ha") if props[f] is None]
        assert missing.get(props["id"], []) == fields
    assert result["eligible"] is None  # no industrial land figure is known yet


def test_district_endpoint_decides_once_the_figures_are_in(client, store) -> None:
    ccns = [p["id"] for p in _established_ccns("740")]
    assert ccns
    apply_changes(store, {i: {"industrial_land_ha": 50.0, "leased_land_ha": 40.0} for i in ccns})
    result = client.get("/api/districts/740/decree32").get_json()["new_cluster"]
    assert result["complete"] is True
    assert result["average_occupancy_pct"] == 80.0
    assert result["unleased_industrial_land_ha"] == 10.0 * len(ccns)
    assert result["eligible"] is True


@pytest.mark.parametrize("url", ["/api/clusters/nope/decree32", "/api/districts/999/decree32"])
def test_unknown_cluster_or_district_is_404(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
