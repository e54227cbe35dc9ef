"""Vietnamese exports people read carry Vietnamese words; files programs read keep codes.

CSV, XLSX and KML under Vietnamese headers hold "Đang bồi thường, GPMB" where GeoJSON,
GeoPackage and the Shapefile hold ``clearing`` in every language (README, "Import and
export"). A Vietnamese CSV imports back unchanged. Industries are found by English label.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pyogrio
from openpyxl import load_workbook

from gis.core.export_values import VALUES_VI
from tests.helpers import ALL, invoke

CLEARING = "ccn-long-phuoc-1"  # stage "clearing", site clearance "in_progress"
CODES = {code for key, words in VALUES_VI.items() for code in words if isinstance(code, str)} - {
    "I",
    "II",
}


def _rows_csv(client, lang: str) -> list[dict[str, str]]:
    response = client.get(f"/api/clusters/export?format=csv&lang={lang}")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_vietnamese_csv_and_xlsx_carry_words(client) -> None:
    rows = {r["Mã"]: r for r in _rows_csv(client, "vi")}
    row = rows[CLEARING]
    assert row["Tình trạng"] == "Đang bồi thường, GPMB"
    assert row["Bồi thường, GPMB"] == "Đang thực hiện"
    assert row["Loại hình"] == "Cụm công nghiệp (CCN)"
    assert row["Có trong Kế hoạch 5/KH-BCĐ"] == "Có"
    assert row["Độ chính xác vị trí"] in VALUES_VI["location_precision"].values()
    assert row["Nhiệm vụ theo kế hoạch"] == "Đẩy nhanh công tác bồi thường, giải phóng mặt bằng"
    assert not re.search(r"ic-|airport-", row["Nút giao cao tốc gần nhất"])
    coded = ["Tình trạng", "Bồi thường, GPMB", "Loại hình", "Độ chính xác vị trí", "Vùng"]
    for r in rows.values():
        assert not {r[c] for c in coded} & CODES, r["Mã"]

    book = load_workbook(io.BytesIO(client.get("/api/clusters/export?format=xlsx&lang=vi").data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    values = {row[header.index("Mã")]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values[CLEARING][header.index("Tình trạng")] == "Đang bồi thường, GPMB"
    assert values[CLEARING][header.index("Giao thông nội bộ")] in (
        None,
        "Chưa có",
        "Đang xây dựng",
        "Đã hoàn thành",
    )


def test_kml_in_vietnamese_carries_words(client) -> None:
    response = client.get("/api/clusters/export?format=kml&lang=vi")
    kml = response.data.decode("utf-8")
    assert "Đang bồi thường, GPMB" in kml
    assert ">clearing<" not in kml and ">commune_centroid<" not in kml


def test_files_for_programs_keep_codes_in_every_language(client, tmp_path) -> None:
    geojson = client.get("/api/clusters/export?format=geojson&lang=vi").get_json()
    stages = {f["properties"]["Tình trạng"] for f in geojson["features"]}
    assert "clearing" in stages and "Đang bồi thường, GPMB" not in stages
    gpkg = tmp_path / "c.gpkg"
    gpkg.write_bytes(client.get("/api/clusters/export?format=gpkg&lang=vi").data)
    frame = pyogrio.read_dataframe(gpkg)
    assert "clearing" in set(frame["Tình trạng"])
    shp = client.get("/api/clusters/export?format=shp&lang=vi").data
    with zipfile.ZipFile(io.BytesIO(shp)) as archive:
        names = [n for n in archive.namelist() if n.endswith(".dbf")]
        assert names and any(b"clearing" in archive.read(n) for n in names)
    assert {r["stage"] for r in _rows_csv(client, "en")} >= {"clearing", "planned"}


def test_vietnamese_csv_imports_back_unchanged(runner, accounts, store, tmp_path) -> None:
    path = tmp_path / "c-vi.csv"
    result = invoke(runner, "clusters", "export", path, "--lang", "vi")
    assert result.exit_code == 0, result.output
    assert "Đang bồi thường, GPMB" in path.read_text(encoding="utf-8-sig")
    revision = store.revision()
    result = invoke(runner, "clusters", "import", path, "--user", "admin")
    assert result.exit_code == 0, result.output
    assert f"0 added, 0 changed, {ALL} unchanged, 0 rejected." in result.output
    assert store.revision() == revision


def test_industries_are_found_by_their_english_label(client) -> None:
    def ids(query: str) -> set[str]:
        body = client.get(f"/api/clusters?industry={query}").get_json()
        return {f["id"] for f in body["features"]}

    textiles = ids("textiles")
    assert textiles and textiles == ids("dệt may") == ids("det may")
    assert ids("agricultural") == ids("chế biến nông sản")
    assert ids("food processing") <= ids("chế biến nông sản")
    assert ids("no such industry") == set()
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '"textiles and garments"' in english  # the suggestions' English labels


def test_every_industry_of_the_data_has_an_english_label() -> None:
    """An English reader finds every industry the data names (gis.core.industries.ENGLISH)."""
    from gis.core.industries import ENGLISH
    from tests.helpers import CLUSTERS

    named = {i for f in CLUSTERS["features"] for i in f["properties"].get("industries") or []}
    assert named and sorted(named - set(ENGLISH)) == []
