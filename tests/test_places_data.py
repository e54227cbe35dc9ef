"""data/places.geojson: reference places for straight-line distances, valid, sourced and sane."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from pyproj import Geod

from tests.conftest import ROOT, all_strings

PLACES_PATH = ROOT / "data" / "places.geojson"
TEXT = PLACES_PATH.read_text(encoding="utf-8")
DOC = json.loads(TEXT)
FEATURES = DOC["features"]
BY_ID = {f["id"]: f for f in FEATURES}
GEOD = Geod(ellps="WGS84")

KINDS = {"airport", "port", "city_centre", "expressway_interchange"}
STATUSES = {"operating", "under_construction", None}
PROPERTY_KEYS = {
    "id",
    "name_vi",
    "name_en",
    "kind",
    "status",
    "note",
    "source",
    "coordinate_note",
}
# A box around southern Vietnam: [min lon, min lat, max lon, max lat].
BOX = (106.0, 10.0, 108.0, 11.5)

REQUIRED = {
    "airport-long-thanh": "airport",
    "airport-tan-son-nhat": "airport",
    "port-cai-mep": "port",
    "port-dong-nai": "port",
    "port-cat-lai": "port",
    "centre-hcmc": "city_centre",
    "centre-bien-hoa": "city_centre",
    "ic-an-phu": "expressway_interchange",
    "ic-vanh-dai-2": "expressway_interchange",
    "ic-long-thanh": "expressway_interchange",
    "ic-quoc-lo-51": "expressway_interchange",
    "ic-dau-giay": "expressway_interchange",
}


def _km(a: str, b: str) -> float:
    lon1, lat1 = BY_ID[a]["geometry"]["coordinates"]
    lon2, lat2 = BY_ID[b]["geometry"]["coordinates"]
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0


def test_collection_header() -> None:
    assert DOC["type"] == "FeatureCollection"
    assert DOC["name"] == "reference_places"
    assert set(DOC["metadata"]) == {"description", "as_of"}
    assert DOC["metadata"]["description"].strip()
    assert DOC["metadata"]["as_of"] == "2026-11-29"
    assert "crs" not in DOC, "RFC 7946: WGS84 is implied, no crs member"
    assert FEATURES


@pytest.mark.parametrize("feature", FEATURES, ids=lambda f: f.get("id", "?"))
def test_every_feature_is_a_point_inside_southern_vietnam(feature: dict) -> None:
    assert feature["type"] == "Feature"
    geometry = feature["geometry"]
    assert geometry["type"] == "Point"
    coords = geometry["coordinates"]
    assert len(coords) == 2 and all(isinstance(c, float) for c in coords)
    lon, lat = coords
    assert BOX[0] <= lon <= BOX[2], f"longitude {lon} outside the box (lat/lon swapped?)"
    assert BOX[1] <= lat <= BOX[3], f"latitude {lat} outside the box (lat/lon swapped?)"


def test_coordinates_are_written_with_5_to_6_decimals() -> None:
    raw = json.loads(TEXT, parse_float=str)
    for feature in raw["features"]:
        for value in feature["geometry"]["coordinates"]:
            assert re.fullmatch(r"1\d{2}\.\d{5,6}|1\d\.\d{5,6}", value), (feature["id"], value)


def test_ids_are_unique_slugs_and_match_the_feature_id() -> None:
    ids = [f["properties"]["id"] for f in FEATURES]
    assert len(ids) == len(set(ids))
    for feature in FEATURES:
        assert feature["id"] == feature["properties"]["id"]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", feature["id"]), feature["id"]


@pytest.mark.parametrize("feature", FEATURES, ids=lambda f: f.get("id", "?"))
def test_properties_follow_the_schema(feature: dict) -> None:
    props = feature["properties"]
    assert set(props) == PROPERTY_KEYS
    assert props["kind"] in KINDS
    assert props["status"] in STATUSES
    assert props["name_vi"].strip() and props["name_en"].strip()
    assert props["note"] is None or props["note"].strip()
    assert props["coordinate_note"].strip(), "every place says how precise its point is"
    if props["kind"] == "city_centre":
        assert props["status"] is None


@pytest.mark.parametrize("feature", FEATURES, ids=lambda f: f.get("id", "?"))
def test_every_coordinate_is_sourced_or_marked_approximate_and_unsourced(feature: dict) -> None:
    props = feature["properties"]
    if props["source"] is None:
        for field in ("note", "coordinate_note"):
            text = (props[field] or "").lower()
            assert "approximate" in text and "unsourced" in text, (feature["id"], field)
    else:
        assert re.fullmatch(r"https?://\S+", props["source"]), props["source"]
        assert "unsourced" not in props["coordinate_note"].lower()


@pytest.mark.parametrize(("place_id", "kind"), REQUIRED.items())
def test_required_places_are_present(place_id: str, kind: str) -> None:
    assert place_id in BY_ID, f"missing {place_id}"
    assert BY_ID[place_id]["properties"]["kind"] == kind


def test_all_text_is_nfc() -> None:
    assert unicodedata.is_normalized("NFC", TEXT)
    for text in all_strings(DOC):
        assert unicodedata.is_normalized("NFC", text), text


def test_vietnamese_names_keep_their_diacritics() -> None:
    assert BY_ID["centre-bien-hoa"]["properties"]["name_vi"].endswith("Biên Hòa")
    assert "Long Thành" in BY_ID["airport-long-thanh"]["properties"]["name_vi"]
    assert "Dầu Giây" in BY_ID["ic-dau-giay"]["properties"]["name_vi"]


def test_tan_son_nhat_to_long_thanh_airport_is_35_to_50_km() -> None:
    assert 35.0 <= _km("airport-tan-son-nhat", "airport-long-thanh") <= 50.0


def test_bien_hoa_centre_to_hcmc_centre_is_20_to_35_km() -> None:
    assert 20.0 <= _km("centre-bien-hoa", "centre-hcmc") <= 35.0


def test_expressway_interchanges_run_from_an_phu_towards_dau_giay() -> None:
    """The expressway runs west to east: each interchange is farther from An Phú than the last."""
    order = [
        "ic-an-phu",
        "ic-vanh-dai-2",
        "ic-vanh-dai-3",
        "ic-quoc-lo-51",
        "ic-long-thanh",
        "ic-dau-giay",
    ]
    present = [i for i in order if i in BY_ID]
    distances = [_km("ic-an-phu", i) for i in present]
    assert distances == sorted(distances)
    # The expressway is 55 km long, so no interchange is farther than that in a straight line.
    assert max(distances) <= 55.0
