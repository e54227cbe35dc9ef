"""Coded values in words for Vietnamese exports people read (CSV, XLSX, KML), and back.

Files that programs read (GeoJSON, GeoPackage, Shapefile) keep the machine codes
(``clearing``, ``commune_centroid``) in every language: a QGIS style or a script keys on
them. A Vietnamese CSV, XLSX or KML is read by people, under Vietnamese headers, so its
values are Vietnamese too ("Đang bồi thường, GPMB"). An import reads either form back.
The words are the UI catalog's (gis/translations/vi) for the same codes.
"""

from __future__ import annotations

from typing import Any

from gis.core.schema import INFRASTRUCTURE_COMPONENTS

# Formats whose Vietnamese export carries words rather than codes.
READABLE_FORMATS = frozenset({"csv", "xlsx", "kml"})
YES_NO = {True: "Có", False: "Không"}
_STAGE = {
    "planned": "Đã quy hoạch",
    "established": "Đã thành lập",
    "clearing": "Đang bồi thường, GPMB",
    "building": "Đang xây dựng hạ tầng",
    "operating": "Đang hoạt động",
    "converting": "Đang chuyển đổi công năng",
    "relocating": "Đang di dời",
    "removed": "Đã đưa ra khỏi quy hoạch",
}
_COMPONENT = {"none": "Chưa có", "building": "Đang xây dựng", "done": "Đã hoàn thành"}
VALUES_VI: dict[str, dict[Any, str]] = {
    "stage": _STAGE,
    "clearance_status": {
        "not_started": "Chưa thực hiện",
        "in_progress": "Đang thực hiện",
        "done": "Đã hoàn thành",
        "blocked": "Đang vướng mắc",
    },
    "kind": {
        "CCN": "Cụm công nghiệp (CCN)",
        "KCN": "Khu công nghiệp (KCN)",
        "CNHT": "Phân khu công nghiệp hỗ trợ",
    },
    "location_precision": {
        "surveyed": "Đo đạc thực địa",
        "commune_point": "Điểm mã hóa địa lý của xã/phường (sai số khoảng ±1 km), "
        "không phải vị trí thực",
        "district_point": "Điểm mã hóa địa lý của huyện/thành phố (sai số vài km), "
        "không phải vị trí thực",
        "unknown": "Chưa xác định vị trí",
    },
    "zone": {"I": "Vùng I", "II": "Vùng II"},
    "named_in_plan": YES_NO,
    "ready": YES_NO,
    **{f"infra_{c}": _COMPONENT for c in INFRASTRUCTURE_COMPONENTS},
}
ACTIONS_VI = {
    "speed_up_clearance": "Đẩy nhanh công tác bồi thường, giải phóng mặt bằng",
    "resolve_state_land": "Xử lý đất do Nhà nước quản lý",
    "policy_support": "Hỗ trợ về cơ chế, chính sách",
    "relocate": "Di dời",
    "convert": "Chuyển đổi sang khu đô thị - dịch vụ",
    "clean_land_agro": "Tạo quỹ đất sạch cho chế biến nông sản, thực phẩm",
    "evaluate": "Đánh giá, đề xuất định hướng",
    "review_fdi_relocation": "Rà soát phương án di dời của doanh nghiệp FDI",
}
_CODES = {key: {word: code for code, word in words.items()} for key, words in VALUES_VI.items()}


def in_words(key: str, value: Any) -> Any:
    """The Vietnamese word for a coded value of column ``key``; other values unchanged."""
    words = VALUES_VI.get(key)
    if words is None or value is None or isinstance(value, float):
        return value
    try:
        return words.get(value, value)
    except TypeError:  # an unhashable value is no code
        return value


def actions_in_words(codes: list[str]) -> list[str]:
    """The plan's action codes as their Vietnamese names."""
    return [ACTIONS_VI.get(code, code) for code in codes]


def code_of(key: str, value: Any) -> Any:
    """The code a Vietnamese word of column ``key`` stands for; other values unchanged."""
    if isinstance(value, str) and key in _CODES:
        return _CODES[key].get(value.strip(), value)
    return value
