/* What the server-rendered page gives every map script: its configuration and translated
 * labels, folium's map and layers, and the small helpers they all use.
 *
 * Every text that comes from data is put into the page with textContent or as DOM nodes,
 * never as an HTML string: Leaflet renders string popups, tooltips and divIcons as HTML.
 */

export const cfg = JSON.parse(document.getElementById("map-config").textContent);
/** The page's labels and sentences, in its language (Flask-Babel translates them). */
export const T = cfg.labels;

// folium's inline classic script declares the map and its layers as globals before any
// module runs (modules are deferred): those names, given by the page, are how we find them.
export const map = window[cfg.map];
export const districtsLayer = window[cfg.districtsLayer];
export const clustersLayer = window[cfg.clustersLayer];
export const placesLayer = cfg.placesLayer ? window[cfg.placesLayer] : null;

/** An element with attributes and children; strings become text nodes, never HTML. */
export function el(tag, attrs, ...children) {
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

/** A translated template's {name} placeholders filled in. */
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

export function fmtNumber(value, digits) {
  return value.toLocaleString(document.documentElement.lang, { maximumFractionDigits: digits === undefined ? 2 : digits });
}

export function fmtHa(value) {
  if (value === null || value === undefined) return T.text.notReported;
  return fmtNumber(value, 2) + " " + T.text.hectares;
}

// Distances are measured to 0.1 km: always show that one decimal.
export function fmtKm(value) {
  return value.toLocaleString(document.documentElement.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export function readyText(ready) {
  return T.ready[ready === true ? "true" : ready === false ? "false" : ""];
}

export function pageUrl(id) {
  return cfg.clusterPage.replace("__ID__", encodeURIComponent(id));
}

export function clusterApiUrl(id) {
  return cfg.clusterApi.replace("__ID__", encodeURIComponent(id));
}

// Reference places (airports, ports, centres, interchanges) by id, once loaded.
export const placeById = new Map();

export function placeName(id) {
  const place = placeById.get(id);
  if (!place) return id;
  return cfg.lang === "en" ? place.name_en : place.name_vi;
}

/** The API's JSON answer; a failed request throws, for the caller to say so. */
export async function fetchJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(url + ": " + response.status);
  return response.json();
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** Tell the user something failed, in the page's language; the detail goes to the console.
 *  One notice per text: a failure repeated (every tile of a view) is said once. */
export function notifyError(text, err) {
  if (err) console.error(err);
  let region = document.getElementById("notices");
  if (!region) {
    region = el("div", { id: "notices", className: "notices" });
    document.body.append(region);
  }
  for (const shown of region.querySelectorAll(".notice")) {
    if (shown.dataset.text === text) return;
  }
  const dismiss = el("button", { type: "button", className: "dismiss" }, T.text.dismiss);
  const notice = el("div", { className: "notice edit-warning error", role: "alert", "data-text": text },
    el("p", {}, text), dismiss);
  dismiss.addEventListener("click", () => notice.remove());
  region.append(notice);
}
