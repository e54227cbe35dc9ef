"""The baseline a user would otherwise build: one folium map with every feature inlined.

Usage: python bench/naive_folium.py IN.geojson OUT.html

Same data, popups and tooltips as our map; Leaflet comes from our own /static/vendor files
(served beside the page) so that both pages load libraries the same way.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import folium


def build(collection: dict, asset_prefix: str = "/static/vendor/") -> str:
    """The HTML of a folium map that inlines ``collection`` as one GeoJson layer."""
    fmap = folium.Map(location=[16.0, 106.0], zoom_start=6, tiles=None)
    fmap.default_js = [("leaflet", asset_prefix + "leaflet/leaflet.js")]
    fmap.default_css = [("leaflet_css", asset_prefix + "leaflet/leaflet.css")]
    folium.TileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", attr="OSM").add_to(fmap)
    # Slim the properties to what the popup shows, as a careful naive map would.
    features = [
        {
            "type": "Feature",
            "geometry": f["geometry"],
            "properties": {
                "name_vi": f["properties"]["name_vi"],
                "stage": f["properties"]["stage"],
                "planned_area_ha": f["properties"].get("planned_area_ha"),
            },
        }
        for f in collection["features"]
        if f["geometry"]
    ]
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="clusters",
        tooltip=folium.GeoJsonTooltip(fields=["name_vi"]),
        popup=folium.GeoJsonPopup(fields=["name_vi", "stage", "planned_area_ha"]),
    ).add_to(fmap)
    fmap.fit_bounds(layer.get_bounds())
    html = fmap.get_root().render()
    # Signal when Leaflet has drawn the layer, so the harness times the same moment.
    return html.replace("</html>", "<script>window.__drawn = performance.now();</script></html>")


def main() -> None:
    """Write the naive page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    collection = json.loads(args.source.read_text(encoding="utf-8"))
    args.out.write_text(build(collection), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
