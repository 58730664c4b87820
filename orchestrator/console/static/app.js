/* The console: a small single-page app with hash routes.
 *   #/                      state machines
 *   #/machines/<name>       graph, definition + diagnostics, start form, executions (filter, pages)
 *   #/executions/<arn>      coloured graph, state details, timeline, events, logs, Stop, Redrive
 *   #/create                the workflow designer (designer.js): a new state machine, blank or a template
 *   #/designer/<name>       the designer on a saved machine: palette, canvas, inspector, code
 *                           view (CodeMirror, /console/vendor/codemirror.js), validation, save, start
 * Data comes from /console/api/... (orchestrator/api/console.py). No framework, no CDN. */
"use strict";

const API = "/console/api";
const POLL_MS = 1000;
// The status vocabulary (orchestrator/console/statuses.py), from GET /console/api/config.
let vocabulary = null;
const app = document.getElementById("app");
let cleanup = [];   // timers of the current page

// --- small helpers ---------------------------------------------------------------------
async function api(path, options) {
  const response = await fetch(API + path, Object.assign({ headers: { "Content-Type": "application/json" } }, options));
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const err = new Error(body.message || response.statusText);
    err.code = body.error; err.status = response.status;
    throw err;
  }
  return body;
}

const enc = encodeURIComponent;
const fmtTime = (ms) => (ms == null ? "—" : new Date(ms).toLocaleString(undefined, { hour12: false }) +
  "." + String(Math.floor(ms % 1000)).padStart(3, "0"));
const fmtClock = (ms) => (ms == null ? "—" : new Date(ms).toLocaleTimeString(undefined, { hour12: false }) +
  "." + String(Math.floor(ms % 1000)).padStart(3, "0"));
function fmtDuration(ms) {
  if (ms == null) return "—";
  if (ms < 1000) return ms.toFixed(ms < 10 ? 1 : 0) + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(2) + " s";
  const m = Math.floor(ms / 60000);
  return m + " min " + ((ms % 60000) / 1000).toFixed(0) + " s";
}
const pretty = (v) => (v === undefined ? "" : JSON.stringify(v, null, 2));
function parseMaybe(text) {
  if (typeof text !== "string") return text;
  try { return JSON.parse(text); } catch (e) { return text; }
}
function causeText(cause) {
  const parsed = parseMaybe(cause);
  return typeof parsed === "string" ? parsed : pretty(parsed);
}
function jsonBlock(value, label) {
  if (value === null || value === undefined) return h("p", { class: "muted" }, "—");
  return h("pre", { class: "json", tabindex: "0", "aria-label": label || "JSON" }, pretty(value));
}
// A status's classes: "status-<name>" (execution statuses lower-cased) and the tone
// app.css styles, "tone-<tone>".
function statusClass(status) {
  const name = String(status).toLowerCase();
  const known = vocabulary.statuses.find((s) => s.name === name);
  return "status-" + name + (known ? " tone-" + known.tone : "");
}
function statusLabel(status) {
  const known = vocabulary.statuses.find((s) => s.name === status);
  return known ? known.label : "";
}
const statusBadge = (status) => h("span", { class: "status " + statusClass(status) },
  String(status).replace("_", " "));
function errorBox(err) {
  return h("div", { class: "error-box", role: "alert" }, h("strong", {}, err.code || "Error"), ": ", err.message);
}
function setTitle(text) { document.title = text + " · Step Functions Local console"; }

// --- router ----------------------------------------------------------------------------
async function route() {
  for (const fn of cleanup) fn();
  cleanup = [];
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query] = hash.split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  app.innerHTML = "";
  app.setAttribute("aria-busy", "true");
  try {
    if (!vocabulary) vocabulary = await api("/config");
    if (parts.length === 0) await machinesPage();
    else if (parts[0] === "machines" && parts[1]) await machinePage(parts[1], params);
    else if (parts[0] === "executions" && parts[1]) await executionPage(parts.slice(1).join("/"), params);
    else if (parts[0] === "create" && parts.length === 1) await designerPage(null, params);
    else if (parts[0] === "designer" && parts[1]) await designerPage(parts[1], params);
    else app.appendChild(h("p", {}, "Page not found. ", h("a", { href: "#/" }, "State machines")));
  } catch (err) {
    app.appendChild(errorBox(err));
  } finally {
    app.setAttribute("aria-busy", "false");
  }
  const heading = app.querySelector("h1");
  if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
}
window.addEventListener("hashchange", route);

// --- state machines --------------------------------------------------------------------
async function machinesPage() {
  setTitle("State machines");
  const data = await api("/state-machines");
  app.appendChild(h("div", { class: "title-row" }, h("h1", {}, "State machines"), h("span", { class: "spacer" }),
    h("a", { class: "button primary", id: "create-machine", href: "#/create" }, "Create state machine")));
  if (!data.stateMachines.length) {
    app.appendChild(h("p", { id: "no-machines" }, "No state machines yet. Create one in the designer (a code editor with live validation and a graph), or put *.asl.json files in statemachines/ (registered at start)."));
    return;
  }
  const rows = data.stateMachines.map((m) => h("tr", {},
    h("td", {}, h("a", { href: "#/machines/" + enc(m.name) }, m.name)),
    h("td", { class: "comment" }, m.comment || ""),
    h("td", {}, m.type),
    h("td", {}, fmtTime(m.creationDate)),
    h("td", {}, m.latestExecution ? h("span", {}, statusBadge(m.latestExecution.status), " ",
      h("a", { href: "#/executions/" + enc(m.latestExecution.executionArn) }, m.latestExecution.name)) : h("span", { class: "muted" }, "none"))));
  app.appendChild(h("table", { class: "table", id: "machines" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Description"), h("th", { scope: "col" }, "Type"),
      h("th", { scope: "col" }, "Created"), h("th", { scope: "col" }, "Latest execution"))),
    h("tbody", {}, rows)));
}

// The start form of state machine `name` (input JSON checked as typed, optional execution
// name); a started execution opens its page. The machine page and the designer show it.
function startForm(name, input) {
  const inputArea = h("textarea", { id: "exec-input", rows: "9", spellcheck: "false", "aria-describedby": "input-msg",
    "aria-label": "Execution input (JSON)" });
  inputArea.value = input;
  const nameInput = h("input", { id: "exec-name", type: "text", placeholder: "optional, e.g. order-42", maxlength: "80", "aria-label": "Execution name" });
  const msg = h("p", { id: "input-msg", class: "field-msg", "aria-live": "polite" });
  const startBtn = h("button", { type: "submit", id: "start-btn", class: "primary" }, "Start execution");
  const check = () => {
    try {
      JSON.parse(inputArea.value);
      msg.textContent = "Valid JSON"; msg.className = "field-msg ok";
      inputArea.removeAttribute("aria-invalid"); startBtn.disabled = false; return true;
    } catch (err) {
      msg.textContent = "Invalid JSON: " + err.message; msg.className = "field-msg bad";
      inputArea.setAttribute("aria-invalid", "true"); startBtn.disabled = true; return false;
    }
  };
  inputArea.addEventListener("input", check);
  const format = h("button", { type: "button", onclick: () => { if (check()) inputArea.value = pretty(JSON.parse(inputArea.value)); } }, "Format");
  const form = h("form", { class: "card", id: "start-form", onsubmit: async (ev) => {
    ev.preventDefault();
    if (!check()) { inputArea.focus(); return; }
    startBtn.disabled = true;
    try {
      const body = { input: inputArea.value };
      if (nameInput.value.trim()) body.name = nameInput.value.trim();
      const r = await api("/state-machines/" + enc(name) + "/executions", { method: "POST", body: JSON.stringify(body) });
      location.hash = "#/executions/" + enc(r.executionArn);
    } catch (err) {
      msg.textContent = (err.code ? err.code + ": " : "") + err.message; msg.className = "field-msg bad";
      startBtn.disabled = false;
    }
  } },
    h("h2", {}, "Start execution"),
    h("label", { for: "exec-input" }, "Input (JSON)"), inputArea, msg,
    h("label", { for: "exec-name" }, "Name"), nameInput,
    h("div", { class: "row" }, startBtn, format));
  check();
  return form;
}

// --- one state machine -----------------------------------------------------------------
async function machinePage(name, params) {
  setTitle(name);
  const m = await api("/state-machines/" + enc(name));
  app.appendChild(h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "State machines"), " / ", name));
  app.appendChild(h("div", { class: "title-row" }, h("h1", {}, name, " ", h("span", { class: "pill" }, m.type)),
    h("span", { class: "spacer" }),
    h("a", { class: "button", id: "edit-machine", href: "#/designer/" + enc(name), "aria-label": "Edit " + name + " in the designer" }, "Edit")));
  app.appendChild(h("p", { class: "muted arn" }, m.stateMachineArn));

  const graphBox = h("div", { class: "graph-box", id: "machine-graph" });
  const side = h("div", { class: "side" });
  app.appendChild(h("div", { class: "split" }, h("section", { class: "graph-section", "aria-label": "Workflow graph" }, graphBox), side));
  let graph = null;
  const drawn = async (g) => {
    graph = await ConsoleGraph.drawGraph(graphBox, g, { label: "Workflow of " + name, idPrefix: "m",
      onSelect: (state) => showDefinitionOf(state) });
  };
  await drawn(m.graph);

  // Start execution (the input of the latest execution is the likeliest next one)
  side.appendChild(startForm(name, params.get("input") || (m.latestInput != null ? pretty(parseMaybe(m.latestInput)) : "{}")));

  // Diagnostics + definition
  const diagBox = h("div", { id: "diagnostics" });
  const stateBox = h("div", { id: "state-definition" });
  side.appendChild(h("section", { class: "card" }, h("h2", {}, "Validation"), diagBox));
  side.appendChild(h("section", { class: "card" }, h("h2", {}, "Selected state"), stateBox));
  let definition = parseMaybe(m.definition);
  function findState(def, state) {
    if (!def || typeof def !== "object" || !def.States) return null;
    if (def.States[state]) return def.States[state];
    for (const s of Object.values(def.States)) {
      for (const sub of [...(s.Branches || []), s.ItemProcessor, s.Iterator].filter(Boolean)) {
        const found = findState(sub, state); if (found) return found;
      }
    }
    return null;
  }
  function showDefinitionOf(state) {
    stateBox.innerHTML = "";
    stateBox.appendChild(h("p", {}, h("strong", {}, state)));
    stateBox.appendChild(jsonBlock(findState(definition, state), "Definition of " + state));
  }
  stateBox.appendChild(h("p", { class: "muted" }, "Click a state (or focus it and press Enter) to see its definition."));
  const showDiagnostics = (view) => {
    diagBox.innerHTML = "";
    diagBox.appendChild(h("p", {}, "Result: ", statusBadge(view.result === "OK" ? "succeeded" : "failed"), " ",
      view.diagnostics.length ? view.diagnostics.length + " diagnostic(s)" : "no problems found"));
    if (!view.diagnostics.length) return;
    diagBox.appendChild(h("ul", { class: "diagnostics" }, view.diagnostics.map((d) => h("li", { class: "diag diag-" + d.severity.toLowerCase() },
      h("span", { class: "sev" }, d.severity), " ", h("code", {}, d.code), " ",
      d.state ? h("button", { type: "button", class: "link", onclick: () => {
        if (graph) { graph.mark(d.state, "flagged"); graph.select(d.state); graph.reveal(d.state); }
        showDefinitionOf(d.state);
      } }, d.state) : null,
      h("div", {}, d.message), d.location ? h("div", { class: "muted" }, "at ", h("code", {}, d.location)) : null))));
    if (graph) for (const d of view.diagnostics) if (d.state) graph.mark(d.state, "flagged");
  };
  showDiagnostics(m);

  // Definition editor: validate an edited definition and redraw it
  const defArea = h("textarea", { id: "definition", rows: "18", spellcheck: "false", "aria-label": "Definition (ASL JSON)" });
  defArea.value = pretty(definition);
  const validateBtn = h("button", { type: "button", id: "validate-btn", onclick: async () => {
    try {
      const view = await api("/validate", { method: "POST", body: JSON.stringify({ definition: defArea.value, type: m.type }) });
      if (view.graph) { definition = parseMaybe(defArea.value); await drawn(view.graph); }
      showDiagnostics(view);
    } catch (err) { diagBox.innerHTML = ""; diagBox.appendChild(errorBox(err)); }
  } }, "Validate and redraw");
  app.appendChild(h("details", { class: "card definition-card" }, h("summary", {}, "Definition (ASL JSON) — edit and validate"),
    defArea, h("div", { class: "row" }, validateBtn,
      h("span", { class: "muted" }, "Edits are only validated and drawn here; to save changes, open the designer (Edit)."))));

  await executionsSection(name, params);
}

async function executionsSection(name, params) {
  const section = h("section", { class: "card", id: "executions" }, h("h2", {}, "Executions"));
  app.appendChild(section);
  const filter = h("select", { id: "status-filter", "aria-label": "Filter by status" },
    ["", ...vocabulary.executionStatuses].map((s) => h("option", { value: s }, s || "All statuses")));
  const sizeSel = h("select", { id: "page-size", "aria-label": "Executions per page" }, ["10", "20", "50", "100"].map((s) => h("option", { value: s }, s + " per page")));
  sizeSel.value = "10";
  const table = h("div", {});
  const prev = h("button", { type: "button", id: "exec-prev" }, "← Newer");
  const next = h("button", { type: "button", id: "exec-next" }, "Older →");
  const pageInfo = h("span", { class: "muted", id: "exec-page" });
  section.appendChild(h("div", { class: "row" }, h("label", {}, "Status ", filter), sizeSel, h("span", { class: "spacer" }), prev, pageInfo, next));
  section.appendChild(table);
  let tokens = [null];   // token of each page seen so far
  let page = 0;
  let shown = null;      // what the table shows: redraw only on change (keeps keyboard focus)
  const load = async () => {
    const q = new URLSearchParams({ pageSize: sizeSel.value });
    if (filter.value) q.set("status", filter.value);
    if (tokens[page]) q.set("nextToken", tokens[page]);
    const data = await api("/state-machines/" + enc(name) + "/executions?" + q);
    const key = q.toString() + JSON.stringify(data);
    if (key === shown) return;
    shown = key;
    tokens[page + 1] = data.nextToken || null;
    prev.disabled = page === 0; next.disabled = !data.nextToken;
    pageInfo.textContent = "Page " + (page + 1);
    table.innerHTML = "";
    if (!data.executions.length) { table.appendChild(h("p", { class: "muted" }, "No executions" + (filter.value ? " with status " + filter.value : "") + ".")); return; }
    table.appendChild(h("table", { class: "table" },
      h("thead", {}, h("tr", {}, ["Name", "Status", "Started", "Stopped", "Duration"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, data.executions.map((e) => h("tr", {},
        h("td", {}, h("a", { href: "#/executions/" + enc(e.executionArn) }, e.name)),
        h("td", {}, statusBadge(e.status)), h("td", {}, fmtTime(e.startDate)), h("td", {}, fmtTime(e.stopDate)),
        h("td", {}, e.stopDate ? fmtDuration(e.stopDate - e.startDate) : "running"))))));
  };
  filter.addEventListener("change", () => { tokens = [null]; page = 0; load(); });
  sizeSel.addEventListener("change", () => { tokens = [null]; page = 0; load(); });
  prev.addEventListener("click", () => { if (page > 0) { page--; load(); } });
  next.addEventListener("click", () => { if (tokens[page + 1]) { page++; load(); } });
  await load();
  const timer = setInterval(() => { if (page === 0 && !document.hidden) load().catch(() => {}); }, 3000);
  cleanup.push(() => clearInterval(timer));
}

// --- one execution ---------------------------------------------------------------------
async function executionPage(arn, params) {
  let data = await api("/executions/" + enc(arn));
  const machine = data.stateMachineName;
  setTitle(data.execution.name);
  // A Map Run's child execution is reached through the execution that started it.
  const parent = data.parent;
  app.appendChild(h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "State machines"), " / ",
    parent ? [h("a", { href: "#/machines/" + enc(parent.stateMachineName) }, parent.stateMachineName), " / ",
      h("a", { href: "#/executions/" + enc(parent.executionArn), id: "parent-link" }, parent.name), " / "]
      : [h("a", { href: "#/machines/" + enc(machine) }, machine), " / "],
    data.execution.name));
  const statusEl = h("span", { id: "exec-status" });
  const stopBtn = h("button", { type: "button", id: "stop-btn", class: "danger" }, "Stop execution");
  const redriveBtn = h("button", { type: "button", id: "redrive-btn" }, "Redrive");
  const rerun = h("a", { class: "button", href: "#/machines/" + enc(machine) + "?input=" + enc(data.execution.input || "{}") }, "New execution with this input");
  app.appendChild(h("div", { class: "title-row" }, h("h1", {}, data.execution.name), statusEl, h("span", { class: "spacer" }), rerun, redriveBtn, stopBtn));
  const facts = h("dl", { class: "facts" });
  app.appendChild(facts);
  const mapRunsBox = h("section", { class: "card", id: "map-runs", "aria-label": "Map Runs" });
  app.appendChild(mapRunsBox);

  const graphBox = h("div", { class: "graph-box", id: "execution-graph" });
  const panel = h("div", { class: "side", id: "state-panel", "aria-live": "polite" });
  app.appendChild(h("div", { class: "split" }, h("section", { class: "graph-section", "aria-label": "Execution graph" }, graphBox, legend()), panel));
  let selected = null;
  let selectedVisit = 0;
  const graph = await ConsoleGraph.drawGraph(graphBox, data.graph, { label: "Execution graph", idPrefix: "x",
    onSelect: (state) => { selected = state; selectedVisit = -1; renderPanel(); } });

  // tabs: timeline, events, logs, input/output
  const tabs = [["timeline", "Timeline"], ["events", "Events"], ["logs", "Logs"], ["io", "Input & output"]];
  const tabList = h("div", { class: "tabs", role: "tablist", "aria-label": "Execution views" });
  const panes = {};
  const tabButtons = {};
  for (const [id, label] of tabs) {
    tabButtons[id] = h("button", { type: "button", role: "tab", id: "tab-" + id, "aria-controls": "pane-" + id,
      onclick: () => showTab(id), onkeydown: (ev) => {
        const i = tabs.findIndex((t) => t[0] === id);
        if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
          const j = (i + (ev.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length;
          showTab(tabs[j][0]); tabButtons[tabs[j][0]].focus();
        }
      } }, label);
    tabList.appendChild(tabButtons[id]);
    panes[id] = h("div", { role: "tabpanel", id: "pane-" + id, "aria-labelledby": "tab-" + id, class: "pane", tabindex: "0" });
  }
  app.appendChild(h("section", { class: "card" }, tabList, Object.values(panes)));
  let current = params.get("tab") || "timeline";
  function showTab(id) {
    current = id;
    for (const [t] of tabs) {
      const on = t === id;
      tabButtons[t].setAttribute("aria-selected", on ? "true" : "false");
      tabButtons[t].tabIndex = on ? 0 : -1;
      panes[t].hidden = !on;
    }
    if (id === "events") events.load();
    if (id === "logs") loadLogs();
  }

  stopBtn.addEventListener("click", async () => {
    if (!confirm("Stop execution " + data.execution.name + "?")) return;
    stopBtn.disabled = true;
    try { await api("/executions/" + enc(arn) + "/stop", { method: "POST", body: "{}" }); }
    catch (err) { app.prepend(errorBox(err)); }
    await refresh();
    stopBtn.disabled = false;   // hidden now; usable again if the execution is redriven
  });

  redriveBtn.addEventListener("click", async () => {
    redriveBtn.disabled = true;
    try { await api("/executions/" + enc(arn) + "/redrive", { method: "POST", body: "{}" }); }
    catch (err) { app.prepend(errorBox(err)); }
    await refresh();
    redriveBtn.disabled = false;
    if (data.execution.status === "RUNNING") timer = setTimeout(poll, POLL_MS);
  });

  function renderHeader() {
    const e = data.execution;
    statusEl.innerHTML = ""; statusEl.appendChild(statusBadge(e.status));
    stopBtn.hidden = e.status !== "RUNNING";
    // RedriveExecution: FAILED, TIMED_OUT or ABORTED executions the engine can continue.
    redriveBtn.hidden = e.redriveStatus !== "REDRIVABLE";
    redriveBtn.title = "Run again from the states that did not succeed";
    facts.innerHTML = "";
    const fact = (k, v) => { facts.appendChild(h("dt", {}, k)); facts.appendChild(h("dd", {}, v)); };
    fact("Started", fmtTime(e.startDate));
    fact("Stopped", fmtTime(e.stopDate));
    fact("Duration", fmtDuration((e.stopDate || Date.now()) - e.startDate));
    fact("Events", String(data.eventCount));
    if (e.error) fact("Error", h("code", {}, e.error));
    fact("ARN", h("code", { class: "arn" }, e.executionArn));
    if (e.mapRunArn) fact("Map Run", h("code", { class: "arn" }, e.mapRunArn));
    if (data.startedBy) fact("Started by", h("a", { href: "#/executions/" + enc(data.startedBy.executionArn), id: "started-by" }, data.startedBy.stateMachineName + " / " + data.startedBy.name));
    if (e.cause) facts.appendChild(h("dd", { class: "cause wide" }, e.cause));
  }

  function renderPanel() {
    panel.innerHTML = "";
    const s = data.summary;
    if (!selected) {
      panel.appendChild(h("section", { class: "card" }, h("h2", {}, "State details"),
        h("p", { class: "muted" }, "Select a state in the graph (click it, or Tab to it and press Enter) to see its input, output, error, retries and the data at each step of its input/output pipeline.")));
      const counts = {};
      for (const st of Object.values(s.states)) counts[st.status] = (counts[st.status] || 0) + 1;
      panel.appendChild(h("section", { class: "card" }, h("h2", {}, "States by outcome"),
        h("ul", { class: "counts" }, Object.entries(counts).map(([k, v]) => h("li", {}, statusBadge(k), " ", String(v))))));
      return;
    }
    graph.select(selected);
    const st = s.states[selected] || { status: "not_reached", visits: [] };
    const visits = s.visits.filter((v) => v.name === selected);
    if (selectedVisit < 0 || selectedVisit >= visits.length) selectedVisit = Math.max(0, visits.length - 1);
    const card = h("section", { class: "card", id: "state-details" });
    panel.appendChild(card);
    card.appendChild(h("h2", {}, selected));
    card.appendChild(h("p", {}, h("span", { class: "pill" }, st.type), " ", statusBadge(st.status), " ",
      h("span", { class: "muted" }, statusLabel(st.status))));
    if (!visits.length) { card.appendChild(h("p", { class: "muted" }, "This state was not reached.")); return; }
    if (visits.length > 1) {
      const sel = h("select", { id: "visit-select", "aria-label": "Which entry into the state" }, visits.map((v, i) =>
        h("option", { value: String(i) }, "Entry " + (i + 1) + " of " + visits.length +
          (v.iteration != null ? " · iteration " + v.iteration : "") + (v.branch != null ? " · branch " + (v.branch + 1) : "") + " · " + v.status)));
      sel.value = String(selectedVisit);
      sel.addEventListener("change", () => { selectedVisit = +sel.value; renderPanel(); document.getElementById("visit-select").focus(); });
      card.appendChild(h("p", {}, sel));
    }
    const v = visits[selectedVisit];
    card.appendChild(h("dl", { class: "facts small" },
      h("dt", {}, "Entered"), h("dd", {}, fmtTime(v.enteredMs)),
      h("dt", {}, "Duration"), h("dd", {}, fmtDuration(v.durationMs) + (v.status === "running" ? " so far" : "")),
      v.attempts.length ? [h("dt", {}, "Attempts"), h("dd", {}, String(v.attempts.length) + (v.retries ? " (" + v.retries + " retr" + (v.retries === 1 ? "y" : "ies") + ")" : ""))] : null));
    const failed = v.evaluationFailed;   // EvaluationFailed: a JSONata field could not be evaluated
    // The evaluation failure below says the same, and which field: show the error once.
    const sameAsFailure = failed && failed.error === v.error && failed.cause === v.cause;
    if ((v.error || v.cause) && !sameAsFailure) {
      card.appendChild(h("div", { class: "error-box", id: "state-error" }, h("strong", {}, v.error || "Error"),
        v.cause ? h("pre", { class: "cause" }, causeText(v.cause)) : null));
    }
    if (failed) {
      card.appendChild(h("section", { class: "error-box", id: "evaluation-failed", "aria-label": "Evaluation failure" },
        h("h3", {}, "Evaluation failed"),
        h("dl", { class: "facts small" },
          h("dt", {}, "Field"), h("dd", {}, failed.location ? h("code", {}, failed.location) : "—"),
          h("dt", {}, "Error"), h("dd", {}, h("code", {}, failed.error || "—"))),
        failed.cause ? h("pre", { class: "cause" }, causeText(failed.cause)) : null));
    }
    const assigned = v.assignedVariables;  // Assign: the workflow variables this entry set
    if (assigned && Object.keys(assigned).length) {
      card.appendChild(h("h3", {}, "Assigned variables"));
      card.appendChild(h("table", { class: "table compact", id: "assigned-variables" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Variable"), h("th", { scope: "col" }, "Value"))),
        h("tbody", {}, Object.entries(assigned).map(([name, value]) => h("tr", {},
          h("th", { scope: "row" }, h("code", {}, "$" + name)),
          h("td", {}, h("pre", { class: "json", tabindex: "0", "aria-label": "Value of $" + name }, pretty(value))))))));
    }
    if (v.attempts.length) {
      card.appendChild(h("h3", {}, "Attempts and retries"));
      card.appendChild(h("table", { class: "table compact", id: "attempts" },
        h("thead", {}, h("tr", {}, ["#", "Outcome", "Backoff", "Started", "Took", "Error"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, v.attempts.map((a) => h("tr", {},
          h("td", {}, String(a.number)), h("td", {}, statusBadge(a.status)),
          h("td", {}, a.backoffMs == null ? "—" : fmtDuration(a.backoffMs)),
          h("td", {}, fmtClock(a.scheduledMs)), h("td", {}, fmtDuration(a.durationMs)),
          h("td", { class: "err" }, a.error ? h("code", { title: typeof a.cause === "string" ? a.cause : pretty(a.cause) }, a.error) : "—"))))));
    }
    if (v.iterations && v.iterations.length) {
      const by = {};
      for (const it of v.iterations) by[it.status] = (by[it.status] || 0) + 1;
      card.appendChild(h("p", {}, "Iterations: ", Object.entries(by).map(([k, n]) => h("span", {}, statusBadge(k), " " + n + " "))));
    }
    card.appendChild(h("h3", {}, "Input and output pipeline",
      v.queryLanguage ? [" ", h("span", { class: "pill", id: "query-language" }, v.queryLanguage)] : null));
    // The summary names the steps for the state's query language (JSONPath or JSONata).
    const pipe = h("ol", { class: "pipeline", id: "pipeline" });
    for (const { key, label, help } of v.pipelineSteps) {
      const value = v.pipeline[key];
      if ((value === null || value === undefined) && (key === "parameters" || key === "result")) continue;  // not recorded for this state type
      pipe.appendChild(h("li", { "data-step": key }, h("div", { class: "step-label" }, label, " ", h("span", { class: "muted" }, help)), jsonBlock(value, label)));
    }
    card.appendChild(pipe);
  }

  function renderTimeline() {
    const pane = panes.timeline;
    pane.innerHTML = "";
    const s = data.summary;
    const start = s.startMs, end = s.stopMs || Math.max(Date.now(), ...s.visits.map((v) => v.endedMs || 0));
    const span = Math.max(1, end - start);
    const pct = (ms) => (100 * (ms - start) / span).toFixed(3) + "%";
    const width = (a, b) => Math.max(0.15, 100 * (b - a) / span).toFixed(3) + "%";
    pane.appendChild(h("p", { class: "muted" }, "Each row is one entry into a state; darker segments are attempts, hatched gaps are retry backoff. Total " + fmtDuration(span) + "."));
    if (s.visitCount > s.visits.length) {
      // A long execution: the server sends its newest entries (each state's figures count them all).
      pane.appendChild(h("p", { class: "muted", id: "timeline-newest" }, "Showing the newest " + s.visits.length + " of " + s.visitCount + " state entries."));
    }
    const list = h("ol", { class: "timeline", id: "timeline" });
    for (const v of s.visits) {
      const stop = v.endedMs || end;
      const bar = h("div", { class: "track" });
      bar.appendChild(h("div", { class: "bar " + statusClass(v.status), style: `left:${pct(v.enteredMs)};width:${width(v.enteredMs, stop)}` }));
      let prevEnd = null;
      for (const a of v.attempts) {
        if (a.backoffMs && prevEnd != null) {
          bar.appendChild(h("div", { class: "gap", title: "backoff " + fmtDuration(a.backoffMs),
            style: `left:${pct(prevEnd)};width:${width(prevEnd, a.scheduledMs)}` }));
        }
        const aEnd = a.endedMs || stop;
        bar.appendChild(h("div", { class: "attempt " + statusClass(a.status), title: "attempt " + a.number + ": " + a.status + " · " + fmtDuration(a.durationMs),
          style: `left:${pct(a.scheduledMs)};width:${width(a.scheduledMs, aEnd)}` }));
        prevEnd = aEnd;
      }
      const label = h("button", { type: "button", class: "link tl-name", onclick: () => { selected = v.name; selectedVisit = s.visits.filter((x) => x.name === v.name).indexOf(v); renderPanel(); } },
        v.name + (v.iteration != null ? " [" + v.iteration + "]" : ""));
      list.appendChild(h("li", { class: "tl-row" }, label, bar,
        h("span", { class: "tl-dur" }, fmtDuration(v.durationMs), v.retries ? " · ↻" + v.retries : "")));
    }
    pane.appendChild(list);
  }

  // Which state entry each event belongs to (the summary worked it out server-side).
  function stateOfEvent() {
    const map = new Map();
    for (const v of data.summary.visits) for (const id of v.events) map.set(id, v.name + (v.iteration != null ? " [" + v.iteration + "]" : ""));
    return map;
  }

  // events: a paged table straight from GetExecutionHistory
  const events = (() => {
    const pane = panes.events;
    let tokens = [null], page = 0, loaded = false;
    const size = h("select", { id: "events-size", "aria-label": "Events per page" }, ["10", "25", "50", "100"].map((n) => h("option", { value: n }, n + " per page")));
    size.value = params.get("events") || "25";
    const reverse = h("input", { type: "checkbox", id: "events-reverse" });
    const prev = h("button", { type: "button", id: "events-prev" }, "← Previous");
    const next = h("button", { type: "button", id: "events-next" }, "Next →");
    const info = h("span", { class: "muted", id: "events-page" });
    const body = h("div", {});
    pane.appendChild(h("div", { class: "row" }, size, h("label", {}, reverse, " Newest first"), h("span", { class: "spacer" }), prev, info, next));
    pane.appendChild(body);
    async function load() {
      loaded = true;
      const q = new URLSearchParams({ pageSize: size.value });
      if (reverse.checked) q.set("reverse", "true");
      if (tokens[page]) q.set("nextToken", tokens[page]);
      const r = await api("/executions/" + enc(arn) + "/history?" + q);
      tokens[page + 1] = r.nextToken || null;
      prev.disabled = page === 0; next.disabled = !r.nextToken;
      const pages = Math.max(1, Math.ceil(data.eventCount / +size.value));
      info.textContent = "Page " + (page + 1) + " of " + pages;
      body.innerHTML = "";
      body.appendChild(h("table", { class: "table events", id: "events-table" },
        h("thead", {}, h("tr", {}, ["ID", "Type", "Step", "Time", "Since start", "Details"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, r.events.map((e) => {
          const key = Object.keys(e).find((k) => k.endsWith("EventDetails"));
          const det = key ? e[key] : null;
          const shown = det ? Object.fromEntries(Object.entries(det).map(([k, v]) => [k, (k === "input" || k === "output" || k === "parameters") ? parseMaybe(v) : v])) : null;
          return h("tr", { class: /Failed|TimedOut|Aborted/.test(e.type) ? "bad" : "" },
            h("td", {}, String(e.id)), h("td", {}, e.type), h("td", {}, stateOfEvent().get(e.id) || (det && det.name) || ""),
            h("td", {}, fmtTime(e.timestamp)), h("td", {}, fmtDuration(e.timestamp - data.execution.startDate)),
            h("td", {}, shown ? h("details", {}, h("summary", {}, Object.keys(shown).join(", ")), jsonBlock(shown, "Event " + e.id + " details")) : ""));
        }))));
    }
    const reset = () => { tokens = [null]; page = 0; load(); };
    size.addEventListener("change", reset);
    reverse.addEventListener("change", reset);
    prev.addEventListener("click", () => { if (page > 0) { page--; load(); } });
    next.addEventListener("click", () => { if (tokens[page + 1]) { page++; load(); } });
    return { load, refresh: () => { if (loaded && !panes.events.hidden) load(); } };
  })();

  async function loadLogs() {
    const pane = panes.logs;
    const r = await api("/executions/" + enc(arn) + "/logs");
    pane.innerHTML = "";
    const cfg = r.loggingConfiguration || { level: "OFF" };
    pane.appendChild(h("p", { class: "muted" }, "Logging level ", h("code", {}, cfg.level),
      ", execution data ", cfg.includeExecutionData ? "included" : "not included",
      " (the state machine's loggingConfiguration, as CloudWatch Logs would receive it)."));
    if (!r.records.length) {
      pane.appendChild(h("p", { id: "logs-empty" }, cfg.level === "OFF"
        ? "No log records: logging is OFF for this state machine. Set loggingConfiguration (level ALL, ERROR or FATAL) with CreateStateMachine / UpdateStateMachine; the Events tab always has the full history."
        : "No log records at this level yet."));
      return;
    }
    pane.appendChild(h("table", { class: "table events", id: "logs-table" },
      h("thead", {}, h("tr", {}, ["Time", "Event", "Type", "Details"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, r.records.map((rec) => h("tr", { class: /Failed|TimedOut|Aborted/.test(rec.type) ? "bad" : "" },
        h("td", {}, fmtTime(+rec.event_timestamp)), h("td", {}, rec.id), h("td", {}, rec.type),
        h("td", {}, rec.details ? h("details", {}, h("summary", {}, Object.keys(rec.details).join(", ")), jsonBlock(rec.details)) : ""))))));
  }

  function renderIO() {
    const pane = panes.io;
    pane.innerHTML = "";
    const e = data.execution;
    pane.appendChild(h("div", { class: "two" },
      h("div", {}, h("h3", {}, "Execution input"), jsonBlock(parseMaybe(e.input), "Execution input")),
      h("div", {}, h("h3", {}, "Execution output"), e.status === "SUCCEEDED" ? jsonBlock(parseMaybe(e.output), "Execution output")
        : e.error ? h("div", { class: "error-box" }, h("strong", {}, e.error), e.cause ? h("pre", { class: "cause" }, e.cause) : null)
          : h("p", { class: "muted" }, e.status === "RUNNING" ? "Still running." : "No output."))));
  }

  // A Distributed Map's Map Runs: limits, counts and the child executions (links).
  function renderMapRuns() {
    const runs = data.mapRuns || [];
    mapRunsBox.hidden = !runs.length;
    mapRunsBox.innerHTML = "";
    if (!runs.length) return;
    mapRunsBox.appendChild(h("h2", {}, runs.length === 1 ? "Map Run" : "Map Runs"));
    for (const run of runs) {
      const m = run.mapRun;
      const label = m.mapRunArn.split(":").slice(-2, -1)[0].split("/").slice(1).join("/");
      mapRunsBox.appendChild(h("div", { class: "map-run" },
        h("h3", {}, label, " ", statusBadge(m.status)),
        h("p", { class: "muted" }, "Max concurrency " + (m.maxConcurrency || "unlimited") +
          " · tolerated failures " + m.toleratedFailureCount + " / " + m.toleratedFailurePercentage + "%"),
        h("ul", { class: "counts" }, run.counts.map(([k, v]) => h("li", {}, k + " ", h("strong", {}, String(v))))),
        h("table", { class: "table map-run-children" },
          h("thead", {}, h("tr", {}, ["Child execution", "Status", "Started", "Duration"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, run.children.map((e) => h("tr", {},
            h("td", {}, h("a", { href: "#/executions/" + enc(e.executionArn) }, e.name)),
            h("td", {}, statusBadge(e.status)), h("td", {}, fmtTime(e.startDate)),
            h("td", {}, e.stopDate ? fmtDuration(e.stopDate - e.startDate) : "running"))))),
        run.more ? h("p", { class: "muted" }, "Showing the newest " + run.children.length + " child executions.") : null));
    }
  }

  function renderAll() {
    renderHeader();
    renderMapRuns();
    graph.setStatuses(data.summary.states, statusClass);
    renderPanel();
    renderTimeline();
    renderIO();
  }
  async function refresh() {
    const next = await api("/executions/" + enc(arn));
    if (JSON.stringify(next) === JSON.stringify(data)) return;   // nothing new: keep focus
    data = next;
    renderAll();
    events.refresh();
    if (current === "logs") loadLogs();
  }
  renderAll();
  if (params.get("state")) { selected = params.get("state"); renderPanel(); }
  showTab(current);

  // Live updates while running: poll, no reload.
  let timer = null;
  const poll = async () => {
    if (data.execution.status !== "RUNNING") return;
    try { await refresh(); } catch (err) { /* keep polling through a restart */ }
    if (data.execution.status === "RUNNING") timer = setTimeout(poll, POLL_MS);
  };
  if (data.execution.status === "RUNNING") timer = setTimeout(poll, POLL_MS);
  cleanup.push(() => clearTimeout(timer));
}

function legend() {
  return h("ul", { class: "legend", "aria-label": "Legend" },
    vocabulary.stateStatuses.map((s) => h("li", {}, h("span", { class: "swatch " + statusClass(s) }), statusLabel(s))),
    h("li", {}, h("span", { class: "edge-sample catch" }), "Catch"),
    h("li", {}, h("span", { class: "edge-sample choice" }), "Choice rule"));
}

route();
