/* The page URL holds the map page's whole state: filters, order and the map's view, so a
 * link shares it; the language and download links follow it.
 */
import { cfg, map } from "./page.js";

/** The state the page was opened with. */
export const initial = new URLSearchParams(window.location.search);

/** Fill the filter form from the page URL. */
export function restoreFilters(form) {
  for (const field of form.elements) {
    if (!field.name || !initial.has(field.name)) continue;
    if (field.type === "checkbox") field.checked = initial.get(field.name) === field.value;
    else field.value = initial.get(field.name);
  }
}

// Commas read better than %2C in a shared link, and mean the same in a query string.
function queryString(params) {
  return params.toString().replace(/%2C/gi, ",");
}

/** view=lat,lon,zoom in the page URL: the map's centre and zoom, or null. */
export function parseView(raw) {
  const parts = String(raw || "").split(",").map(Number);
  if (parts.length !== 3 || !parts.every(Number.isFinite)) return null;
  const [lat, lon, zoom] = parts;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { center: [lat, lon], zoom: Math.max(0, Math.min(19, Math.round(zoom))) };
}

/** The map's current view as view=lat,lon,zoom writes it. */
export function viewString() {
  const c = map.getCenter();
  return c.lat.toFixed(5) + "," + c.lng.toFixed(5) + "," + map.getZoom();
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
function syncExports(filterQuery) {
  for (const link of document.querySelectorAll("a[data-format]")) {
    const params = new URLSearchParams(filterQuery);
    params.set("format", link.dataset.format);
    params.set("lang", cfg.lang);
    link.href = cfg.exportUrl + "?" + queryString(params);
  }
}

/** Write the filters (as API parameters) and the view into the page URL and its links. */
export function writeUrl(form, filterQuery, view) {
  const keep = new URLSearchParams(window.location.search);
  for (const field of form.elements) if (field.name) keep.delete(field.name);
  keep.delete("sort");
  keep.delete("view");
  for (const [k, v] of new URLSearchParams(filterQuery)) keep.set(k, v);
  if (view) keep.set("view", view);
  history.replaceState(null, "", keep.toString() ? "?" + queryString(keep) : window.location.pathname);
  syncLangLinks();
  syncExports(filterQuery);
}
