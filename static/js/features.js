/* Drawing the data on the map: clusters (from tiles, the page or the API), districts and
 * reference places, and what is known of each feature drawn.
 */
import { T, cfg, clustersLayer, districtsLayer, el, fetchJson, clusterApiUrl, map, placeName, placesLayer } from "./page.js";

export const layersById = new Map();
export const featuresById = new Map(); // full features, as the API lists them
// The clusters the page carries, by id: enough to move the map and name the popup at
// once, while the popup's facts are on their way.
export const carriedById = new Map();
const namesById = new Map();
const kindsById = new Map();
// Point features by id, where they are drawn: to find those sharing a point.
const pointsById = new Map();
const SAME_POINT_PX = 6;

let clickHandler = () => {};
/** What a click on a cluster does (popups.js opens its popup). */
export function onFeatureClick(handler) {
  clickHandler = handler;
}

export function featureName(id) {
  return namesById.get(id) || id;
}

/** The full feature behind a marker: tiles carry only what the map draws. */
export async function fullFeature(id) {
  const known = featuresById.get(id);
  if (known && known.properties.district_name !== undefined) return known;
  const feature = await fetchJson(clusterApiUrl(id));
  featuresById.set(id, feature);
  return feature;
}

/** The ids of the point features drawn on the same spot as this one. */
export function idsAtPoint(id) {
  const here = pointsById.get(id);
  if (!here) return [id];
  const at = map.latLngToLayerPoint(here);
  const ids = [];
  for (const [other, latlng] of pointsById) {
    if (map.latLngToLayerPoint(latlng).distanceTo(at) <= SAME_POINT_PX) ids.push(other);
  }
  return ids.length ? ids : [id];
}

function radius(props) {
  const area = props.planned_area_ha;
  if (!area) return 6;
  return Math.max(6, Math.min(16, 4 + Math.sqrt(area) * 0.7));
}

/* Parks and clusters told apart at a glance: a circle for a cluster (CCN), a square for
 * a park (KCN), a diamond for a support-industry sub-zone; the legend says which. An SVG
 * path like a circle marker's, so it keeps its class, size, colours and events. */
const ShapeMarker = L.CircleMarker.extend({
  _updatePath() {
    const shape = this.options.shape;
    if (shape !== "square" && shape !== "diamond") return L.CircleMarker.prototype._updatePath.call(this);
    const p = this._point;
    const r = this._radius;
    const d = shape === "square"
      ? `M${p.x - r * 0.9},${p.y - r * 0.9}H${p.x + r * 0.9}V${p.y + r * 0.9}H${p.x - r * 0.9}Z`
      : `M${p.x},${p.y - r * 1.2}L${p.x + r * 1.2},${p.y}L${p.x},${p.y + r * 1.2}L${p.x - r * 1.2},${p.y}Z`;
    this._renderer._setPath(this, d);
  },
});

function clusterStyle(props) {
  return {
    className: "cluster-marker",
    radius: radius(props),
    fillColor: T.stageColor[props.stage],
    fillOpacity: 0.9,
    color: T.clearanceColor[props.clearance_status || ""],
    weight: 3,
    dashArray: props.location_precision === "surveyed" ? null : "4 3",
  };
}

// className: a boundary's stand-in marker has its own class, so the features' paths
// stay one per feature.
function shapeMarker(latlng, props, className) {
  const style = clusterStyle(props);
  if (className) style.className = className;
  return new ShapeMarker(latlng, Object.assign(style, { shape: T.kindShape[props.kind] || "circle" }));
}

function tagElements(layer, id) {
  layer.eachLayer((l) => {
    if (l.eachLayer) return tagElements(l, id);
    const path = l.getElement && l.getElement();
    if (path) {
      path.setAttribute("data-id", id);
      path.setAttribute("data-kind", kindsById.get(id) || "");
    }
  });
}

// A drawn boundary smaller than its marker would be a speck at province zoom: until it is
// big enough to see, the sized marker stands at its centre too.
function areaLayer(feature, style) {
  const area = L.geoJSON(feature, { style: () => style });
  const bounds = area.getBounds();
  const marker = shapeMarker(bounds.getCenter(), feature.properties, "area-marker");
  const group = L.featureGroup([area]);
  function sync() {
    if (!map.hasLayer(group)) return;
    const ne = map.latLngToLayerPoint(bounds.getNorthEast());
    const sw = map.latLngToLayerPoint(bounds.getSouthWest());
    const small = Math.max(Math.abs(ne.x - sw.x), Math.abs(ne.y - sw.y)) < 2 * radius(feature.properties) + 4;
    if (small && !group.hasLayer(marker)) group.addLayer(marker);
    else if (!small && group.hasLayer(marker)) group.removeLayer(marker);
    tagElements(group, feature.id);
  }
  group.on("add", () => { map.on("zoomend", sync); sync(); });
  group.on("remove", () => map.off("zoomend", sync));
  return group;
}

function clusterLayer(feature) {
  const props = feature.properties;
  namesById.set(feature.id, props.name_vi);
  kindsById.set(feature.id, props.kind || "");
  const isPoint = feature.geometry.type === "Point";
  const layer = isPoint
    ? L.geoJSON(feature, { pointToLayer: (_f, latlng) => shapeMarker(latlng, props) })
    : areaLayer(feature, clusterStyle(props));
  if (isPoint) {
    const [lon, lat] = feature.geometry.coordinates;
    pointsById.set(feature.id, L.latLng(lat, lon));
  }
  layer.bindTooltip(el("span", {}, props.name_vi));
  layer.on("click", (event) => clickHandler(feature, event));
  return layer;
}

function aggregateMarker(feature) {
  const count = feature.properties.count;
  const size = Math.round(Math.min(56, 22 + Math.log10(count) * 12));
  const [lon, lat] = feature.geometry.coordinates;
  const marker = L.marker([lat, lon], {
    icon: L.divIcon({ className: "aggregate-marker", html: el("span", {}, count.toLocaleString()), iconSize: [size, size] }),
    keyboard: false,
  });
  marker.on("click", () => map.setView([lat, lon], Math.min(map.getZoom() + 2, 18)));
  return marker;
}

/* One drawing path for every source of features: a tile of the view, the clusters sent
 * inside the page, a filter's answer, a detail page's one feature. A feature held by
 * several sources (one spanning tiles) is drawn once, and removed with its last source. */
const sourceContents = new Map(); // source key -> [{id} | {layer}]
const drawnCount = new Map(); // feature id -> number of sources holding it

export function drawSource(key, features, aggregated) {
  if (sourceContents.has(key)) removeSource(key);
  const contents = [];
  for (const feature of features) {
    if (aggregated) {
      contents.push({ layer: aggregateMarker(feature).addTo(clustersLayer) });
      continue;
    }
    if (!feature.geometry) continue; // listed, not drawn
    contents.push({ id: feature.id });
    const held = drawnCount.get(feature.id) || 0;
    drawnCount.set(feature.id, held + 1);
    if (held) continue;
    const layer = clusterLayer(feature).addTo(clustersLayer);
    tagElements(layer, feature.id);
    layersById.set(feature.id, layer);
  }
  sourceContents.set(key, contents);
}

export function removeSource(key) {
  for (const item of sourceContents.get(key) || []) {
    if (item.layer) {
      clustersLayer.removeLayer(item.layer);
      continue;
    }
    const held = (drawnCount.get(item.id) || 1) - 1;
    if (held > 0) {
      drawnCount.set(item.id, held);
    } else {
      drawnCount.delete(item.id);
      const layer = layersById.get(item.id);
      if (layer) clustersLayer.removeLayer(layer);
      pointsById.delete(item.id);
      layersById.delete(item.id);
    }
  }
  sourceContents.delete(key);
}

// The map's views drawn so far: a view's tiles loaded, or (when the page holds every
// cluster) a move's frame drawn. What the benchmark times a pan by.
export function viewDrawn() {
  document.body.dataset.viewsDrawn = String(Number(document.body.dataset.viewsDrawn || 0) + 1);
}

/* Viewport tiles: the map asks /api/tiles/{z}/{x}/{y} for the tiles in view only, with
 * the current filters (without the order, which tiles do not need); a dense tile comes
 * back as counts per grid cell. */
let tileQuery = "";

export function setTileQuery(query) {
  tileQuery = query;
}

function tileKey(coords) {
  return coords.z + "/" + coords.x + "/" + coords.y;
}

// The API's tiles are 512 px wide: at map zoom z, tile x/y is the API's (z - 1)/x/y, so a
// screen needs a quarter of the requests 256 px tiles would take.
const ClusterTiles = L.GridLayer.extend({
  options: { updateWhenIdle: true, keepBuffer: 1, tileSize: 512 },
  createTile(coords, done) {
    const tile = document.createElement("div");
    const key = tileKey(coords);
    const z = Math.max(coords.z - 1, 0);
    const url = cfg.tilesUrl.replace("{z}", z).replace("{x}", coords.x).replace("{y}", coords.y);
    fetchJson(url + (tileQuery ? "?" + tileQuery : ""))
      .then((data) => {
        drawSource(key, data.features, data.aggregated);
        done(null, tile);
      })
      .catch((err) => done(err, tile));
    return tile;
  },
});

/** The cluster tiles of the map's view (the overview, when the page does not hold them all). */
export const tiles = new ClusterTiles();
tiles.on("tileunload", (event) => removeSource(tileKey(event.coords)));
tiles.on("load", () => {
  document.body.dataset.clustersLoaded = String(layersById.size);
  document.body.dataset.tilesLoaded = String(Number(document.body.dataset.tilesLoaded || 0) + 1);
  viewDrawn();
});

export function drawDistricts(collection) {
  districtsLayer.clearLayers();
  for (const feature of collection.features) {
    const props = feature.properties;
    if (feature.geometry) {
      L.geoJSON(feature, {
        className: "district-boundary",
        style: { color: "#555", weight: 1.2, fillColor: T.zoneColor[props.zone || ""], fillOpacity: 0.12 },
        interactive: false,
      }).addTo(districtsLayer);
    }
    const [lon, lat] = props.label_point;
    L.marker([lat, lon], {
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: "district-label", html: el("span", {}, props.short_name), iconSize: null }),
    }).addTo(districtsLayer);
  }
}

/** Reference places' markers by id, once drawn. */
export const placeMarkers = new Map();

/** Reference places (airports, seaports, centres, interchanges) on their own layer;
 *  ``popup(props)`` builds a marker's popup when it opens. */
export function drawPlaces(data, popup, popupOptions) {
  if (!placesLayer) return;
  placesLayer.clearLayers();
  placeMarkers.clear();
  for (const f of data.features) {
    if (!f.geometry || f.geometry.type !== "Point") continue;
    const [lon, lat] = f.geometry.coordinates;
    const marker = L.marker([lat, lon], {
      icon: L.divIcon({ className: "place-marker", html: el("span", { "data-place": f.id }), iconSize: [16, 14] }),
      title: placeName(f.id),
      alt: placeName(f.id),
    });
    marker.bindPopup(() => popup(f.properties), popupOptions);
    marker.addTo(placesLayer);
    placeMarkers.set(f.id, marker);
  }
}
