"""Read and write geodata files through GDAL (geopandas + pyogrio)."""

from __future__ import annotations

import io
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from gis.crs import CRS84, code, transform, uri_of
from gis.dxf import read_dxf
from gis.filetext import from_spreadsheet_text, spreadsheet_text, xml_text
from gis.xlsx_layout import lay_out

WGS84 = "EPSG:4326"

# format: (file name ending, media type)
EXPORT_MEDIA = {
    "csv": ("csv", "text/csv; charset=utf-8"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "geojson": ("geojson", "application/geo+json"),
    "gpkg": ("gpkg", "application/geopackage+sqlite3"),
    "kml": ("kml", "application/vnd.google-earth.kml+xml"),
    # ".shp.zip" is what GDAL opens directly as a zipped Shapefile.
    "shp": ("shp.zip", "application/zip"),
}
EXPORT_FORMATS = tuple(EXPORT_MEDIA)
# Formats whose GDAL driver keeps a feature without geometry; the others leave it out.
KEEPS_NULL_GEOMETRY = frozenset({"csv", "xlsx", "geojson", "gpkg"})
# dBASE text fields hold at most 254 bytes.
DBF_MAX_BYTES = 254
# Column kinds an ExportTable names, as pandas nullable types: a column that is empty in
# every row still gets its real type (a number column stays a number in GPKG and Excel).
PANDAS_TYPES = {"float": "Float64", "bool": "boolean", "str": "string"}


@dataclass
class ExportTable:
    """A flat table to export: column keys in order, their headers, rows and geometries."""

    columns: list[str]
    headers: dict[str, str]
    rows: list[dict[str, Any]]
    geometries: list[BaseGeometry | None]
    id_column: str = "id"
    name_column: str = "name_vi"
    # Shapefile field names (at most 10 characters) of every column key.
    short_names: dict[str, str] = field(default_factory=dict)
    # "float", "bool" or "str" (the default) per column key.
    types: dict[str, str] = field(default_factory=dict)
    layer: str = "clusters"
    # The CRS of ``geometries`` (x = longitude or easting), as GDAL names it.
    crs: str = "EPSG:4326"


@dataclass
class ExportFile:
    """An export ready to send: its bytes, media type, file name and what it left out."""

    data: bytes
    mimetype: str
    filename: str
    omitted_without_geometry: int


def read_layer(
    path: str | Path,
    layer: str | None = None,
    crs: str | None = None,
    max_features: int | None = None,
) -> gpd.GeoDataFrame:
    """Read any vector file GDAL can open, reprojected to WGS84 lon/lat.

    ``crs`` (a supported CRS URI) states the CRS of a file that names none; a file that
    names another one is refused rather than silently moved.
    """
    frame = gpd.read_file(path, layer=layer, engine="pyogrio", max_features=max_features)
    return to_wgs84(frame, crs, path)


def to_wgs84(frame: gpd.GeoDataFrame, crs: str | None, path: str | Path) -> gpd.GeoDataFrame:
    """``frame`` in WGS84 lon/lat; VN-2000 shifts through EPSG:6960 (see gis.crs)."""
    stated = uri_of(frame.crs) if frame.crs is not None else None
    if frame.crs is None and crs is None:
        raise ValueError(
            f"{path}: the file states no coordinate reference system; give the one it is in"
        )
    if crs is not None and frame.crs is not None and stated != crs:
        raise ValueError(f"{path}: the file states {frame.crs.to_string()}, not {code(crs)}")
    source = crs or stated
    if source is None:
        # A CRS the service does not list: PROJ's best operation.
        return frame.to_crs(WGS84)
    geometries = [
        None if g is None or g.is_empty else transform(g, source, CRS84, always_xy=True)
        for g in frame.geometry
    ]
    return frame.set_geometry(gpd.GeoSeries(geometries, index=frame.index, crs=WGS84))


def _frame(table: ExportTable, names: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [[row.get(c) for c in table.columns] for row in table.rows],
        columns=[names[c] for c in table.columns],
        dtype=object,
    )
    return frame.astype({names[c]: PANDAS_TYPES[table.types.get(c, "str")] for c in table.columns})


def _subset(table: ExportTable, keep: list[int], rows: list[dict[str, Any]]) -> ExportTable:
    return ExportTable(
        columns=table.columns,
        headers=table.headers,
        rows=[rows[i] for i in keep],
        geometries=[table.geometries[i] for i in keep],
        types=table.types,
        crs=table.crs,
    )


def _geo_frame(
    table: ExportTable, names: dict[str, str], keep: list[int], rows: list[dict[str, Any]]
) -> gpd.GeoDataFrame:
    subset = _subset(table, keep, rows)
    return gpd.GeoDataFrame(
        _frame(subset, names), geometry=gpd.GeoSeries(subset.geometries, crs=subset.crs)
    )


def _write_with_gdal(frame: gpd.GeoDataFrame, path: Path, driver: str, **options: Any) -> None:
    frame.to_file(path, driver=driver, engine="pyogrio", **options)


def _spreadsheet_table(table: ExportTable) -> ExportTable:
    """``table`` with every text cell safe to open in a spreadsheet (gis.filetext)."""
    text_columns = [c for c in table.columns if table.types.get(c, "str") == "str"]
    rows = [
        {**row, **{c: spreadsheet_text(row.get(c)) for c in text_columns}} for row in table.rows
    ]
    return ExportTable(
        columns=table.columns,
        headers={c: spreadsheet_text(h) for c, h in table.headers.items()},
        rows=rows,
        geometries=table.geometries,
        types=table.types,
        layer=table.layer,
    )


def _xlsx_bytes(table: ExportTable) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _frame(table, table.headers).to_excel(writer, index=False, sheet_name=table.layer)
        for row in writer.sheets[table.layer].iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    # Data is text, never a formula, whatever openpyxl guessed from it.
                    cell.data_type = "s"
        lay_out(writer.sheets[table.layer], header_row=1)
    return buffer.getvalue()


KML_NS = "http://www.opengis.net/kml/2.2"
KML_TYPES = {"float": "double", "bool": "bool", "str": "string"}


def _kml_coordinates(coords: Any) -> str:
    return " ".join(f"{x!r},{y!r}" for x, y, *_z in coords)


def _kml_geometry(parent: ET.Element, geom: BaseGeometry) -> None:
    """KML geometry of a shapely Point, Polygon or a Multi* of them."""
    kind = geom.geom_type
    if kind.startswith("Multi") or kind == "GeometryCollection":
        multi = ET.SubElement(parent, f"{{{KML_NS}}}MultiGeometry")
        for part in geom.geoms:
            _kml_geometry(multi, part)
    elif kind == "Point":
        point = ET.SubElement(parent, f"{{{KML_NS}}}Point")
        ET.SubElement(point, f"{{{KML_NS}}}coordinates").text = _kml_coordinates(geom.coords)
    elif kind == "LineString":
        line = ET.SubElement(parent, f"{{{KML_NS}}}LineString")
        ET.SubElement(line, f"{{{KML_NS}}}coordinates").text = _kml_coordinates(geom.coords)
    else:
        polygon = ET.SubElement(parent, f"{{{KML_NS}}}Polygon")
        rings = [("outerBoundaryIs", geom.exterior)]
        rings += [("innerBoundaryIs", ring) for ring in geom.interiors]
        for boundary, ring in rings:
            linear = ET.SubElement(
                ET.SubElement(polygon, f"{{{KML_NS}}}{boundary}"), f"{{{KML_NS}}}LinearRing"
            )
            ET.SubElement(linear, f"{{{KML_NS}}}coordinates").text = _kml_coordinates(ring.coords)


def _kml_value(value: Any, kind: str) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind == "float":
        return repr(float(value))
    return xml_text(str(value))


def _kml_bytes(table: ExportTable, keep: list[int]) -> bytes:
    """A KML 2.2 document built with ElementTree, so any text is escaped and well-formed.

    The layout is what GDAL's LIBKML driver writes and reads back: a typed Schema, and per
    Placemark its id, a <name> (the cluster's name) and the other columns as SchemaData.
    """
    kml = ET.Element(f"{{{KML_NS}}}kml")
    root = ET.SubElement(kml, f"{{{KML_NS}}}Document", id="root_doc")
    schema_id = f"{table.layer}.schema"
    schema = ET.SubElement(root, f"{{{KML_NS}}}Schema", id=schema_id)
    fields = [c for c in table.columns if c not in (table.id_column, table.name_column)]
    for column in fields:
        kind = KML_TYPES[table.types.get(column, "str")]
        ET.SubElement(
            schema, f"{{{KML_NS}}}SimpleField", name=xml_text(table.headers[column]), type=kind
        )
    folder = ET.SubElement(root, f"{{{KML_NS}}}Document", id=table.layer)
    ET.SubElement(folder, f"{{{KML_NS}}}name").text = table.layer
    for i in keep:
        row = table.rows[i]
        placemark = ET.SubElement(folder, f"{{{KML_NS}}}Placemark")
        if row.get(table.id_column) is not None:
            placemark.set("id", xml_text(str(row[table.id_column])))
        if row.get(table.name_column) is not None:
            name = ET.SubElement(placemark, f"{{{KML_NS}}}name")
            name.text = xml_text(str(row[table.name_column]))
        data = ET.SubElement(
            ET.SubElement(placemark, f"{{{KML_NS}}}ExtendedData"),
            f"{{{KML_NS}}}SchemaData",
            schemaUrl=f"#{schema_id}",
        )
        for column in fields:
            value = row.get(column)
            if value is None:
                continue
            cell = ET.SubElement(
                data, f"{{{KML_NS}}}SimpleData", name=xml_text(table.headers[column])
            )
            cell.text = _kml_value(value, table.types.get(column, "str"))
        _kml_geometry(placemark, table.geometries[i])
    ET.indent(kml)
    # The default namespace, so elements read <Placemark>, not <ns0:Placemark>.
    ET.register_namespace("", KML_NS)
    return ET.tostring(kml, encoding="UTF-8", xml_declaration=True)


def _family(geom: BaseGeometry) -> str:
    return {"Point": "points", "MultiPoint": "points", "LineString": "lines"}.get(
        geom.geom_type, "lines" if "LineString" in geom.geom_type else "polygons"
    )


def _truncate_utf8(value: Any, limit: int = DBF_MAX_BYTES) -> Any:
    if not isinstance(value, str) or len(value.encode("utf-8")) <= limit:
        return value
    # Cut on a character boundary: a split multi-byte letter would corrupt the text.
    return value.encode("utf-8")[: limit - 3].decode("utf-8", errors="ignore") + "…"


def _shapefile_zip(table: ExportTable, keep: list[int], stem: str, tmp: Path) -> bytes:
    rows = [{k: _truncate_utf8(v) for k, v in row.items()} for row in table.rows]
    # One Shapefile holds one geometry type: points and polygons go to separate files.
    families: dict[str, list[int]] = {}
    for i in keep:
        families.setdefault(_family(table.geometries[i]), []).append(i)
    for family, indexes in families.items():
        name = stem if len(families) == 1 else f"{stem}-{family}"
        frame = _geo_frame(table, table.short_names, indexes, rows)
        _write_with_gdal(frame, tmp / f"{name}.shp", "ESRI Shapefile", encoding="UTF-8")
    if not families:
        # Nothing located: still a valid, empty Shapefile with every field, not an empty zip.
        frame = _geo_frame(table, table.short_names, [], rows)
        _write_with_gdal(
            frame, tmp / f"{stem}.shp", "ESRI Shapefile", encoding="UTF-8", geometry_type="Point"
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(tmp.iterdir()):
            archive.write(path, path.name)
        archive.writestr("fields.txt", _fields_note(table))
    return buffer.getvalue()


def _fields_note(table: ExportTable) -> str:
    lines = [
        "Shapefile field names are at most 10 characters; this is what each one holds.",
        "Text longer than 254 bytes is cut and ends with '…'. Encoding: UTF-8 (see the .cpg).",
        "Features without a location are not in the Shapefile.",
        "",
        "field\tcolumn\theader",
    ]
    lines += [f"{table.short_names[c]}\t{c}\t{table.headers[c]}" for c in table.columns]
    return "\n".join(lines) + "\n"


def write_export(fmt: str, table: ExportTable, stem: str) -> ExportFile:
    """Write ``table`` in one of EXPORT_FORMATS; spatial formats go through GDAL (pyogrio)."""
    extension, mimetype = EXPORT_MEDIA[fmt]
    filename = f"{stem}.{extension}"
    if fmt in KEEPS_NULL_GEOMETRY:
        keep = list(range(len(table.rows)))
    else:
        keep = [i for i, g in enumerate(table.geometries) if g is not None and not g.is_empty]
    omitted = len(table.rows) - len(keep)
    headers = table.headers
    if fmt == "csv":
        # A BOM so that Excel reads the file as UTF-8 and shows Vietnamese letters.
        data = _frame(_spreadsheet_table(table), headers).to_csv(index=False)
        return ExportFile(data.encode("utf-8-sig"), mimetype, filename, omitted)
    if fmt == "xlsx":
        return ExportFile(_xlsx_bytes(_spreadsheet_table(table)), mimetype, filename, omitted)
    if fmt == "kml":
        # Built with an XML library (ElementTree), not GDAL's LIBKML driver: that one
        # wrote control characters as they were (and the issue found "]]>" breaking out
        # of its CDATA), so a value could end the document early or inject elements.
        return ExportFile(_kml_bytes(table, keep), mimetype, filename, omitted)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if fmt == "shp":
            return ExportFile(_shapefile_zip(table, keep, stem, tmp), mimetype, filename, omitted)
        path = tmp / filename
        if fmt == "geojson":
            # RFC 7946: WGS84 lon/lat, no "crs" member; the cluster id as each Feature's id.
            # In another CRS (asked for by a surveyor) GDAL writes the 2008 "crs" member.
            frame = _geo_frame(table, headers, keep, table.rows)
            _write_with_gdal(
                frame,
                path,
                "GeoJSON",
                layer=table.layer,
                RFC7946="YES" if table.crs == WGS84 else "NO",
                ID_FIELD=headers[table.id_column],
            )
        else:
            frame = _geo_frame(table, headers, keep, table.rows)
            _write_with_gdal(frame, path, "GPKG", layer=table.layer)
        return ExportFile(path.read_bytes(), mimetype, filename, omitted)


# --- reading files to import (flask clusters import) -----------------------------------

# Where GDAL's CSV driver finds a location: lon/lat columns, or a WKT column. A CSV file
# states no coordinate reference system; its coordinates are taken as WGS84 lon/lat.
CSV_OPEN_OPTIONS = {
    # The Vietnamese export's lon/lat headers are "Kinh độ" and "Vĩ độ".
    "X_POSSIBLE_NAMES": "lon,longitude,lng,x,Kinh độ",
    "Y_POSSIBLE_NAMES": "lat,latitude,y,Vĩ độ",
    "GEOM_POSSIBLE_NAMES": "wkt,geometry,geom",
    "KEEP_GEOM_COLUMNS": "NO",
    "EMPTY_STRING_AS_NULL": "YES",
}


# What one import may read: the national benchmark set of 100,000 features is about 95 MB
# of GeoJSON; a file past these bounds is refused before GDAL loads it (a zip of a million
# features is a few MB but took 1.6 GB of memory to read). `clusters import` can raise them.
MAX_IMPORT_FEATURES = 200_000
MAX_IMPORT_BYTES = 256 * 2**20


def _content_bytes(path: Path) -> int:
    """Size of the file, or of everything a zip holds once uncompressed (its directory)."""
    if path.suffix.lower() != ".zip":
        return path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ValueError("is not a readable zip file") from None


def _check_size(path: Path, max_bytes: int) -> None:
    """ValueError when the file (a zip: what it holds, uncompressed) exceeds ``max_bytes``."""
    size = _content_bytes(path)
    if size > max_bytes:
        raise ValueError(
            f"holds {size:,} bytes (uncompressed); the limit is {max_bytes:,} (--max-bytes)"
        )


def _check_count(path: Path, layers: list[str | None], max_features: int, **options: Any) -> None:
    """ValueError when the layers hold more than ``max_features``: GDAL counts them (a
    Shapefile's header says; other formats are scanned, not loaded) before any is read."""
    import pyogrio

    count = 0
    for layer in layers:
        info = pyogrio.read_info(path, layer=layer, force_feature_count=True, **options)
        count += max(int(info["features"]), 0)
        if count > max_features:
            raise ValueError(
                f"holds more than {max_features:,} features ({count:,} counted); "
                "the limit is --max-features"
            )


def read_import_file(
    path: str | Path,
    layer: str | None = None,
    crs: str | None = None,
    max_features: int = MAX_IMPORT_FEATURES,
    max_bytes: int = MAX_IMPORT_BYTES,
) -> gpd.GeoDataFrame:
    """Features of a GeoJSON, GeoPackage, zipped Shapefile, CSV or DXF file, in WGS84 lon/lat.

    A zip holding several Shapefiles (our export splits points from polygons) is read
    whole; another file with several layers needs ``layer``. ``crs`` (a supported CRS URI)
    is the CRS of a file that states none (a CSV's x/y, a Shapefile without .prj, a DXF);
    without it a CSV is WGS84 lon/lat. A DXF gives boundaries by layer (gis.dxf). A file
    past ``max_bytes`` or ``max_features`` is refused before it is read. ValueError says
    what is wrong.
    """
    import pyogrio

    path = Path(path)
    if path.suffix.lower() == ".csv":
        _check_size(path, max_bytes)
        _check_count(path, [None], max_features, **CSV_OPEN_OPTIONS)
        frame = gpd.read_file(path, engine="pyogrio", max_features=max_features, **CSV_OPEN_OPTIONS)
        for column in frame.columns:
            series = frame[column]
            if column != "geometry" and (
                series.dtype == object or pd.api.types.is_string_dtype(series)
            ):
                # Our CSV export guards text that could start a formula with an apostrophe.
                frame[column] = series.map(from_spreadsheet_text)
        return to_wgs84(frame, crs or CRS84, path)
    _check_size(path, max_bytes)
    if path.suffix.lower() == ".dxf":
        _check_count(path, [None], max_features)
        return to_wgs84(read_dxf(path, max_features), crs, path)
    names = [layer] if layer else [str(name) for name, _kind in pyogrio.list_layers(path)]
    if len(names) > 1 and path.suffix.lower() != ".zip":
        raise ValueError(f"holds several layers ({', '.join(names)}); name one")
    _check_count(path, list(names), max_features)
    frames = [read_layer(path, name, crs, max_features) for name in names]
    if len(frames) == 1:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)
