"""Read and write geodata files through GDAL (geopandas + pyogrio)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

WGS84 = "EPSG:4326"


def read_layer(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read any vector file GDAL can open, reprojected to WGS84 lon/lat."""
    frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    if frame.crs is None:
        raise ValueError(f"{path}: the file states no coordinate reference system")
    return frame.to_crs(WGS84) if frame.crs != WGS84 else frame
