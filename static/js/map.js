/* Fills the folium-built map with data from the API and keeps the side panel in step.
 *
 * Every text that comes from data is put into the page with textContent or as DOM nodes,
 * never as an HTML string: Leaflet renders string popups, tooltips and divIcons as HTML.
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("map-config").textContent);
  const T = cfg.labels;
  const map = window[cfg.map];
  const districtsLayer = window[cfg.districtsLayer];
  const clustersLayer = window[cfg.clustersLayer];
  const placesLayer = cfg.placesLayer ? window[cfg.placesLayer] : null;
  const layersById = new Map();
  const featuresById = new Map();
  const legend = document.getElementById("legend");
  // On a phone the legend would cover most of the map: start it folded.
  if (legend && window.matchMedia("(max-width: 760px)").matches) legend.open = false;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (key === "className") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function fmtHa(value) {
    if (value === null || value === undefined) return T.text.notReported;
    return value.toLocaleString(document.documentElement.lang, { maximumFractionDigits: 2 }) +
      " " + T.text.hectares;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
  }

  function fmtNumber(value, digits) {
    return value.toLocaleString(document.documentElement.lang, { maximumFractionDigits: digits === undefined ? 2 : digits });
  }

  // Distances are measured to 0.1 km: always show that one decimal.
  function fmtKm(value) {
    return value.toLocaleString(document.documentElement.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  }

  // Reference places (airports, ports, centres, interchanges) by id, once loaded.
  const placeById = new Map();

  function placeName(id) {
    const place = placeById.get(id);
    if (!place) return id;
    return cfg.lang === "en" ? place.name_en : place.name_vi;
  }

  function readyText(ready) {
    return T.ready[ready === true ? "true" : ready === false ? "false" : ""];
  }

  function radius(props) {
    const area = props.planned_area_ha;
    if (!area) return 6;
    return Math.max(6, Math.min(16, 4 + Math.sqrt(area) * 0.7));
  }

  function pageUrl(id) {
    return cfg.clusterPage.replace("__ID__", encodeURIComponent(id));
  }

  // A change of this cluster waits for the province's approval (staff only, approval on).
  function proposedBadge(id) {
    const proposed = cfg.user && cfg.user.proposed;
    if (!proposed || !proposed.includes(id)) return null;
    return el("span", { className: "proposed-badge", "data-id": id }, T.text.changeProposed);
  }

  function popupContent(props, geometry) {
    const rows = [
      [T.text.district, props.district_name || T.text.notReported],
      [T.text.commune, props.commune || T.text.notReported],
      [T.text.stage, T.stage[props.stage]],
      [T.text.clearance, T.clearance[props.clearance_status || ""]],
      [T.text.area, fmtHa(props.planned_area_ha)],
      [T.text.occupancy, props.occupancy_pct === null ? T.text.notReported : fmtNumber(props.occupancy_pct, 1) + " %"],
      [T.text.freeLand, fmtHa(props.free_land_ha)],
      [T.text.readyToBuild, readyText(props.ready)],
    ];
    if (props.nearest_interchange) {
      const near = props.nearest_interchange;
      rows.push([T.text.nearestInterchange, fill(T.text.kmTo, { km: fmtKm(near.km), place: placeName(near.id) })]);
    }
    const table = el("table", { className: "popup-facts" },
      ...rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v))));
    return el("div", { className: "cluster-popup" },
      el("h3", {}, props.name_vi),
      proposedBadge(props.id),
      props.name_en ? el("p", { className: "en", lang: "en" }, props.name_en) : null,
      props.named_in_plan ? el("p", { className: "plan" }, T.text.namedInPlan) : null,
      table,
      el("a", { href: pageUrl(props.id) }, T.text.details + " →"),
      window.ClusterEditor ? window.ClusterEditor.popupActions(props, geometry) : null);
  }

  // A popup fits above a marker at the map's centre (where focus puts it), so opening it
  // does not pan the map away; a taller one scrolls inside instead of hiding its title.
  // On a phone it also stays clear of the map's controls on both sides.
  function popupOptions() {
    const size = map.getSize();
    return {
      maxWidth: Math.max(200, Math.min(320, size.x - 120)),
      maxHeight: Math.max(160, Math.round(size.y / 2) - 50),
      autoPanPadding: [12, 12],
    };
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

  // className: a boundary's stand-in marker has its own class, so the features' paths
  // stay one per feature.
  function shapeMarker(latlng, props, className) {
    const style = clusterStyle(props);
    if (className) style.className = className;
    return new ShapeMarker(latlng, Object.assign(style, { shape: T.kindShape[props.kind] || "circle" }));
  }

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

  // The full feature behind a marker: tiles carry only what the map draws.
  async function fullFeature(id) {
    const known = featuresById.get(id);
    if (known && known.properties.district_name !== undefined) return known;
    const feature = await fetchJson(cfg.clusterApi.replace("__ID__", encodeURIComponent(id)));
    featuresById.set(id, feature);
    return feature;
  }

  // Point features by id, where they are drawn: to find those sharing a point.
  const pointsById = new Map();
  const SAME_POINT_PX = 6;

  function idsAtPoint(id) {
    const here = pointsById.get(id);
    if (!here) return [id];
    const at = map.latLngToLayerPoint(here);
    const ids = [];
    for (const [other, latlng] of pointsById) {
      if (map.latLngToLayerPoint(latlng).distanceTo(at) <= SAME_POINT_PX) ids.push(other);
    }
    return ids.length ? ids : [id];
  }

  const namesById = new Map();
  const kindsById = new Map();

  function featureName(id) {
    return namesById.get(id) || id;
  }

  // Several features on one point (one site, or the same commune's point): a list to pick
  // from, so each can be reached.
  function openChooser(latlng, ids) {
    const buttons = ids.map((id) => {
      const button = el("button", { type: "button", "data-id": id }, featureName(id));
      button.addEventListener("click", () => openFeaturePopup(id, latlng));
      return el("li", {}, button);
    });
    L.popup(popupOptions())
      .setLatLng(latlng)
      .setContent(el("div", { className: "point-chooser" },
        el("p", {}, fill(T.text.atThisPoint, { count: ids.length })), el("ul", {}, ...buttons)))
      .openOn(map);
  }

  async function openFeaturePopup(id, latlng) {
    const popup = L.popup(popupOptions())
      .setLatLng(latlng)
      .setContent(el("div", { className: "cluster-popup" }, el("h3", {}, featureName(id))))
      .openOn(map);
    try {
      const full = await fullFeature(id);
      if (map.hasLayer(popup)) popup.setContent(popupContent(full.properties, full.geometry));
    } catch (err) {
      if (map.hasLayer(popup)) popup.setContent(el("p", { className: "error" }, T.text.loadError));
    }
  }

  function onFeatureClick(feature, event) {
    L.DomEvent.stopPropagation(event);
    const ids = idsAtPoint(feature.id);
    if (ids.length > 1) openChooser(event.latlng, ids);
    else openFeaturePopup(feature.id, event.latlng);
  }

  // A drawn boundary smaller than its marker would be a speck at province zoom: until it is
  // big enough to see, the sized marker stands at its centre too.
  function areaLayer(feature, style) {
    const area = L.geoJSON(feature, { style: () => style });
    const bounds = area.getBounds();
    const marker = shapeMarker(bounds.getCenter(), feature.properties, "area-marker");
    const group = L.featureGroup([area]);
    function sync() {
      if (!group._map) return;
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
    const style = clusterStyle(props);
    const isPoint = feature.geometry.type === "Point";
    const layer = isPoint
      ? L.geoJSON(feature, { pointToLayer: (_f, latlng) => shapeMarker(latlng, props) })
      : areaLayer(feature, style);
    if (isPoint) {
      const [lon, lat] = feature.geometry.coordinates;
      pointsById.set(feature.id, L.latLng(lat, lon));
    }
    layer.bindTooltip(el("span", {}, props.name_vi));
    layer.on("click", (event) => onFeatureClick(feature, event));
    return layer;
  }

  function forgetLayer(id) {
    pointsById.delete(id);
    layersById.delete(id);
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

  // The clusters the page carries, by id: enough to move the map and name the popup at
  // once, while the popup's facts are on their way.
  const carriedById = new Map();

  async function focus(id) {
    let feature = featuresById.get(id) || carriedById.get(id) || null;
    try {
      if (!feature) feature = await fullFeature(id);
    } catch (err) {
      // Said where the list's state is said, rather than a click that does nothing.
      const count = document.getElementById("count");
      if (count) count.textContent = T.text.loadError;
      return;
    }
    if (!feature.geometry) return;
    const bounds = L.geoJSON(feature).getBounds();
    // Without animation the popup opens on the settled map, and its auto-pan keeps it whole.
    if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
      map.setView(bounds.getCenter(), Math.max(map.getZoom(), 13), { animate: false });
    } else {
      map.fitBounds(bounds, { maxZoom: 15, animate: false });
    }
    // On a phone the list sits below the map: bring the map back into view.
    const box = map.getContainer().getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) map.getContainer().scrollIntoView({ block: "start" });
    // A popup of its own, not the marker's: the move reloads tiles and their markers.
    const whole = featuresById.get(id) === feature;
    const popup = L.popup(popupOptions())
      .setLatLng(bounds.getCenter())
      .setContent(whole ? popupContent(feature.properties, feature.geometry)
        : el("div", { className: "cluster-popup" }, el("h3", {}, featureName(id))))
      .openOn(map);
    if (whole) return;
    try {
      const full = await fullFeature(id);
      if (map.hasLayer(popup)) popup.setContent(popupContent(full.properties, full.geometry));
    } catch (err) {
      if (map.hasLayer(popup)) popup.setContent(el("p", { className: "error" }, T.text.loadError));
    }
  }

  /* One drawing path for every source of features: a tile of the view, the clusters sent
   * inside the page, a filter's answer, a detail page's one feature. A feature held by
   * several sources (one spanning tiles) is drawn once, and removed with its last source. */
  const sourceContents = new Map(); // source key -> [{id} | {layer}]
  const drawnCount = new Map(); // feature id -> number of sources holding it

  function drawSource(key, features, aggregated) {
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

  function removeSource(key) {
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
        forgetLayer(item.id);
      }
    }
    sourceContents.delete(key);
  }

  // Detail pages draw their one feature, whole.
  function drawClusters(features) {
    for (const feature of features) if (feature.geometry) featuresById.set(feature.id, feature);
    drawSource("page", features);
  }

  // The map's views drawn so far: a view's tiles loaded, or (when the page holds every
  // cluster) a move's frame drawn. What the benchmark times a pan by.
  function viewDrawn() {
    document.body.dataset.viewsDrawn = String(Number(document.body.dataset.viewsDrawn || 0) + 1);
  }

  /* Viewport tiles: the map asks /api/tiles/{z}/{x}/{y} for the tiles in view only, with
   * the current filters; a dense tile comes back as counts per grid cell. */
  let filterQuery = "";
  let tileQuery = ""; // the filters without the order, which tiles do not need

  function tileKey(coords) {
    return coords.z + "/" + coords.x + "/" + coords.y;
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
  const tiles = new ClusterTiles();
  tiles.on("tileunload", (event) => removeSource(tileKey(event.coords)));
  tiles.on("load", () => {
    document.body.dataset.clustersLoaded = String(layersById.size);
    document.body.dataset.tilesLoaded = String(Number(document.body.dataset.tilesLoaded || 0) + 1);
    viewDrawn();
  });

  function drawDistricts(collection) {
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

  /* Reference places (airports, seaports, centres, interchanges): a layer of their own,
   * with a popup of text nodes and a place in the search. */
  const placeMarkers = new Map();
  // Words a searcher may type for a kind of place, in both languages (search keys, not shown).
  const PLACE_KIND_WORDS = {
    airport: "sân bay cảng hàng không airport",
    port: "cảng biển cảng seaport port",
    city_centre: "trung tâm thành phố city centre center",
    expressway_interchange: "nút giao cao tốc expressway interchange",
  };

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d").toLowerCase();
  }

  function placeSearchKey(p) {
    return fold([p.name_vi, p.name_en, T.placeKind[p.kind], PLACE_KIND_WORDS[p.kind]].join(" "));
  }

  function placesMatching(text, limit) {
    const words = fold(text).split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    const found = [];
    for (const [id, place] of placeById) {
      const key = placeSearchKey(place);
      if (words.every((w) => key.includes(w))) found.push(id);
    }
    return found.slice(0, limit);
  }

  function safeUrl(url) {
    return /^https?:\/\//i.test(String(url || "")) ? url : null;
  }

  function placePopup(p) {
    const source = safeUrl(p.source);
    return el("div", { className: "place-popup" },
      el("h3", {}, placeName(p.id)),
      el("p", {}, T.text.referencePlace + " · " + (T.placeKind[p.kind] || p.kind)),
      source ? el("p", {}, el("a", { href: source, rel: "noopener noreferrer", target: "_blank" }, T.text.source)) : null);
  }

  function drawPlaces(data) {
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
      marker.bindPopup(() => placePopup(f.properties), popupOptions());
      marker.addTo(placesLayer);
      placeMarkers.set(f.id, marker);
    }
  }

  function focusPlace(id) {
    const marker = placeMarkers.get(id);
    if (!marker) return;
    if (placesLayer && !map.hasLayer(placesLayer)) placesLayer.addTo(map);
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), 12), { animate: false });
    marker.openPopup();
  }

  /* Compare: up to four clusters ticked in the list, kept across filter changes. */
  const COMPARE_MIN = 2;
  const COMPARE_MAX = 4;
  const picked = new Map(); // id -> name, in the order ticked

  function updateCompare() {
    const link = document.getElementById("compare-link");
    const status = document.getElementById("compare-status");
    if (!link) return;
    const ids = [...picked.keys()];
    const ok = ids.length >= COMPARE_MIN && ids.length <= COMPARE_MAX;
    if (ok) {
      link.href = cfg.compareUrl + "?ids=" + ids.map(encodeURIComponent).join(",");
      link.removeAttribute("aria-disabled");
    } else {
      link.removeAttribute("href");
      link.setAttribute("aria-disabled", "true");
    }
    link.textContent = ids.length ? fill(T.text.compareSelected, { count: ids.length }) : T.text.compare;
    status.textContent = ids.length >= COMPARE_MAX ? T.text.compareFull : (ok ? [...picked.values()].join(" · ") : T.text.compareHint);
    for (const box of document.querySelectorAll("#cluster-list .compare-pick")) {
      box.disabled = !box.checked && ids.length >= COMPARE_MAX;
    }
  }

  function currentSort() {
    const field = document.getElementById("sort-field");
    const desc = document.getElementById("sort-desc");
    if (!field || !field.value) return "";
    return (desc.checked ? "-" : "") + field.value;
  }

  // The figure a row shows besides its name: what the list is ordered by, else free land.
  function rowMetric(p) {
    const key = currentSort().replace(/^-/, "");
    if (key.startsWith("distance:")) {
      const id = key.slice("distance:".length);
      const km = p.distances_km ? p.distances_km[id] : null;
      if (km === null || km === undefined) return T.text.noDistance;
      return fill(T.text.kmTo, { km: fmtKm(km), place: placeName(id) });
    }
    if (key === "nearest_interchange") {
      const near = p.nearest_interchange;
      if (!near) return T.text.noDistance;
      return fill(T.text.kmToInterchange, { km: fmtKm(near.km), place: placeName(near.id) });
    }
    if (key === "planned_area_ha") return fill(T.text.areaValue, { value: fmtHa(p.planned_area_ha) });
    if (key === "occupancy_pct") {
      const value = p.occupancy_pct === null || p.occupancy_pct === undefined ? T.text.notReported : fmtNumber(p.occupancy_pct, 1) + " %";
      return fill(T.text.occupancyValue, { value });
    }
    if (key === "free_land_ha" || (p.free_land_ha !== null && p.free_land_ha !== undefined)) {
      return fill(T.text.freeLandValue, { value: fmtHa(p.free_land_ha) });
    }
    return null;
  }

  // An empty result says so in words, and how to widen it.
  function noMatch() {
    const form = document.getElementById("filters");
    const q = form && form.elements.q ? form.elements.q.value.trim() : "";
    const clear = el("button", { type: "button" }, T.text.clearFilters);
    clear.addEventListener("click", () => form.reset());
    return el("li", { className: "no-match", role: "status" },
      el("p", {}, q ? fill(T.text.noMatchQuery, { q }) : T.text.noMatch),
      el("p", {}, T.text.widen), clear);
  }

  function renderList(features, matched, total) {
    const list = document.getElementById("cluster-list");
    const count = document.getElementById("count");
    count.textContent = T.text.shown.replace("{count}", matched.toLocaleString()).replace("{total}", total.toLocaleString());
    if (!features.length && matched === 0) {
      list.replaceChildren(noMatch());
      updateCompare();
      return;
    }
    list.replaceChildren(...features.map((f) => {
      const p = f.properties;
      const metric = rowMetric(p);
      const button = el("button", { type: "button", className: "row", "data-id": f.id },
        el("span", { className: "swatch", style: "background:" + T.stageColor[p.stage] }),
        el("span", { className: "name" }, p.name_vi),
        el("span", { className: "meta" },
          [p.district_name || T.text.notReported, T.stage[p.stage]].join(" · "),
          f.geometry ? null : " · " + T.text.noLocation),
        metric ? el("span", { className: "metric" }, metric) : null,
        p.ready === true ? el("span", { className: "ready-badge" }, T.ready.true) : null,
        proposedBadge(f.id));
      if (f.geometry) button.addEventListener("click", () => focus(f.id));
      else button.addEventListener("click", () => { window.location.href = pageUrl(f.id); });
      const pick = el("input", {
        type: "checkbox",
        className: "compare-pick",
        value: f.id,
        "aria-label": fill(T.text.pickToCompare, { name: p.name_vi }),
      });
      pick.checked = picked.has(f.id);
      pick.addEventListener("change", () => {
        if (pick.checked && picked.size < COMPARE_MAX) picked.set(f.id, p.name_vi);
        else if (!pick.checked) picked.delete(f.id);
        else pick.checked = false;
        updateCompare();
      });
      return el("li", { className: "cluster-item" }, el("label", { className: "pick" }, pick), button);
    }));
    updateCompare();
    // When the first list is on screen (the benchmark's "list ready").
    if (!document.body.dataset.listDrawn) document.body.dataset.listDrawn = String(Math.round(performance.now()));
  }

  // Industries seen in the list, offered as suggestions of the industry filter.
  const industries = new Set();
  function learnIndustries(features) {
    const before = industries.size;
    for (const f of features) for (const name of f.properties.industries || []) industries.add(name);
    if (industries.size === before) return;
    const list = document.getElementById("industry-options");
    if (!list) return;
    // On the English map an industry is suggested by its English label; the API finds both.
    const names = [...industries]
      .map((name) => T.industry?.[name] || name)
      .sort((a, b) => a.localeCompare(b, cfg.lang));
    list.replaceChildren(...names.map((name) => el("option", { value: name })));
  }

  async function fetchJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  // The filters and order as API parameters; a field the browser finds invalid is left out.
  function filterParams(form) {
    const params = new URLSearchParams();
    for (const field of form.elements) {
      if (!field.name || field.disabled) continue;
      if (field.type === "checkbox") {
        if (field.checked) params.set(field.name, field.value);
        continue;
      }
      const value = String(field.value).trim();
      const valid = !field.validity || field.validity.valid;
      if (field.setAttribute) field.setAttribute("aria-invalid", valid ? "false" : "true");
      if (value && valid) params.set(field.name, value);
    }
    const sort = currentSort();
    if (sort) params.set("sort", sort);
    return params;
  }

  // Commas read better than %2C in a shared link, and mean the same in a query string.
  function queryString(params) {
    return params.toString().replace(/%2C/gi, ",");
  }

  // The language links keep the page's current state (filters, order, view).
  function syncLangLinks() {
    for (const link of document.querySelectorAll("a[data-lang]")) {
      const params = new URLSearchParams(window.location.search);
      params.set("lang", link.dataset.lang);
      link.href = "?" + queryString(params);
    }
  }

  // The download links export exactly what the list shows: the same filters and order.
  function syncExports() {
    for (const link of document.querySelectorAll("a[data-format]")) {
      const params = new URLSearchParams(filterQuery);
      params.set("format", link.dataset.format);
      params.set("lang", cfg.lang);
      link.href = cfg.exportUrl + "?" + queryString(params);
    }
  }

  // view=lat,lon,zoom in the page URL: the map's centre and zoom.
  function parseView(raw) {
    const parts = String(raw || "").split(",").map(Number);
    if (parts.length !== 3 || !parts.every(Number.isFinite)) return null;
    const [lat, lon, zoom] = parts;
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    return { center: [lat, lon], zoom: Math.max(0, Math.min(19, Math.round(zoom))) };
  }

  function viewString() {
    const c = map.getCenter();
    return c.lat.toFixed(5) + "," + c.lng.toFixed(5) + "," + map.getZoom();
  }

  function setupSorts(placesData) {
    const group = document.getElementById("sort-places");
    const field = document.getElementById("sort-field");
    const desc = document.getElementById("sort-desc");
    if (!field) return;
    for (const f of placesData.features) placeById.set(f.id, f.properties);
    if (group) {
      group.replaceChildren(...placesData.features.map((f) =>
        el("option", { value: "distance:" + f.id }, fill(T.text.distanceTo, { place: placeName(f.id) }))));
    }
    // Larger is better for land; nearer is better for distances.
    const DESCENDING_FIRST = new Set(["free_land_ha", "planned_area_ha"]);
    field.addEventListener("change", () => {
      desc.checked = DESCENDING_FIRST.has(field.value);
      desc.disabled = !field.value;
    });
  }

  function restoreSort(raw) {
    const field = document.getElementById("sort-field");
    const desc = document.getElementById("sort-desc");
    if (!field || !raw) return;
    const key = raw.replace(/^-/, "");
    if (![...field.options].some((o) => o.value === key)) return;
    field.value = key;
    desc.checked = raw.startsWith("-");
    desc.disabled = false;
  }

  /* Search that suggests as you type: an ARIA 1.2 combobox over a listbox of the top
   * matches of the API's diacritic-insensitive search; picking one focuses the cluster. */
  function setupSearch(form, pick) {
    const input = form.elements.q;
    const box = document.getElementById("search-suggestions");
    const status = document.getElementById("search-status");
    if (!input || !box) return;
    let options = [];
    let active = -1;
    let sequence = 0;
    let timer = null;

    function close() {
      box.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      active = index;
      options.forEach((o, i) => o.node.setAttribute("aria-selected", i === index ? "true" : "false"));
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].node.id);
        options[index].node.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    // A suggestion still on its way would reopen the list the user has just closed.
    function dropPending() {
      clearTimeout(timer);
      sequence += 1;
    }

    function optionKey(option) {
      return option.place ? "place:" + option.place : "feature:" + option.feature.id;
    }

    function choose(index) {
      const option = options[index];
      if (!option) return;
      dropPending();
      close();
      if (option.place) focusPlace(option.place);
      else pick(option.feature);
    }

    function featureOption(f, i) {
      const p = f.properties;
      const node = el("li", { id: "suggestion-" + i, role: "option", "aria-selected": "false", "data-id": f.id },
        el("span", { className: "name" }, p.name_vi),
        el("span", { className: "meta" }, p.district_name || T.text.notReported));
      node.addEventListener("click", () => choose(i));
      return { node, feature: f };
    }

    function placeOption(id, i) {
      const p = placeById.get(id);
      const node = el("li", { id: "suggestion-" + i, role: "option", "aria-selected": "false", "data-place": id },
        el("span", { className: "name" }, placeName(id)),
        el("span", { className: "meta" }, T.text.referencePlace + " · " + (T.placeKind[p.kind] || p.kind)));
      node.addEventListener("click", () => choose(i));
      return { node, place: id };
    }

    function render(features, placeIds) {
      // The option picked with the arrow keys stays picked when later results still hold it.
      const picked = active >= 0 && options[active] ? optionKey(options[active]) : null;
      options = features.map(featureOption);
      for (const id of placeIds || []) options.push(placeOption(id, options.length));
      box.replaceChildren(...options.map((o) => o.node));
      status.textContent = options.length ? fill(T.text.suggestions, { count: options.length }) : T.text.noSuggestions;
      if (!options.length || document.activeElement !== input) {
        close();
        return;
      }
      box.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(options.findIndex((o) => optionKey(o) === picked));
    }

    async function suggest() {
      const text = input.value.trim();
      const mine = ++sequence;
      if (text.length < 2) {
        options = [];
        close();
        return;
      }
      const params = filterParams(form);
      params.delete("sort"); // name matches first, as the search ranks them
      params.set("q", text);
      params.set("limit", "8");
      try {
        const data = await fetchJson(cfg.clustersUrl + "?" + params);
        if (mine === sequence) render(data.features, placesMatching(text, 6));
      } catch (err) {
        if (mine === sequence) close();
      }
    }

    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 120); });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (box.hidden && options.length) { box.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (options.length) highlight((active + 1) % options.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (options.length) highlight(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter" && !box.hidden && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && !box.hidden) {
        event.preventDefault();
        dropPending();
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
    // Keep the focus in the input while an option is clicked.
    box.addEventListener("mousedown", (event) => event.preventDefault());
  }

  const LIST_LIMIT = 500;

  // The clusters sent inside the page (GIS_MAP_INLINE_MAX): every one, compact; or null.
  function inlineFeatures() {
    const node = document.getElementById("map-inline");
    return node ? JSON.parse(node.textContent) : null;
  }

  function markDrawn() {
    // When the first view's data is on the map (the list may still be on its way).
    if (!document.body.dataset.mapDrawn) document.body.dataset.mapDrawn = String(Math.round(performance.now()));
  }

  async function overview() {
    const form = document.getElementById("filters");
    const initial = new URLSearchParams(window.location.search);
    for (const field of form.elements) {
      if (!field.name || !initial.has(field.name)) continue;
      if (field.type === "checkbox") field.checked = initial.get(field.name) === field.value;
      else field.value = initial.get(field.name);
    }
    let total = 0;
    let request = 0;
    let inView = false; // too many matches to list: list what is in view instead
    let view = initial.get("view") || "";
    // Every cluster, when the page holds them: drawn and listed without asking; a filter's
    // one answer then holds every match (no more than the list's page), for map and list.
    let everything = inlineFeatures();
    let inline = everything !== null;
    for (const f of everything || []) carriedById.set(f.id, f);
    let drawnFrom = null; // the features the inline map shows now
    async function refreshList() {
      const mine = ++request;
      const params = new URLSearchParams(filterQuery);
      params.set("limit", LIST_LIMIT);
      if (inView) params.set("bbox", map.getBounds().toBBoxString());
      try {
        const data = await fetchJson(cfg.clustersUrl + "?" + params);
        if (mine !== request) return null; // a newer change has already been sent
        if (!inView && data.numberMatched > LIST_LIMIT) {
          inView = true;
          return refreshList();
        }
        for (const f of data.features) featuresById.set(f.id, f);
        learnIndustries(data.features);
        renderList(data.features, data.numberMatched, total || cfg.total);
        document.body.dataset.listQuery = filterQuery;
        return data;
      } catch (err) {
        document.getElementById("count").textContent = T.text.loadError;
        return null;
      }
    }
    let viewKnown = false; // the first view is set: what is drawn now is what the user sees
    function showInline(features) {
      if (features === drawnFrom) return;
      drawSource("view", features);
      drawnFrom = features;
      document.body.dataset.clustersLoaded = String(layersById.size);
      if (viewKnown) markDrawn();
    }
    // The map and the list of the page's own clusters, for the current filters and order.
    async function refreshInline(stale) {
      if (stale) {
        // An edit was saved: ask for the clusters afresh.
        everything = null;
        carriedById.clear();
      }
      const query = tileQuery;
      if (!query && everything) {
        showInline(everything);
        if (filterQuery) return refreshList(); // only the order changed: the API orders
        ++request; // an answer still on its way is no longer wanted
        learnIndustries(everything);
        renderList(everything, everything.length, total || cfg.total);
        document.body.dataset.listQuery = filterQuery;
        return { features: everything, numberMatched: everything.length };
      }
      const data = await refreshList();
      if (!data || query !== tileQuery) return data;
      if (inView) {
        // More clusters than the page may hold (added since it was sent): tiles from now on.
        inline = false;
        removeSource("view");
        drawnFrom = null;
        tiles.addTo(clustersLayer);
        return data;
      }
      if (!query && !filterQuery) {
        // Every cluster again, fresh: what the page carries from now on.
        everything = data.features;
        for (const f of everything) carriedById.set(f.id, f);
      }
      showInline(data.features);
      return data;
    }
    // The page URL holds the whole state: filters, order and the map's view.
    function writeUrl() {
      const keep = new URLSearchParams(window.location.search);
      for (const field of form.elements) if (field.name) keep.delete(field.name);
      keep.delete("sort");
      keep.delete("view");
      for (const [k, v] of new URLSearchParams(filterQuery)) keep.set(k, v);
      if (view) keep.set("view", view);
      history.replaceState(null, "", keep.toString() ? "?" + queryString(keep) : window.location.pathname);
      syncLangLinks();
      syncExports();
    }
    async function refresh(keepTiles, stale) {
      const params = filterParams(form);
      filterQuery = params.toString();
      params.delete("sort");
      tileQuery = params.toString();
      writeUrl();
      // Without filters the page says how many clusters there are: when too many to list,
      // ask for those in view at once rather than learn it from a first request.
      inView = params.toString() === "" && cfg.total > LIST_LIMIT;
      featuresById.clear();
      if (inline) return refreshInline(stale);
      if (!keepTiles) tiles.redraw();
      return refreshList();
    }
    overviewRefresh = refresh;
    let timer = null;
    form.addEventListener("input", (event) => {
      if (event.target.id === "sort-field" || event.target.id === "sort-desc") return; // "change" follows
      clearTimeout(timer);
      timer = setTimeout(refresh, 200);
    });
    form.addEventListener("change", () => { clearTimeout(timer); refresh(); });
    form.addEventListener("reset", () => setTimeout(() => {
      document.getElementById("sort-desc").disabled = true;
      refresh();
    }, 0));
    form.addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(timer); refresh(); });
    map.on("moveend", () => { if (inView) refreshList(); });
    // With every cluster on the map, a move has nothing to load: its frame is the view drawn.
    map.on("moveend", () => { if (inline) requestAnimationFrame(viewDrawn); });
    setupSearch(form, async (feature) => {
      form.elements.q.value = feature.properties.name_vi;
      clearTimeout(timer);
      refresh();
      if (feature.geometry) await focus(feature.id);
      else window.location.href = pageUrl(feature.id);
    });

    const noPlaces = { features: [] };
    // Keep clusters clear of the legend, which sits over the map's lower right corner.
    function fitTo(bounds) {
      const right = legend && legend.open ? legend.offsetWidth + 24 : 24;
      map.fitBounds(bounds, { paddingTopLeft: [24, 24], paddingBottomRight: [right, 24], animate: false });
    }
    function startTiles() {
      tileQuery = new URLSearchParams([...filterParams(form)].filter(([k]) => k !== "sort")).toString();
      tilesLoaded = new Promise((resolve) => tiles.once("load", () => {
        markDrawn();
        resolve();
      }));
      tiles.addTo(clustersLayer);
    }
    // When the map knows where it looks (a shared view, or with no filter the extent of
    // every cluster, sent with the page), tiles start at once, beside the list and the
    // districts. With filters, the list's extent decides the view first.
    const shared = parseView(view);
    const filtersGiven = filterParams(form).toString() !== "";
    const extent = !shared && !filtersGiven ? cfg.extent : null;
    let tilesLoaded = null;
    // Asked before the tiles, so they are not queued behind them on the browser's
    // few connections to our server.
    const loading = Promise.all([
      fetchJson(cfg.districtsUrl),
      fetchJson(cfg.placesUrl).catch(() => noPlaces),
      filtersGiven && !inline ? fetchJson(cfg.clustersUrl + "?limit=1") : Promise.resolve(null),
    ]);
    if (shared) map.setView(shared.center, shared.zoom, { animate: false });
    else if (extent) fitTo([[extent[1], extent[0]], [extent[3], extent[2]]]);
    // The page holds every cluster and asks for no order the server must compute (a
    // distance needs the places first): map and list are drawn now, before any answer.
    let first = null;
    if (inline && !filtersGiven && !initial.get("sort")) {
      viewKnown = true;
      first = await refresh(true);
    } else if (!inline && (shared || extent)) {
      startTiles();
    }
    const [districts, placesData, all] = await loading;
    setupSorts(placesData);
    drawPlaces(placesData);
    restoreSort(initial.get("sort"));
    drawDistricts(districts);
    document.body.dataset.districtsLoaded = String(districts.features.length);
    if (!first) first = await refresh(true);
    // Without filters the page carries the total; with them, one more small request
    // (none when the page holds every cluster: it says the total too).
    total = all ? all.numberMatched : cfg.total;
    if (first && all) renderList(first.features, first.numberMatched, total);
    if (!shared) view = "";
    if (!shared && !extent) {
      const located = first && !inView ? L.geoJSON(first.features.filter((f) => f.geometry)) : null;
      if (located && located.getLayers().length) fitTo(located.getBounds());
      if (!inline) startTiles();
    }
    viewKnown = true;
    if (inline) markDrawn();
    // From now on every move of the map is kept in the URL.
    map.on("moveend", () => { view = viewString(); writeUrl(); });
    await tilesLoaded;
    if (initial.get("edit") && window.ClusterEditor) window.ClusterEditor.open(initial.get("edit"));
    document.body.dataset.ready = "1";
  }

  // Site photos are a layer of their own, not part of the first view: their script and
  // its request come once the map and the list are drawn, not before them.
  function loadPhotos() {
    if (!cfg.photosScript) return;
    const script = document.createElement("script");
    script.src = cfg.photosScript;
    script.dataset.url = cfg.photosUrl;
    document.body.append(script);
  }

  async function detail() {
    const [feature, districts] = await Promise.all([fetchJson(cfg.clustersUrl), fetchJson(cfg.districtsUrl)]);
    drawDistricts(districts);
    drawClusters([feature]);
    document.body.dataset.clustersLoaded = feature.geometry ? "1" : "0";
    document.body.dataset.districtsLoaded = String(districts.features.length);
    document.body.dataset.ready = "1";
  }

  let overviewRefresh = null;
  // What the editing script (editor.js, loaded for editors only) needs from the map.
  window.ClusterMap = {
    cfg, T, map, el, layersById, featuresById, focus, pageUrl, fetchJson,
    // After an edit: what the page was sent is out of date.
    refresh: () => (overviewRefresh ? overviewRefresh(false, true) : Promise.resolve()),
  };
  if (window.ClusterEditor) window.ClusterEditor.init(window.ClusterMap);

  (cfg.mode === "detail" ? detail() : overview()).catch(() => {
    const count = document.getElementById("count");
    if (count) count.textContent = T.text.loadError;
  }).finally(loadPhotos);
})();
