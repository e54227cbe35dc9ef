/* Site photos on the map, where they were taken (their EXIF GPS position), dated, with a
 * dashed line to their cluster. Everything from data goes in as text or DOM nodes.
 * Loaded by map.js once the map is drawn.
 */
import { el, fetchJson, map } from "./page.js";

function dateText(iso) {
  if (!iso) return "";
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11, 16)}`;
}

function popup(p) {
  const img = el("img", { src: p.thumb_url, alt: p.caption || p.name, width: 160 });
  return el("div", { className: "photo-popup" },
    el("a", { href: p.url, target: "_blank", rel: "noopener" }, img),
    p.taken_at ? el("p", { className: "taken" }, dateText(p.taken_at)) : null,
    p.caption ? el("p", null, p.caption) : null,
    el("p", null, el("a", { href: p.cluster_url }, p.cluster_name || p.cluster_id)));
}

/** Draw the photos the API lists at ``url``; a failed request throws, for the caller to say. */
export async function drawPhotos(url) {
  const data = await fetchJson(url);
  const layer = L.layerGroup().addTo(map);
  for (const f of data.features) {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const icon = L.divIcon({
      className: "photo-marker",
      html: el("span", { "data-attachment": String(p.id), title: dateText(p.taken_at) }, "📷"),
      iconSize: [22, 22],
    });
    const marker = L.marker([lat, lon], { icon, keyboard: true, title: dateText(p.taken_at) });
    marker.bindPopup(() => popup(p));
    if (p.taken_at) {
      marker.bindTooltip(() => el("span", null, dateText(p.taken_at)), { direction: "top", offset: [0, -10] });
    }
    layer.addLayer(marker);
    if (p.cluster_point) {
      const [clon, clat] = p.cluster_point;
      layer.addLayer(L.polyline([[lat, lon], [clat, clon]], {
        color: "#555", weight: 1, dashArray: "3 4", interactive: false,
      }));
    }
  }
  document.body.dataset.photosDrawn = String(data.features.length);
}
