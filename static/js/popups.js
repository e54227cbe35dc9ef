/* Popups: a cluster's facts, the chooser of features sharing a point, a reference place;
 * and moving the map to a cluster or a place.
 */
import { T, cfg, el, fill, fmtHa, fmtKm, fmtNumber, map, notifyError, pageUrl, placeName, placesLayer, readyText } from "./page.js";
import { carriedById, featureName, featuresById, fullFeature, idsAtPoint, placeMarkers } from "./features.js";

let actionsFor = () => null;
/** The buttons a popup offers under the facts (editor.js: edit actions for editors). */
export function setPopupActions(builder) {
  actionsFor = builder;
}

// A change of this cluster waits for the province's approval (staff only, approval on).
export function proposedBadge(id) {
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
  // The facts scroll inside the popup; the buttons below them never move under a finger
  // (a sticky bar inside a scrolled box jumps when it takes the focus).
  const body = el("div", { className: "popup-body" },
    el("h3", {}, props.name_vi),
    proposedBadge(props.id),
    props.name_en ? el("p", { className: "en", lang: "en" }, props.name_en) : null,
    props.named_in_plan ? el("p", { className: "plan" }, T.text.namedInPlan) : null,
    table,
    el("a", { href: pageUrl(props.id) }, T.text.details + " →"));
  return el("div", { className: "cluster-popup", style: `max-height:${popupHeight()}px` },
    body, actionsFor(props, geometry));
}

// Half the map, less the popup's tip and frame: a popup opened at the map's centre (where
// focus puts it) fits above it, so opening it does not pan the map away.
function popupHeight() {
  return Math.max(160, Math.round(map.getSize().y / 2) - 50);
}

// A taller popup scrolls inside (a cluster's, its facts only) instead of hiding its title.
// On a phone it also stays clear of the map's controls on both sides.
export function popupOptions() {
  return { maxWidth: Math.max(200, Math.min(320, map.getSize().x - 120)), autoPanPadding: [12, 12] };
}

function namedPopup(id) {
  return el("div", { className: "cluster-popup" }, el("h3", {}, featureName(id)));
}

// The popup's facts once they arrive; a failure is said in the popup itself.
async function fillPopup(popup, id) {
  try {
    const full = await fullFeature(id);
    if (map.hasLayer(popup)) popup.setContent(popupContent(full.properties, full.geometry));
  } catch (err) {
    console.error(err);
    if (map.hasLayer(popup)) popup.setContent(el("p", { className: "error", role: "alert" }, T.text.loadError));
  }
}

function openFeaturePopup(id, latlng) {
  const popup = L.popup(popupOptions()).setLatLng(latlng).setContent(namedPopup(id)).openOn(map);
  return fillPopup(popup, id);
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
    .setContent(el("div", { className: "point-chooser", style: `max-height:${popupHeight()}px` },
      el("p", {}, fill(T.text.atThisPoint, { count: ids.length })), el("ul", {}, ...buttons)))
    .openOn(map);
}

/** A click on a cluster: its popup, or a chooser when others share its point. */
export function showFeature(feature, event) {
  L.DomEvent.stopPropagation(event);
  const ids = idsAtPoint(feature.id);
  if (ids.length > 1) openChooser(event.latlng, ids);
  else openFeaturePopup(feature.id, event.latlng);
}

/** Move the map to a cluster and open its popup; a failure to load it is said. */
export async function focus(id) {
  let feature = featuresById.get(id) || carriedById.get(id) || null;
  try {
    if (!feature) feature = await fullFeature(id);
  } catch (err) {
    // Said on the page, rather than a click that does nothing.
    notifyError(T.text.loadError, err);
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
    .setContent(whole ? popupContent(feature.properties, feature.geometry) : namedPopup(id))
    .openOn(map);
  if (!whole) await fillPopup(popup, id);
}

function safeUrl(url) {
  return /^https?:\/\//i.test(String(url || "")) ? url : null;
}

/** A reference place's popup. */
export function placePopup(p) {
  const source = safeUrl(p.source);
  return el("div", { className: "place-popup" },
    el("h3", {}, placeName(p.id)),
    el("p", {}, T.text.referencePlace + " · " + (T.placeKind[p.kind] || p.kind)),
    source ? el("p", {}, el("a", { href: source, rel: "noopener noreferrer", target: "_blank" }, T.text.source)) : null);
}

/** Move the map to a reference place and open its popup. */
export function focusPlace(id) {
  const marker = placeMarkers.get(id);
  if (!marker) return;
  if (placesLayer && !map.hasLayer(placesLayer)) placesLayer.addTo(map);
  map.setView(marker.getLatLng(), Math.max(map.getZoom(), 12), { animate: false });
  marker.openPopup();
}
