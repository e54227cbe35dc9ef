/* A cluster page's map: its one cluster, the districts, and the site photos taken there. */
import { T, cfg, fetchJson, notifyError } from "./page.js";
import { drawDistricts, drawSource, featuresById, onFeatureClick } from "./features.js";
import { showFeature } from "./popups.js";
import { drawPhotos } from "./photos.js";

onFeatureClick(showFeature);

async function drawCluster() {
  const [feature, districts] = await Promise.all([fetchJson(cfg.clustersUrl), fetchJson(cfg.districtsUrl)]);
  drawDistricts(districts);
  if (feature.geometry) featuresById.set(feature.id, feature);
  drawSource("page", [feature]);
  document.body.dataset.clustersLoaded = feature.geometry ? "1" : "0";
  document.body.dataset.districtsLoaded = String(districts.features.length);
  document.body.dataset.ready = "1";
}

// The photos' request goes beside the cluster's, as each draws on its own.
drawCluster().catch((err) => notifyError(T.text.loadError, err));
drawPhotos(cfg.photosUrl).catch((err) => {
  document.body.dataset.photosDrawn = "error";
  notifyError(T.text.photosError, err);
});
