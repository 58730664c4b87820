/* The workflow designer's inspector: every Amazon States Language field of the selected state
 * as a form (AWS Step Functions developer guide; which field each type has in each query
 * language follows the engine's table, _STATE_FIELDS in orchestrator/asl/validator.py).
 *
 *   const insp = DesignerInspector.create(container, { getDefinition, apply, resources, onRename, onSelect, testState });
 *   insp.show(name | null); insp.refresh(); insp.setDiagnostics(list); insp.selected();
 *
 * How it is built
 * - render() rebuilds the whole panel from opts.getDefinition(): FORMS[type] lists the
 *   sections (<fieldset>s) of a type, made of the control builders below.
 * - Every control has a stable data-key (its field path relative to the state, or
 *   "<path>:<role>" for controls that are not one field: "Wait:mode", "Choices/0:kind",
 *   "Choices/0:op", "Retry/1:up", "Retry:add", ...), the id "insp-<key>", and, when it edits
 *   one field, data-field="<path>" (e.g. "Retry/0/MaxAttempts"; the name input has "Name").
 * - A value control has a codec, { format(value) -> text, parse(text) -> { value } | { error } }:
 *   every text that parses is applied at once (DesignerModel.setField through opts.apply,
 *   undefined deleting the field); a text that does not is marked inline and not applied.
 * - Structural edits (rows, rule kinds, Wait mode, branches) go through ui.act(), which may
 *   name the control to focus once the panel is rebuilt.
 * - refresh() keeps the user's place: it records the focused control (key, text, selection)
 *   and the scroll offsets, rebuilds, and restores them; the rebuilt control keeps the user's
 *   text while that text still means the model's value (or does not parse yet).
 * - With opts.testState(request) -> Promise of a TestState answer, a "Test this state" panel
 *   ends the form: input, inspection level, a mocked result (Task, Map, Parallel), the answer.
 * - Diagnostics of the shown state are listed on top; each marks the control whose JSON
 *   pointer is the longest prefix of its location (aria-invalid, a class, the message beside
 *   it through aria-describedby).
 */
"use strict";

(function () {
  const JSONPATH = "JSONPath";
  const JSONATA = "JSONata";
  const HINT = "Select a state on the canvas to edit it.";
  const NOT_JSON = "The definition is not valid JSON: fix it in the code view to edit the state.";
  const END = { end: true }; // the Next select's "(end)": End: true

  const ERROR_NAMES = [
    "States.ALL", "States.TaskFailed", "States.Timeout", "States.HeartbeatTimeout",
    "States.Http.StatusCode.500", "States.Http.StatusCode.502", "States.Http.StatusCode.503",
    "States.Http.StatusCode.504", "States.Http.Socket", "States.Permissions",
    "States.ResultPathMatchFailure", "States.BranchFailed", "States.NoChoiceMatched",
    "States.IntrinsicFailure", "States.QueryEvaluationError", "States.ExceedToleratedFailureThreshold",
    "States.ItemReaderFailed", "States.ResultWriterFailed", "Lambda.ServiceException",
    "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException",
  ];

  // Choice comparison operators, grouped as the select shows them.
  const COMPARISONS = ["Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"];
  const withPaths = (family) => COMPARISONS.flatMap((c) => [family + c, family + c + "Path"]);
  const OPERATOR_GROUPS = [
    { label: "String", ops: [...withPaths("String"), "StringMatches"] },
    { label: "Numeric", ops: withPaths("Numeric") },
    { label: "Boolean", ops: ["BooleanEquals", "BooleanEqualsPath"] },
    { label: "Timestamp", ops: withPaths("Timestamp") },
    { label: "Type test", ops: ["IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"] },
  ];
  const OPERATORS = OPERATOR_GROUPS.flatMap((g) => g.ops);
  const LOGICAL = ["And", "Or", "Not"];
  const BODY_KEYS = new Set(["Variable", ...LOGICAL, ...OPERATORS]);
  const RULE_KINDS = [
    { value: "Comparison", label: "Comparison" },
    { value: "And", label: "And (all of)" },
    { value: "Or", label: "Or (any of)" },
    { value: "Not", label: "Not" },
  ];

  // Input/output fields: [field, query language (null: both), types, control options].
  const ALL_BUT_FAIL = ["Task", "Pass", "Wait", "Choice", "Parallel", "Map", "Succeed"];
  const IO_FIELDS = [
    ["InputPath", JSONPATH, ALL_BUT_FAIL, { kind: "path", nullable: true, placeholder: "$" }],
    ["Parameters", JSONPATH, ["Task", "Pass", "Parallel"], { kind: "json", placeholder: '{ "key.$": "$.path" }' }],
    ["Parameters", JSONPATH, ["Map"], { kind: "json", onlyIfSet: true }], // legacy ItemSelector
    ["Result", JSONPATH, ["Pass"], { kind: "json" }],
    ["ResultSelector", JSONPATH, ["Task", "Parallel", "Map"], { kind: "json", placeholder: '{ "key.$": "$.path" }' }],
    ["ResultPath", JSONPATH, ["Task", "Pass", "Parallel", "Map"], { kind: "path", nullable: true, placeholder: "$ (null discards the result)" }],
    ["OutputPath", JSONPATH, ALL_BUT_FAIL, { kind: "path", nullable: true, placeholder: "$" }],
    ["Arguments", JSONATA, ["Task", "Parallel"], { kind: "json", expression: true, placeholder: '{% $states.input %}' }],
    ["Output", JSONATA, ALL_BUT_FAIL, { kind: "json", expression: true, placeholder: '{% $states.result %}' }],
    ["Assign", null, ["Task", "Pass", "Wait", "Choice", "Parallel", "Map"], { kind: "json", placeholder: '{ "name": "value" }' }],
  ];

  // --- small helpers ---------------------------------------------------------------------
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const asArray = (v) => (Array.isArray(v) ? v : []);
  const canon = (v) => JSON.stringify(v);
  const isExpression = (v) => typeof v === "string" && v.startsWith("{%") && v.endsWith("%}");
  const idFor = (key) => "insp-" + key.replace(/[^A-Za-z0-9_-]/g, "-");
  const lastField = (path) => path.split("/").filter((s) => !/^\d+$/.test(s)).pop();
  const escapePointer = (s) => s.replace(/~/g, "~0").replace(/\//g, "~1");
  const rowsFor = (text) => Math.min(10, Math.max(2, text.split("\n").length));
  const get = (def, name, path) => DesignerModel.getField(def, name, path);
  const set = (def, name, path, value) => DesignerModel.setField(def, name, path, value);

  // obj with key `old` replaced by `key` (same place) or `key` appended.
  function replaceKey(obj, old, key, value) {
    const out = {};
    let placed = false;
    for (const [k, v] of Object.entries(obj)) {
      if (k === old) { out[key] = value; placed = true; } else if (k !== key) out[k] = v;
    }
    if (!placed) out[key] = value;
    return out;
  }

  // The same for the state itself, in place (so its fields keep their order in the text).
  function replaceStateKey(def, name, old, key, value) {
    const state = DesignerModel.find(def, name).state;
    const next = replaceKey(state, old, key, value);
    for (const k of Object.keys(state)) delete state[k];
    Object.assign(state, next);
  }

  // --- codecs: text <-> value -------------------------------------------------------------
  const ok = (value) => ({ value });
  const bad = (error) => ({ error });
  const codecs = {
    text: ({ required } = {}) => ({
      format: (v) => (v == null ? "" : String(v)),
      parse: (t) => ok(t === "" && !required ? undefined : t),
    }),
    path: ({ nullable } = {}) => ({
      format: (v) => (v === null ? "null" : v === undefined ? "" : String(v)),
      parse: (t) => ok(t === "" ? undefined : nullable && t.trim() === "null" ? null : t),
    }),
    number: ({ integer, expression, required } = {}) => ({
      format: (v) => (v == null ? "" : String(v)),
      parse(t) {
        const s = t.trim();
        if (s === "") return required ? bad("Enter a value.") : ok(undefined);
        if (expression && isExpression(s)) return ok(s);
        const pattern = integer ? /^-?\d+$/ : /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
        if (pattern.test(s)) return ok(Number(s));
        return bad((integer ? "Enter a whole number" : "Enter a number") +
          (expression ? " or a JSONata expression {% … %}." : "."));
      },
    }),
    json: ({ expression } = {}) => ({
      format: (v) => (v === undefined ? "" : expression && isExpression(v) ? v : JSON.stringify(v, null, 2)),
      parse(t) {
        const s = t.trim();
        if (s === "") return ok(undefined);
        if (expression && isExpression(s)) return ok(s);
        try { return ok(JSON.parse(s)); } catch (e) { return bad("Not valid JSON: " + e.message); }
      },
    }),
    errors: {
      format: (v) => (Array.isArray(v) ? v.join(", ") : v == null ? "" : String(v)),
      parse: (t) => ok(t.split(",").map((s) => s.trim()).filter(Boolean)),
    },
    condition: {
      format: (v) => (v == null ? "" : String(v)),
      parse: (t) => ok(t.trim() === "true" ? true : t.trim() === "false" ? false : t),
    },
  };

  // --- controls -----------------------------------------------------------------------------
  // A labelled control, registered for diagnostics under `path` (null: none). dataField: the
  // data-field attribute (defaults to path; false: none).
  function labelled(ui, { key, path, dataField = path, label, control, aside }) {
    const id = idFor(key);
    control.id = id;
    control.dataset.key = key;
    if (dataField) control.dataset.field = dataField;
    const msg = h("p", { class: "insp-msg", id: id + "-msg", hidden: true });
    const body = aside ? h("div", { class: "insp-inline" }, control, aside) : control;
    const wrap = h("div", { class: "insp-field" }, h("label", { for: id }, label), body, msg);
    const entry = { path, control, wrap, msg, parseError: null, diags: [] };
    ui.entries.push(entry);
    return { wrap, entry };
  }

  // Shows an entry's parse error and diagnostics (or clears them).
  function paint(entry) {
    const messages = [entry.parseError, ...entry.diags.map((d) => d.message)].filter(Boolean);
    const marked = messages.length > 0;
    const onlyWarnings = !entry.parseError && entry.diags.every((d) => d.severity === "WARNING");
    entry.wrap.classList.toggle("insp-invalid", marked && !onlyWarnings);
    entry.wrap.classList.toggle("insp-warning", marked && onlyWarnings);
    if (marked) {
      entry.control.setAttribute("aria-invalid", "true");
      entry.control.setAttribute("aria-describedby", entry.msg.id);
    } else {
      entry.control.removeAttribute("aria-invalid");
      entry.control.removeAttribute("aria-describedby");
    }
    entry.msg.hidden = !marked;
    entry.msg.textContent = messages.join(" ");
  }

  // An input (or a textarea) that applies each text its codec parses.
  function valueControl(ui, { path, label, codec, multiline, placeholder, list }) {
    const value = ui.get(path);
    const draft = ui.draft(path, value, codec);
    const text = draft ?? codec.format(value);
    const control = multiline
      ? h("textarea", { rows: rowsFor(text), spellcheck: "false", placeholder }, text)
      : h("input", { type: "text", value: text, placeholder, list, autocomplete: "off", spellcheck: "false" });
    const { wrap, entry } = labelled(ui, { key: path, path, label, control });
    const check = () => {
      const result = codec.parse(control.value);
      entry.parseError = result.error || null;
      paint(entry);
      return result;
    };
    if (draft !== null) check();
    control.addEventListener("input", () => {
      const result = check();
      if (!("error" in result)) ui.commit(path, result.value);
    });
    return wrap;
  }

  const textField = (ui, path, label, o = {}) =>
    valueControl(ui, { path, label, codec: codecs.text(o), placeholder: o.placeholder, list: o.list });
  const pathField = (ui, path, label, o = {}) =>
    valueControl(ui, { path, label, codec: codecs.path(o), placeholder: o.placeholder || "$" });
  const numberField = (ui, path, label, o = {}) =>
    valueControl(ui, { path, label, codec: codecs.number(o), placeholder: o.placeholder });
  const jsonField = (ui, path, label, o = {}) =>
    valueControl(ui, { path, label, codec: codecs.json(o), multiline: true, placeholder: o.placeholder });

  // A <select>; options are { label, value (any JSON value, undefined, END), group?, disabled? }.
  // A value none of them has is added ("<value> (unknown)") so the select shows the truth.
  function selectControl(ui, { key, path = null, dataField = path, label, options, value, onChange, aside }) {
    let choices = options;
    if (!options.some((o) => canon(o.value) === canon(value)) && value !== undefined) {
      choices = [...options, { label: `${typeof value === "string" ? value : canon(value)} (unknown)`, value }];
    }
    const control = h("select", {});
    let group = null;
    for (const o of choices) {
      const option = h("option", {
        value: typeof o.value === "string" ? o.value : "",
        selected: canon(o.value) === canon(value),
        disabled: o.disabled,
      }, o.label);
      if (!o.group) { group = null; control.appendChild(option); continue; }
      if (!group || group.label !== o.group) group = control.appendChild(h("optgroup", { label: o.group }));
      group.appendChild(option);
    }
    control.addEventListener("change", () => onChange(choices[control.selectedIndex].value));
    return labelled(ui, { key, path, dataField, label, control, aside }).wrap;
  }

  // A select of a field's enumerated values; the first option (emptyLabel) deletes the field.
  function enumField(ui, path, label, values, emptyLabel) {
    return selectControl(ui, {
      key: path, path, label, value: ui.get(path),
      options: [{ label: emptyLabel, value: undefined }, ...values.map((v) => ({ label: String(v), value: v }))],
      onChange: (v) => ui.commit(path, v),
    });
  }

  function iconButton(key, text, label, disabled, onclick) {
    return h("button", { type: "button", class: "insp-icon", "data-key": key, "aria-label": label, title: label, disabled, onclick }, text);
  }

  // A button that selects state `target` (a Next, Default or StartAt).
  function goButton(ui, key, target) {
    const known = typeof target === "string" && DesignerModel.find(ui.def, target) !== null;
    return iconButton(key, "→", known ? "Go to state " + target : "No state to go to", !known, () => ui.follow(target));
  }

  // A select of the states a transition may go to; `end` adds "(end)" (End: true).
  function nextSelect(ui, { path, label = "Next", end = false, none }) {
    const target = ui.get(path);
    const value = target !== undefined ? target : end && ui.state.End === true ? END : undefined;
    const options = [
      ...(none ? [{ label: none, value: undefined }] : value === undefined ? [{ label: "(choose a state)", value: undefined, disabled: true }] : []),
      ...(end ? [{ label: "(end)", value: END }] : []),
      ...ui.names.map((n) => ({ label: n, value: n })),
    ];
    return selectControl(ui, {
      key: path, path, label, options, value,
      onChange: (v) => (v === END ? ui.commit("End", true, "Set " + label) : ui.commit(path, v)),
      aside: goButton(ui, path + ":go", target),
    });
  }

  // Comma-separated error names; the datalist completes the last one.
  function errorsField(ui, path) {
    const listId = idFor(path) + "-list";
    const list = h("datalist", { id: listId });
    const wrap = valueControl(ui, { path, label: "ErrorEquals", codec: codecs.errors, list: listId, placeholder: "States.ALL" });
    const input = wrap.querySelector("input");
    const suggest = () => list.replaceChildren(...errorSuggestions(input.value).map((v) => h("option", { value: v })));
    input.addEventListener("input", suggest);
    input.addEventListener("focus", suggest);
    suggest();
    wrap.appendChild(list);
    return wrap;
  }
  function errorSuggestions(text) {
    const cut = text.lastIndexOf(",");
    const head = cut < 0 ? "" : text.slice(0, cut + 1) + " ";
    const used = new Set(text.split(",").map((s) => s.trim()));
    return ERROR_NAMES.filter((n) => !used.has(n)).map((n) => head + n);
  }

  function section(legend, ...children) {
    const kept = children.flat(Infinity).filter(Boolean);
    return kept.length ? h("fieldset", { class: "insp-section" }, h("legend", {}, legend), kept) : null;
  }
  const grid = (...children) => h("div", { class: "insp-grid" }, children.flat(Infinity));

  // --- rows: Retry, Catch, Choices ------------------------------------------------------------
  // A list of rows in field `field` (an array), each a fieldset with move up/down and remove,
  // and an add button. row(at, value) builds a row's controls (nested arrays allowed);
  // make(def, name) a new row;
  // firstKey(at) is the control focused in a new row.
  function rowList(ui, { field, noun, make, row, firstKey }) {
    const rows = asArray(ui.get(field));
    const edit = (label, focusKey, change) => ui.act((d, n) => {
      const next = change(asArray(get(d, n, field)).slice(), d, n);
      set(d, n, field, next.length ? next : undefined);
    }, label, focusKey);
    const swap = (i, j) => (a) => { [a[i], a[j]] = [a[j], a[i]]; return a; };
    const last = rows.length - 1;
    const cards = rows.map((value, i) => {
      const at = `${field}/${i}`;
      const Noun = noun[0].toUpperCase() + noun.slice(1);
      const tools = h("div", { class: "insp-tools" },
        iconButton(at + ":up", "↑", `Move ${noun} ${i + 1} up`, i === 0,
          () => edit(`Move ${noun}`, `${field}/${i - 1}:${i - 1 === 0 ? "down" : "up"}`, swap(i, i - 1))),
        iconButton(at + ":down", "↓", `Move ${noun} ${i + 1} down`, i === last,
          () => edit(`Move ${noun}`, `${field}/${i + 1}:${i + 1 === last ? "up" : "down"}`, swap(i, i + 1))),
        iconButton(at + ":remove", "✕", `Remove ${noun} ${i + 1}`, false,
          () => edit(`Remove ${noun}`, field + ":add", (a) => a.filter((_, k) => k !== i))));
      return h("fieldset", { class: "insp-row" }, h("legend", {}, `${Noun} ${i + 1}`), tools, [row(at, value)].flat(Infinity));
    });
    const add = h("button", {
      type: "button", class: "insp-add", "data-key": field + ":add",
      onclick: () => edit(`Add ${noun}`, firstKey(`${field}/${rows.length}`), (a, d, n) => a.concat([make(d, n)])),
    }, `Add ${noun}`);
    return [cards, add];
  }

  function retrier(ui, at) {
    return [
      errorsField(ui, at + "/ErrorEquals"),
      grid(
        numberField(ui, at + "/IntervalSeconds", "IntervalSeconds", { integer: true, placeholder: "1" }),
        numberField(ui, at + "/MaxAttempts", "MaxAttempts", { integer: true, placeholder: "3" }),
        numberField(ui, at + "/BackoffRate", "BackoffRate", { placeholder: "2.0" }),
        numberField(ui, at + "/MaxDelaySeconds", "MaxDelaySeconds", { integer: true, placeholder: "none" })),
      enumField(ui, at + "/JitterStrategy", "JitterStrategy", ["FULL", "NONE"], "(default: NONE)"),
      textField(ui, at + "/Comment", "Comment"),
    ];
  }

  function catcher(ui, at) {
    return [
      errorsField(ui, at + "/ErrorEquals"),
      nextSelect(ui, { path: at + "/Next" }),
      ui.lang === JSONPATH
        ? pathField(ui, at + "/ResultPath", "ResultPath", { nullable: true, placeholder: "$ (null discards the error)" })
        : jsonField(ui, at + "/Output", "Output", { expression: true, placeholder: "{% $states.errorOutput %}" }),
      jsonField(ui, at + "/Assign", "Assign", { placeholder: '{ "name": "value" }' }),
      textField(ui, at + "/Comment", "Comment"),
    ];
  }

  // The first state a new Catch or Choice rule goes to: another state of the scope.
  const firstTarget = (def, name) => DesignerModel.namesInScope(def, name).find((n) => n !== name) || name;

  function retrySection(ui) {
    return section("Retry", rowList(ui, {
      field: "Retry", noun: "retrier", row: (at) => retrier(ui, at),
      make: () => ({ ErrorEquals: ["States.ALL"] }), firstKey: (at) => at + "/ErrorEquals",
    }));
  }
  function catchSection(ui) {
    return section("Catch", rowList(ui, {
      field: "Catch", noun: "catcher", row: (at) => catcher(ui, at),
      make: (def, name) => ({ ErrorEquals: ["States.ALL"], Next: firstTarget(def, name) }),
      firstKey: (at) => at + "/ErrorEquals",
    }));
  }

  // --- Choice rules ---------------------------------------------------------------------------
  const bodyKind = (body) => LOGICAL.find((k) => isObject(body) && k in body) || "Comparison";
  const defaultComparison = () => ({ Variable: "$", StringEquals: "" });

  function operandKind(op) {
    if (op.endsWith("Path")) return "path";
    if (op.startsWith("Numeric")) return "number";
    if (op.startsWith("Boolean") || op.startsWith("Is")) return "boolean";
    return "string";
  }
  // The operand of the previous operator, as the new operator's type wants it.
  function convertOperand(value, op) {
    switch (operandKind(op)) {
      case "path": return typeof value === "string" && value.startsWith("$") ? value : "$";
      case "number":
        if (typeof value === "number") return value;
        return typeof value === "string" && value.trim() !== "" && Number.isFinite(+value) ? +value : 0;
      case "boolean": return typeof value === "boolean" ? value : true;
      default:
        if (typeof value === "number") return String(value);
        return typeof value === "string" && !value.startsWith("$") ? value : "";
    }
  }
  function withOperator(rule, op, next) {
    return replaceKey(rule, op, next, convertOperand(op ? rule[op] : undefined, next));
  }

  // The rule as another kind; its other fields (Next, Comment, Assign) are kept.
  function convertRule(rule, kind) {
    const body = {};
    const extras = {};
    for (const [k, v] of Object.entries(isObject(rule) ? rule : {})) (BODY_KEYS.has(k) ? body : extras)[k] = v;
    return { ...convertBody(body, kind), ...extras };
  }
  function convertBody(body, kind) {
    const from = bodyKind(body);
    if (from === kind) return body;
    const items = from === "Comparison" ? [body] : from === "Not" ? [body.Not] : asArray(body[from]);
    if (kind === "And" || kind === "Or") return { [kind]: items.length ? items : [defaultComparison()] };
    if (kind === "Not") {
      return { Not: items.length === 1 ? items[0] : items.length ? { [from]: items } : defaultComparison() };
    }
    return items.find((b) => isObject(b) && bodyKind(b) === "Comparison") || defaultComparison();
  }

  // A rule body at `at` (a flat list of nodes): the kind select and a comparison, a list
  // (And/Or) or one body (Not).
  function ruleBody(ui, at, body) {
    const kind = bodyKind(body);
    const kindSelect = selectControl(ui, {
      key: at + ":kind", path: at, dataField: false, label: "Rule kind", options: RULE_KINDS, value: kind,
      onChange: (k) => ui.act((d, n) => set(d, n, at, convertRule(get(d, n, at), k)), "Set rule kind"),
    });
    if (kind === "Comparison") return [kindSelect, ...comparison(ui, at, isObject(body) ? body : {})];
    if (kind === "Not") return [kindSelect, nestedBody(ui, at + "/Not", body.Not, null)];
    const list = at + "/" + kind;
    const items = asArray(body[kind]);
    const editList = (label, focusKey, change) =>
      ui.act((d, n) => set(d, n, list, change(asArray(get(d, n, list)).slice())), label, focusKey);
    return [
      kindSelect,
      items.map((item, i) => nestedBody(ui, `${list}/${i}`, item,
        iconButton(`${list}/${i}:remove`, "✕", `Remove condition ${i + 1}`, false,
          () => editList("Remove condition", list + ":add", (a) => a.filter((_, k) => k !== i))))),
      h("button", {
        type: "button", class: "insp-add", "data-key": list + ":add",
        onclick: () => editList("Add condition", `${list}/${items.length}:kind`, (a) => a.concat([defaultComparison()])),
      }, "Add condition"),
    ].flat();
  }
  function nestedBody(ui, at, body, removeButton) {
    return h("div", { class: "insp-nest" }, removeButton && h("div", { class: "insp-tools" }, removeButton),
      ruleBody(ui, at, body));
  }

  function comparison(ui, at, body) {
    const op = OPERATORS.find((o) => o in body);
    const options = OPERATOR_GROUPS.flatMap((g) => g.ops.map((o) => ({ group: g.label, label: o, value: o })));
    return [
      textField(ui, at + "/Variable", "Variable", { required: true, placeholder: "$.field" }),
      selectControl(ui, {
        key: at + ":op", path: at, dataField: false, label: "Operator", value: op,
        options: op ? options : [{ label: "(choose an operator)", value: undefined, disabled: true }, ...options],
        onChange: (next) => ui.act((d, n) => set(d, n, at, withOperator(get(d, n, at), op, next)), "Set operator"),
      }),
      op && operandControl(ui, `${at}/${op}`, op),
    ].filter(Boolean);
  }
  function operandControl(ui, path, op) {
    switch (operandKind(op)) {
      case "path": return textField(ui, path, "Value (path)", { required: true, placeholder: "$.other" });
      case "number": return numberField(ui, path, "Value", { required: true });
      case "boolean":
        return selectControl(ui, {
          key: path, path, label: "Value", value: ui.get(path),
          options: [{ label: "true", value: true }, { label: "false", value: false }],
          onChange: (v) => ui.commit(path, v),
        });
      default:
        return textField(ui, path, "Value", { required: true, placeholder: op.startsWith("Timestamp") ? "2026-01-01T00:00:00Z" : "" });
    }
  }

  function choiceRule(ui, at, rule) {
    if (ui.lang === JSONATA) {
      return [
        valueControl(ui, { path: at + "/Condition", label: "Condition", codec: codecs.condition, placeholder: "{% $states.input.n > 0 %}" }),
        nextSelect(ui, { path: at + "/Next" }),
        jsonField(ui, at + "/Output", "Output", { expression: true }),
        jsonField(ui, at + "/Assign", "Assign"),
        textField(ui, at + "/Comment", "Comment"),
      ];
    }
    return [
      ...ruleBody(ui, at, rule),
      nextSelect(ui, { path: at + "/Next" }),
      jsonField(ui, at + "/Assign", "Assign"),
      textField(ui, at + "/Comment", "Comment"),
    ];
  }

  function choiceSection(ui) {
    const jsonata = ui.lang === JSONATA;
    return [
      section("Rules", rowList(ui, {
        field: "Choices", noun: "rule", row: (at, rule) => choiceRule(ui, at, rule),
        make: (def, name) => ({ ...(jsonata ? { Condition: "{% true %}" } : defaultComparison()), Next: firstTarget(def, name) }),
        firstKey: (at) => (jsonata ? at + "/Condition" : at + ":kind"),
      })),
      section("Default", nextSelect(ui, { path: "Default", label: "Default", none: "(none)" })),
    ];
  }

  // --- sections per type ----------------------------------------------------------------------
  function nameControl(ui) {
    const draft = ui.draft("Name", ui.name, codecs.text({ required: true }));
    const control = h("input", { type: "text", value: draft ?? ui.name, autocomplete: "off", spellcheck: "false" });
    const { wrap, entry } = labelled(ui, { key: "Name", path: null, dataField: "Name", label: "Name", control });
    const commit = () => { entry.parseError = ui.rename(control.value); paint(entry); };
    control.addEventListener("change", commit);
    control.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); commit(); } });
    return wrap;
  }

  function stateSection(ui) {
    const type = ui.state.Type;
    const typeControl = h("input", { type: "text", readonly: true, value: type == null ? "" : String(type) });
    const own = ui.state.QueryLanguage !== undefined;
    return section("State",
      nameControl(ui),
      labelled(ui, { key: "Type", path: "Type", label: "Type", control: typeControl }).wrap,
      textField(ui, "Comment", "Comment"),
      enumField(ui, "QueryLanguage", "QueryLanguage", [JSONPATH, JSONATA], own ? "(inherit)" : `(inherit: ${ui.lang})`),
      DesignerModel.canHaveNext(type) && nextSelect(ui, { path: "Next", end: true }));
  }

  function ioSection(ui) {
    const type = ui.state.Type;
    const fields = IO_FIELDS.filter(([field, lang, types, o]) =>
      (lang === null || lang === ui.lang) && types.includes(type) && (!o.onlyIfSet || field in ui.state));
    return section(ui.lang === JSONATA ? "Arguments, output and variables" : "Input, output and variables",
      fields.map(([field, , , o]) => (o.kind === "path" ? pathField : jsonField)(ui, field, field, o)));
  }

  function resourceControl(ui) {
    const value = ui.get("Resource");
    const presets = ui.resources;
    const picker = presets.length > 0 && selectControl(ui, {
      key: "Resource:pick", label: "Resource presets",
      value: presets.some((r) => r.resource === value) ? value : undefined,
      options: [{ label: "(choose a preset)", value: undefined }, ...presets.map((r) => ({ group: r.group, label: r.title, value: r.resource }))],
      onChange: (v) => v !== undefined && ui.commit("Resource", v),
    });
    return [
      textField(ui, "Resource", "Resource", { required: true, list: "insp-resources", placeholder: "arn:aws:states:::lambda:invoke" }),
      h("datalist", { id: "insp-resources" }, presets.map((r) => h("option", { value: r.resource, label: r.title }))),
      picker,
    ];
  }

  function taskSection(ui) {
    const jsonata = ui.lang === JSONATA;
    const seconds = { integer: true, expression: jsonata, placeholder: "none" };
    return section("Task",
      resourceControl(ui),
      grid(
        numberField(ui, "TimeoutSeconds", "TimeoutSeconds", seconds),
        !jsonata && pathField(ui, "TimeoutSecondsPath", "TimeoutSecondsPath", { placeholder: "$.timeout" }),
        numberField(ui, "HeartbeatSeconds", "HeartbeatSeconds", seconds),
        !jsonata && pathField(ui, "HeartbeatSecondsPath", "HeartbeatSecondsPath", { placeholder: "$.heartbeat" })),
      jsonField(ui, "Credentials", "Credentials", { expression: jsonata, placeholder: '{ "RoleArn": "arn:aws:iam::…" }' }));
  }

  // Wait: one of Seconds / Timestamp / SecondsPath / TimestampPath (JSONata: the first two).
  const WAIT_MODES = { [JSONPATH]: ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"], [JSONATA]: ["Seconds", "Timestamp"] };
  function waitValue(value, mode) {
    if (mode === "Seconds") return typeof value === "number" || isExpression(value) ? value : 1;
    if (mode.endsWith("Path")) return typeof value === "string" && value.startsWith("$") ? value : "$";
    return typeof value === "string" && !value.startsWith("$") ? value : "";
  }
  function waitSection(ui) {
    const modes = WAIT_MODES[ui.lang];
    const mode = WAIT_MODES[JSONPATH].find((m) => m in ui.state) || "Seconds";
    const jsonata = ui.lang === JSONATA;
    const valueControls = {
      Seconds: () => numberField(ui, "Seconds", "Seconds", { integer: true, required: true, expression: jsonata }),
      Timestamp: () => textField(ui, "Timestamp", "Timestamp", { required: true, placeholder: "2026-01-01T00:00:00Z" }),
      SecondsPath: () => pathField(ui, "SecondsPath", "SecondsPath", { placeholder: "$.seconds" }),
      TimestampPath: () => pathField(ui, "TimestampPath", "TimestampPath", { placeholder: "$.timestamp" }),
    };
    return section("Wait",
      selectControl(ui, {
        key: "Wait:mode", dataField: false, label: "Wait for", value: mode,
        options: modes.map((m) => ({ label: m, value: m })),
        onChange: (next) => ui.act((d, n) => {
          const state = DesignerModel.find(d, n).state;
          replaceStateKey(d, n, mode, next, waitValue(state[mode], next));
        }, "Set wait mode"),
      }),
      valueControls[mode]());
  }

  // Parallel: branches are drawn (and edited) on the canvas; here they are added and removed.
  function branchesSection(ui) {
    const branches = asArray(ui.state.Branches);
    const edit = (label, focusKey, change) =>
      ui.act((d, n) => set(d, n, "Branches", change(asArray(get(d, n, "Branches")).slice(), d)), label, focusKey);
    const items = branches.map((branch, i) => {
      const start = isObject(branch) ? branch.StartAt : undefined;
      return h("li", { class: "insp-branch" },
        h("span", {}, `Branch ${i + 1}: starts at `, h("code", {}, start == null ? "?" : String(start))),
        goButton(ui, `Branches/${i}:go`, start),
        iconButton(`Branches/${i}:remove`, "✕", `Remove branch ${i + 1}`, branches.length <= 1,
          () => edit("Remove branch", "Branches:add", (a) => a.filter((_, k) => k !== i))));
    });
    const add = h("button", {
      type: "button", class: "insp-add", "data-key": "Branches:add",
      onclick: () => edit("Add branch", "Branches:add", (a, d) => {
        const name = DesignerModel.uniqueName(d, "Branch");
        return a.concat([{ StartAt: name, States: { [name]: { Type: "Pass", End: true } } }]);
      }),
    }, "Add branch");
    return section("Branches",
      h("p", { class: "insp-hint" }, `${branches.length} branch${branches.length === 1 ? "" : "es"}; edit their states on the canvas.`),
      h("ul", { class: "insp-branches" }, items), add);
  }

  const DISTRIBUTED_FIELDS = ["Label", "ItemReader", "ItemBatcher", "ResultWriter", "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath"];
  function mapSection(ui) {
    const jsonata = ui.lang === JSONATA;
    const processor = "Iterator" in ui.state && !("ItemProcessor" in ui.state) ? "Iterator" : "ItemProcessor";
    const modePath = processor + "/ProcessorConfig/Mode";
    const typePath = processor + "/ProcessorConfig/ExecutionType";
    const distributed = ui.get(modePath) === "DISTRIBUTED";
    const start = ui.get(processor + "/StartAt");
    const setMode = (mode) => ui.act((d, n) => {
      if (mode !== "DISTRIBUTED" && get(d, n, typePath) !== undefined) set(d, n, typePath, undefined);
      set(d, n, modePath, mode);
      if (mode === "DISTRIBUTED" && get(d, n, typePath) === undefined) set(d, n, typePath, "STANDARD");
    }, "Set Mode");
    const both = (field, o) => [
      numberField(ui, field, field, { ...o, expression: jsonata }),
      !jsonata && pathField(ui, field + "Path", field + "Path", { placeholder: "$.value" }),
    ];
    return [
      section("Items",
        jsonata
          ? jsonField(ui, "Items", "Items", { expression: true, placeholder: "{% $states.input.items %}" })
          : pathField(ui, "ItemsPath", "ItemsPath", { placeholder: "$" }),
        jsonField(ui, "ItemSelector", "ItemSelector", { expression: jsonata, placeholder: '{ "value.$": "$$.Map.Item.Value" }' }),
        grid(both("MaxConcurrency", { integer: true, placeholder: "0 (no limit)" }))),
      section("Item processor",
        h("p", { class: "insp-hint insp-inline" },
          h("span", {}, "Starts at ", h("code", {}, start == null ? "?" : String(start))), goButton(ui, processor + ":go", start)),
        selectControl(ui, {
          key: modePath, path: modePath, label: "Mode", value: ui.get(modePath),
          options: [{ label: "(default: INLINE)", value: undefined }, { label: "INLINE", value: "INLINE" }, { label: "DISTRIBUTED", value: "DISTRIBUTED" }],
          onChange: setMode,
        }),
        distributed && enumField(ui, typePath, "ExecutionType", ["STANDARD", "EXPRESS"], "(choose)")),
      (distributed || DISTRIBUTED_FIELDS.some((f) => f in ui.state)) && section("Distributed",
        textField(ui, "Label", "Label"),
        grid(both("ToleratedFailurePercentage", { placeholder: "0" }), both("ToleratedFailureCount", { integer: true, placeholder: "0" })),
        jsonField(ui, "ItemReader", "ItemReader", { placeholder: '{ "Resource": "arn:aws:states:::s3:getObject", … }' }),
        jsonField(ui, "ItemBatcher", "ItemBatcher", { placeholder: '{ "MaxItemsPerBatch": 10 }' }),
        jsonField(ui, "ResultWriter", "ResultWriter", { placeholder: '{ "Resource": "arn:aws:states:::s3:putObject", … }' })),
    ];
  }

  function failSection(ui) {
    const jsonpath = ui.lang === JSONPATH;
    return section("Error",
      textField(ui, "Error", "Error", { placeholder: "MyError" }),
      jsonpath && pathField(ui, "ErrorPath", "ErrorPath", { placeholder: "$.error" }),
      textField(ui, "Cause", "Cause", { placeholder: "What went wrong" }),
      jsonpath && pathField(ui, "CausePath", "CausePath", { placeholder: "$.cause" }));
  }

  const FORMS = {
    Task: (ui) => [stateSection(ui), taskSection(ui), ioSection(ui), retrySection(ui), catchSection(ui)],
    Pass: (ui) => [stateSection(ui), ioSection(ui)],
    Wait: (ui) => [stateSection(ui), waitSection(ui), ioSection(ui)],
    Choice: (ui) => [stateSection(ui), choiceSection(ui), ioSection(ui)],
    Parallel: (ui) => [stateSection(ui), branchesSection(ui), ioSection(ui), retrySection(ui), catchSection(ui)],
    Map: (ui) => [stateSection(ui), mapSection(ui), ioSection(ui), retrySection(ui), catchSection(ui)],
    Succeed: (ui) => [stateSection(ui), ioSection(ui)],
    Fail: (ui) => [stateSection(ui), failSection(ui)],
  };

  // --- diagnostics ----------------------------------------------------------------------------
  function belongs(d, found) {
    if (d.state != null) return d.state === found.name;
    const at = typeof d.location === "string" ? d.location : "";
    return at === found.pointer || at.startsWith(found.pointer + "/");
  }

  // Marks each diagnostic's control (longest pointer prefix; the later control on a tie);
  // returns the controls, in the diagnostics' order (null: none).
  function markDiagnostics(ui, diags) {
    const pointers = ui.entries.map((e) =>
      e.path == null ? null : ui.pointer + "/" + e.path.split("/").map(escapePointer).join("/"));
    return diags.map((d) => {
      const at = typeof d.location === "string" ? d.location : "";
      let best = null;
      let bestLength = -1;
      ui.entries.forEach((entry, i) => {
        const p = pointers[i];
        if (p !== null && (at === p || at.startsWith(p + "/")) && p.length >= bestLength) {
          best = entry;
          bestLength = p.length;
        }
      });
      if (best) { best.diags.push(d); paint(best); }
      return best;
    });
  }

  function diagnosticList(diags, targets) {
    if (!diags.length) return null;
    return h("ul", { class: "diagnostics insp-diags", "aria-label": "Problems in this state" }, diags.map((d, i) => {
      const text = [h("span", { class: "sev" }, d.severity), " ", h("code", {}, d.code), " ", d.message];
      const target = targets[i];
      return h("li", { class: d.severity === "WARNING" ? "diag diag-warning" : "diag diag-error" },
        target ? h("button", { type: "button", class: "diag-go", onclick: () => target.control.focus() }, text) : text);
    }));
  }

  // --- keeping the user's place across renders ------------------------------------------------
  function focusedControl(container) {
    const el = document.activeElement;
    if (!el || !container.contains(el) || !el.dataset || !el.dataset.key) return null;
    const editable = el.tagName === "INPUT" || el.tagName === "TEXTAREA";
    return editable
      ? { key: el.dataset.key, text: el.value, start: el.selectionStart, end: el.selectionEnd,
        direction: el.selectionDirection, scrollTop: el.scrollTop }
      : { key: el.dataset.key, text: null };
  }
  function scrollOffsets(container) {
    const offsets = [];
    for (let el = container; el; el = el.parentElement) if (el.scrollTop) offsets.push([el, el.scrollTop]);
    return offsets;
  }
  function restorePlace(container, place) {
    for (const [el, top] of place.scroll) el.scrollTop = top;
    const f = place.focus;
    const el = f && container.querySelector(`[data-key="${CSS.escape(f.key)}"]`);
    if (!el || el.disabled) return;
    el.focus({ preventScroll: true });
    if (el.tagName !== "INPUT" && el.tagName !== "TEXTAREA") return;
    if (el.value === f.text) {
      el.setSelectionRange(f.start, f.end, f.direction);
      el.scrollTop = f.scrollTop;
    } else {
      el.setSelectionRange(el.value.length, el.value.length);
    }
  }

  // --- the inspector --------------------------------------------------------------------------
  function create(container, opts) {
    let current = null;      // the selected state's name
    let diagnostics = [];
    let rendered = new Map(); // control key -> canon(model value) of the last render
    let focusAfter = null;   // the control to focus after a structural edit
    const tests = new Map(); // state name -> its TestState panel's texts and last answer
    container.classList.add("insp");

    function render(keepDrafts) {
      const focus = focusAfter ? { key: focusAfter, text: null } : focusedControl(container);
      if (focus && !keepDrafts) focus.text = null;
      const place = { focus, scroll: scrollOffsets(container), rendered: keepDrafts ? rendered : new Map() };
      focusAfter = null;
      rendered = new Map();
      container.replaceChildren(...content(place).flat(Infinity).filter(Boolean));
      restorePlace(container, place);
    }

    function content(place) {
      if (current === null) return [h("p", { class: "insp-hint" }, HINT)];
      const def = opts.getDefinition();
      if (!def) return [h("p", { class: "insp-hint" }, NOT_JSON)];
      const found = DesignerModel.find(def, current);
      if (!found) {
        current = null;
        return [h("p", { class: "insp-hint" }, HINT)];
      }
      const ui = context(def, found, place);
      const type = ui.state.Type;
      const sections = FORMS[type] ? FORMS[type](ui) : [stateSection(ui), h("p", { class: "insp-hint" }, `Unknown state type ${canon(type)}.`)];
      const mine = diagnostics.filter((d) => belongs(d, found));
      const test = opts.testState ? testPanel(def, found.name, type) : null;
      return [diagnosticList(mine, markDiagnostics(ui, mine)), ...sections, test];
    }

    // TestState on the selected state: its input, the inspection level, a mocked result for
    // a Task, Map or Parallel; the answer (status, next state, output, the data after each
    // step) stays shown for that state while the panel is rebuilt around it.
    function testPanel(def, name, type) {
      const draft = tests.get(name) || { input: "{}", level: "DEBUG", mock: "", open: false };
      tests.set(name, draft);
      const input = h("textarea", { id: "insp-test-input", rows: "3", spellcheck: "false", "aria-label": "Test input (JSON)" });
      input.value = draft.input;
      input.addEventListener("input", () => { draft.input = input.value; });
      const level = h("select", { id: "insp-test-level", "aria-label": "Inspection level" },
        ["INFO", "DEBUG", "TRACE"].map((l) => h("option", { value: l }, l)));
      level.value = draft.level;
      level.addEventListener("change", () => { draft.level = level.value; });
      const mockable = type === "Task" || type === "Map" || type === "Parallel";
      const mock = h("textarea", { id: "insp-test-mock", rows: "2", spellcheck: "false",
        "aria-label": "Mocked result (JSON; empty: really call it)", placeholder: type === "Task" ? "empty: really call the resource" : "required for a Map or Parallel" });
      mock.value = draft.mock;
      mock.addEventListener("input", () => { draft.mock = mock.value; });
      const result = h("div", { id: "insp-test-result", "aria-live": "polite" }, draft.result ? testResult(draft.result) : null);
      const run = h("button", { type: "button", id: "insp-test-run" }, "Run TestState");
      run.addEventListener("click", async () => {
        run.disabled = true;
        try {
          draft.result = await opts.testState({
            definition: JSON.stringify(def), stateName: name, input: draft.input,
            inspectionLevel: draft.level, mockResult: mockable ? draft.mock : "" });
        } catch (err) {
          draft.result = { status: "API_ERROR", error: err.code || "Error", cause: err.message };
        }
        run.disabled = false;
        result.replaceChildren(testResult(draft.result));
      });
      const details = h("details", { class: "insp-test", id: "insp-test" },
        h("summary", {}, "Test this state (TestState)"),
        h("label", { for: "insp-test-input" }, "Input"), input,
        h("label", { for: "insp-test-level" }, "Inspection level"), level,
        mockable ? [h("label", { for: "insp-test-mock" }, "Mocked result"), mock] : null,
        h("p", {}, run), result);
      details.open = draft.open;
      details.addEventListener("toggle", () => { draft.open = details.open; });
      return details;
    }

    function testResult(r) {
      const rows = [["Status", r.status]];
      if (r.nextState) rows.push(["Next state", r.nextState]);
      if (r.error) rows.push(["Error", r.error]);
      if (r.cause) rows.push(["Cause", r.cause]);
      if (r.output !== undefined) rows.push(["Output", r.output]);
      for (const [k, v] of Object.entries(r.inspectionData || {})) rows.push([k, typeof v === "string" ? v : JSON.stringify(v)]);
      return h("dl", { class: "insp-test-facts", "data-status": r.status },
        rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, h("code", {}, String(v)))]));
    }

    // What the builders see of the state and may do to it.
    function context(def, found, place) {
      const name = found.name;
      return {
        def, name,
        state: isObject(found.state) ? found.state : {},
        pointer: found.pointer,
        lang: DesignerModel.queryLanguage(def, name),
        names: DesignerModel.namesInScope(def, name),
        resources: opts.resources || [],
        entries: [],
        get: (path) => get(def, name, path),
        // The focused control's text when it still means `value` (or does not parse yet),
        // else null; remembers `value` as what the control shows.
        draft(key, value, codec) {
          const now = canon(value);
          const before = place.rendered.get(key);
          rendered.set(key, now);
          const f = place.focus;
          if (!f || f.key !== key || f.text == null) return null;
          const parsed = codec.parse(f.text);
          return "error" in parsed || canon(parsed.value) === now || before === now ? f.text : null;
        },
        commit(path, value, label = "Set " + lastField(path)) {
          const latest = opts.getDefinition();
          if (latest && canon(get(latest, current, path)) === canon(value)) return;
          opts.apply((d) => set(d, current, path, value), label);
        },
        act(mutate, label, focusKey) {
          focusAfter = focusKey || null;
          if (!opts.apply((d) => mutate(d, current), label)) focusAfter = null;
        },
        follow: (target) => opts.onSelect && opts.onSelect(target),
        rename,
      };
    }

    // Renames the selected state; returns the problem (shown at the name) or null.
    function rename(next) {
      if (next === current) return null;
      const old = current;
      try {
        DesignerModel.renameState(DesignerModel.clone(opts.getDefinition()), old, next);
      } catch (e) {
        if (e && e.name === "ModelError") return e.message;
        throw e;
      }
      current = next; // apply() refreshes: the panel then shows the renamed state
      if (opts.apply((d) => DesignerModel.renameState(d, old, next), "Rename state")) {
        if (opts.onRename) opts.onRename(old, next);
      } else {
        current = old;
        render(false);
      }
      return null;
    }

    return {
      show(name) {
        const same = name === current;
        current = name == null ? null : name;
        render(same);
      },
      refresh: () => render(true),
      setDiagnostics(list) {
        diagnostics = Array.isArray(list) ? list : [];
        render(true);
      },
      selected: () => current,
    };
  }

  window.DesignerInspector = { create };
})();
