/* The workflow designer (#/create, #/designer/<name>): a page of app.js, which routes to
 * designerPage(name, params) and provides the helpers used here (h from dom.js, api, enc,
 * setTitle, fmtTime, pretty, statusBadge, errorBox, startForm, the page's `app` and `cleanup`).
 *
 * One source of truth: the definition's text in the code view (CodeMirror, ConsoleEditor from
 * /console/vendor/codemirror.js). Everything else follows it:
 * - the canvas is the engine's graph of the text (POST /validate: diagnostics and graph, 300 ms
 *   after a keystroke, at once after an edit elsewhere), drawn by graph.js with its edit handles;
 * - the palette, the canvas gestures and the inspector (inspector.js) edit the parsed text
 *   through DesignerModel (designer-model.js) and write it back (`edit`), one undo step each;
 * - undo / redo walk the designer's own history of texts (typing in the code view becomes a
 *   step when it pauses); the code view's own Ctrl+Z works inside it as usual;
 * - save (POST /state-machines, PUT /state-machines/<name>), a draft per machine in
 *   localStorage, export / import, and the start form once saved. */
"use strict";

const DESIGNER_DEBOUNCE_MS = 300;
const HISTORY_IDLE_MS = 600;     // a pause in typing that closes one undo step
const HISTORY_LIMIT = 200;       // undo steps kept (texts of at most a 1 MiB definition each)
const DRAG_THRESHOLD_PX = 4;     // a press that moves less is a click
const DRAFT_PREFIX = "console.designer.draft:";
// AWS: 1-80 characters, none of whitespace, brackets, wildcards or these punctuation marks.
const BAD_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

const draftKey = (name) => DRAFT_PREFIX + (name == null ? "(new)" : name);
function readDraft(name) {
  try {
    const d = JSON.parse(localStorage.getItem(draftKey(name)));
    return d && typeof d.text === "string" ? d : null;
  } catch (e) { return null; }
}
function writeDraft(name, draft) {
  try { localStorage.setItem(draftKey(name), JSON.stringify(draft)); return true; } catch (e) { return false; }
}
function dropDraft(name) { try { localStorage.removeItem(draftKey(name)); } catch (e) { /* private mode */ } }

function nameProblem(name) {
  if (!name) return "Give the state machine a name.";
  if (name.length > 80) return "A name has at most 80 characters.";
  if (BAD_NAME.test(name)) return "A name has no spaces, brackets, wildcards or punctuation such as : / , ; \" #.";
  return null;
}

// When the editor bundle is missing (make console not run): a plain textarea, same interface.
function plainEditor(parent, opts) {
  const area = h("textarea", { class: "plain-editor", spellcheck: "false", "aria-label": opts.label });
  area.value = opts.doc || "";
  area.addEventListener("input", () => opts.onChange && opts.onChange(area.value));
  parent.appendChild(area);
  return {
    getText: () => area.value,
    setText(text) { if (area.value === text) return; area.value = text; if (opts.onChange) opts.onChange(text); },
    setDiagnostics() {}, locate: () => null, locateState: () => null,
    syntaxError() { try { JSON.parse(area.value); return null; } catch (e) { return { from: 0, to: 0, message: e.message }; } },
    reveal(r, focus) { if (r) { if (focus !== false) area.focus(); area.setSelectionRange(r.from, r.to); } },
    focus: () => area.focus(),
  };
}

// --- the palette: every ASL state type, then the engine's Task presets -------------------
// A JSONPath state's fields in JSONata terms (a preset in a JSONata machine): Parameters
// become Arguments and each "key.$": "<path>" an expression on $states.input / $states.context.
function jsonataPath(path) {
  if (path === "$") return "$states.input";
  if (path.startsWith("$$.")) return "$states.context." + path.slice(3);
  if (path.startsWith("$.")) return "$states.input." + path.slice(2);
  return path;
}
function toJsonataValues(value) {
  if (Array.isArray(value)) return value.map(toJsonataValues);
  if (!value || typeof value !== "object") return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.endsWith(".$") && typeof v === "string") out[k.slice(0, -2)] = "{% " + jsonataPath(v) + " %}";
    else out[k] = toJsonataValues(v);
  }
  return out;
}
function forLanguage(state, language) {
  if (language !== "JSONata" || !state.Parameters) return state;
  const out = Object.assign({}, state, { Arguments: toJsonataValues(state.Parameters) });
  delete out.Parameters;
  return out;
}
function passMachine(def, base) {
  const name = DesignerModel.uniqueName(def, base);
  return { StartAt: name, States: { [name]: { Type: "Pass", End: true } } };
}
// [{ id, title, group, type, make(def, language) -> a new state }]
function paletteEntries(presets) {
  const firstTask = presets.find((p) => p.state.Type === "Task");
  const copy = (v) => JSON.parse(JSON.stringify(v));
  const flow = [
    { id: "task", title: "Task", type: "Task", make: (def, lang) => forLanguage(firstTask ? copy(firstTask.state)
      : { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: "my-function", "Payload.$": "$" }, End: true }, lang) },
    { id: "pass", title: "Pass", type: "Pass", make: () => ({ Type: "Pass", End: true }) },
    { id: "choice", title: "Choice", type: "Choice", make: (def, lang) => ({ Type: "Choice", Choices: [lang === "JSONata"
      ? { Condition: "{% $states.input.value = 'yes' %}" } : { Variable: "$.value", StringEquals: "yes" }] }) },
    { id: "wait", title: "Wait", type: "Wait", make: () => ({ Type: "Wait", Seconds: 5, End: true }) },
    { id: "parallel", title: "Parallel", type: "Parallel", make: (def) => ({ Type: "Parallel",
      Branches: [passMachine(def, "Branch 1 Pass"), passMachine(def, "Branch 2 Pass")], End: true }) },
    { id: "map", title: "Map", type: "Map", make: (def, lang) => Object.assign({ Type: "Map" },
      lang === "JSONata" ? { Items: "{% $states.input.items %}" } : { ItemsPath: "$.items" },
      { ItemProcessor: Object.assign({ ProcessorConfig: { Mode: "INLINE" } }, passMachine(def, "Process Item")), End: true }) },
    { id: "succeed", title: "Succeed", type: "Succeed", make: () => ({ Type: "Succeed" }) },
    { id: "fail", title: "Fail", type: "Fail", make: () => ({ Type: "Fail", Error: "MyError", Cause: "What went wrong" }) },
  ].map((e) => Object.assign({ group: "Flow" }, e));
  const services = presets.map((p) => ({ id: p.id, title: p.title, group: p.group, type: p.state.Type,
    make: (def, lang) => forLanguage(copy(p.state), lang) }));
  return [...flow, ...services];
}

// --- the page --------------------------------------------------------------------------
async function designerPage(name, params) {
  const isNew = name == null;
  setTitle(isNew ? "New state machine" : "Edit " + name);
  const [setup, machine] = await Promise.all([api("/designer"), isNew ? null : api("/state-machines/" + enc(name))]);
  const defaults = setup.defaults;
  const templates = setup.templates;
  const templateText = (id) => (templates.find((t) => t.id === id) || templates[0] || { definition: "" }).definition;
  // What the server has (edit) and what a save is checked against (expectedRevisionId/-UpdateDate).
  let saved = isNew ? null : {
    text: machine.definition,
    level: (machine.loggingConfiguration && machine.loggingConfiguration.level) || "OFF",
    revisionId: machine.revisionId || null,
    updateDate: machine.updateDate == null ? null : machine.updateDate,
  };
  let base = saved && { revisionId: saved.revisionId, updateDate: saved.updateDate };
  let alive = true;
  cleanup.push(() => { alive = false; });
  const entries = paletteEntries(setup.presets || []);

  // --- header and toolbar --------------------------------------------------------------
  app.appendChild(h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "State machines"), " / ",
    isNew ? "New state machine" : [h("a", { href: "#/machines/" + enc(name) }, name), " / Designer"]));
  const saveBtn = h("button", { type: "button", id: "save-btn", class: "primary", "aria-keyshortcuts": "Control+S Meta+S",
    title: "Save (Ctrl+S / ⌘S)", "aria-describedby": "designer-status" }, isNew ? "Create" : "Save");
  const startBtn = h("button", { type: "button", id: "designer-start", hidden: isNew }, "Start execution");
  const undoBtn = h("button", { type: "button", id: "undo-btn", "aria-keyshortcuts": "Control+Z Meta+Z" }, "Undo");
  const redoBtn = h("button", { type: "button", id: "redo-btn", "aria-keyshortcuts": "Control+Shift+Z Control+Y Meta+Shift+Z" }, "Redo");
  const exportBtn = h("button", { type: "button", id: "export-btn", "aria-label": "Export the definition as a .asl.json file" }, "Export");
  const importFile = h("input", { type: "file", id: "import-file", accept: ".json,application/json", class: "visually-hidden",
    tabindex: "-1", "aria-label": "Import a definition file" });
  const importBtn = h("button", { type: "button", id: "import-btn", "aria-label": "Import a definition from a file (replaces the definition)",
    onclick: () => importFile.click() }, "Import");
  const formatBtn = h("button", { type: "button", id: "format-btn", "aria-label": "Format the definition (2-space JSON)" }, "Format");
  const codeBtn = h("button", { type: "button", id: "code-toggle", "aria-pressed": "true", "aria-controls": "code-column" }, "Code view");
  const discardBtn = h("button", { type: "button", id: "discard-draft", hidden: true }, "Discard draft");
  const statusLine = h("span", { id: "designer-status", class: "muted", "aria-live": "polite" });
  app.appendChild(h("div", { class: "title-row" },
    h("h1", {}, isNew ? "New state machine" : name, isNew ? null : [" ", h("span", { class: "pill", id: "machine-type" }, machine.type)]),
    h("span", { class: "spacer" }), saveBtn, startBtn, undoBtn, redoBtn, codeBtn, formatBtn, exportBtn, importBtn, importFile, discardBtn));
  const saveMsg = h("div", { id: "save-msg", class: "save-msg", "aria-live": "polite" });
  app.appendChild(h("div", { class: "row" }, statusLine));
  app.appendChild(saveMsg);

  // --- settings ------------------------------------------------------------------------
  const option = (value, label) => h("option", { value }, label || value);
  const templateSel = h("select", { id: "template", "aria-describedby": "template-help" }, templates.map((t) => option(t.id, t.title)));
  const templateHelp = h("p", { id: "template-help", class: "muted small" });
  const nameInput = h("input", { type: "text", id: "machine-name", maxlength: "80", autocomplete: "off", spellcheck: "false",
    placeholder: "e.g. hello-world", "aria-describedby": "name-msg" });
  const nameMsg = h("p", { id: "name-msg", class: "field-msg", "aria-live": "polite" });
  const typeSel = h("select", { id: "machine-type-select" }, defaults.types.map((t) => option(t)));
  const languageSel = h("select", { id: "query-language", "aria-describedby": "language-help" }, option("JSONPath"), option("JSONata"));
  const levelSel = h("select", { id: "logging-level", "aria-describedby": "logging-help" }, defaults.loggingLevels.map((l) => option(l)));
  const settings = h("section", { class: "card designer-settings", id: "designer-settings", "aria-label": "State machine settings" },
    isNew ? h("div", { class: "field" }, h("label", { for: "template" }, "Template"), templateSel, templateHelp) : null,
    isNew ? h("div", { class: "field" }, h("label", { for: "machine-name" }, "Name"), nameInput, nameMsg) : null,
    isNew ? h("div", { class: "field" }, h("label", { for: "machine-type-select" }, "Type"), typeSel) : null,
    h("div", { class: "field" }, h("label", { for: "query-language" }, "Query language"), languageSel,
      h("p", { id: "language-help", class: "muted small" }, "The definition's QueryLanguage (a state may set its own).")),
    h("div", { class: "field" }, h("label", { for: "logging-level" }, "Logging level"), levelSel,
      h("p", { id: "logging-help", class: "muted small" }, "What the execution logs receive (OFF: none; the events are always kept).")));
  app.appendChild(settings);

  // --- workspace: palette | canvas + validation | code view | inspector -----------------
  const palette = h("section", { class: "card palette", id: "palette", "aria-labelledby": "palette-heading" },
    h("h2", { id: "palette-heading" }, "States"),
    h("p", { class: "muted small", id: "palette-help" }, "Drag onto an arrow, a branch or the canvas; or press one to add it after the selected state."),
    [...new Set(entries.map((e) => e.group))].map((group) => h("div", { class: "palette-group", role: "group", "aria-label": group },
      h("h3", {}, group),
      entries.filter((e) => e.group === group).map((e) => h("button", { type: "button", class: "palette-item type-" + e.type.toLowerCase(),
        "data-palette": e.id, "aria-describedby": "palette-help" }, e.title)))));
  const selectionBar = h("div", { class: "selection-bar", id: "selection-bar", role: "toolbar", "aria-label": "Selected state" });
  const graphBox = h("div", { class: "graph-box", id: "designer-graph", tabindex: "-1",
    "aria-describedby": "canvas-help" });
  const graphNote = h("p", { class: "graph-note muted small", id: "graph-note", hidden: true });
  const canvasHelp = h("p", { class: "muted small", id: "canvas-help" },
    "Drag a state onto an arrow to move it there, from the dot under a state to another state to connect them, and an arrow's head to re-target it. ",
    "Keys: Tab to a state, Enter selects, Delete removes, Alt+↑ / Alt+↓ move it along its chain, + buttons insert, Ctrl+Z / Ctrl+Shift+Z undo and redo.");
  const diagBox = h("div", { id: "designer-diagnostics", "aria-live": "polite" });
  const editorBox = h("div", { class: "editor-box", id: "designer-editor" });
  const inspectorBox = h("div", { id: "inspector" });
  const workspace = h("div", { class: "workspace", id: "workspace" },
    palette,
    h("div", { class: "canvas-column" },
      h("section", { class: "graph-section", "aria-label": "Canvas" }, selectionBar, graphBox, graphNote, canvasHelp),
      h("section", { class: "card", "aria-labelledby": "validation-heading" }, h("h2", { id: "validation-heading" }, "Validation"), diagBox)),
    h("section", { class: "code-column", id: "code-column", "aria-label": "Definition (ASL JSON)" }, editorBox),
    h("section", { class: "card inspector-column", "aria-labelledby": "inspector-heading" },
      h("h2", { id: "inspector-heading" }, "Inspector"), inspectorBox));
  app.appendChild(workspace);

  // Initial content: a draft of this machine (restored), else the server's or the template's.
  const draft = readDraft(name);
  let restored = null;
  let text0;
  if (isNew) {
    templateSel.value = (draft && draft.template) || (templates.find((t) => t.id === "hello-world") ? "hello-world" : templates[0].id);
    text0 = draft ? draft.text : templateText(templateSel.value);
    if (draft) { nameInput.value = draft.name || ""; typeSel.value = draft.type || "STANDARD"; levelSel.value = draft.level || "OFF"; restored = draft; }
  } else {
    levelSel.value = saved.level;
    text0 = saved.text;
    if (draft && (draft.text !== saved.text || draft.level !== saved.level)) {
      text0 = draft.text; levelSel.value = draft.level || saved.level; restored = draft;
      if (draft.base) base = draft.base;
    } else if (draft) dropDraft(name);
  }
  const showTemplateHelp = () => {
    const t = templates.find((x) => x.id === templateSel.value);
    templateHelp.textContent = t ? t.description : "";
  };
  showTemplateHelp();

  const makeEditor = window.ConsoleEditor ? window.ConsoleEditor.create : plainEditor;
  if (!window.ConsoleEditor) {
    app.insertBefore(h("div", { class: "error-box", role: "alert" }, h("strong", {}, "Plain text editor"),
      ": the code editor did not load (/console/vendor/codemirror.js): run ", h("code", {}, "make console"), "."), settings);
  }
  const editor = makeEditor(editorBox, { doc: text0, label: "Definition (ASL JSON)", onChange: () => changed() });

  // The parsed text (cached per text); null when it is not a JSON object.
  let parsed = { text: null, def: null };
  function current() {
    const text = editor.getText();
    if (parsed.text !== text) {
      let def = null;
      try { def = JSON.parse(text); } catch (e) { def = null; }
      parsed = { text, def: def && typeof def === "object" && !Array.isArray(def) ? def : null };
    }
    return parsed.def;
  }

  // --- messages ------------------------------------------------------------------------
  function say(kind, ...content) {
    saveMsg.innerHTML = "";
    saveMsg.className = "save-msg " + kind;
    saveMsg.setAttribute("role", kind === "bad" ? "alert" : "status");
    saveMsg.appendChild(h("p", {}, ...content));
  }

  // --- state: dirty, draft, save button ------------------------------------------------
  let lastView = null;     // { text, type, view } of the latest validation answer
  let saving = false;
  let takenName = null;   // the name a create was refused for (409 StateMachineAlreadyExists)
  const machineType = () => (isNew ? typeSel.value : machine.type);
  function isDirty() {
    const text = editor.getText();
    if (isNew) return text !== templateText(templateSel.value) || nameInput.value.trim() !== "";
    return text !== saved.text || levelSel.value !== saved.level;
  }
  function errorCount() {
    const text = editor.getText();
    if (!text.trim()) return 1;
    if (editor.syntaxError()) return 1;
    if (!lastView || lastView.text !== text || lastView.type !== machineType()) return 0;   // not known yet: save checks again
    return lastView.view.diagnostics.filter((d) => d.severity === "ERROR").length || (lastView.view.result === "OK" ? 0 : 1);
  }
  function refreshControls() {
    const dirty = isDirty();
    const errors = errorCount();
    const problem = isNew ? nameProblem(nameInput.value.trim()) ||
      (takenName && nameInput.value.trim() === takenName ? "A state machine with this name already exists." : null) : null;
    saveBtn.disabled = saving || errors > 0 || (!isNew && !dirty) || (isNew && !!problem);
    saveBtn.title = errors ? "Fix the errors before saving (warnings do not block)" : problem || (!isNew && !dirty ? "No changes to save" : "Save (Ctrl+S / ⌘S)");
    startBtn.disabled = isNew || dirty;
    startBtn.title = dirty ? "Save first: an execution runs the saved definition" : "Start an execution of " + (name || "");
    discardBtn.hidden = !restored && !(dirty && readDraft(name));
    undoBtn.disabled = at === 0 && !historyTimer;
    redoBtn.disabled = at >= past.length - 1;
    undoBtn.title = undoBtn.disabled ? "Nothing to undo" : "Undo " + (historyTimer ? "Edit the code" : labels[at]) + " (Ctrl+Z)";
    redoBtn.title = redoBtn.disabled ? "Nothing to redo" : "Redo " + labels[at + 1] + " (Ctrl+Shift+Z)";
    const def = current();
    if (def) languageSel.value = def.QueryLanguage === "JSONata" ? "JSONata" : "JSONPath";
    languageSel.disabled = !def;
    let status;
    if (saving) status = "Saving…";
    else if (errors) status = errors + " error" + (errors === 1 ? "" : "s") + ": fix to save.";
    else if (dirty) status = "Unsaved changes (kept as a draft in this browser).";
    else status = isNew ? "Pick a template and a name, then Create." : "No unsaved changes.";
    if (restored) status += " Draft restored from " + fmtTime(restored.savedAt) + ".";
    statusLine.textContent = status;
    if (isNew) {
      nameMsg.textContent = nameInput.value.trim() ? (problem || "") : "";
      nameMsg.className = "field-msg" + (problem && nameInput.value.trim() ? " bad" : "");
      if (problem && nameInput.value.trim()) nameInput.setAttribute("aria-invalid", "true"); else nameInput.removeAttribute("aria-invalid");
    }
  }
  function keepDraft() {
    if (!isDirty()) { dropDraft(name); return; }
    writeDraft(name, { text: editor.getText(), level: levelSel.value, name: isNew ? nameInput.value : name,
      type: machineType(), template: isNew ? templateSel.value : undefined, savedAt: Date.now(), base });
  }

  // --- history (undo / redo) -------------------------------------------------------------
  const past = [text0];      // texts, oldest first; past[at] is the current one
  const labels = [""];       // what made each text ("Add PlaceOrder", "Edit the code")
  let at = 0;
  let historyTimer = null;   // typing in the code view not yet recorded
  let writing = false;       // the designer itself is writing the text (not the user typing)
  function record(label) {
    clearTimeout(historyTimer); historyTimer = null;
    const text = editor.getText();
    if (text === past[at]) return;
    past.splice(at + 1); labels.splice(at + 1);
    past.push(text); labels.push(label);
    if (past.length > HISTORY_LIMIT) { past.shift(); labels.shift(); }
    at = past.length - 1;
  }
  const flushTyping = () => { if (historyTimer) record("Edit the code"); };
  function write(text, label) {
    flushTyping();
    writing = true;
    try { editor.setText(text); } finally { writing = false; }
    if (label) record(label);
    validateSoon(0);
    refreshControls();
  }
  function undo() {
    flushTyping();
    if (at === 0) return;
    const label = labels[at];
    at--;
    write(past[at], null);
    say("info", "Undid: ", label, ".");
  }
  function redo() {
    if (at >= past.length - 1) return;
    at++;
    write(past[at], null);
    say("info", "Redid: ", labels[at], ".");
  }
  undoBtn.addEventListener("click", undo);
  redoBtn.addEventListener("click", redo);

  // One edit of the parsed definition (palette, canvas, inspector, settings): mutate(clone)
  // through DesignerModel; a ModelError is shown and changes nothing. -> { ok, result }
  function edit(mutate, label) {
    const def = current();
    if (!def) {
      const syntax = editor.syntaxError();
      say("bad", "Fix the JSON in the code view first", syntax ? " (" + syntax.message + ")" : "", ".");
      return { ok: false };
    }
    const copy = DesignerModel.clone(def);
    let result;
    try { result = mutate(copy); } catch (err) {
      if (err && err.name === "ModelError") { say("bad", err.message); return { ok: false }; }
      throw err;
    }
    const text = pretty(copy);
    if (text !== editor.getText()) write(text, label);
    return { ok: true, result };
  }

  // --- every change of the text ------------------------------------------------------------
  let timer = null;
  function validateSoon(ms) {
    clearTimeout(timer);
    timer = setTimeout(() => { validate().catch(() => {}); }, ms);
  }
  function changed() {
    if (!writing) {   // the user typed: one undo step when the typing pauses
      clearTimeout(historyTimer);
      historyTimer = setTimeout(() => { record("Edit the code"); refreshControls(); }, HISTORY_IDLE_MS);
      validateSoon(DESIGNER_DEBOUNCE_MS);
    }
    keepDraft();
    // A rename in the inspector: it shows the new name before its onRename comes.
    const shown = inspector && inspector.selected();
    if (shown && shown !== selectedName && current() && DesignerModel.find(current(), shown)) selectedName = shown;
    if (selectedName && !(current() && DesignerModel.find(current(), selectedName))) selectState(null);
    if (inspector) inspector.refresh();
    renderSelectionBar();
    refreshControls();
  }
  cleanup.push(() => { clearTimeout(timer); clearTimeout(historyTimer); });

  // --- selection ---------------------------------------------------------------------------
  let selectedName = null;
  let graph = null;
  function selectState(stateName, opts) {
    const def = current();
    selectedName = stateName && def && DesignerModel.find(def, stateName) ? stateName : null;
    if (graph) graph.select(selectedName);
    if (inspector && inspector.selected() !== selectedName) inspector.show(selectedName);
    if (selectedName && !(opts && opts.quiet)) editor.reveal(editor.locateState(selectedName), false);
    renderSelectionBar();
  }
  function renderSelectionBar() {
    selectionBar.innerHTML = "";
    const def = current();
    const found = selectedName && def ? DesignerModel.find(def, selectedName) : null;
    if (!found) {
      selectionBar.appendChild(h("span", { class: "muted small" }, "Select a state (click it, or Tab to it and press Enter) to edit, move or delete it."));
      return;
    }
    const targets = moveTargets(def, selectedName);
    const moveSel = h("select", { id: "move-to", "aria-label": "Move " + selectedName + " to" },
      h("option", { value: "" }, "Move to…"), targets.map((t, i) => h("option", { value: String(i) }, t.label)));
    moveSel.addEventListener("change", () => {
      const t = targets[Number(moveSel.value)];
      if (t) moveTo(selectedName, t.target);
    });
    selectionBar.append(
      h("strong", { id: "selected-name" }, selectedName), h("span", { class: "muted small" }, " " + found.state.Type + " "),
      h("button", { type: "button", id: "move-up", "aria-keyshortcuts": "Alt+ArrowUp", title: "Move before the previous state (Alt+↑)",
        onclick: () => moveInChain(-1) }, "↑ Move up"),
      h("button", { type: "button", id: "move-down", "aria-keyshortcuts": "Alt+ArrowDown", title: "Move after the next state (Alt+↓)",
        onclick: () => moveInChain(1) }, "↓ Move down"),
      moveSel,
      h("button", { type: "button", id: "delete-state", class: "danger", "aria-keyshortcuts": "Delete", title: "Delete the state (Delete)",
        onclick: () => deleteSelected() }, "Delete"));
  }
  // Where the selected state can go (the keyboard's drag and drop): after another state of
  // any scope but its own inside, into each branch / processor, or unconnected at the top.
  function moveTargets(def, stateName) {
    const within = DesignerModel.namesWithin(def, stateName);
    const out = [{ label: "Unconnected, at the top level", target: { kind: "canvas" } }];
    for (const n of DesignerModel.names(def)) {
      if (within.has(n)) continue;
      out.push({ label: "After " + n, target: { kind: "after", name: n } });
      const s = DesignerModel.find(def, n).state;
      DesignerModel.childMachines(s).forEach((c, i) => {
        out.push({ label: "Into " + (s.Type === "Parallel" ? "branch " + (i + 1) : "the item processor") + " of " + n,
          target: { kind: "scope", scope: "g:" + n + ":" + i } });
      });
    }
    return out;
  }
  function moveTo(stateName, target) {
    if (edit((def) => DesignerModel.moveState(def, stateName, target), "Move " + stateName).ok) selectState(stateName, { quiet: true });
  }
  function moveInChain(direction) {
    if (!selectedName) return;
    const stateName = selectedName;
    if (edit((def) => DesignerModel.moveInChain(def, stateName, direction), (direction < 0 ? "Move up " : "Move down ") + stateName).ok) {
      focusAfterDraw = stateName;
    }
  }
  function deleteSelected() {
    if (!selectedName) return;
    const stateName = selectedName;
    if (edit((def) => DesignerModel.deleteState(def, stateName), "Delete " + stateName).ok) {
      selectState(null);
      say("ok", "Deleted ", h("code", {}, stateName), " (Undo brings it back).");
      graphBox.focus();
    }
  }

  // --- the palette and the insert menu ----------------------------------------------------------
  function insertNew(entry, target) {
    const r = edit((def) => {
      const stateName = DesignerModel.uniqueName(def, entry.title);
      const state = entry.make(def, DesignerModel.queryLanguage(def, null));
      DesignerModel.addState(def, stateName, state, target);
      if (state.Type === "Choice" && typeof state.Default === "string") {
        for (const rule of state.Choices) if (rule.Next === undefined) rule.Next = state.Default;
      }
      return stateName;
    }, "Add " + entry.title);
    if (r.ok) { selectState(r.result, { quiet: true }); focusAfterDraw = r.result; say("ok", "Added ", h("code", {}, r.result), "."); }
  }
  const defaultTarget = () => (selectedName ? { kind: "after", name: selectedName } : { kind: "canvas" });
  for (const button of palette.querySelectorAll("[data-palette]")) {
    const entry = entries.find((e) => e.id === button.dataset.palette);
    button.addEventListener("click", () => insertNew(entry, defaultTarget()));
    button.addEventListener("pointerdown", (ev) => startDrag(ev, { kind: "new", entry, label: entry.title }));
  }
  // The menu an insert button (+ on an arrow or a branch) opens: the palette as menu items.
  let menu = null;
  function closeMenu(refocus) {
    if (!menu) return;
    const { el, opener } = menu;
    menu = null;
    el.remove();
    if (refocus && opener && opener.isConnected) opener.focus();
  }
  function openInsertMenu(target, opener) {
    closeMenu(false);
    const modelTarget = "target" in target ? edgeTarget(target) : { kind: "scope", scope: target.id };
    const items = entries.map((e) => h("button", { type: "button", role: "menuitem", class: "menu-item", "data-menu": e.id,
      onclick: () => { closeMenu(false); insertNew(e, modelTarget); } }, e.title));
    const el = h("div", { class: "insert-menu", role: "menu", id: "insert-menu", "aria-label": opener.getAttribute("aria-label") }, items);
    const r = opener.getBoundingClientRect();
    el.style.left = Math.min(window.innerWidth - 200, r.right + 6) + "px";
    el.style.top = Math.max(6, Math.min(window.innerHeight - 320, r.top)) + "px";
    el.addEventListener("keydown", (ev) => {
      const i = items.indexOf(document.activeElement);
      if (ev.key === "Escape") { ev.preventDefault(); ev.stopPropagation(); closeMenu(true); }
      else if (ev.key === "ArrowDown") { ev.preventDefault(); items[(i + 1) % items.length].focus(); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
      else if (ev.key === "Tab") closeMenu(false);
    });
    document.body.appendChild(el);
    menu = { el, opener };
    items[0].focus();
  }
  const onOutside = (ev) => { if (menu && !menu.el.contains(ev.target) && !menu.opener.contains(ev.target)) closeMenu(false); };
  document.addEventListener("pointerdown", onOutside, true);
  cleanup.push(() => { closeMenu(false); document.removeEventListener("pointerdown", onOutside, true); });

  // --- the canvas: drag and drop ------------------------------------------------------------------
  // A graph edge -> DesignerModel's target for inserting on it.
  function edgeTarget(e) {
    if (e.source.startsWith("start:")) return { kind: "edge", source: null, field: "StartAt", scope: e.source.slice(6) };
    return { kind: "edge", source: e.source.slice(2), field: e.field };
  }
  // What is under the pointer: a state, an edge, a group or the background (for new states
  // and moves), or only a state (for connecting and re-targeting).
  function dropTarget(x, y, statesOnly) {
    const el = document.elementFromPoint(x, y);
    if (!el || !graph || !graphBox.contains(el)) return null;
    const stateEl = el.closest(".state[data-state]");
    if (statesOnly) return stateEl ? { kind: "state", name: stateEl.dataset.state, el: stateEl } : null;
    const edgeEl = el.closest("[data-edge]");
    if (edgeEl) return { kind: "edge", id: edgeEl.dataset.edge, el: edgeEl };
    const groupEl = el.closest("[data-group]");
    if (stateEl && !(groupEl && stateEl.classList.contains("compound"))) return { kind: "state", name: stateEl.dataset.state, el: stateEl };
    if (groupEl) return { kind: "group", id: groupEl.dataset.group, el: groupEl };
    if (el.closest("[data-canvas]")) return { kind: "canvas", el: graphBox };
    return null;
  }
  function modelTarget(t) {
    if (t.kind === "edge") return edgeTarget(graph.lookup(t.id));
    if (t.kind === "group") return { kind: "scope", scope: t.id };
    if (t.kind === "state") return { kind: "after", name: t.name };
    return { kind: "canvas" };
  }
  function drop(payload, t) {
    if (payload.kind === "new") { insertNew(payload.entry, modelTarget(t)); return; }
    if (payload.kind === "move") {
      if (t.kind === "state" && t.name === payload.name) return;
      moveTo(payload.name, modelTarget(t));
      return;
    }
    if (payload.kind === "connect") {
      const r = edit((def) => DesignerModel.connect(def, payload.name, t.name), "Connect " + payload.name + " to " + t.name);
      if (r.ok) say("ok", "Connected ", h("code", {}, payload.name), " to ", h("code", {}, t.name), " (", h("code", {}, r.result), ").");
      return;
    }
    const e = graph.lookup(payload.edge);
    const from = edgeTarget(e);
    const r = edit((def) => (from.source === null ? DesignerModel.retarget(def, null, "StartAt", t.name, from.scope)
      : DesignerModel.retarget(def, from.source, from.field, t.name)), "Re-target a transition to " + t.name);
    if (r.ok) say("ok", "Now ", from.source === null ? "the start" : h("code", {}, from.source + " " + from.field), " goes to ", h("code", {}, t.name), ".");
  }
  // One drag: a ghost label (new state, move) or a rubber band (connect, re-target) follows the
  // pointer, the target under it is outlined; releasing drops, Escape cancels, a press that did
  // not move is left to the click handlers.
  function startDrag(ev, payload) {
    if (ev.button !== 0) return;
    const x0 = ev.clientX, y0 = ev.clientY;
    const statesOnly = payload.kind === "connect" || payload.kind === "retarget";
    let active = false, hover = null, ghost = null, band = null;
    const highlight = (t) => {
      if (hover && hover.el) hover.el.classList.remove("drop-hover");
      hover = t;
      if (hover && hover.el) hover.el.classList.add("drop-hover");
    };
    const onMove = (e) => {
      if (!active && Math.hypot(e.clientX - x0, e.clientY - y0) < DRAG_THRESHOLD_PX) return;
      if (!active) {
        active = true;
        document.body.classList.add("designer-dragging");
        if (statesOnly) {
          band = document.createElementNS("http://www.w3.org/2000/svg", "svg");
          band.setAttribute("class", "drag-band");
          band.innerHTML = '<line x1="' + x0 + '" y1="' + y0 + '" x2="' + x0 + '" y2="' + y0 + '"/>';
          document.body.appendChild(band);
        } else {
          ghost = h("div", { class: "drag-ghost", "aria-hidden": "true" }, payload.label || payload.name);
          document.body.appendChild(ghost);
        }
      }
      if (ghost) { ghost.style.left = e.clientX + 10 + "px"; ghost.style.top = e.clientY + 8 + "px"; }
      if (band) { const l = band.firstChild; l.setAttribute("x2", e.clientX); l.setAttribute("y2", e.clientY); }
      highlight(dropTarget(e.clientX, e.clientY, statesOnly));
    };
    const finish = () => {
      document.removeEventListener("pointermove", onMove);
      document.removeEventListener("pointerup", onUp);
      document.removeEventListener("keydown", onKey, true);
      document.body.classList.remove("designer-dragging");
      if (ghost) ghost.remove();
      if (band) band.remove();
      const t = hover;
      highlight(null);
      return t;
    };
    const onUp = (e) => {
      if (active) onMove(e);
      const t = finish();
      if (!active) return;
      swallowClick();
      if (t) drop(payload, t);
    };
    const onKey = (e) => { if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); finish(); active = false; } };
    document.addEventListener("pointermove", onMove);
    document.addEventListener("pointerup", onUp);
    document.addEventListener("keydown", onKey, true);
  }
  // The click that follows a drag's release is not a press of what it ends on.
  function swallowClick() {
    const stop = (e) => { e.stopPropagation(); e.preventDefault(); };
    window.addEventListener("click", stop, true);
    setTimeout(() => window.removeEventListener("click", stop, true), 0);
  }
  graphBox.addEventListener("pointerdown", (ev) => {
    if (!graph || ev.button !== 0) return;
    const connect = ev.target.closest("[data-connect]");
    const retarget = ev.target.closest("[data-retarget]");
    const stateEl = ev.target.closest(".state[data-state]");
    if (connect) startDrag(ev, { kind: "connect", name: connect.dataset.connect });
    else if (retarget) startDrag(ev, { kind: "retarget", edge: retarget.dataset.retarget });
    else if (stateEl) startDrag(ev, { kind: "move", name: stateEl.dataset.state });
    else return;
    ev.preventDefault();   // no text selection while dragging
  });
  graphBox.addEventListener("keydown", (ev) => {
    const onState = ev.target.closest && ev.target.closest(".state[data-state]");
    if ((ev.key === "Delete" || ev.key === "Backspace") && selectedName && (onState || ev.target === graphBox)) {
      ev.preventDefault(); deleteSelected();
    } else if (ev.altKey && (ev.key === "ArrowUp" || ev.key === "ArrowDown") && selectedName) {
      ev.preventDefault(); moveInChain(ev.key === "ArrowUp" ? -1 : 1);
    } else if (ev.key === "Escape" && selectedName) {
      ev.preventDefault(); selectState(null);
    }
  });

  // --- the inspector ------------------------------------------------------------------------------
  const resources = [...new Map((setup.presets || []).filter((p) => p.state.Resource)
    .map((p) => [p.state.Resource, { title: p.title, resource: p.state.Resource, group: p.group }])).values()];
  const inspector = DesignerInspector.create(inspectorBox, {
    getDefinition: current,
    apply: (mutate, label) => edit(mutate, label).ok,
    resources,
    onRename: (oldName, newName) => { selectedName = newName; renderSelectionBar(); },
    onSelect: (stateName) => selectState(stateName),
    testState: (request) => api("/test-state", { method: "POST", body: JSON.stringify(request) }),
  });
  inspector.show(null);

  // --- validation, canvas and diagnostics ----------------------------------------------------------
  let drawnGraph = null;     // the JSON of the graph drawn
  let focusAfterDraw = null; // the state to focus once the canvas is redrawn (keyboard edits)
  let seq = 0;
  async function validate() {
    clearTimeout(timer);
    const text = editor.getText();
    const type = machineType();
    if (lastView && lastView.text === text && lastView.type === type) return lastView;
    const my = ++seq;
    let view;
    if (!text.trim()) {
      view = { result: "FAIL", graph: null, truncated: false,
        diagnostics: [{ severity: "ERROR", code: "EMPTY_DEFINITION", message: "The definition is empty.", location: "", state: null }] };
    } else {
      try {
        view = await api("/validate", { method: "POST", body: JSON.stringify({ definition: text, type }) });
      } catch (err) {
        if (my === seq && alive) { diagBox.innerHTML = ""; diagBox.appendChild(errorBox(err)); }
        throw err;
      }
    }
    if (my !== seq || !alive) return lastView;   // a newer text is being checked
    lastView = { text, type, view };
    await showView(view, my);
    refreshControls();
    return lastView;
  }

  function rangeOf(d) {
    if (d.code === "INVALID_JSON_DESCRIPTION") return editor.syntaxError() || editor.locate(d.location);
    return (d.location && d.location.startsWith("/") && d.location !== "/" ? editor.locate(d.location) : null) ||
      (d.state ? editor.locateState(d.state) : null);
  }
  function selectDiagnostic(d, item) {
    for (const li of diagBox.querySelectorAll("li.diag")) li.classList.toggle("current", li === item);
    if (d.state && graph) { selectState(d.state, { quiet: true }); graph.reveal(d.state); }
    editor.reveal(rangeOf(d));
  }

  async function showView(view, my) {
    // The editor marks the engine's diagnostics where their location is found in the text
    // (its own JSON parser marks syntax errors; the engine's message for one is listed).
    const syntax = editor.syntaxError();
    editor.setDiagnostics(view.diagnostics.filter((d) => !(syntax && d.code === "INVALID_JSON_DESCRIPTION")));
    inspector.setDiagnostics(view.diagnostics);
    showDiagnostics(view);
    // Canvas: drawn from the text when it is JSON; otherwise the last drawing stays, marked stale.
    const graphJson = view.graph ? JSON.stringify(view.graph) : null;
    if (view.graph && graph && graphJson === drawnGraph) {
      graphNote.hidden = true;   // same graph: keep the drawing (and the user's zoom and pan)
      graphBox.classList.remove("stale");
    } else if (view.graph) {
      const focused = document.activeElement && graphBox.contains(document.activeElement) && document.activeElement.closest(".state[data-state]");
      const drawn = await ConsoleGraph.drawGraph(graphBox, view.graph, { label: "Workflow canvas", idPrefix: "d", editable: true,
        onSelect: (state) => selectState(state), onInsert: (target, el) => openInsertMenu(target, el) });
      if (my !== seq || !alive) return;
      graph = drawn;
      drawnGraph = graphJson;
      graphNote.hidden = true;
      graphBox.classList.remove("stale");
      graph.select(selectedName);
      const refocus = focusAfterDraw || (focused ? focused.dataset.state : null);
      focusAfterDraw = null;
      const el = refocus && graph.stateElement(refocus);
      if (el) el.focus({ preventScroll: true });
    } else if (graph) {
      graphNote.hidden = false;
      graphNote.textContent = "The text is not valid JSON: the canvas shows the last version that was (fix the JSON to edit it).";
      graphBox.classList.add("stale");
    } else {
      graphNote.hidden = false;
      graphNote.textContent = "No canvas: the text is not valid JSON.";
    }
    if (graph) {
      const flags = {};
      for (const d of view.diagnostics) {
        if (!d.state) continue;
        const f = flags[d.state];
        if (!f || (f.severity !== "ERROR" && d.severity === "ERROR")) flags[d.state] = { severity: d.severity, count: 1 };
        else if (f.severity === d.severity) f.count++;
      }
      graph.setFlags(flags);
    }
  }
  function showDiagnostics(view) {
    diagBox.innerHTML = "";
    const errors = view.diagnostics.filter((d) => d.severity === "ERROR").length;
    const warnings = view.diagnostics.length - errors;
    diagBox.appendChild(h("p", { id: "validation-result" }, "Result: ", statusBadge(view.result === "OK" ? "succeeded" : "failed"), " ",
      view.diagnostics.length ? [errors + " error" + (errors === 1 ? "" : "s"), ", ", warnings + " warning" + (warnings === 1 ? "" : "s"),
        errors ? "" : " (warnings do not block saving)"] : "no problems found"));
    if (!view.diagnostics.length) return;
    diagBox.appendChild(h("ul", { class: "diagnostics", id: "diagnostic-list" }, view.diagnostics.map((d) => {
      const item = h("li", { class: "diag diag-" + d.severity.toLowerCase(), "data-code": d.code, "data-state": d.state || "" });
      const target = d.state ? "state " + d.state : d.code === "INVALID_JSON_DESCRIPTION" ? "the JSON error" : "the definition";
      item.appendChild(h("button", { type: "button", class: "diag-go", "aria-label": d.severity + " " + d.code + ": show " + target,
        onclick: () => selectDiagnostic(d, item) },
        h("span", { class: "sev" }, d.severity), " ", h("code", {}, d.code), d.state ? [" ", h("strong", {}, d.state)] : null));
      // A JSON error's message and location quote the whole text: show its line and column.
      const lineCol = /line: (\d+), column: (\d+)/.exec(d.location || "");
      item.appendChild(h("div", { class: "diag-message" }, String(d.message).split("\n at [Source")[0]));
      if (d.location && d.location.startsWith("/")) item.appendChild(h("div", { class: "muted small" }, "at ", h("code", {}, d.location)));
      else if (lineCol) item.appendChild(h("div", { class: "muted small" }, "at line " + lineCol[1] + ", column " + lineCol[2]));
      return item;
    })));
    if (view.truncated) diagBox.appendChild(h("p", { class: "muted" }, "More diagnostics were left out: fix these first."));
  }

  // --- save ----------------------------------------------------------------------------
  async function save() {
    if (saving) return;
    if (isNew) {
      const problem = nameProblem(nameInput.value.trim());
      if (problem) { say("bad", problem); nameInput.focus(); return; }
    }
    saving = true; refreshControls();
    const text = editor.getText();
    try {
      let view;
      try { view = await validate(); } catch (err) { say("bad", "Not saved: the definition could not be checked (", err.message, ")."); return; }
      if (!alive) return;
      if (editor.getText() !== text) return;   // changed while checking: the next save sends it
      const errors = errorCount();
      if (errors || !view) {
        say("bad", "Not saved: fix the ", String(errors || 1), " error", errors === 1 ? "" : "s", " listed under Validation first (warnings do not block saving).");
        return;
      }
      if (isNew) {
        const machineName = nameInput.value.trim();
        const r = await api("/state-machines", { method: "POST", body: JSON.stringify({
          name: machineName, type: typeSel.value, definition: text, loggingLevel: levelSel.value }) });
        dropDraft(null);
        location.hash = "#/designer/" + enc(r.name || machineName) + "?saved=created";
        return;
      }
      const r = await api("/state-machines/" + enc(name), { method: "PUT", body: JSON.stringify({
        definition: text, loggingLevel: levelSel.value,
        expectedRevisionId: base ? base.revisionId : null, expectedUpdateDate: base ? base.updateDate : null }) });
      saved = { text, level: levelSel.value, revisionId: r.revisionId || null, updateDate: r.updateDate };
      base = { revisionId: saved.revisionId, updateDate: saved.updateDate };
      restored = null;
      dropDraft(name);
      say("ok", "Saved at ", fmtTime(r.updateDate), saved.revisionId ? [" (revision ", h("code", { id: "revision-id" }, saved.revisionId), ")"] : "", ". ",
        h("button", { type: "button", class: "link", id: "saved-start-link", onclick: openStart }, "Start an execution"), " of it.");
    } catch (err) {
      const machineName = isNew ? nameInput.value.trim() : name;
      if (err.code === "StateMachineAlreadyExists") {
        say("bad", h("strong", {}, "Name taken"), ": a state machine named ", h("code", {}, machineName),
          " already exists. Choose another name and save again; your definition is kept.");
        takenName = machineName;
      } else if (err.code === "CONFLICT") {
        say("bad", h("strong", {}, "Changed elsewhere"), ": ", err.message,
          ". Your text is kept here and as a draft: Export it, then Discard draft to load the saved version.");
      } else if (err.code === "InvalidDefinition") {
        say("bad", h("strong", {}, "Refused by the engine"), ": ", err.message, " (your text is kept).");
      } else {
        say("bad", h("strong", {}, err.code || "Error"), ": ", err.message, " (your text is kept).");
      }
    } finally {
      saving = false;
      if (alive) refreshControls();
    }
  }
  saveBtn.addEventListener("click", save);

  // The start form (app.js) in a dialog: the saved definition runs; a start opens the execution.
  function openStart() {
    if (isNew || isDirty()) { say("bad", "Save first: an execution runs the saved definition."); return; }
    const input = machine.latestInput != null ? pretty(parseMaybe(machine.latestInput)) : "{}";
    const close = h("button", { type: "button", id: "start-close", "aria-label": "Close" }, "Close");
    const dialog = h("dialog", { id: "start-dialog", "aria-label": "Start an execution of " + name }, startForm(name, input), close);
    close.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => dialog.remove());
    document.body.appendChild(dialog);
    cleanup.push(() => { if (dialog.isConnected) dialog.remove(); });
    dialog.showModal();
    dialog.querySelector("#exec-input").focus();
  }
  startBtn.addEventListener("click", openStart);

  // --- the other controls ---------------------------------------------------------------
  templateSel.addEventListener("change", () => {
    const previous = templateSel.dataset.current || templateSel.value;
    if (editor.getText() !== templateText(previous) &&
        !confirm("Replace the definition with the " + templateSel.selectedOptions[0].textContent + " template? (Undo brings your edits back.)")) {
      templateSel.value = previous; return;
    }
    templateSel.dataset.current = templateSel.value;
    showTemplateHelp();
    selectState(null);
    write(templateText(templateSel.value), "Use the " + templateSel.selectedOptions[0].textContent + " template");
  });
  templateSel.dataset.current = templateSel.value;
  nameInput.addEventListener("input", () => { keepDraft(); refreshControls(); });
  typeSel.addEventListener("change", () => { keepDraft(); refreshControls(); validateSoon(0); });
  levelSel.addEventListener("change", () => { keepDraft(); refreshControls(); });
  languageSel.addEventListener("change", () => {
    const language = languageSel.value;
    edit((def) => { if (language === "JSONata") def.QueryLanguage = "JSONata"; else delete def.QueryLanguage; },
      "Set the query language to " + language);
  });
  discardBtn.addEventListener("click", () => {
    if (!confirm("Discard the draft and go back to the " + (isNew ? "template" : "saved version") + "?")) return;
    dropDraft(name);
    restored = null;
    selectState(null);
    if (isNew) { nameInput.value = ""; levelSel.value = "OFF"; write(templateText(templateSel.value), "Discard the draft"); }
    else { base = { revisionId: saved.revisionId, updateDate: saved.updateDate }; levelSel.value = saved.level; write(saved.text, "Discard the draft"); }
    dropDraft(name);
    say("ok", "Draft discarded.");
    refreshControls();
  });
  exportBtn.addEventListener("click", () => {
    const file = ((isNew ? nameInput.value.trim() : name) || "state-machine") + ".asl.json";
    const url = URL.createObjectURL(new Blob([editor.getText()], { type: "application/json" }));
    const link = h("a", { href: url, download: file, hidden: true });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    say("ok", "Exported ", h("code", {}, file), ".");
  });
  importFile.addEventListener("change", async () => {
    const file = importFile.files && importFile.files[0];
    if (!file) return;
    try {
      const text = await file.text();
      write(text, "Import " + file.name);
      say("ok", "Imported ", h("code", {}, file.name), " (Undo brings the previous definition back).");
    } catch (err) {
      say("bad", "Could not read ", file.name, ": ", err.message);
    } finally { importFile.value = ""; }
  });
  formatBtn.addEventListener("click", () => {
    try { write(pretty(JSON.parse(editor.getText())), "Format"); }
    catch (err) { say("bad", "Cannot format: the text is not valid JSON (", err.message, ")."); editor.reveal(editor.syntaxError()); }
  });
  codeBtn.addEventListener("click", () => {
    const hidden = workspace.classList.toggle("no-code");
    codeBtn.setAttribute("aria-pressed", hidden ? "false" : "true");
  });

  // Ctrl/Cmd+S saves; Ctrl/Cmd+Z, Ctrl/Cmd+Shift+Z and Ctrl+Y undo and redo the designer's
  // edits (inside the code view and the text fields they keep their own meaning); leaving the
  // page with unsaved changes asks first.
  const ownsUndo = (el) => !!(el && el.closest && el.closest(".cm-editor, input, textarea, select, [contenteditable]"));
  const onKey = (ev) => {
    if (!(ev.ctrlKey || ev.metaKey) || ev.altKey) return;
    const key = ev.key.toLowerCase();
    if (key === "s") { ev.preventDefault(); save(); }
    else if (key === "z" && !ownsUndo(ev.target)) { ev.preventDefault(); if (ev.shiftKey) redo(); else undo(); }
    else if (key === "y" && !ownsUndo(ev.target)) { ev.preventDefault(); redo(); }
  };
  const onBeforeUnload = (ev) => { if (isDirty()) { ev.preventDefault(); ev.returnValue = ""; } };
  document.addEventListener("keydown", onKey);
  window.addEventListener("beforeunload", onBeforeUnload);
  cleanup.push(() => { document.removeEventListener("keydown", onKey); window.removeEventListener("beforeunload", onBeforeUnload); });

  if (params.get("saved") === "created") {
    say("ok", "Created ", h("code", {}, name), ". ", h("button", { type: "button", class: "link", id: "saved-start-link", onclick: openStart },
      "Start an execution"), " of it, or keep editing.");
    history.replaceState(null, "", "#/designer/" + enc(name));   // a reload does not say it again
  }
  if (restored) {
    say("info", "Restored your unsaved draft of ", fmtTime(restored.savedAt), ".",
      !isNew && restored.base && (restored.base.revisionId !== saved.revisionId || restored.base.updateDate !== saved.updateDate)
        ? " The state machine was saved elsewhere since: saving this draft will be refused until you discard it (Export it first to keep it)." : "",
      " Use Discard draft to go back to the " + (isNew ? "template" : "saved version") + ".");
  }
  renderSelectionBar();
  refreshControls();
  await validate().catch(() => {});
}
