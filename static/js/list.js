/* The side panel: the list of clusters, the filters and order that choose it, the search
 * that suggests as you type, and the clusters ticked to compare.
 */
import { T, cfg, el, fetchJson, fill, fmtHa, fmtKm, fmtNumber, notifyError, pageUrl, placeById, placeName } from "./page.js";
import { focus, focusPlace, proposedBadge } from "./popups.js";

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

export function currentSort() {
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

export function renderList(features, matched, total) {
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
export function learnIndustries(features) {
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

// The filters and order as API parameters; a field the browser finds invalid is left out.
export function filterParams(form) {
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

export function setupSorts(placesData) {
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

export function restoreSort(raw) {
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
export function setupSearch(form, pick) {
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
      if (mine !== sequence) return;
      close();
      status.textContent = T.text.loadError;
      notifyError(T.text.loadError, err);
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
