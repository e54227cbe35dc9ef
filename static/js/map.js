/* The map page's entry: fills the folium-built map with data from the API and keeps the
 * side panel (list, filters, search) in step. Editing tools and site photos are modules
 * loaded beside or after the first draw, never before it.
 */
import { T, cfg, clustersLayer, fetchJson, map, notifyError, pageUrl } from "./page.js";
import {
  carriedById, drawDistricts, drawPlaces, drawSource, featuresById, layersById, onFeatureClick,
  removeSource, setTileQuery, tiles, viewDrawn,
} from "./features.js";
import { focus, placePopup, popupOptions, setPopupActions, showFeature } from "./popups.js";
import { filterParams, learnIndustries, renderList, restoreSort, setupSearch, setupSorts } from "./list.js";
import { initial, parseView, restoreFilters, viewString, writeUrl } from "./urlstate.js";

const legend = document.getElementById("legend");
// On a phone the legend would cover most of the map: start it folded.
if (legend && window.matchMedia("(max-width: 760px)").matches) legend.open = false;

onFeatureClick(showFeature);
tiles.on("tileerror", (event) => notifyError(T.text.loadError, event.error));

const LIST_LIMIT = 500;
let overviewRefresh = null;

// Editors and administrators get the editing tools: a module of its own, asked for beside
// the first draw's requests rather than before them.
const user = cfg.user;
const editing = user && (user.role === "admin" || user.role === "editor")
  ? import("./editor.js").then((editor) => {
    editor.init({
      // After an edit: what the page was sent is out of date.
      refresh: () => (overviewRefresh ? overviewRefresh(false, true) : Promise.resolve()),
    });
    setPopupActions(editor.popupActions);
    return editor;
  }).catch((err) => {
    notifyError(T.text.editorLoadError, err);
    return null;
  })
  : Promise.resolve(null);

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
  restoreFilters(form);
  let filterQuery = "";
  let tileQuery = ""; // the filters without the order, which tiles do not need
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
  function setQueries(params) {
    filterQuery = params.toString();
    params.delete("sort");
    tileQuery = params.toString();
    setTileQuery(tileQuery);
  }
  async function refreshList() {
    const mine = ++request;
    const params = new URLSearchParams(filterQuery);
    params.set("limit", LIST_LIMIT);
    if (inView) params.set("bbox", map.getBounds().toBBoxString());
    let data;
    try {
      data = await fetchJson(cfg.clustersUrl + "?" + params);
    } catch (err) {
      document.getElementById("count").textContent = T.text.loadError;
      notifyError(T.text.loadError, err);
      return null;
    }
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
  async function refresh(keepTiles, stale) {
    setQueries(filterParams(form));
    writeUrl(form, filterQuery, view);
    // Without filters the page says how many clusters there are: when too many to list,
    // ask for those in view at once rather than learn it from a first request.
    inView = tileQuery === "" && cfg.total > LIST_LIMIT;
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

  // Keep clusters clear of the legend, which sits over the map's lower right corner.
  function fitTo(bounds) {
    const right = legend && legend.open ? legend.offsetWidth + 24 : 24;
    map.fitBounds(bounds, { paddingTopLeft: [24, 24], paddingBottomRight: [right, 24], animate: false });
  }
  let tilesLoaded = null;
  function startTiles() {
    const params = filterParams(form);
    params.delete("sort");
    tileQuery = params.toString();
    setTileQuery(tileQuery);
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
  // Asked before the tiles, so they are not queued behind them on the browser's
  // few connections to our server. Without the places the map still works: said, not fatal.
  const loading = Promise.all([
    fetchJson(cfg.districtsUrl),
    fetchJson(cfg.placesUrl).catch((err) => {
      notifyError(T.text.placesError, err);
      return { features: [] };
    }),
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
  drawPlaces(placesData, placePopup, popupOptions());
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
  map.on("moveend", () => { view = viewString(); writeUrl(form, filterQuery, view); });
  await tilesLoaded;
  // Ready means ready to use: for staff, once the editor's popup buttons are wired in.
  const editor = await editing;
  const editId = initial.get("edit");
  if (editId && editor) await editor.open(editId);
  document.body.dataset.ready = "1";
}

// Site photos are a layer of their own: their module and its request come once the map
// and the list are drawn, not before them.
async function main() {
  try {
    await overview();
  } catch (err) {
    document.getElementById("count").textContent = T.text.loadError;
    notifyError(T.text.loadError, err);
  }
  try {
    const photos = await import("./photos.js");
    await photos.drawPhotos(cfg.photosUrl);
  } catch (err) {
    document.body.dataset.photosDrawn = "error";
    notifyError(T.text.photosError, err);
  }
}

main();
