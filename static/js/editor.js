/* Editing on the map for logged-in editors and administrators.
 *
 * The page only offers buttons for clusters in the user's scope; the server checks scope,
 * validity and the version (If-Match) on every change, whatever this script does. Text from
 * data is always inserted as text (textContent / DOM nodes), never as HTML. Loaded by
 * map.js for editors only; it adds its buttons to the clusters' popups.
 */
import { T, clusterApiUrl, cfg, csrfToken, el, map, notifyError, pageUrl } from "./page.js";
import { focus } from "./popups.js";

const COMPONENTS = ["roads", "power", "water", "wastewater", "drainage", "fire"];
const NUMBER_FIELDS = ["clearance_cleared_ha", "clearance_total_ha", "industrial_land_ha", "leased_land_ha"];
let session = null; // the edit in progress: {id, etag, base, mode, layer, geometry}
// The map page's refresh after a saved edit (given by map.js at init).
let refreshMap = () => Promise.resolve();

function canEdit(props) {
  const user = cfg.user;
  if (!user) return false;
  if (user.role === "admin") return true;
  return user.role === "editor" && user.district && user.district === props.district_code;
}

function panel() {
  return document.getElementById("edit-panel");
}

function message(text, kind) {
  const box = panel().querySelector(".edit-message");
  if (!box) return;
  box.className = "edit-message " + (kind || "");
  box.replaceChildren(...(Array.isArray(text) ? text : [text]).map((t) => (t instanceof Node ? t : el("p", {}, t))));
}

async function load(id) {
  const response = await fetch(clusterApiUrl(id), {
    headers: { Accept: "application/geo+json" },
    cache: "no-store",
  });
  if (!response.ok) throw new Error("load " + response.status);
  return { feature: await response.json(), etag: response.headers.get("ETag") };
}

function closeEditor() {
  if (session && session.layer) {
    if (session.layer.pm) session.layer.pm.disable();
    map.removeLayer(session.layer);
  }
  if (map.pm) {
    map.off("pm:drawstart", onDrawStart);
    map.off("pm:create", onDrawn);
    map.pm.disableDraw();
  }
  session = null;
  panel().hidden = true;
  panel().replaceChildren();
}

function field(label, input, name) {
  return el("label", { className: "field", "data-field": name }, label, input, el("span", { className: "field-error" }));
}

// [key, label] pairs of a label table in the order the server gives (life cycle for
// stages), not the alphabetical order of the page's JSON keys.
function ordered(kind, labels) {
  return T.order[kind].filter((key) => key in labels).map((key) => [key, labels[key]]);
}

function select(name, options, value) {
  const node = el("select", { name });
  for (const [key, label] of options) {
    const option = el("option", { value: key }, label);
    if ((value === null || value === undefined ? "" : String(value)) === key) option.selected = true;
    node.append(option);
  }
  return node;
}

function input(name, type, value, extra) {
  const node = el("input", Object.assign({ name, type }, extra || {}));
  node.value = value === null || value === undefined ? "" : String(value);
  return node;
}

function occupancyText(form) {
  const industrial = parseFloat(form.elements.industrial_land_ha.value);
  const leased = parseFloat(form.elements.leased_land_ha.value);
  if (!(industrial > 0) || Number.isNaN(leased)) return T.text.occupancy + ": " + T.text.notReported;
  return T.text.occupancy + ": " + ((100 * leased) / industrial).toFixed(1) + " %";
}

function buildForm(props) {
  const t = T.text;
  const blank = [["", t.notReported]];
  const form = el("form", { className: "edit-form", novalidate: "" });
  form.append(
    field(t.stage, select("stage", ordered("stage", T.stage), props.stage), "stage"),
    field(t.clearanceStatus, select("clearance_status", blank.concat(ordered("clearance", T.clearance)), props.clearance_status), "clearance_status"),
    field(t.clearedHa, input("clearance_cleared_ha", "number", props.clearance_cleared_ha, { min: "0", step: "any" }), "clearance_cleared_ha"),
    field(t.totalHa, input("clearance_total_ha", "number", props.clearance_total_ha, { min: "0", step: "any" }), "clearance_total_ha"),
    field(t.blocker, input("clearance_blocker", "text", props.clearance_blocker, { maxlength: "2000" }), "clearance_blocker"),
  );
  const infra = el("fieldset", { className: "infra" }, el("legend", {}, t.infrastructure));
  for (const c of COMPONENTS) {
    const states = blank.concat(ordered("componentState", T.componentState));
    infra.append(field(T.component[c], select("infra_" + c, states, props.infrastructure[c]), "infrastructure." + c));
  }
  const occupancy = el("p", { className: "occupancy" });
  form.append(
    infra,
    field(t.industrialHa, input("industrial_land_ha", "number", props.industrial_land_ha, { min: "0", step: "any" }), "industrial_land_ha"),
    field(t.leasedHa, input("leased_land_ha", "number", props.leased_land_ha, { min: "0", step: "any" }), "leased_land_ha"),
    occupancy,
    field(t.investor, input("investor", "text", props.investor, { maxlength: "2000" }), "investor"),
    field(t.decisionNumber, input("decision_number", "text", props.decision_number, { maxlength: "200" }), "decision_number"),
    field(t.decisionDate, input("decision_date", "date", props.decision_date), "decision_date"),
    field(t.asOf, input("as_of", "date", props.as_of), "as_of"),
    el("small", { className: "hint" }, t.asOfHint),
    field(t.note, el("textarea", { name: "note", maxlength: "2000", rows: "2" }), "note"),
  );
  occupancy.textContent = occupancyText(form);
  form.addEventListener("input", () => { occupancy.textContent = occupancyText(form); });
  return form;
}

// The properties the form would write, as the API names them.
function formValues(form) {
  const values = {};
  const text = (name) => (form.elements[name].value.trim() === "" ? null : form.elements[name].value.trim());
  for (const name of ["stage", "clearance_status", "clearance_blocker", "investor", "decision_number", "decision_date", "as_of"]) {
    values[name] = text(name);
  }
  for (const name of NUMBER_FIELDS) {
    const raw = form.elements[name].value.trim();
    values[name] = raw === "" ? null : Number(raw);
  }
  values.infrastructure = {};
  for (const c of COMPONENTS) values.infrastructure[c] = text("infra_" + c);
  return values;
}

// Only what the user changed: unchanged fields are not sent, so they cannot clash.
function changedValues(form, base) {
  const values = formValues(form);
  const body = {};
  for (const [name, value] of Object.entries(values)) {
    if (name === "infrastructure") {
      const infra = {};
      for (const c of COMPONENTS) if ((base.infrastructure[c] ?? null) !== value[c]) infra[c] = value[c];
      if (Object.keys(infra).length) body.infrastructure = infra;
    } else if ((base[name] ?? null) !== value) {
      body[name] = value;
    }
  }
  return body;
}

function showFieldErrors(form, errors) {
  form.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
  form.querySelectorAll(".field.invalid").forEach((e) => e.classList.remove("invalid"));
  const unplaced = [];
  for (const error of errors || []) {
    const name = error.field.replace(/^infrastructure\.(\w+)$/, "infrastructure.$1");
    const holder = form.querySelector('[data-field="' + CSS.escape(name) + '"]');
    if (holder) {
      holder.classList.add("invalid");
      holder.querySelector(".field-error").textContent = reasonText(error);
    } else {
      unplaced.push(fieldLabel(error.field) + ": " + reasonText(error));
    }
  }
  return unplaced;
}

function fieldLabel(name) {
  return T.field[name] || name;
}

// The server's reason in the page's language, from its code: its "reason" is English.
// A code the page has no sentence for (or a figure missing) reads as the generic one.
function reasonText(error) {
  const params = (error && error.params) || {};
  const template = T.reason[error && error.code] || T.reason.invalid;
  let complete = true;
  const text = template.replace(/\{(\w+)\}/g, (whole, key) => {
    if (!(key in params)) { complete = false; return whole; }
    const value = params[key];
    if (key === "other") return fieldLabel(String(value));
    return typeof value === "number"
      ? value.toLocaleString(document.documentElement.lang, { maximumFractionDigits: 2 })
      : String(value);
  });
  return complete ? text : T.reason.invalid;
}

// A recorded value as people read it: labels for codes, "not reported" for none.
function valueText(name, value) {
  const table = name.startsWith("infrastructure.") ? T.componentState
    : { stage: T.stage, clearance_status: T.clearance, location_precision: T.precision, kind: T.kind }[name];
  if (value === null || value === undefined || value === "") return table ? table[""] || T.text.notReported : T.text.notReported;
  if (table && value in table) return table[value];
  return Array.isArray(value) ? value.join(", ") : String(value);
}

function changeText(change) {
  if (change.field === "geometry") return fieldLabel("geometry") + ": " + T.text.locationChanged;
  return fieldLabel(change.field) + ": " + valueText(change.field, change.from) + " → " + valueText(change.field, change.to);
}

// dd/mm/yyyy HH:MM in Viet Nam, as the rest of the app shows times.
const LOCAL_TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false,
});

function localTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : LOCAL_TIME.format(date).replace(",", "");
}

function describeChanges(events) {
  const list = el("ul", { className: "conflict-list" });
  for (const event of events || []) {
    const who = T.text.changedBy.replace("{who}", event.actor).replace("{when}", localTime(event.at));
    for (const change of event.changes) list.append(el("li", {}, changeText(change) + " (" + who + ")"));
  }
  return list;
}

async function save(body, form) {
  const response = await fetch(clusterApiUrl(session.id), {
    method: "PATCH",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/geo+json",
      "If-Match": session.etag,
      "X-CSRFToken": csrfToken(),
    },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 202) {
    // Province approval: kept as a proposal; the map keeps showing the published data.
    const id = session.id;
    closeEditor();
    const proposed = cfg.user.proposed || (cfg.user.proposed = []);
    if (!proposed.includes(id)) proposed.push(id);
    await refreshMap();
    focus(id);
    showStatus([T.text.proposed]);
    if (data.warnings && data.warnings.length) showWarnings(data.warnings);
    return;
  }
  if (response.ok) {
    const id = session.id;
    closeEditor();
    await refreshMap();
    focus(id);
    showStatus([T.text.saved]);
    if (data.warnings && data.warnings.length) showWarnings(data.warnings);
    return;
  }
  if (response.status === 412) {
    // Keep what the user typed; show what changed meanwhile; the next save builds on the
    // current version, so it is a deliberate choice, not a silent overwrite.
    const fresh = await load(session.id);
    session.etag = fresh.etag;
    session.base = fresh.feature.properties;
    message([el("p", {}, T.text.conflict), describeChanges(data.changes_since)], "conflict");
    return;
  }
  if (response.status === 422 || response.status === 400) {
    const unplaced = form ? showFieldErrors(form, data.errors) : (data.errors || []).map((e) => fieldLabel(e.field) + ": " + reasonText(e));
    message([T.text.invalid].concat(unplaced), "error");
    return;
  }
  if (response.status === 401) return message(T.text.loggedOut, "error");
  // The server's detail is English: shown only on an English page.
  if (response.status === 403) {
    return message(T.text.refused + (cfg.lang === "en" && data.detail ? " " + data.detail : ""), "error");
  }
  message(T.text.failed, "error");
}

// "Saved" is a passing note; it goes after a few seconds.
function showStatus(lines) {
  const status = document.getElementById("count");
  const box = el("div", { className: "edit-status", role: "status" }, ...lines.map((l) => el("p", {}, l)));
  status.after(box);
  setTimeout(() => box.remove(), 8000);
}

// A warning stays until the editor dismisses it: it asks them to check something.
function showWarnings(lines) {
  const dismiss = el("button", { type: "button", className: "dismiss" }, T.text.dismiss);
  const box = el("div", { className: "edit-warning", role: "alert" },
    el("p", { className: "title" }, T.text.warning), ...lines.map((l) => el("p", {}, l)), dismiss);
  dismiss.addEventListener("click", () => box.remove());
  document.getElementById("count").after(box);
}

// A save that could not reach the server (or read its answer), or a cluster that could
// not be loaded for editing: said in the edit panel when it is open, else on the page.
function showError(err, text) {
  const said = text || T.text.failed;
  if (!panel().hidden && panel().querySelector(".edit-message")) {
    console.error(err);
    return message(said, "error");
  }
  notifyError(said, err);
}

function openPanel(title, help) {
  const box = panel();
  box.hidden = false;
  const parts = [el("h2", {}, title), help ? el("p", { className: "help" }, help) : null,
    el("div", { className: "edit-message", role: "alert" })];
  // replaceChildren() would write a null as the text "null".
  box.replaceChildren(...parts.filter((node) => node !== null));
  box.scrollIntoView({ block: "nearest" });
  return box;
}

function buttons() {
  const saveButton = el("button", { type: "submit", className: "primary" }, T.text.save);
  const cancel = el("button", { type: "button" }, T.text.cancel);
  cancel.addEventListener("click", closeEditor);
  return el("div", { className: "edit-buttons" }, saveButton, cancel);
}

async function openUpdate(id) {
  closeEditor();
  const { feature, etag } = await load(id);
  const props = feature.properties;
  if (!canEdit(props)) return;
  session = { id, etag, base: props, mode: "update" };
  const box = openPanel(T.text.updateTitle.replace("{name}", props.name_vi));
  const form = buildForm(props);
  form.append(buttons());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = changedValues(form, session.base);
    const note = form.elements.note.value.trim();
    if (note) body.note = note;
    message(T.text.saving);
    save(body, form).catch(showError);
  });
  box.append(form);
}

// A new location (a moved point, a drawn boundary) is as precise as the editor says:
// asked, never assumed; the server refuses a new geometry without it.
function precisionField() {
  const choices = ordered("precision", T.precision).filter(([key]) => key !== "unknown");
  const node = select("location_precision", [["", T.text.choosePrecision]].concat(choices), "");
  node.required = true;
  return field(T.text.precision, node, "location_precision");
}

function chosenPrecision(form) {
  const choice = form.elements.location_precision;
  if (!choice) return undefined;
  if (choice.value) return choice.value;
  showFieldErrors(form, [{ field: "location_precision", reason: T.text.precisionRequired }]);
  message(T.text.precisionRequired, "error");
  return null;
}

function geometryForm(onSave, askPrecision) {
  const form = el("form", { className: "edit-form", novalidate: "" },
    askPrecision ? precisionField() : null,
    el("label", { className: "field", "data-field": "note" }, T.text.note,
      el("textarea", { name: "note", maxlength: "2000", rows: "2" })),
    buttons());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const precision = chosenPrecision(form);
    if (precision === null) return;
    const geometry = onSave();
    if (!geometry) return;
    const body = { geometry };
    if (precision) body.location_precision = precision;
    const note = form.elements.note.value.trim();
    if (note) body.note = note;
    message(T.text.saving);
    save(body, form).catch(showError);
  });
  return form;
}

async function openMove(id) {
  closeEditor();
  const { feature, etag } = await load(id);
  if (!canEdit(feature.properties) || !feature.geometry) return;
  map.closePopup();
  const start = L.geoJSON(feature).getBounds().getCenter();
  const marker = L.marker(start, { draggable: true, autoPan: true, title: feature.properties.name_vi });
  marker.addTo(map);
  const node = marker.getElement();
  if (node) node.classList.add("move-handle");
  session = { id, etag, base: feature.properties, mode: "move", layer: marker };
  const box = openPanel(T.text.move + ": " + feature.properties.name_vi, T.text.moveHelp);
  box.append(geometryForm(() => {
    const p = marker.getLatLng();
    return { type: "Point", coordinates: [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))] };
  }, true));
}

// Geoman's public draw events: the line of vertices placed so far (its working layer),
// and the polygon once the user closes the ring.
function onDrawStart(event) {
  if (session) session.drawing = event.workingLayer;
}

function onDrawn(event) {
  if (!session) return;
  session.layer = event.layer;
  event.layer.pm.enable({ allowSelfIntersection: false });
}

async function openDraw(id) {
  closeEditor();
  const { feature, etag } = await load(id);
  if (!canEdit(feature.properties) || !map.pm) return;
  map.closePopup();
  session = { id, etag, base: feature.properties, mode: "draw", layer: null, drawing: null };
  const box = openPanel(T.text.drawBoundary + ": " + feature.properties.name_vi, T.text.drawHelp);
  const polygon = feature.geometry && feature.geometry.type !== "Point";
  if (polygon) {
    const layer = L.geoJSON(feature).getLayers()[0];
    layer.addTo(map);
    layer.pm.enable({ allowSelfIntersection: false });
    session.layer = layer;
  } else {
    map.on("pm:drawstart", onDrawStart);
    map.on("pm:create", onDrawn);
    map.pm.enableDraw("Polygon", { allowSelfIntersection: false });
  }
  box.append(geometryForm(() => {
    if (!session.layer && session.drawing && map.pm.Draw.getActiveShape() === "Polygon") {
      // Saving with an open ring: close it rather than make the user find the first vertex.
      const ring = session.drawing.getLatLngs();
      if (ring.length >= 3) {
        map.pm.disableDraw();
        session.layer = L.polygon(ring).addTo(map);
      }
    }
    if (!session.layer) {
      message(T.text.drawHelp, "error");
      return null;
    }
    return session.layer.toGeoJSON().geometry;
  }, true));
}

function actionButton(label, action, id) {
  const button = el("button", { type: "button", className: "edit-action", "data-action": action, "data-id": id }, label);
  const run = { update: openUpdate, move: openMove, draw: openDraw }[action];
  button.addEventListener("click", () => { run(id).catch((err) => showError(err, T.text.loadError)); });
  return button;
}

/** Start: the map page's refresh after a save, and Geoman on folium's map. */
export function init({ refresh }) {
  refreshMap = refresh;
  // Geoman attaches itself to maps created after it loads; folium's map came first.
  if (!map.pm && L.PM) map.pm = new L.PM.Map(map);
}

/** The edit buttons of a cluster's popup, for a cluster in the user's scope. */
export function popupActions(props, geometry) {
  if (!canEdit(props)) return null;
  const actions = el("div", { className: "popup-actions" }, actionButton(T.text.update, "update", props.id));
  if (geometry && geometry.type === "Point") actions.append(actionButton(T.text.move, "move", props.id));
  if (geometry) actions.append(actionButton(T.text.drawBoundary, "draw", props.id));
  // The cluster page's photo form (its file input opens the camera on a phone).
  actions.append(el("a", { className: "attach-photo", href: pageUrl(props.id) + "#photo-form" }, T.text.attachPhoto));
  return actions;
}

/** Open a cluster's update form (the page's ?edit=ID). */
export function open(id) {
  return openUpdate(id).catch((err) => showError(err, T.text.loadError));
}
