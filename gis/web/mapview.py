"""Build the map frame with folium; the page's script fills it with data from the API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import folium
from branca.element import Figure
from folium import plugins

# folium declares a viewport that forbids pinch-zoom (user-scalable=no); base.html declares
# the page's one viewport, so folium's is taken out.
_FOLIUM_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>\s*')

# Đồng Nai's centre and a zoom that shows the whole province on a laptop screen.
PROVINCE_CENTER = (11.0, 107.15)
PROVINCE_ZOOM = 9


@dataclass(frozen=True)
class MapFrame:
    """The parts of a rendered folium map, and the JS names our script attaches to."""

    header: str
    html: str
    script: str
    map_name: str
    districts_layer: str
    clusters_layer: str
    places_layer: str


@lru_cache(maxsize=256)
def build_map(
    *,
    vendor_url: str,
    labels: tuple[tuple[str, str], ...],
    tiles_url: str,
    attribution: str,
    center: tuple[float, float] = PROVINCE_CENTER,
    zoom: int = PROVINCE_ZOOM,
    with_districts: bool = True,
) -> MapFrame:
    """A folium map with base layers, empty data layers, layer control, fullscreen, scale.

    ``vendor_url`` is the URL of static/vendor/, so every library is served by us (no CDN
    at run time); ``labels`` holds the localised layer names as (key, text) pairs. The
    frame holds no data, so it is built once per language and view, not per request:
    folium takes tens of milliseconds to render one.
    """
    names = dict(labels)

    def asset(path: str) -> str:
        return vendor_url + path

    fmap = folium.Map(
        location=center, zoom_start=zoom, tiles=None, control_scale=True, prefer_canvas=False
    )
    # folium's defaults pull jQuery, Bootstrap and icon fonts from CDNs; we use none of them.
    fmap.default_js = [("leaflet", asset("leaflet/leaflet.js"))]
    fmap.default_css = [("leaflet_css", asset("leaflet/leaflet.css"))]
    folium.TileLayer(tiles_url, attr=attribution, name=names["osm"], max_zoom=19).add_to(fmap)
    # A plain base layer: no tiles at all, for offline use or a clean print.
    folium.FeatureGroup(name=names["plain"], overlay=False, show=False).add_to(fmap)
    districts = folium.FeatureGroup(name=names["districts"], show=with_districts)
    districts.add_to(fmap)
    clusters = folium.FeatureGroup(name=names["clusters"])
    clusters.add_to(fmap)
    # Airports, seaports and interchanges: drawn by the page script from /api/places.
    places = folium.FeatureGroup(name=names["places"])
    places.add_to(fmap)
    fullscreen = plugins.Fullscreen(
        title=names["fullscreen"], title_cancel=names["exit_fullscreen"]
    )
    fullscreen.default_js = [
        ("Control.Fullscreen.js", asset("leaflet.fullscreen/Control.FullScreen.js"))
    ]
    fullscreen.default_css = [
        ("Control.FullScreen.css", asset("leaflet.fullscreen/Control.FullScreen.css"))
    ]
    fullscreen.add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)

    # A folium Map always sits in a branca Figure (its page: header, html and script).
    root = cast(Figure, fmap.get_root())
    root.render()
    return MapFrame(
        header=_FOLIUM_VIEWPORT.sub("", root.header.render()),
        html=root.html.render(),
        script=root.script.render(),
        map_name=fmap.get_name(),
        districts_layer=districts.get_name(),
        clusters_layer=clusters.get_name(),
        places_layer=places.get_name(),
    )
