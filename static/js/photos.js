/* Site photos on the map, where they were taken (their EXIF GPS position), dated, with a
 * dashed line to their cluster. Everything from data goes in as text or DOM nodes.
 */
(function () {
  "use strict";

  const script = document.currentScript;
  const url = script && script.dataset.url;
  const cm = window.ClusterMap;
  if (!url || !cm) return;
  const { map, el } = cm;
  const layer = L.layerGroup().addTo(map);

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

  async function draw() {
    const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
    if (!response.ok) return;
    const data = await response.json();
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

  draw().catch(() => { document.body.dataset.photosDrawn = "error"; });
})();
