"""Issue 11: parks and clusters with cited facts, the checks that refuse bad data, coverage."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import shape

from gis.core.coverage import coverage_table, section_of
from gis.core.dataset import check_collection, unsourced_facts
from gis.core.schema import ClusterRecord, free_land_ha, occupancy_pct
from gis.web import labels
from tests.conftest import DISTRICT_BOUNDARIES, ROOT, reference
from tests.helpers import validate_on_official_boundaries

DATA = ROOT / "data"
CLUSTERS = json.loads((DATA / "clusters.geojson").read_text(encoding="utf-8"))
DISTRICTS = json.loads((DATA / "districts.json").read_text(encoding="utf-8"))
PLAN = json.loads((DATA / "plan.json").read_text(encoding="utf-8"))
PLACES = json.loads((DATA / "places.geojson").read_text(encoding="utf-8"))
PLAN_TEXT = ROOT.parent / "shared" / "seed" / "000_829ec96c5786f6ce.txt"
FEATURES = {f["id"]: f for f in CLUSTERS["features"]}
PROPS = {i: f["properties"] for i, f in FEATURES.items()}
PARKS = [f for f in CLUSTERS["features"] if f["properties"]["kind"] == "KCN"]


@pytest.fixture
def plan_lines() -> list[str]:
    """The plan's text (in ../shared), a line each; skips, naming it, when it is not there."""
    return reference(PLAN_TEXT).read_text(encoding="utf-8").splitlines()


def _record(props: dict) -> ClusterRecord:
    return ClusterRecord.model_validate(
        {k: v for k, v in props.items() if k not in ("district_name", "zone")}
    )


# --- every fact is sourced, every point lies in its district ---------------------------------


def test_every_filled_fact_and_every_point_cites_a_source() -> None:
    for feature in CLUSTERS["features"]:
        record = _record(feature["properties"])
        assert unsourced_facts(record, feature["geometry"] is not None) == [], record.id
        for field, cited in record.sources.items():
            assert cited and all(s.strip() for s in cited), f"{record.id}.{field}"


def test_every_page_a_park_cites_is_catalogued_with_title_and_date_key() -> None:
    catalogue = CLUSTERS["metadata"]["sources"]
    for entry in catalogue.values():
        assert entry["title"].strip() and entry["publisher"].strip()
        assert "date" in entry  # null where the page shows none, never guessed
        assert entry["date"] is None or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", entry["date"])
    for park in PARKS:
        if park["properties"]["named_in_plan"]:
            continue  # the plan's two parks were researched before the catalogue existed
        cited = {s for v in park["properties"]["sources"].values() for s in v}
        urls = {s for s in cited if s.startswith("http")}
        assert urls and urls <= set(catalogue), park["id"]


def test_every_located_feature_lies_in_its_district_on_the_official_boundaries() -> None:
    official = gpd.read_file(reference(DISTRICT_BOUNDARIES)).set_index("code").geometry
    located = [f for f in CLUSTERS["features"] if f["geometry"] is not None]
    for feature in located:
        code = feature["properties"]["district_code"]
        assert official[code].covers(shape(feature["geometry"])), feature["id"]
    assert len(located) >= 58


def test_the_province_parks_are_there_with_kind_and_stage() -> None:
    # The 2020 KCN list names parks in every part of the province; planned ones are marked.
    districts = {p["properties"]["district_code"] for p in PARKS}
    assert len(districts) >= 10
    assert len(PARKS) >= 34
    for name in ("Ông Kèo", "Nhơn Trạch 1", "Amata", "Long Đức", "Lộc An", "Giang Điền",
                 "Suối Tre", "Dầu Giây", "Định Quán", "Xuân Lộc", "Tân Phú", "Sông Mây",
                 "Hố Nai", "Agtex", "An Phước", "Long Khánh", "Tam Phước", "Biên Hòa 2",
                 "Loteco", "Long Thành"):  # fmt: skip
        assert any(name in p["properties"]["name_vi"] for p in PARKS), name
    planned = {p["id"] for p in PARKS if p["properties"]["stage"] == "planned"}
    assert {"kcn-xuan-que-song-nhan", "kcn-gia-kiem", "kcn-cam-my"} <= planned
    # Bàu Cạn – Tân Hiệp broke ground (VnNow): building, as its newest source says.
    assert PROPS["kcn-bau-can-tan-hiep"]["stage"] == "building"


# --- occupancy as reported stays apart from hectares; free land is computed -------------------


def test_reported_occupancy_is_kept_apart_and_free_land_computed() -> None:
    props = PROPS["kcn-loc-an-binh-son"]
    assert props["occupancy_reported_pct"] == 73.95 and props["leased_land_ha"] is None
    assert free_land_ha(props["industrial_land_ha"], None, 73.95) == round(347.39 * 0.2605, 2)
    # Hectares, when known, win over a reported percentage.
    assert occupancy_pct(100, 40, 90) == 40.0 and free_land_ha(100, 40, 90) == 60
    assert occupancy_pct(None, None, 70) == 70 and free_land_ha(None, None, 70) is None


def test_the_api_computes_free_land_from_reported_occupancy(client) -> None:
    feature = client.get("/api/clusters/kcn-loc-an-binh-son").get_json()
    props = feature["properties"]
    assert props["occupancy_reported_pct"] == 73.95
    assert props["occupancy_pct"] == 73.95
    assert props["free_land_ha"] == free_land_ha(347.39, None, 73.95)
    park = client.get("/api/clusters/kcn-nhon-trach-3").get_json()["properties"]
    assert park["kind"] == "KCN" and park["location_precision"] == "district_point"


# --- bad input: validate names the feature, the field and the reason ---------------------------


def _variant(base_id: str, **changes: object) -> dict:
    feature = json.loads(json.dumps(FEATURES[base_id]))
    geometry = changes.pop("geometry", feature["geometry"])
    drop = changes.pop("drop", ())
    feature["properties"].update(changes)
    for key in drop:
        feature["properties"].pop(key)
    feature["geometry"] = geometry
    return feature


BAD = {
    # A Long Thành park drawn in Vĩnh Cửu.
    "outside": (
        _variant("kcn-long-duc", geometry={"type": "Point", "coordinates": [106.97, 11.11]}),
        "geometry: not inside the official boundary of Huyện Long Thành",
    ),
    "unsourced": (
        _variant(
            "kcn-long-thanh",
            investor="Ai đó",
            sources={
                k: v for k, v in PROPS["kcn-long-thanh"]["sources"].items() if k != "investor"
            },
        ),
        "investor: a fact without a source",
    ),
    "leased": (
        _variant(
            "kcn-giang-dien",
            leased_land_ha=400.0,
            sources={**PROPS["kcn-giang-dien"]["sources"], "leased_land_ha": ["x"]},
        ),
        "leased_land_ha: 400.0 ha exceeds industrial_land_ha (332.8 ha)",
    ),
    "occupancy": (
        _variant("kcn-loc-an-binh-son", occupancy_reported_pct=120),
        "occupancy_reported_pct: Input should be less than or equal to 100",
    ),
    "kind": (_variant("kcn-ong-keo", drop=("kind",)), "kind: required"),
}


@pytest.mark.parametrize("case", BAD)
def test_validate_refuses_bad_data_naming_feature_field_and_reason(
    runner, tmp_path: Path, case: str
) -> None:
    feature, message = BAD[case]
    bad = json.loads(json.dumps(CLUSTERS))
    bad["features"] = [feature if f["id"] == feature["id"] else f for f in bad["features"]]
    result = validate_on_official_boundaries(runner, bad, tmp_path)
    assert result.exit_code == 1
    index = [f["id"] for f in bad["features"]].index(feature["id"])
    assert f"feature {index} ({feature['id']}): {message}" in result.output


def test_inferred_must_name_a_filled_field() -> None:
    # Any park whose investor no source names: the data grows, so it is looked up, not fixed.
    park = next(p["id"] for p in PARKS if p["properties"]["investor"] is None)
    feature = _variant(park, inferred=["investor"])
    problems = check_collection({"type": "FeatureCollection", "features": [feature]}, DISTRICTS)
    assert "inferred: names investor, which holds no value" in problems[0].problems


# --- point 3 of the issue --------------------------------------------------------------------


def test_clean_land_actions_are_led_by_the_districts_people_committees(plan_lines) -> None:
    # Appendix II.1 (l.253): "UBND các huyện: Vĩnh Cửu; Long Thành; Thống Nhất; Định Quán; Cẩm Mỹ".
    appendix = plan_lines[252]
    for cid, district in (("ccn-phu-tuc", "Định Quán"), ("ccn-long-giao", "Cẩm Mỹ")):
        (action,) = [a for a in PROPS[cid]["plan_actions"] if a["action"] == "clean_land_agro"]
        assert action["lead_unit"] == f"UBND huyện {district}" and district in appendix
        assert "thứ cấp" not in action["detail_vi"]  # II.6.b (secondary projects) names no cluster


def test_state_land_statuses_are_not_our_reading() -> None:
    for cid in ("ccn-vinh-tan", "ccn-thien-tan-gd2", "ccn-tri-an", "ccn-an-vien"):
        props = PROPS[cid]
        assert props["clearance_status"] is None and props["clearance_blocker"] is None, cid
        assert "resolve_state_land" in {a["action"] for a in props["plan_actions"]}
    assert PROPS["ccn-an-vien"]["stage"] != "relocating"
    assert "stage" in PROPS["ccn-an-vien"]["inferred"]
    for props in PROPS.values():
        for name in props["inferred"]:
            assert props[name] not in (None, [], {}), (props["id"], name)


def test_hung_loc_keeps_no_fact_from_a_source_that_does_not_name_it() -> None:
    props = PROPS["ccn-hung-loc"]
    sggp = (
        "https://en.sggp.org.vn/hung-loc-industrial-complex-invested-over-vnd-300bln-post43014.html"
    )
    assert props["planned_area_ha"] is None and props["investor"] is None
    assert props["industries"] == []
    assert {k for k, v in props["sources"].items() if sggp in v} == {"area_note", "status_note"}


def test_long_phuoc_1_commune_cites_the_page_that_names_it() -> None:
    props = PROPS["ccn-long-phuoc-1"]
    assert props["commune"] == "Xã Long Phước"
    assert "https://vietnammoi.vn/sonadezi-long-thanh/trang-3.html" in props["sources"]["commune"]
    assert "unsourced" not in props["location_note"] and "no source" not in props["location_note"]


def test_points_are_named_for_what_they_are() -> None:
    for props in PROPS.values():
        assert "centroid" not in props["location_precision"]
        assert "centroid" not in (props["location_note"] or ""), props["id"]
    assert all("centroid" not in str(v).lower() for v in labels.PRECISION_LABELS.values())
    # Files and stores written with the old names still load, under the new ones.
    legacy = {**PROPS["ccn-tam-an"], "location_precision": "commune_centroid"}
    assert _record(legacy).location_precision == "commune_point"


def test_an_vien_is_drawn_where_the_plan_moves_it(plan_lines) -> None:
    feature = FEATURES["ccn-an-vien"]
    props = feature["properties"]
    assert props["commune"] == props["relocation_target"] == "Xã Đồi 61"
    assert props["commune_code"] == "26284"
    assert "sang xã Đồi 61" in plan_lines[132]
    assert feature["geometry"]["coordinates"] != FEATURES["ccn-vinh-tan"]["geometry"]["coordinates"]


def test_tan_an_clusters_say_that_no_source_joins_them() -> None:
    points = {
        tuple(FEATURES[c]["geometry"]["coordinates"])
        for c in ("ccn-vlxd-tan-an", "ccn-tan-an-gd1", "ccn-tan-an-gd2")
    }
    assert len(points) == 1
    for cid in ("ccn-vlxd-tan-an", "ccn-tan-an-gd1", "ccn-tan-an-gd2"):
        assert "stated by no source" in PROPS[cid]["location_note"]


def test_stages_and_infrastructure_follow_their_newest_source() -> None:
    cnc = PROPS["kcn-cnc-long-thanh"]
    # Its newest source: "trong giai đoạn thu hồi đất, xây dựng hạ tầng" (SGGP).
    assert cnc["stage"] == "building" and "stage" not in cnc["inferred"]
    assert any("sggp.org.vn" in s for s in cnc["sources"]["stage"])
    assert cnc["as_of"] >= "2023-07-17"
    cuong = PROPS["ccn-phu-cuong"]
    assert cuong["infrastructure"]["wastewater"] == "done"
    assert any("2022" in s for s in cuong["sources"]["infrastructure"])
    (airport,) = [f for f in PLACES["features"] if f["id"] == "airport-long-thanh"]
    assert airport["properties"]["status"] is None  # no source confirms regular service
    assert "first half of 2026" in airport["properties"]["note"]


def test_the_local_growth_target_and_the_2020_outcome_are_in_the_plan(plan_lines) -> None:
    targets = {t["id"]: t for t in PLAN["targets"]}
    local = targets["local-industrial-growth-uplift"]
    assert local["range"] == {"min": 0.5, "max": 1.0} and local["source_line"] == 171
    assert "0,5 – 1%" in plan_lines[170] and local["scope"] == "district"
    (iip,) = targets["industrial-production-index"]["outcomes"]
    assert iip["year"] == 2020 and iip["value"] == 6.2 and iip["source"].startswith("https://")


def test_districts_source_describes_only_members_the_file_has() -> None:
    source = DISTRICTS["source"]
    members = set(DISTRICTS) | {k for d in DISTRICTS["districts"] for k in d}
    # Member names in the text are identifiers ("label_point:", "province.bbox:").
    named = re.findall(r"\b([a-z]+(?:[._][a-z]+)+):", source)
    assert "label_point" in named
    for name in named:
        assert name.split(".")[0] in members, name


def test_the_tracker_says_the_2020_iip_target_was_not_met(client) -> None:
    targets = {t["id"]: t for t in client.get("/api/plan/targets").get_json()["targets"]}
    iip = targets["industrial-production-index"]
    assert iip["reported"]["value"] == 6.2 and iip["reported"]["year"] == 2020
    assert (iip["status"], iip["position"]) == ("not_met", "below")
    assert iip["reported"]["source"].startswith("https://danviet.vn/")
    assert targets["local-industrial-growth-uplift"]["status"] == "not_reported"


# --- coverage ----------------------------------------------------------------------------------


def test_readme_coverage_matches_the_data_file() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert section_of(readme) == coverage_table(CLUSTERS["features"]), (
        "data/README.md is stale: run flask --app app clusters coverage --write data/README.md"
    )


def test_coverage_command_writes_the_section(runner, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "intro\n<!-- coverage:start (written by `flask --app app clusters coverage --write`) -->"
        "\nold\n<!-- coverage:end -->\nafter\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["clusters", "coverage", "--write", str(readme)])
    assert result.exit_code == 0, result.output
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("after\n") and "old" not in text
    assert section_of(text) == coverage_table(CLUSTERS["features"])
    parks = sum(1 for f in CLUSTERS["features"] if f["properties"]["kind"] == "KCN")
    assert f"| `geometry` | {parks} / {parks} |" in text
    no_markers = tmp_path / "plain.md"
    no_markers.write_text("nothing here\n", encoding="utf-8")
    refused = runner.invoke(args=["clusters", "coverage", "--write", str(no_markers)])
    assert refused.exit_code == 1 and "no coverage section" in refused.output


def test_the_cluster_page_marks_our_reading_and_the_reported_occupancy(client) -> None:
    html = client.get("/clusters/ccn-an-vien").get_data(as_text=True)
    stage_row = html.split('data-field="stage"')[1].split("</tr>")[0]
    # The page is Vietnamese by default.
    assert "Cách hiểu của chúng tôi, nguồn không nêu trực tiếp" in stage_row
    park = client.get("/clusters/kcn-loc-an-binh-son").get_data(as_text=True)
    row = park.split('data-field="occupancy_reported_pct"')[1].split("</tr>")[0]
    assert "73.95 %" in row and "vieclamdongnai.net.vn" in row
    precision = park.split('data-field="location_precision"')[1].split("</tr>")[0]
    assert "Điểm mã hóa địa lý của xã/phường" in precision and "centroid" not in precision
