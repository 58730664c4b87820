/* The designer's model: pure edits of a parsed Amazon States Language definition (no DOM,
 * no I/O), used by the designer page (designer.js) and its inspector (inspector.js), and
 * tested under node (tests/orchestrator/console/designer_model.test.js).
 *
 * Terms. A *machine* has StartAt and States: the definition, each Parallel branch, a Map's
 * ItemProcessor (or its older name Iterator). ASL: state names are unique in the whole state
 * machine, so a state is found by name. A *scope* names a machine as the server's graph does
 * (orchestrator/console/graph.py): "root", or "g:<state>:<i>" for the i-th nested machine of
 * a state. A *field* is a path relative to a state: "Next", "Default", "Choices/2/Next",
 * "Catch/0/Next", "Retry/1/MaxAttempts"; "End" stands for End: true (or a Succeed / Fail),
 * "StartAt" for a scope's start. Mutators change `def` in place (the caller clones) and throw
 * ModelError, with a message for the user, before changing anything. */
"use strict";

class ModelError extends Error {
  constructor(message) { super(message); this.name = "ModelError"; }
}
const fail = (message) => { throw new ModelError(message); };
const isObject = (v) => !!v && typeof v === "object" && !Array.isArray(v);
const MAX_NAME = 80;   // ASL: a state name has at most 80 characters
const clone = (def) => JSON.parse(JSON.stringify(def));

// ASL: Task, Pass, Wait, Parallel and Map states have Next or End; Choice goes by its rules
// and Default; Succeed and Fail end the workflow.
const canHaveNext = (type) => ["Task", "Pass", "Wait", "Parallel", "Map"].includes(type);
const canCatch = (type) => ["Task", "Parallel", "Map"].includes(type);

function childMachines(state) {
  const out = [];
  if (!isObject(state)) return out;
  if (state.Type === "Parallel" && Array.isArray(state.Branches)) {
    state.Branches.forEach((b, i) => { if (isObject(b)) out.push({ field: "Branches/" + i, machine: b }); });
  } else if (state.Type === "Map") {
    for (const field of ["ItemProcessor", "Iterator"]) if (isObject(state[field])) out.push({ field, machine: state[field] });
  }
  return out;
}

const escape = (name) => name.replace(/~/g, "~0").replace(/\//g, "~1");
// Every state: { name, state, machine, scope, pointer }, in document order.
function* walk(machine, scope, pointer) {
  if (!isObject(machine) || !isObject(machine.States)) return;
  for (const [name, state] of Object.entries(machine.States)) {
    if (!isObject(state)) continue;
    const at = pointer + "/States/" + escape(name);
    yield { name, state, machine, scope, pointer: at };
    let i = 0;
    for (const { field, machine: sub } of childMachines(state)) {
      yield* walk(sub, "g:" + name + ":" + i, at + "/" + field.split("/").map(escape).join("/"));
      i++;
    }
  }
}
const all = (def) => [...walk(def, "root", "")];
const find = (def, name) => all(def).find((e) => e.name === name) || null;
const names = (def) => all(def).map((e) => e.name);
function machineOf(def, scope) {
  if (scope === "root") return isObject(def) ? def : null;
  const m = /^g:(.*):(\d+)$/.exec(scope || "");
  const owner = m && find(def, m[1]);
  const child = owner && childMachines(owner.state)[Number(m[2])];
  return child ? child.machine : null;
}
const need = (def, name) => find(def, name) || fail("There is no state named " + name + ".");
const namesInScope = (def, name) => Object.keys(need(def, name).machine.States);
function queryLanguage(def, name) {
  const state = name == null ? null : (find(def, name) || {}).state;
  const own = state && state.QueryLanguage;
  return own === "JSONata" || own === "JSONPath" ? own : def && def.QueryLanguage === "JSONata" ? "JSONata" : "JSONPath";
}
function uniqueName(def, base) {
  const words = String(base || "").split(/[^A-Za-z0-9]+/).filter(Boolean);
  const stem = (words.map((w) => w[0].toUpperCase() + w.slice(1)).join("") || "State").slice(0, MAX_NAME - 4);
  const taken = new Set(names(def));
  let name = stem;
  for (let i = 2; taken.has(name); i++) name = stem + i;
  return name;
}

// --- fields -----------------------------------------------------------------------------
const segments = (field) => String(field).split("/").filter((s) => s !== "").map((s) => (/^\d+$/.test(s) ? Number(s) : s));
function getField(def, name, field) {
  let v = need(def, name).state;
  for (const s of segments(field)) { if (v == null || typeof v !== "object") return undefined; v = v[s]; }
  return v;
}
function setField(def, name, field, value) {
  const state = need(def, name).state;
  const path = segments(field);
  if (!path.length) fail("A field to set is needed.");
  if (value === undefined) { remove(state, path); return; }
  let v = state;
  for (let i = 0; i < path.length - 1; i++) {
    if (v[path[i]] == null || typeof v[path[i]] !== "object") v[path[i]] = typeof path[i + 1] === "number" ? [] : {};
    v = v[path[i]];
  }
  v[path[path.length - 1]] = value;
  if (path.length === 1 && path[0] === "Next") delete state.End;
  if (path.length === 1 && path[0] === "End" && value === true) delete state.Next;
}
// Deletes the value at path; containers emptied on the way up go too (never the state).
function remove(state, path) {
  const chain = [state];
  for (let i = 0; i < path.length - 1; i++) {
    const next = chain[i][path[i]];
    if (next == null || typeof next !== "object") return;
    chain.push(next);
  }
  for (let i = path.length - 1; i >= 0; i--) {
    const holder = chain[i];
    if (Array.isArray(holder)) holder.splice(path[i], 1); else delete holder[path[i]];
    const empty = Array.isArray(holder) ? holder.length === 0 : Object.keys(holder).length === 0;
    if (i === 0 || !empty) return;
  }
}

// --- transitions ----------------------------------------------------------------------------
function transitions(def, name) {
  const { state } = need(def, name);
  const out = [];
  if (typeof state.Next === "string") out.push({ field: "Next", target: state.Next });
  (Array.isArray(state.Choices) ? state.Choices : []).forEach((r, i) => {
    if (isObject(r) && typeof r.Next === "string") out.push({ field: "Choices/" + i + "/Next", target: r.Next });
  });
  if (typeof state.Default === "string") out.push({ field: "Default", target: state.Default });
  (Array.isArray(state.Catch) ? state.Catch : []).forEach((c, i) => {
    if (isObject(c) && typeof c.Next === "string") out.push({ field: "Catch/" + i + "/Next", target: c.Next });
  });
  if (state.End === true || state.Type === "Succeed" || state.Type === "Fail") out.push({ field: "End", target: null });
  return out;
}
function referencesTo(def, name) {
  const { machine } = need(def, name);
  const out = machine.StartAt === name ? [{ source: null, field: "StartAt" }] : [];
  for (const other of Object.keys(machine.States)) {
    if (!isObject(machine.States[other])) continue;
    for (const t of transitions(def, other)) if (t.target === name) out.push({ source: other, field: t.field });
  }
  return out;
}
function sameScope(def, source, target) {
  const a = need(def, source), b = need(def, target);
  if (a.machine !== b.machine) fail(target + " is not in the same branch as " + source + ": a transition stays inside its state machine.");
}

// Every reference to `name` in its scope goes where `name` went (its Next, or a Choice's
// Default); without one, a Next becomes End: true and a Default, rule or catcher goes.
function detach(def, name) {
  const { state, machine } = need(def, name);
  const onward = typeof state.Next === "string" && state.Next !== name ? state.Next
    : state.Type === "Choice" && typeof state.Default === "string" && state.Default !== name ? state.Default : null;
  const refs = referencesTo(def, name).filter((r) => r.source !== name);
  // Array entries go last-first, so the indexes of the others still hold.
  refs.sort((a, b) => (b.field > a.field ? 1 : -1));
  for (const { source, field } of refs) {
    if (source === null) continue;
    const s = machine.States[source];
    if (onward) { setField(def, source, field, onward); continue; }
    if (field === "Next") { delete s.Next; s.End = true; } else if (field === "Default") delete s.Default;
    else setField(def, source, field.replace(/\/Next$/, ""), undefined);
  }
  if (machine.StartAt === name) {
    const rest = Object.keys(machine.States).filter((n) => n !== name);
    if (onward) machine.StartAt = onward; else if (rest.length) machine.StartAt = rest[0]; else delete machine.StartAt;
  }
}

// The new state's way on: Next (or a Choice's Default) to `target`, or End: true.
function wire(state, target) {
  delete state.Next; delete state.End;
  if (canHaveNext(state.Type)) { if (target) state.Next = target; else state.End = true; }
  else if (state.Type === "Choice" && target) state.Default = target;
}
function resolveTarget(def, target) {
  if (!isObject(target)) fail("Where to put the state is needed.");
  if (target.kind === "canvas") return { machine: def, how: "loose" };
  if (target.kind === "scope") return { machine: machineOf(def, target.scope) || fail("There is no branch " + target.scope + "."), how: "scope" };
  if (target.kind === "after") {
    const other = need(def, target.name);
    if (!canHaveNext(other.state.Type)) return { machine: other.machine, how: "loose" };
    return { machine: other.machine, how: "edge", source: target.name, field: typeof other.state.Next === "string" ? "Next" : "End" };
  }
  if (target.kind === "edge") {
    if (target.source == null) {
      if (target.field !== "StartAt") fail("An edge without a source state is a StartAt.");
      return { machine: machineOf(def, target.scope || "root") || fail("There is no branch " + target.scope + "."), how: "start" };
    }
    const src = need(def, target.source);
    if (target.field !== "End" && typeof getField(def, target.source, target.field) !== "string") {
      fail(target.source + " has no transition " + target.field + ".");
    }
    if (target.field === "End" && (!canHaveNext(src.state.Type) || src.state.End !== true)) fail(target.source + " does not end its branch: there is no way to the end to insert on.");
    return { machine: src.machine, how: "edge", source: target.source, field: target.field };
  }
  return fail("Unknown place " + target.kind + ".");
}
function place(def, name, state, where) {
  const m = where.machine;
  if (!isObject(m.States)) m.States = {};
  const empty = Object.keys(m.States).length === 0;
  m.States[name] = state;
  if (where.how === "start") {
    wire(state, typeof m.StartAt === "string" && m.States[m.StartAt] ? m.StartAt : null);
    m.StartAt = name;
  } else if (where.how === "edge") {
    const src = m.States[where.source];
    if (where.field === "End") { wire(state, null); delete src.End; src.Next = name; }
    else { wire(state, getField(def, where.source, where.field)); setField(def, where.source, where.field, name); }
  } else if (where.how === "scope" && !empty) {
    const ends = Object.keys(m.States).filter((n) => n !== name && m.States[n].End === true && canHaveNext(m.States[n].Type));
    wire(state, null);
    if (ends.length === 1) { delete m.States[ends[0]].End; m.States[ends[0]].Next = name; }
  } else if (canHaveNext(state.Type) && state.Next === undefined) wire(state, null);
  if (empty || !m.StartAt || !m.States[m.StartAt]) m.StartAt = name;
}
function checkName(def, name) {
  if (typeof name !== "string" || !name) fail("A state needs a name.");
  if (name.length > MAX_NAME) fail("A state name has at most " + MAX_NAME + " characters.");
  if (find(def, name)) fail("A state named " + name + " already exists (names are unique in the whole state machine).");
}
function addState(def, name, state, target) {
  checkName(def, name);
  if (!isObject(state) || typeof state.Type !== "string") fail("A state is an object with a Type.");
  place(def, name, state, resolveTarget(def, target));
  return name;
}
function deleteState(def, name) {
  const { machine } = need(def, name);
  detach(def, name);
  delete machine.States[name];
  return true;
}
// The names of the states inside `name` (its branches and processors, nested ones too).
function inside(def, name) {
  const out = new Set();
  const visit = (state) => {
    for (const { machine } of childMachines(state)) {
      for (const [n, s] of Object.entries(machine.States || {})) { out.add(n); visit(s); }
    }
  };
  visit(need(def, name).state);
  return out;
}
function moveState(def, name, target) {
  const found = need(def, name);
  const where = resolveTarget(def, target);
  const within = inside(def, name);
  if (where.source === name && where.field !== "End" && getField(def, name, where.field) === name) fail("A state cannot be moved onto its own loop.");
  if (where.source && within.has(where.source)) fail("A state cannot be moved into itself.");
  if (target.kind === "scope") {
    const owner = /^g:(.*):\d+$/.exec(target.scope);
    if (owner && (owner[1] === name || within.has(owner[1]))) fail("A state cannot be moved into itself.");
  }
  // Onto its own way in or out: nothing changes.
  if (where.how === "edge" && (where.source === name || getField(def, where.source, where.field) === name)) return true;
  if (where.how === "start" && where.machine.StartAt === name) return true;
  const { state, machine } = found;
  detach(def, name);
  delete machine.States[name];
  if (where.machine !== machine) {
    // Its transitions named states of the old scope: they go (the validator would refuse them).
    if (Array.isArray(state.Choices)) state.Choices.forEach((r) => { if (isObject(r)) delete r.Next; });
    delete state.Default;
    if (Array.isArray(state.Catch)) { state.Catch = state.Catch.filter((c) => !(isObject(c) && typeof c.Next === "string")); if (!state.Catch.length) delete state.Catch; }
  }
  place(def, name, state, where.source === undefined || where.source === null || where.machine.States[where.source] ? where : { machine: where.machine, how: "loose" });
  return true;
}

function connect(def, source, target) {
  const { state } = need(def, source);
  sameScope(def, source, target);
  if (canHaveNext(state.Type)) { delete state.End; state.Next = target; return "Next"; }
  if (state.Type === "Choice") {
    if (typeof state.Default !== "string") { state.Default = target; return "Default"; }
    if (!Array.isArray(state.Choices)) state.Choices = [];
    state.Choices.push(queryLanguage(def, source) === "JSONata" ? { Condition: "{% true %}", Next: target }
      : { Variable: "$.value", StringEquals: "value", Next: target });
    return "Choices/" + (state.Choices.length - 1) + "/Next";
  }
  return fail("A " + state.Type + " state ends the workflow: it has no Next.");
}
function retarget(def, source, field, target, scope) {
  if (source === null) {
    if (field !== "StartAt") fail("Only a StartAt has no source state.");
    const machine = machineOf(def, scope || "root") || fail("There is no branch " + scope + ".");
    const t = need(def, target);
    if (t.machine !== machine) fail(target + " is not in that state machine: StartAt names one of its own states.");
    machine.StartAt = target;
    return true;
  }
  const { state } = need(def, source);
  sameScope(def, source, target);
  if (field === "End") {
    if (!canHaveNext(state.Type)) fail("A " + state.Type + " state ends the workflow: it has no Next.");
    delete state.End; state.Next = target; return true;
  }
  if (typeof getField(def, source, field) !== "string") fail(source + " has no transition " + field + ".");
  setField(def, source, field, target);
  return true;
}

// Keyboard moves along a chain: -1 swaps the state with the one before it (reached by Next
// or StartAt only), +1 with the one after it.
function moveInChain(def, name, direction) {
  const { state, machine } = need(def, name);
  if (direction > 0) {
    if (typeof state.Next !== "string" || !canHaveNext(state.Type)) fail(name + " has no next state to move after.");
    return moveInChain(def, state.Next, -1);
  }
  const refs = referencesTo(def, name).filter((r) => r.source !== name);
  const prev = refs.length === 1 && refs[0].field === "Next" ? refs[0].source : null;
  if (!prev) fail(name + " has no single state before it (reached by Next) to move ahead of.");
  const p = machine.States[prev];
  if (!canHaveNext(state.Type)) fail("A " + state.Type + " state cannot come before another state.");
  const into = referencesTo(def, prev).filter((r) => r.source !== prev && r.source !== name);
  const after = state.End === true ? null : state.Next;
  for (const r of into) {
    if (r.source === null) machine.StartAt = name; else setField(def, r.source, r.field, name);
  }
  delete state.End; state.Next = prev;
  delete p.Next; delete p.End;
  if (after && after !== prev) p.Next = after; else p.End = true;
  return true;
}

function renameState(def, oldName, newName) {
  const { machine } = need(def, oldName);
  if (newName === oldName) return true;
  checkName(def, newName);
  const refs = referencesTo(def, oldName);
  const entries = Object.entries(machine.States).map(([n, s]) => [n === oldName ? newName : n, s]);
  for (const k of Object.keys(machine.States)) delete machine.States[k];
  for (const [n, s] of entries) machine.States[n] = s;
  for (const { source, field } of refs) {
    if (source === null) machine.StartAt = newName;
    else setField(def, source === oldName ? newName : source, field, newName);
  }
  return true;
}

const DesignerModel = {
  ModelError, clone, childMachines, find, machineOf, names, namesInScope, queryLanguage, canHaveNext, canCatch,
  uniqueName, getField, setField, transitions, referencesTo, addState, deleteState, moveState, connect,
  retarget, moveInChain, renameState,
};
if (typeof module !== "undefined" && module.exports) module.exports = DesignerModel;
else window.DesignerModel = DesignerModel;
