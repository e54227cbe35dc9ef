"""Synthetic national-scale cluster data with realistic attributes and Vietnamese names.

Usage: python bench/generate.py N OUT.geojson [--seed 7]

Clusters and parks are spread around Vietnam's industrial regions; most features are land
lots (polygons of 0.5–6 ha) inside them, a few are the parks' own outlines. Every feature
follows the app's cluster schema so it goes through the same import and validation path.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path

# (name, lon, lat, spread in degrees): industrial regions, north to south.
REGIONS = [
    ("Hải Phòng", 106.68, 20.86, 0.25),
    ("Bắc Ninh", 106.07, 21.18, 0.20),
    ("Hà Nội", 105.80, 21.03, 0.30),
    ("Thái Nguyên", 105.84, 21.59, 0.20),
    ("Thanh Hóa", 105.77, 19.81, 0.30),
    ("Nghệ An", 105.68, 18.67, 0.30),
    ("Đà Nẵng", 108.20, 16.05, 0.20),
    ("Quảng Ngãi", 108.80, 15.12, 0.25),
    ("Bình Định", 109.10, 13.90, 0.25),
    ("Khánh Hòa", 109.15, 12.25, 0.20),
    ("Bình Dương", 106.65, 11.10, 0.25),
    ("Đồng Nai", 107.00, 10.95, 0.30),
    ("Bà Rịa - Vũng Tàu", 107.15, 10.55, 0.20),
    ("Long An", 106.45, 10.65, 0.25),
    ("Cần Thơ", 105.75, 10.05, 0.25),
]
PREFIXES = [
    "Tân",
    "Phú",
    "Long",
    "Hưng",
    "Thạnh",
    "Vĩnh",
    "An",
    "Bình",
    "Đông",
    "Xuân",
    "Hòa",
    "Phước",
    "Đức",
    "Thuận",
    "Quang",
    "Nhơn",
    "Trảng",
    "Hố Nai",
    "Đồi",
    "Sông",
]
SUFFIXES = [
    "Lợi",
    "Hòa",
    "Thành",
    "Phát",
    "Khánh",
    "Hưng",
    "An",
    "Bình",
    "Đạt",
    "Mỹ",
    "Tiến",
    "Lộc",
    "Phong",
    "Thịnh",
    "Cường",
    "Trung",
    "Nghĩa",
    "Đông",
    "Tây",
    "Quý",
]
INDUSTRIES = [
    "cơ khí",
    "điện - điện tử",
    "dệt may",
    "da giày",
    "chế biến nông sản",
    "vật liệu xây dựng",
    "hóa chất",
    "cao su - nhựa",
    "gỗ",
    "công nghiệp hỗ trợ",
]
STAGES = ["planned", "established", "clearing", "building", "operating"]
STATES = ["none", "building", "done", None]
COMPONENTS = ("roads", "power", "water", "wastewater", "drainage", "fire")


def _rectangle(lon: float, lat: float, area_ha: float, angle: float) -> list[list[float]]:
    """A rotated rectangle of ``area_ha`` centred on lon/lat, as a closed ring."""
    width_m = math.sqrt(area_ha * 10_000 * 1.6)
    height_m = area_ha * 10_000 / width_m
    m_per_deg_lat = 111_320.0
    m_per_deg_lon = m_per_deg_lat * math.cos(math.radians(lat))
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]
    ring = []
    for sx, sy in corners:
        x, y = sx * width_m / 2, sy * height_m / 2
        rx = x * math.cos(angle) - y * math.sin(angle)
        ry = x * math.sin(angle) + y * math.cos(angle)
        ring.append([round(lon + rx / m_per_deg_lon, 6), round(lat + ry / m_per_deg_lat, 6)])
    return ring


def generate(count: int, seed: int = 7) -> dict:
    """A FeatureCollection of ``count`` synthetic clusters, parks and land lots."""
    rng = random.Random(seed)
    parks = max(1, count // 60)
    features = []
    for index in range(count):
        region, rlon, rlat, spread = REGIONS[(index % parks) % len(REGIONS)]
        park = index % parks
        prng = random.Random(seed * 1_000_003 + park)  # the park's site is stable
        plon, plat = rlon + prng.uniform(-spread, spread), rlat + prng.uniform(-spread, spread)
        kind = "KCN" if park % 3 == 0 else "CCN"
        park_name = f"{kind} {prng.choice(PREFIXES)} {prng.choice(SUFFIXES)} {park % 7 + 1}"
        lon = plon + rng.uniform(-0.02, 0.02)
        lat = plat + rng.uniform(-0.02, 0.02)
        area = round(rng.uniform(0.5, 6.0), 2)
        industrial = round(area * rng.uniform(0.6, 0.8), 2)
        leased = round(industrial * rng.uniform(0, 1), 2) if rng.random() < 0.8 else None
        stage = rng.choice(STAGES)
        props = {
            "id": f"lot-{index:06d}",
            "name_vi": f"Lô {chr(65 + index % 26)}-{index % 997} {park_name}",
            "name_en": f"Lot {chr(65 + index % 26)}-{index % 997}, {region}",
            "kind": kind,
            "district_code": None,
            "commune": f"Xã {rng.choice(PREFIXES)} {rng.choice(SUFFIXES)}",
            "named_in_plan": False,
            "planned_area_ha": area,
            "industrial_land_ha": industrial,
            "leased_land_ha": leased,
            "investor": f"Công ty CP {rng.choice(PREFIXES)} {rng.choice(SUFFIXES)} ({region})",
            "industries": rng.sample(INDUSTRIES, k=rng.randint(1, 3)),
            "stage": stage,
            "clearance_status": rng.choice(["not_started", "in_progress", "done", None]),
            "infrastructure": {c: rng.choice(STATES) for c in COMPONENTS},
            "location_precision": "surveyed",
            "sources": {"name_vi": ["synthetic benchmark data (bench/generate.py)"]},
            "as_of": "2026-01-01",
        }
        geometry = {
            "type": "Polygon",
            "coordinates": [_rectangle(lon, lat, area, rng.uniform(0, math.pi))],
        }
        features.append(
            {"type": "Feature", "id": props["id"], "properties": props, "geometry": geometry}
        )
    return {"type": "FeatureCollection", "name": f"synthetic_{count}", "features": features}


def main() -> None:
    """Write the synthetic collection."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(generate(args.count, args.seed), ensure_ascii=False), encoding="utf-8"
    )
    print(f"wrote {args.count} features to {args.out}")


if __name__ == "__main__":
    main()
