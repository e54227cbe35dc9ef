"""Exports: the flat table of the filtered clusters, its column headers and short names."""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gis.core import export_values
from gis.core.places import PlacePoint
from gis.core.schema import INFRASTRUCTURE_COMPONENTS
from gis.crs import CRS84, code, parse_crs, transform
from gis.io import ExportTable

FILE_STEM = "dong-nai-clusters"
LANGUAGES = ("en", "vi")
LIST_SEPARATOR = "; "

# Every column before the distances, in order, with its Shapefile name (at most 10
# characters). Keep the short names stable: users' QGIS projects refer to them.
BASE_COLUMNS: dict[str, str] = {
    "id": "id",
    "name_vi": "name_vi",
    "name_en": "name_en",
    "kind": "kind",
    "district_code": "dist_code",
    "district_name": "dist_name",
    "zone": "zone",
    "commune": "commune",
    "commune_code": "comm_code",
    "commune_2025": "comm_2025",
    "named_in_plan": "in_plan",
    "plan_actions": "plan_acts",
    "stage": "stage",
    "planned_area_ha": "plan_ha",
    "industrial_land_ha": "indus_ha",
    "leased_land_ha": "leased_ha",
    "free_land_ha": "free_ha",
    "occupancy_pct": "occup_pct",
    "occupancy_reported_pct": "occup_rep",
    "ready": "ready",
    "clearance_status": "clear_stat",
    "clearance_cleared_ha": "cleared_ha",
    "clearance_total_ha": "clear_tot",
    "clearance_blocker": "clear_blk",
    **{f"infra_{c}": f"inf_{c}"[:10] for c in INFRASTRUCTURE_COMPONENTS},
    "investor": "investor",
    "decision_number": "dec_number",
    "decision_date": "dec_date",
    "industries": "industries",
    "relocation_target": "reloc_to",
    "location_precision": "loc_prec",
    "location_note": "loc_note",
    "area_note": "area_note",
    "status_note": "stat_note",
    "as_of": "as_of",
    "inferred": "inferred",
    "nearest_interchange_id": "near_ic",
    "nearest_interchange_km": "near_ic_km",
    "lon": "lon",
    "lat": "lat",
}

# Vietnamese column headers (``lang=vi``); English headers are the column keys themselves.
# Terms follow the UI catalog (gis/translations/vi) where it has them.
HEADERS_VI: dict[str, str] = {
    "id": "Mã",
    "name_vi": "Tên",
    "name_en": "Tên tiếng Anh",
    "kind": "Loại hình",
    "district_code": "Mã huyện/thành phố",
    "district_name": "Huyện/thành phố",
    "zone": "Vùng",
    "commune": "Xã/phường (trước 7/2025)",
    "commune_code": "Mã xã/phường (trước 7/2025)",
    "commune_2025": "Xã/phường (từ 7/2025)",
    "named_in_plan": "Có trong Kế hoạch 5/KH-BCĐ",
    "plan_actions": "Nhiệm vụ theo kế hoạch",
    "stage": "Tình trạng",
    "planned_area_ha": "Diện tích quy hoạch (ha)",
    "industrial_land_ha": "Đất công nghiệp (ha)",
    "leased_land_ha": "Đất đã cho thuê (ha)",
    "free_land_ha": "Đất công nghiệp chưa cho thuê (ha)",
    "occupancy_pct": "Tỷ lệ lấp đầy (%)",
    "occupancy_reported_pct": "Tỷ lệ lấp đầy theo nguồn (%)",
    "ready": "Sẵn sàng xây dựng",
    "clearance_status": "Bồi thường, GPMB",
    "clearance_cleared_ha": "Đã GPMB (ha)",
    "clearance_total_ha": "Diện tích phải GPMB (ha)",
    "clearance_blocker": "Vướng mắc GPMB",
    "infra_roads": "Giao thông nội bộ",
    "infra_power": "Cấp điện",
    "infra_water": "Cấp nước",
    "infra_wastewater": "Xử lý nước thải",
    "infra_drainage": "Thoát nước",
    "infra_fire": "Phòng cháy, chữa cháy",
    "investor": "Chủ đầu tư",
    "decision_number": "Số quyết định thành lập",
    "decision_date": "Ngày quyết định thành lập",
    "industries": "Ngành nghề",
    "relocation_target": "Nơi di dời đến",
    "location_precision": "Độ chính xác vị trí",
    "location_note": "Ghi chú vị trí",
    "area_note": "Ghi chú diện tích",
    "status_note": "Ghi chú tình trạng",
    "as_of": "Thời điểm số liệu",
    "inferred": "Trường suy luận (nguồn không nêu trực tiếp)",
    "nearest_interchange_id": "Nút giao cao tốc gần nhất",
    "nearest_interchange_km": "Khoảng cách đường chim bay đến nút giao gần nhất (km)",
    "lon": "Kinh độ",
    "lat": "Vĩ độ",
}
# Columns that hold numbers or yes/no; every other column is text.
FLOAT_COLUMNS = (
    "planned_area_ha",
    "industrial_land_ha",
    "leased_land_ha",
    "free_land_ha",
    "occupancy_pct",
    "occupancy_reported_pct",
    "clearance_cleared_ha",
    "clearance_total_ha",
    "nearest_interchange_km",
    "lon",
    "lat",
)
BOOL_COLUMNS = ("named_in_plan", "ready")
DISTANCE_HEADER_VI = "Khoảng cách đường chim bay đến {name} (km)"


def distance_column(place_id: str) -> str:
    """The column of the straight-line distance to a place: ``dist_<place>_km``."""
    return f"dist_{place_id.replace('-', '_')}_km"


def _distance_short_name(place_id: str, taken: set[str]) -> str:
    # "d_" and the initials of the id's words, digits kept whole: ic-vanh-dai-2 -> d_ivd2.
    parts = [p for p in place_id.split("-") if p]
    initials = "".join(p if p.isdigit() else p[0] for p in parts)
    base = f"d_{initials}"[:10]
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base[: 10 - len(str(n))]}{n}"
    taken.add(name)
    return name


def _joined(values: list[Any] | None) -> str | None:
    # An empty list means "not reported" in our data, so it exports as empty, not "".
    return LIST_SEPARATOR.join(str(v) for v in values) if values else None


def readable_row(row: dict[str, Any], places: tuple[PlacePoint, ...]) -> dict[str, Any]:
    """A flat row with coded values in Vietnamese words (export_values), for people."""
    words = {key: export_values.in_words(key, value) for key, value in row.items()}
    actions = row.get("plan_actions")
    if actions:
        codes = actions.split(LIST_SEPARATOR)
        words["plan_actions"] = LIST_SEPARATOR.join(export_values.actions_in_words(codes))
    names = {p.id: p.name_vi for p in places}
    interchange = row.get("nearest_interchange_id")
    words["nearest_interchange_id"] = names.get(interchange or "") or interchange
    return words


def flat_row(feature: dict[str, Any], places: tuple[PlacePoint, ...]) -> dict[str, Any]:
    """One feature as flat columns: components as ``infra_*``, lists joined, distances."""
    props = feature["properties"]
    row = {key: props.get(key) for key in BASE_COLUMNS if key in props}
    infrastructure = props.get("infrastructure") or {}
    for component in INFRASTRUCTURE_COMPONENTS:
        row[f"infra_{component}"] = infrastructure.get(component)
    row["industries"] = _joined(props.get("industries"))
    row["inferred"] = _joined(props.get("inferred"))
    row["plan_actions"] = _joined([a["action"] for a in props.get("plan_actions") or []])
    nearest = props.get("nearest_interchange") or {}
    row["nearest_interchange_id"] = nearest.get("id")
    row["nearest_interchange_km"] = nearest.get("km")
    geometry = feature.get("geometry")
    point = shape(geometry).representative_point() if geometry else None
    row["lon"] = None if point is None else round(point.x, 6)
    row["lat"] = None if point is None else round(point.y, 6)
    distances = props.get("distances_km") or {}
    for place in places:
        row[distance_column(place.id)] = distances.get(place.id)
    return row


def headers(lang: str, places: tuple[PlacePoint, ...]) -> dict[str, str]:
    """The header of every column in ``lang`` ("en": the column keys, "vi": Vietnamese)."""
    if lang == "vi":
        names = dict(HEADERS_VI)
        for place in places:
            names[distance_column(place.id)] = DISTANCE_HEADER_VI.format(name=place.name_vi)
        return names
    return {c: c for c in [*BASE_COLUMNS, *(distance_column(p.id) for p in places)]}


def short_names(places: tuple[PlacePoint, ...]) -> dict[str, str]:
    """Shapefile field names (at most 10 characters) of every column."""
    names = dict(BASE_COLUMNS)
    taken = set(names.values())
    for place in places:
        names[distance_column(place.id)] = _distance_short_name(place.id, taken)
    return names


# Formats whose geometry may be in another CRS; CSV and XLSX carry WGS84 lon/lat columns
# and KML is WGS84 by definition.
REPROJECTABLE_FORMATS = ("geojson", "gpkg", "shp")


def export_crs(raw: str, fmt: str) -> str:
    """The CRS URI an export of ``fmt`` is written in (``raw`` empty: WGS84), or ValueError."""
    if not raw:
        return CRS84
    uri = parse_crs(raw)
    if uri not in (CRS84, parse_crs("EPSG:4326")) and fmt not in REPROJECTABLE_FORMATS:
        raise ValueError(
            f"{fmt} is always WGS84 longitude/latitude; another CRS is for "
            f"{', '.join(REPROJECTABLE_FORMATS)}"
        )
    return uri


def _in_crs(geometry: dict[str, Any] | None, crs: str) -> BaseGeometry | None:
    if not geometry:
        return None
    # Files keep x = longitude/easting whatever the CRS's own axis order (GDAL's way).
    return transform(shape(geometry), CRS84, crs, always_xy=True)


def export_table(
    features: list[dict[str, Any]],
    places: tuple[PlacePoint, ...],
    lang: str = "en",
    fmt: str | None = None,
    crs: str = CRS84,
) -> ExportTable:
    """The flat export table of ``features``, with headers in ``lang``, geometry in ``crs``.

    In Vietnamese, a format people read (``fmt`` in READABLE_FORMATS: CSV, XLSX, KML)
    carries coded values as Vietnamese words; GeoJSON, GeoPackage and Shapefile keep codes.
    """
    distance_columns = [distance_column(p.id) for p in places]
    readable = lang == "vi" and fmt in export_values.READABLE_FORMATS
    types = {c: "float" for c in (*FLOAT_COLUMNS, *distance_columns)}
    if not readable:
        types.update({c: "bool" for c in BOOL_COLUMNS})
    rows = [flat_row(f, places) for f in features]
    if readable:
        rows = [readable_row(r, places) for r in rows]
    return ExportTable(
        columns=[*BASE_COLUMNS, *distance_columns],
        headers=headers(lang, places),
        rows=rows,
        geometries=[_in_crs(f.get("geometry"), crs) for f in features],
        short_names=short_names(places),
        types=types,
        crs="EPSG:4326" if crs == CRS84 else code(crs),
    )
