"""Vietnamese folding and geometry checks: pure functions of the core."""

from __future__ import annotations

import unicodedata

import pytest
from shapely.geometry import Point, Polygon, box

from gis.geometry import area_ha, distance_km, parse_geojson, problems
from gis.text import fold, nfc, query_tokens


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Đồng Nai", "dong nai"),
        ("ĐỒNG NAI", "dong nai"),
        ("CCN Long Phước 1", "ccn long phuoc 1"),
        ("Hưng  Lộc", "hung loc"),
        (unicodedata.normalize("NFD", "Thiện Tân"), "thien tan"),
        ("đường", "duong"),
    ],
)
def test_fold_removes_diacritics_including_d_stroke(text: str, key: str) -> None:
    assert fold(text) == key


def test_nfc_composes_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", " Xã Vĩnh Tân ")
    assert decomposed != "Xã Vĩnh Tân"
    assert nfc(decomposed) == "Xã Vĩnh Tân"


def test_query_tokens_split_and_fold() -> None:
    assert query_tokens("  LONG PHƯỚC  1 ") == ["long", "phuoc", "1"]


def test_geodesic_area_of_a_one_km_square_near_the_equator() -> None:
    # 0.009 degrees is about 1 km at 11° N in latitude; longitude shrinks by cos(lat).
    square = box(107.0, 11.0, 107.0 + 0.00916, 11.0 + 0.00904)
    assert area_ha(square) == pytest.approx(100, rel=0.01)


def test_distance_between_bien_hoa_and_long_thanh_is_plausible() -> None:
    assert distance_km(Point(106.84, 10.95), Point(106.95, 10.78)) == pytest.approx(22, abs=2)


def test_swapped_coordinates_are_named() -> None:
    assert problems(Point(10.95, 106.84)) == [
        "latitude and longitude look swapped (GeoJSON order is [lon, lat])"
    ]


def test_point_outside_the_province_is_named() -> None:
    assert problems(Point(105.8, 21.0), province=box(106.75, 10.57, 107.58, 11.59)) == [
        "outside Đồng Nai province"
    ]


def test_self_intersecting_polygon_is_invalid() -> None:
    bowtie = Polygon([(107.0, 11.0), (107.1, 11.1), (107.1, 11.0), (107.0, 11.1)])
    assert any("Self-intersection" in p for p in problems(bowtie))


@pytest.mark.parametrize(
    "bad",
    [None, [], {"type": "LineString", "coordinates": [[107, 11], [107.1, 11]]}],
)
def test_parse_geojson_rejects_what_is_not_a_cluster_geometry(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_geojson(bad)


def test_empty_geometry_is_named() -> None:
    assert problems(parse_geojson({"type": "Point", "coordinates": []})) == ["geometry is empty"]
