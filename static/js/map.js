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
  const ZONE_FILL = { I: "#4e79a7", II: "#f28e2b", "": "#9d9d9d" };
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

  function radius(props) {
    const area = props.planned_area_ha;
    if (!area) return 6;
    return Math.max(6, Math.min(16, 4 + Math.sqrt(area) * 0.7));
  }

  function pageUrl(id) {
    return cfg.clusterPage.replace("__ID__", encodeURIComponent(id));
  }

  function popupContent(props, geometry) {
    const rows = [
      [T.text.district, props.district_name || T.text.notReported],
      [T.text.commune, props.commune || T.text.notReported],
      [T.text.stage, T.stage[props.stage]],
      [T.text.clearance, T.clearance[props.clearance_status || ""]],
      [T.text.area, fmtHa(props.planned_area_ha)],
      [T.text.occupancy, props.occupancy_pct === null ? T.text.notReported : props.occupancy_pct + " %"],
    ];
    const table = el("table", { className: "popup-facts" },
      ...rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v))));
    return el("div", { className: "cluster-popup" },
      el("h3", {}, props.name_vi),
      props.name_en ? el("p", { className: "en", lang: "en" }, props.name_en) : null,
      props.named_in_plan ? el("p", { className: "plan" }, T.text.namedInPlan) : null,
      table,
      el("a", { href: pageUrl(props.id) }, T.text.details + " →"),
      window.ClusterEditor ? window.ClusterEditor.popupActions(props, geometry) : null);
  }

  function clusterLayer(feature) {
    const props = feature.properties;
    const style = {
      className: "cluster-marker",
      radius: radius(props),
      fillColor: T.stageColor[props.stage],
      fillOpacity: 0.9,
      color: T.clearanceColor[props.clearance_status || ""],
      weight: 3,
      dashArray: props.location_precision === "surveyed" ? null : "4 3",
    };
    const layer = L.geoJSON(feature, {
      pointToLayer: (_f, latlng) => L.circleMarker(latlng, style),
      style: () => style,
    });
    layer.bindTooltip(el("span", {}, props.name_vi));
    layer.bindPopup(popupContent(props, feature.geometry), { maxWidth: 320 });
    return layer;
  }

  function focus(id) {
    const layer = layersById.get(id);
    if (!layer) return;
    const bounds = layer.getBounds();
    if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
      map.setView(bounds.getCenter(), Math.max(map.getZoom(), 13));
    } else {
      map.fitBounds(bounds, { maxZoom: 15 });
    }
    layer.openPopup(bounds.getCenter());
  }

  function drawClusters(features) {
    clustersLayer.clearLayers();
    layersById.clear();
    for (const feature of features) {
      featuresById.set(feature.id, feature);
      if (!feature.geometry) continue;
      const layer = clusterLayer(feature);
      layer.addTo(clustersLayer);
      layer.getLayers().forEach((l) => {
        const path = l.getElement && l.getElement();
        if (path) path.setAttribute("data-id", feature.id);
      });
      layersById.set(feature.id, layer);
    }
  }

  function drawDistricts(collection) {
    districtsLayer.clearLayers();
    for (const feature of collection.features) {
      const props = feature.properties;
      if (feature.geometry) {
        L.geoJSON(feature, {
          className: "district-boundary",
          style: { color: "#555", weight: 1.2, fillColor: ZONE_FILL[props.zone || ""], fillOpacity: 0.12 },
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

  function renderList(features, total) {
    const list = document.getElementById("cluster-list");
    const count = document.getElementById("count");
    count.textContent = T.text.shown.replace("{count}", features.length).replace("{total}", total);
    list.replaceChildren(...features.map((f) => {
      const p = f.properties;
      const button = el("button", { type: "button", className: "row", "data-id": f.id },
        el("span", { className: "swatch", style: "background:" + T.stageColor[p.stage] }),
        el("span", { className: "name" }, p.name_vi),
        el("span", { className: "meta" },
          [p.district_name || T.text.notReported, T.stage[p.stage]].join(" · "),
          f.geometry ? null : " · " + T.text.noLocation));
      if (f.geometry) button.addEventListener("click", () => focus(f.id));
      else button.addEventListener("click", () => { window.location.href = pageUrl(f.id); });
      return el("li", {}, button);
    }));
  }

  async function fetchJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  function filterParams(form) {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form).entries()) {
      if (String(value).trim()) params.set(key, String(value).trim());
    }
    return params;
  }

  async function overview() {
    const form = document.getElementById("filters");
    const initial = new URLSearchParams(window.location.search);
    for (const field of form.elements) {
      if (field.name && initial.has(field.name)) field.value = initial.get(field.name);
    }
    let total = 0;
    let request = 0;
    async function refresh() {
      const params = filterParams(form);
      const mine = ++request;
      const query = params.toString();
      const keep = new URLSearchParams(window.location.search);
      for (const field of form.elements) if (field.name) keep.delete(field.name);
      for (const [k, v] of params) keep.set(k, v);
      history.replaceState(null, "", keep.toString() ? "?" + keep : window.location.pathname);
      try {
        const data = await fetchJson(cfg.clustersUrl + (query ? "?" + query : ""));
        if (mine !== request) return; // a newer filter change has already been sent
        drawClusters(data.features);
        renderList(data.features, total);
        document.body.dataset.clustersLoaded = String(data.features.length);
      } catch (err) {
        document.getElementById("count").textContent = T.text.loadError;
      }
    }
    overviewRefresh = refresh;
    let timer = null;
    form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 200); });
    form.addEventListener("change", refresh);
    form.addEventListener("reset", () => setTimeout(refresh, 0));
    form.addEventListener("submit", (e) => { e.preventDefault(); refresh(); });
    const [all, districts] = await Promise.all([fetchJson(cfg.clustersUrl), fetchJson(cfg.districtsUrl)]);
    total = all.features.length;
    drawDistricts(districts);
    document.body.dataset.districtsLoaded = String(districts.features.length);
    await refresh();
    const located = L.geoJSON(all.features.filter((f) => f.geometry));
    if (located.getLayers().length) {
      // Keep clusters clear of the legend, which sits over the map's lower right corner.
      const right = legend && legend.open ? legend.offsetWidth + 24 : 24;
      map.fitBounds(located.getBounds(), { paddingTopLeft: [24, 24], paddingBottomRight: [right, 24], animate: false });
    }
    if (initial.get("edit") && window.ClusterEditor) window.ClusterEditor.open(initial.get("edit"));
    document.body.dataset.ready = "1";
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
    refresh: () => (overviewRefresh ? overviewRefresh() : Promise.resolve()),
  };
  if (window.ClusterEditor) window.ClusterEditor.init(window.ClusterMap);

  (cfg.mode === "detail" ? detail() : overview()).catch(() => {
    const count = document.getElementById("count");
    if (count) count.textContent = T.text.loadError;
  });
})();
