"""Our data files: the plan's clusters are all there, located, sourced and consistent."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import shape

from gis.core.dataset import check_collection
from gis.core.schema import INFRASTRUCTURE_COMPONENTS, ClusterRecord
from tests.conftest import DISTRICT_BOUNDARIES, SHARED, all_strings, reference
from tests.helpers import CLUSTERS, DISTRICTS, validate_on_official_boundaries

FEATURES = {f["id"]: f for f in CLUSTERS["features"]}

# Every cluster and park the plan names (Kế hoạch 5/KH-BCĐ, 5/4/2020), by our stable id.
PLAN_CLUSTERS = {
    "ccn-long-phuoc-1": "Long Phước 1",
    "ccn-hung-loc": "Hưng Lộc",
    "ccn-phu-tuc": "Phú Túc",
    "ccn-long-giao": "Long Giao",
    "ccn-xuan-hung": "Xuân Hưng",
    "ccn-vinh-tan": "Vĩnh Tân",
    "ccn-thien-tan-gd2": "Thiện Tân",
    "ccn-tri-an": "Trị An",
    "ccn-vlxd-tan-an": "Tân An",
    "ccn-an-vien": "An Viễn",
    "kcn-bien-hoa-1": "Biên Hòa 1",
    "kcn-cnc-long-thanh": "Long Thành",
}


@pytest.mark.parametrize(("cluster_id", "name"), PLAN_CLUSTERS.items())
def test_every_cluster_the_plan_names_is_present_and_located(cluster_id: str, name: str) -> None:
    props = FEATURES[cluster_id]["properties"]
    assert name in props["name_vi"]
    assert props["named_in_plan"] is True
    assert props["plan_actions"], "what the plan says must be structured status"
    assert FEATURES[cluster_id]["geometry"] is not None


def test_plan_statuses_are_structured() -> None:
    actions = {
        f: {a["action"] for a in FEATURES[f]["properties"]["plan_actions"]} for f in FEATURES
    }
    assert "relocate" in actions["ccn-an-vien"]
    assert FEATURES["ccn-an-vien"]["properties"]["relocation_target"] == "Xã Đồi 61"
    assert "convert" in actions["kcn-bien-hoa-1"]
    assert "resolve_state_land" in actions["ccn-vinh-tan"]
    assert "policy_support" in actions["ccn-xuan-hung"]
    assert {"speed_up_clearance"} <= actions["ccn-long-phuoc-1"]


def test_at_least_25_located_features_and_every_csv_row() -> None:
    located = [f for f in CLUSTERS["features"] if f["geometry"] is not None]
    assert len(located) >= 25
    csv_rows = reference(SHARED / "clusters.csv").read_text().count("\n") - 1
    assert len(CLUSTERS["features"]) >= csv_rows


def test_every_feature_matches_the_domain_model() -> None:
    for feature in CLUSTERS["features"]:
        props = {
            k: v for k, v in feature["properties"].items() if k not in ("district_name", "zone")
        }
        record = ClusterRecord.model_validate(props)
        assert set(feature["properties"]["infrastructure"]) == set(INFRASTRUCTURE_COMPONENTS)
        assert record.sources, f"{record.id} cites no source"


def test_every_fact_cites_a_source() -> None:
    # The strict form (every filled field and every point) is in tests/test_data_facts.py.
    for feature in CLUSTERS["features"]:
        props = feature["properties"]
        for key, value in props.items():
            if key in ("id", "sources", "inferred", "zone") or value in (None, [], {}, False):
                continue
            if key == "infrastructure" and not any(value.values()):
                continue
            assert key in props["sources"], f"{feature['id']}.{key} has no source"


def test_all_text_is_nfc() -> None:
    for text in all_strings([CLUSTERS, DISTRICTS]):
        assert unicodedata.is_normalized("NFC", text), text


def test_districts_are_the_eleven_pre_2025_units_with_sourced_zones() -> None:
    codes = [d["code"] for d in DISTRICTS["districts"]]
    assert codes == ["731", "732", *[str(c) for c in range(734, 743)]]
    zones = {d["code"]: d["zone"] for d in DISTRICTS["districts"]}
    assert zones["731"] == "I"
    assert {zones[c] for c in ("741", "739", "736", "734", "738")} == {"II"}
    for district in DISTRICTS["districts"]:
        assert district["zone_source"], district["code"]
        if district["zone"] is None:
            assert district["zone_source"].startswith("unassigned")


def test_label_points_and_clusters_lie_in_their_official_district() -> None:
    official = gpd.read_file(reference(DISTRICT_BOUNDARIES)).set_index("code").geometry
    for district in DISTRICTS["districts"]:
        assert official[district["code"]].contains(
            shape({"type": "Point", "coordinates": district["label_point"]})
        )
    checked = check_collection(CLUSTERS, DISTRICTS, dict(official.items()), official.union_all())
    assert [p for c in checked for p in c.problems] == []


def test_check_collection_finds_each_kind_of_problem() -> None:
    good = FEATURES["ccn-long-phuoc-1"]

    def variant(**changes: object) -> dict:
        feature = json.loads(json.dumps(good))
        geometry = changes.pop("geometry", feature["geometry"])
        feature["properties"].update(changes)
        feature["geometry"] = geometry
        feature["id"] = feature["properties"]["id"]
        return feature

    collection = {
        "type": "FeatureCollection",
        "features": [
            variant(),
            variant(),  # duplicate id
            variant(id="x-stage", stage="finished"),
            variant(id="x-swapped", geometry={"type": "Point", "coordinates": [10.7, 106.9]}),
            variant(id="x-outside", geometry={"type": "Point", "coordinates": [105.8, 21.0]}),
            variant(id="x-district", district_code="999"),
            variant(id="x-name", district_name="Huyện Nhơn Trạch"),
            variant(id="x-negative", planned_area_ha=-5),
        ],
    }
    official = gpd.read_file(reference(DISTRICT_BOUNDARIES)).set_index("code").geometry
    checked = {
        c.label: c.problems
        for c in check_collection(
            collection, DISTRICTS, dict(official.items()), official.union_all()
        )
    }
    assert checked["feature 0 (ccn-long-phuoc-1)"] == []
    assert any("duplicate id" in p for p in checked["feature 1 (ccn-long-phuoc-1)"])
    assert any(p.startswith("stage:") for p in checked["feature 2 (x-stage)"])
    assert any("swapped" in p for p in checked["feature 3 (x-swapped)"])
    assert any("outside Đồng Nai province" in p for p in checked["feature 4 (x-outside)"])
    assert any("'999' is not a district" in p for p in checked["feature 5 (x-district)"])
    assert any(p.startswith("district_name:") for p in checked["feature 6 (x-name)"])
    assert any(p.startswith("planned_area_ha:") for p in checked["feature 7 (x-negative)"])


def test_validate_command_passes_on_our_data(runner) -> None:
    result = runner.invoke(
        args=["clusters", "validate", "--boundaries", str(reference(DISTRICT_BOUNDARIES))]
    )
    assert result.exit_code == 0, result.output
    count = len(CLUSTERS["features"])
    assert f"{count} features valid (against official boundaries)" in result.output


def test_validate_command_fails_naming_feature_and_reason(runner, tmp_path: Path) -> None:
    bad = json.loads(json.dumps(CLUSTERS))
    moved = bad["features"][5]
    # A point in Vĩnh Cửu while the feature says another district.
    moved["geometry"] = {"type": "Point", "coordinates": [106.97, 11.11]}
    result = validate_on_official_boundaries(runner, bad, tmp_path)
    assert result.exit_code == 1
    assert f"({moved['id']}): geometry: not inside the official boundary of" in result.output


def test_validate_command_uses_boundaries_loaded_in_the_store(runner, tmp_path: Path) -> None:
    bad = json.loads(json.dumps(CLUSTERS))
    bad["features"][5]["geometry"] = {"type": "Point", "coordinates": [106.97, 11.11]}
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(bad), encoding="utf-8")
    assert runner.invoke(args=["clusters", "validate", str(path)]).exit_code == 0
    assert (
        runner.invoke(args=["boundaries", "import", str(reference(DISTRICT_BOUNDARIES))]).exit_code
        == 0
    )
    result = runner.invoke(args=["clusters", "validate", str(path)])
    assert result.exit_code == 1
    assert "not inside the official boundary" in result.output
