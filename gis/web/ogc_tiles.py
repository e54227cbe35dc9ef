"""OGC API – Tiles at /ogc: the clusters as Mapbox Vector Tiles in WebMercatorQuad.

QGIS's vector-tile layer and GDAL's MVT driver read the tile template of
/ogc/collections/clusters/tiles/WebMercatorQuad; each tile is the GeoJSON map tile of the
same z/x/y (gis.core.tiles) encoded as MVT (gis.core.mvt).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for

from gis.core.mvt import EXTENT, LAYER, MEDIA_TYPE, mvt_tile
from gis.core.tiles import MAP_PROPERTIES, MAX_ZOOM
from gis.crs import EPSG_URI
from gis.errors import FieldError, InvalidInput, NotFound
from gis.web import get_store
from gis.web.api.clusters import request_filter
from gis.web.caching import cached_json, etag_for
from gis.web.errors import problem
from gis.web.ogc import with_ogc_code
from gis.web.params import check_parameter_names

bp = Blueprint("ogc_tiles", __name__)

JSON = "application/json"
TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
TILING_SCHEME_REL = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
TILESETS_REL = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
MERCATOR = f"{EPSG_URI}3857"
# The cluster filters of the map's tiles; f=mvt is the one representation of a tile.
TILE_PARAMETERS = ("f", "district", "stage", "kind", "zone")
# WebMercatorQuad's level 0 (OGC 17-083r4, annex D): one 256-pixel tile over the world.
HALF_WORLD = 20037508.3427892
SCALE_0 = 559082264.0287178
CELL_0 = 156543.03392804097


def _json_only() -> None:
    """Metadata resources are JSON: refuse unknown parameters and any other ``f``."""
    check_parameter_names([k for k, _v in request.args.items(multi=True)], ("f",))
    if request.args.get("f", "json") != "json":
        raise InvalidInput([FieldError("f", "unknown format; allowed: json")])


def _link(endpoint: str, rel: str, media: str, title: str, **params: Any) -> dict[str, Any]:
    return {
        "href": url_for(endpoint, _external=True, **params),
        "rel": rel,
        "type": media,
        "title": title,
    }


def _json(body: dict[str, Any]) -> Response:
    tag = etag_for("ogc-tiles", request.host_url, request.path, body)
    return cached_json(tag, lambda: body, JSON)


def tile_matrix_set() -> dict[str, Any]:
    """WebMercatorQuad as OGC Two Dimensional Tile Matrix Set 2.0 JSON, levels 0 to MAX_ZOOM."""
    return {
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": MERCATOR,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": [
            {
                "id": str(z),
                "scaleDenominator": SCALE_0 / 2**z,
                "cellSize": CELL_0 / 2**z,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-HALF_WORLD, HALF_WORLD],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": 2**z,
                "matrixHeight": 2**z,
            }
            for z in range(MAX_ZOOM + 1)
        ],
    }


def _check_tms(tms_id: str) -> None:
    if tms_id != TMS_ID:
        raise NotFound("tile matrix set", tms_id)


@bp.get("/tileMatrixSets")
def tile_matrix_sets() -> Response:
    """The tile matrix sets the tiles come in: WebMercatorQuad."""
    _json_only()
    link = _link(
        "ogc_tiles.tile_matrix_set_definition",
        "self",
        JSON,
        "the WebMercatorQuad tile matrix set",
        tileMatrixSetId=TMS_ID,
    )
    return _json(
        {
            "tileMatrixSets": [
                {
                    "id": TMS_ID,
                    "title": "Google Maps Compatible for the World",
                    "uri": TMS_URI,
                    "crs": MERCATOR,
                    "links": [link],
                }
            ],
            "links": [_link("ogc_tiles.tile_matrix_sets", "self", JSON, "this document")],
        }
    )


@bp.get("/tileMatrixSets/<tileMatrixSetId>")
def tile_matrix_set_definition(tileMatrixSetId: str) -> Response:
    """The definition of a tile matrix set: its levels, their scale and size."""
    _check_tms(tileMatrixSetId)
    _json_only()
    return _json(tile_matrix_set())


def _tileset(detail: bool) -> dict[str, Any]:
    links = [
        _link(
            "ogc_tiles.tileset",
            "self",
            JSON,
            "the clusters' vector tiles in WebMercatorQuad",
            tileMatrixSetId=TMS_ID,
        ),
        _link(
            "ogc_tiles.tile_matrix_set_definition",
            TILING_SCHEME_REL,
            JSON,
            "the tile matrix set",
            tileMatrixSetId=TMS_ID,
        ),
    ]
    body: dict[str, Any] = {
        "title": "Industrial clusters and parks",
        "dataType": "vector",
        "crs": MERCATOR,
        "tileMatrixSetURI": TMS_URI,
        "links": links,
    }
    if detail:
        template = url_for(
            "ogc_tiles.tile",
            _external=True,
            tileMatrixSetId=TMS_ID,
            tileMatrix="0",
            tileRow="0",
            tileCol="0",
        ).removesuffix("/0/0/0")
        links.append(
            {
                "href": template + "/{tileMatrix}/{tileRow}/{tileCol}?f=mvt",
                "rel": "item",
                "type": MEDIA_TYPE,
                "templated": True,
                "title": "a tile of the clusters as Mapbox Vector Tiles",
            }
        )
        properties = {
            name: {"type": "number" if name == "planned_area_ha" else "string"}
            for name in MAP_PROPERTIES
        }
        # A dense tile answers with a point per cell of a 16 × 16 grid and its count.
        properties["count"] = {"type": "integer"}
        body["layers"] = [
            {
                "id": LAYER,
                "dataType": "vector",
                "geometryDimension": 2,
                "minTileMatrix": "0",
                "maxTileMatrix": str(MAX_ZOOM),
                "propertiesSchema": {"type": "object", "properties": properties},
            }
        ]
        body["minTileMatrix"], body["maxTileMatrix"] = "0", str(MAX_ZOOM)
        body["extent"] = EXTENT
    return body


@bp.get("/collections/clusters/tiles")
def tilesets() -> Response:
    """The clusters' tilesets: vector tiles in WebMercatorQuad."""
    _json_only()
    return _json(
        {
            "tilesets": [_tileset(detail=False)],
            "links": [
                _link("ogc_tiles.tilesets", "self", JSON, "this document"),
                _link(
                    "ogc.collection", "collection", JSON, "the collection", collection_id="clusters"
                ),
            ],
        }
    )


@bp.get("/collections/clusters/tiles/<tileMatrixSetId>")
def tileset(tileMatrixSetId: str) -> Response:
    """The clusters' tileset in one tile matrix set, with the template of its tiles."""
    _check_tms(tileMatrixSetId)
    _json_only()
    body = _tileset(detail=True)
    del body["extent"]
    return _json(body)


def _tile_index(name: str, raw: str, upper: int | None) -> int:
    """A tile matrix, row or column number: 400 when it is no number, 404 beyond the matrix."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise InvalidInput([FieldError(name, "must be a whole number of at most 9 digits")])
    value = int(raw)
    if upper is not None and value >= upper:
        raise TileOutside(name, f"is {value}; the tile matrix has {upper} (0 to {upper - 1})")
    return value


class TileOutside(Exception):
    """A tile matrix, row or column beyond the tile matrix set (a tile that does not exist)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.error = FieldError(name, reason)


# Path parameters are named as in OGC API – Tiles, so its OpenAPI fragments fit.
@bp.get("/collections/clusters/tiles/<tileMatrixSetId>/<tileMatrix>/<tileRow>/<tileCol>")
def tile(tileMatrixSetId: str, tileMatrix: str, tileRow: str, tileCol: str) -> Response:
    """One vector tile (Mapbox Vector Tile): the clusters in it, or counts when dense."""
    _check_tms(tileMatrixSetId)
    check_parameter_names([k for k, _v in request.args.items(multi=True)], TILE_PARAMETERS)
    if request.args.get("f", "mvt") != "mvt":
        raise InvalidInput([FieldError("f", "unknown format; allowed: mvt")])
    z = _tile_index("tileMatrix", tileMatrix, MAX_ZOOM + 1)
    y = _tile_index("tileRow", tileRow, 2**z)
    x = _tile_index("tileCol", tileCol, 2**z)
    store = get_store()
    args = {k: v for k, v in request.args.items() if k != "f"}
    revision = store.revision()
    flt = request_filter(args, revision)
    tag = etag_for("mvt", revision, z, x, y, sorted(args.items()))
    if tag in request.if_none_match:
        response = Response(status=304)
    else:
        with store.session() as session:
            response = Response(mvt_tile(session, store.sql, flt, z, x, y), mimetype=MEDIA_TYPE)
    response.set_etag(tag)
    # Revalidate every time, as the GeoJSON tiles do: an edit shows at once.
    response.cache_control.no_cache = True
    return response


@bp.errorhandler(InvalidInput)
def _invalid(exc: InvalidInput) -> Response:
    """400 naming the parameter, with the OGC exception's ``code``."""
    response = problem(400, "Bad Request", str(exc), exc.errors)
    return with_ogc_code(response, "InvalidParameterValue")


@bp.errorhandler(TileOutside)
def _outside(exc: TileOutside) -> Response:
    """404 for a tile beyond the matrix, naming the parameter that is out of range."""
    return with_ogc_code(problem(404, "Not Found", str(exc), [exc.error]), "NotFound")


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound) -> Response:
    """404 for an unknown tile matrix set."""
    return with_ogc_code(problem(404, "Not Found", str(exc)), "NotFound")
