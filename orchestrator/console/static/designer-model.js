/* The model behind the console's visual workflow designer: reads and edits an Amazon States
 * Language (ASL) definition held as a parsed JSON object. Pure (no DOM, no I/O), so the page
 * and node's test runner share it (tests/orchestrator/console/designer_model.test.js).
 *
 * Mutators change `def` in place (the caller clones first) and throw a ModelError, before
 * changing anything, for an edit that can't be made.
 *
 * Vocabulary (the same as orchestrator/console/graph.py, which draws the definition):
 * - a machine is an object with `StartAt` and `States`: the definition, each object of a
 *   Parallel state's `Branches`, a Map state's `ItemProcessor` (or older `Iterator`);
 * - a scope id names a machine: "root", or "g:<state name>:<index>" for the index-th nested
 *   machine of that state (only nested machines that are JSON objects count);
 * - a field is a path relative to a state, segments joined by "/" ("Next",
 *   "Choices/2/Next", "Retry/1/MaxAttempts"); "End" and "StartAt" also name transitions.
 *
 * ASL rules relied on throughout:
 * - "The state name, whose length MUST BE less than or equal to 80 Unicode characters, is
 *   the field name; state names MUST be unique within the scope of the whole state machine":
 *   a state is found by its name alone, anywhere.
 * - A transition (`Next`, a Choice's rules and `Default`, a catcher's `Next`) names a state of
 *   the same `States` object: a state in a branch or an item processor can't go outside it.
 * - Any state except Choice, Succeed and Fail has either `Next` or `End: true`.
 */
"use strict";

const MAX_NAME = 80;
// ASL: Task, Pass, Wait, Parallel and Map states have "Next" or "End"; Choice, Succeed and
// Fail don't (a Choice goes on through its rules and Default; Succeed and Fail are terminal).
const NEXTABLE = new Set(["Task", "Pass", "Wait", "Parallel", "Map"]);
const TERMINAL = new Set(["Succeed", "Fail"]);
// ASL: Task, Parallel and Map states may have a "Catch" field (catchers with a "Next").
const CATCHING = new Set(["Task", "Parallel", "Map"]);
const INDEX = /^(0|[1-9][0-9]*)$/;
const RULE_FIELD = /^(Choices|Catch)\/(0|[1-9][0-9]*)\/Next$/;

class ModelError extends Error {
  constructor(message) {
    super(message);
    this.name = "ModelError";
  }
}

/* ---------- small helpers ---------- */

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function hasOwn(obj, key) {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function statesOf(machine) {
  return isObject(machine) && isObject(machine.States) ? machine.States : null;
}

function stateNames(machine) {
  const states = statesOf(machine);
  return states ? Object.keys(states).filter((name) => isObject(states[name])) : [];
}

function quoted(name) {
  return JSON.stringify(String(name));
}

// ASL counts a name's length in Unicode characters, not UTF-16 code units.
function charLength(text) {
  return Array.from(text).length;
}

function escapePointer(segment) {
  // RFC 6901: "~" is written "~0" and "/" is written "~1".
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

function unescapePointer(segment) {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

function clone(def) {
  return typeof structuredClone === "function"
    ? structuredClone(def)
    : JSON.parse(JSON.stringify(def));
}

/* Rewrites the keys of `obj` in the given order, in place (JSON documents keep key order;
 * JavaScript objects keep insertion order except for integer-like keys, which come first). */
function reorder(obj, entries) {
  for (const key of Object.keys(obj)) delete obj[key];
  for (const [key, value] of entries) obj[key] = value;
}

/* ---------- reading ---------- */

/* ASL: a Parallel state's "Branches" is "an array of objects that specify state machines to
 * execute in parallel"; a Map state runs its "ItemProcessor" (older name "Iterator") for
 * each item. Only JSON objects count, as in the server's graph. */
function childMachines(state) {
  const out = [];
  if (!isObject(state)) return out;
  if (state.Type === "Parallel" && Array.isArray(state.Branches)) {
    state.Branches.forEach((branch, i) => {
      if (isObject(branch)) out.push({ field: `Branches/${i}`, machine: branch });
    });
  } else if (state.Type === "Map") {
    for (const field of ["ItemProcessor", "Iterator"]) {
      if (isObject(state[field])) out.push({ field, machine: state[field] });
    }
  }
  return out;
}

/* Every state (a JSON object) of a machine and of its nested machines, in document order. */
function* walk(machine, scope, pointer) {
  const states = statesOf(machine);
  if (!states) return;
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) continue;
    const here = `${pointer}/States/${escapePointer(name)}`;
    yield { name, state, machine, scope, pointer: here };
    const children = childMachines(state);
    for (let i = 0; i < children.length; i++) {
      yield* walk(children[i].machine, `g:${name}:${i}`, `${here}/${children[i].field}`);
    }
  }
}

function find(def, name) {
  if (typeof name !== "string") return null;
  for (const found of walk(def, "root", "")) {
    if (found.name === name) return found;
  }
  return null;
}

function parseScope(scope) {
  if (scope === "root") return { owner: null, index: null };
  if (typeof scope !== "string" || !scope.startsWith("g:")) return null;
  const colon = scope.lastIndexOf(":");
  const index = scope.slice(colon + 1);
  if (colon < 2 || !INDEX.test(index)) return null;
  return { owner: scope.slice(2, colon), index: Number(index) };
}

function machineOf(def, scope) {
  const parsed = parseScope(scope);
  if (!parsed || !isObject(def)) return null;
  if (parsed.owner === null) return def;
  const found = find(def, parsed.owner);
  const child = found ? childMachines(found.state)[parsed.index] : undefined;
  return child ? child.machine : null;
}

function names(def) {
  return Array.from(walk(def, "root", ""), (found) => found.name);
}

function namesInScope(def, name) {
  const found = find(def, name);
  return found ? stateNames(found.machine) : [];
}

/* ASL: "QueryLanguage" may be set at the top level and overridden by a state; the default is
 * JSONPath. */
function queryLanguage(def, name) {
  const found = name === null || name === undefined ? null : find(def, name);
  for (const holder of [found && found.state, def]) {
    const language = isObject(holder) ? holder.QueryLanguage : undefined;
    if (language === "JSONata" || language === "JSONPath") return language;
  }
  return "JSONPath";
}

function canHaveNext(type) {
  return NEXTABLE.has(type);
}

function canCatch(type) {
  return CATCHING.has(type);
}

/* Every key of every States object, nested included (a name is taken even when its value is
 * not a valid state). */
function takenNames(def) {
  const taken = new Set();
  const visit = (machine) => {
    const states = statesOf(machine);
    if (!states) return;
    for (const [name, state] of Object.entries(states)) {
      taken.add(name);
      for (const child of childMachines(state)) visit(child.machine);
    }
  };
  visit(def);
  return taken;
}

function truncate(text, length) {
  return Array.from(text).slice(0, length).join("");
}

function uniqueName(def, base) {
  const text = base === null || base === undefined ? "" : String(base);
  const words = text.match(/[\p{L}\p{N}]+/gu) || [];
  const stem = words.map(capitalised).join("") || "State";
  const taken = takenNames(def);
  let candidate = truncate(stem, MAX_NAME);
  for (let n = 2; taken.has(candidate); n++) {
    candidate = truncate(stem, MAX_NAME - String(n).length) + n;
  }
  return candidate;
}

function segmentsOf(field) {
  if (typeof field !== "string" || field === "") {
    throw new ModelError("A field path can't be empty");
  }
  const segments = field.split("/").map(unescapePointer);
  if (segments.includes("")) throw new ModelError(`${quoted(field)} is not a valid field path`);
  return segments;
}

function childOf(container, segment) {
  if (Array.isArray(container)) return INDEX.test(segment) ? container[Number(segment)] : undefined;
  return isObject(container) && hasOwn(container, segment) ? container[segment] : undefined;
}

function getField(def, name, field) {
  const found = find(def, name);
  if (!found || typeof field !== "string" || field === "") return undefined;
  let value = found.state;
  for (const segment of field.split("/").map(unescapePointer)) {
    value = childOf(value, segment);
    if (value === undefined) return undefined;
  }
  return value;
}

function itemsOf(value) {
  return Array.isArray(value) ? value : [];
}

/* The outgoing transitions of a state, as the graph draws them. */
function stateTransitions(state) {
  const out = [];
  if (typeof state.Next === "string") out.push({ field: "Next", target: state.Next });
  if (typeof state.Default === "string") out.push({ field: "Default", target: state.Default });
  itemsOf(state.Choices).forEach((rule, i) => {
    if (isObject(rule) && typeof rule.Next === "string") {
      out.push({ field: `Choices/${i}/Next`, target: rule.Next });
    }
  });
  itemsOf(state.Catch).forEach((catcher, i) => {
    if (isObject(catcher) && typeof catcher.Next === "string") {
      out.push({ field: `Catch/${i}/Next`, target: catcher.Next });
    }
  });
  if (state.End === true || TERMINAL.has(state.Type)) out.push({ field: "End", target: null });
  return out;
}

function transitions(def, name) {
  const found = find(def, name);
  return found ? stateTransitions(found.state) : [];
}

function referencesIn(machine, name) {
  const out = [];
  if (machine.StartAt === name) out.push({ source: null, field: "StartAt" });
  const states = statesOf(machine) || {};
  for (const source of stateNames(machine)) {
    for (const t of stateTransitions(states[source])) {
      if (t.target === name) out.push({ source, field: t.field });
    }
  }
  return out;
}

function referencesTo(def, name) {
  const found = find(def, name);
  return found ? referencesIn(found.machine, name) : [];
}

/* ---------- checks shared by the mutators ---------- */

function mustFind(def, name) {
  const found = find(def, name);
  if (!found) throw new ModelError(`There is no state named ${quoted(name)}`);
  return found;
}

function mustMachine(def, scope) {
  const machine = machineOf(def, scope);
  if (!machine) throw new ModelError(`There is no state machine (scope) ${quoted(scope)}`);
  return machine;
}

function checkNewName(def, name, taken = takenNames(def)) {
  if (typeof name !== "string" || name === "") {
    throw new ModelError("A state name can't be empty");
  }
  if (charLength(name) > MAX_NAME) {
    throw new ModelError(
      `A state name has at most ${MAX_NAME} characters (${quoted(name)} has ${charLength(name)})`
    );
  }
  if (taken.has(name)) {
    throw new ModelError(
      `A state named ${quoted(name)} already exists: state names are unique in the whole workflow`
    );
  }
}

/* The End of a state, as a transition to re-point: it must be a Next-able state that ends. */
function checkEnds(found) {
  if (!canHaveNext(found.state.Type)) throw new ModelError(noNextMessage(found.state.Type));
  if (typeof found.state.Next === "string") {
    throw new ModelError(`${quoted(found.name)} does not end: it has a Next`);
  }
}

function typeName(type) {
  return typeof type === "string" ? `a ${type} state` : "a state without a Type";
}

function capitalised(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function noNextMessage(type) {
  return TERMINAL.has(type)
    ? `A ${type} state ends the workflow: it has no Next`
    : `${capitalised(typeName(type))} has no Next`;
}

/* The target must be a state of the source's machine (ASL: transitions stay in their States). */
function mustBeInScope(def, sourceMachine, target) {
  const found = mustFind(def, target);
  if (found.machine !== sourceMachine) {
    throw new ModelError(
      `${quoted(target)} is in another state machine: a transition can only go to a state ` +
        "of the same branch or item processor"
    );
  }
  return found;
}

/* ---------- setField ---------- */

function checkSegment(container, segment, segments) {
  if (!Array.isArray(container)) return;
  const path = quoted(segments.join("/"));
  if (!INDEX.test(segment)) {
    throw new ModelError(`${path}: ${quoted(segment)} is not an index of an array`);
  }
  if (Number(segment) > container.length) {
    throw new ModelError(`${path}: index ${segment} would leave a gap in the array`);
  }
}

function put(container, segment, value) {
  if (Array.isArray(container)) container[Number(segment)] = value;
  else container[segment] = value;
}

/* Walks to the container of the last segment, creating what is missing when `create` is set
 * (a numeric next segment makes an array); with `create` unset it only checks, on throwaway
 * containers, so a failing path throws before anything changed. */
function containerFor(state, segments, create) {
  let container = state;
  for (let i = 0; i < segments.length - 1; i++) {
    checkSegment(container, segments[i], segments);
    let next = childOf(container, segments[i]);
    if (next === undefined) {
      next = INDEX.test(segments[i + 1]) ? [] : {};
      if (create) put(container, segments[i], next);
    } else if (next === null || typeof next !== "object") {
      const path = quoted(segments.slice(0, i + 1).join("/"));
      throw new ModelError(`${path} holds a value, not an object or an array`);
    }
    container = next;
  }
  checkSegment(container, segments[segments.length - 1], segments);
  return container;
}

function removeKey(container, segment) {
  if (Array.isArray(container)) {
    if (!INDEX.test(segment) || Number(segment) >= container.length) return false;
    container.splice(Number(segment), 1);
    return true;
  }
  if (!isObject(container) || !hasOwn(container, segment)) return false;
  delete container[segment];
  return true;
}

function isEmpty(container) {
  return Array.isArray(container) ? container.length === 0 : Object.keys(container).length === 0;
}

/* Deletes the value at the path, then every object/array left empty on the way up (never the
 * state itself). */
function deletePath(state, segments) {
  const chain = [state];
  for (let i = 0; i < segments.length - 1; i++) {
    const next = childOf(chain[i], segments[i]);
    if (next === null || typeof next !== "object") return;
    chain.push(next);
  }
  if (!removeKey(chain[chain.length - 1], segments[segments.length - 1])) return;
  for (let i = chain.length - 1; i > 0 && isEmpty(chain[i]); i--) {
    removeKey(chain[i - 1], segments[i - 1]);
  }
}

function setPath(state, segments, value) {
  if (value === undefined) {
    deletePath(state, segments);
    return;
  }
  containerFor(state, segments, false);
  put(containerFor(state, segments, true), segments[segments.length - 1], value);
}

function setField(def, name, field, value) {
  const { state } = mustFind(def, name);
  const segments = segmentsOf(field);
  setPath(state, segments, value);
  // ASL: a state has "Next" or "End: true", never both.
  if (field === "Next" && value !== undefined) delete state.End;
  if (field === "End" && value === true) delete state.Next;
  return true;
}

/* ---------- transitions as places to write ---------- */

/* The object and key holding a transition field (Next, Default, Choices/i/Next,
 * Catch/i/Next) of a state, or null when the state has no such transition. */
function holderOf(state, field) {
  if (field === "Next" || field === "Default") {
    return typeof state[field] === "string" ? { holder: state, key: field } : null;
  }
  const match = RULE_FIELD.exec(field);
  if (!match) return null;
  const entry = itemsOf(state[match[1]])[Number(match[2])];
  return isObject(entry) && typeof entry.Next === "string" ? { holder: entry, key: "Next" } : null;
}

function isTransitionField(field) {
  return field === "Next" || field === "Default" || field === "End" || RULE_FIELD.test(field);
}

/* ---------- renameState ---------- */

function renameState(def, oldName, newName) {
  const { machine } = mustFind(def, oldName);
  if (newName === oldName) return true;
  checkNewName(def, newName);
  const refs = referencesIn(machine, oldName);
  const states = machine.States;
  reorder(states, Object.entries(states).map(([k, v]) => [k === oldName ? newName : k, v]));
  for (const ref of refs) {
    if (ref.source === null) {
      machine.StartAt = newName;
    } else {
      const source = ref.source === oldName ? newName : ref.source;
      const place = holderOf(states[source], ref.field);
      place.holder[place.key] = newName;
    }
  }
  return true;
}

/* ---------- placing a state: plans ---------- */
/* A target ({kind: "canvas" | "scope" | "edge" | "after", ...}) is first turned into a plan,
 * which checks everything; applying a plan can't fail. Plans:
 *   loose  - into `machine`, unconnected (its StartAt if it has no state or StartAt names none);
 *   chain  - into `machine`, after its only End state if it has exactly one;
 *   field  - on the transition `holder[key]` of state `source`;
 *   end    - on the End of state `source`;
 *   start  - on the StartAt of `machine`. */

function planEdge(def, target) {
  const { source, field, scope } = target;
  if (source === null || source === undefined) {
    if (field !== "StartAt") {
      throw new ModelError("An edge without a source state must be the StartAt of a scope");
    }
    return { kind: "start", machine: mustMachine(def, scope) };
  }
  const found = mustFind(def, source);
  if (scope !== undefined && scope !== null && scope !== found.scope) {
    throw new ModelError(`${quoted(source)} is not in scope ${quoted(scope)}`);
  }
  if (field === "End") {
    checkEnds(found);
    return { kind: "end", machine: found.machine, source, state: found.state };
  }
  const place = holderOf(found.state, field);
  if (!place) throw new ModelError(`${quoted(source)} has no transition ${quoted(field)}`);
  return { kind: "field", machine: found.machine, source, holder: place.holder, key: place.key };
}

function planAfter(def, name) {
  const found = mustFind(def, name);
  if (!canHaveNext(found.state.Type)) return { kind: "loose", machine: found.machine };
  const field = typeof found.state.Next === "string" ? "Next" : "End";
  return planEdge(def, { source: name, field });
}

function planFor(def, target) {
  const kind = isObject(target) ? target.kind : undefined;
  if (kind === "canvas") return { kind: "loose", machine: def };
  if (kind === "scope") return { kind: "chain", machine: mustMachine(def, target.scope) };
  if (kind === "edge") return planEdge(def, target);
  if (kind === "after") return planAfter(def, target.name);
  throw new ModelError(`Unknown place to put a state: ${JSON.stringify(kind)}`);
}

/* Inserts `name` into `states` at a position: after a state, first, or last. */
function insertState(states, name, state, position) {
  const entries = Object.entries(states);
  let at = entries.length;
  if (position === "first") at = 0;
  else if (position !== undefined) at = entries.findIndex(([k]) => k === position) + 1;
  entries.splice(at, 0, [name, state]);
  reorder(states, entries);
}

/* The new state carries on to `target` (a state name of its machine, or null for the end). */
function continueTo(state, target) {
  if (canHaveNext(state.Type)) {
    if (target === null) state.End = true;
    else state.Next = target;
  } else if (state.Type === "Choice" && target !== null) {
    // ASL: a Choice's "Default" is "the name of one of the states, which will be
    // transitioned to if none of the Choice Rules match".
    state.Default = target;
  }
}

function soleEnd(machine) {
  const ends = stateNames(machine).filter((n) => {
    const s = machine.States[n];
    return s.End === true && canHaveNext(s.Type);
  });
  return ends.length === 1 ? ends[0] : null;
}

function applyPlan(plan, name, state) {
  const machine = plan.machine;
  if (!isObject(machine.States)) machine.States = {};
  const states = machine.States;
  delete state.Next;
  delete state.End;
  const empty = Object.keys(states).length === 0;
  if (plan.kind === "loose" || (plan.kind === "chain" && (empty || soleEnd(machine) === null))) {
    // The first state of a machine is its start; so is one added where StartAt names nothing.
    if (empty || !isObject(states[machine.StartAt])) machine.StartAt = name;
    insertState(states, name, state);
    continueTo(state, null);
  } else if (plan.kind === "chain") {
    const last = soleEnd(machine);
    delete states[last].End;
    states[last].Next = name;
    insertState(states, name, state, last);
    continueTo(state, null);
  } else if (plan.kind === "start") {
    const old = machine.StartAt;
    machine.StartAt = name;
    insertState(states, name, state, "first");
    continueTo(state, typeof old === "string" && isObject(states[old]) ? old : null);
  } else if (plan.kind === "field") {
    const old = plan.holder[plan.key];
    plan.holder[plan.key] = name;
    insertState(states, name, state, plan.source);
    continueTo(state, old);
  } else {
    delete plan.state.End;
    plan.state.Next = name;
    insertState(states, name, state, plan.source);
    continueTo(state, null);
  }
}

/* The states nested in a new Parallel / Map must not take names either. */
function checkNestedNames(def, name, state) {
  const taken = takenNames(def).add(name);
  for (const nested of walk({ States: { [name]: state } }, "root", "")) {
    if (nested.name === name) continue;
    checkNewName(def, nested.name, taken);
    taken.add(nested.name);
  }
}

function addState(def, name, state, target) {
  checkNewName(def, name);
  if (!isObject(state) || typeof state.Type !== "string") {
    throw new ModelError("A state is a JSON object with a Type");
  }
  checkNestedNames(def, name, state);
  const plan = planFor(def, target);
  applyPlan(plan, name, state);
  return name;
}

/* ---------- detach, delete ---------- */

/* Where the states pointing at X go instead: X's Next (for a Choice, its Default) when that is
 * another state of the machine, else nowhere. */
function continuation(machine, name, state) {
  let next;
  if (canHaveNext(state.Type)) next = state.Next;
  else if (state.Type === "Choice") next = state.Default;
  return typeof next === "string" && next !== name && isObject(machine.States[next]) ? next : null;
}

/* Takes X out of the graph of its machine (X itself stays in States). */
function detach(found) {
  const { name, state, machine } = found;
  const next = continuation(machine, name, state);
  const removals = [];
  for (const ref of referencesIn(machine, name)) {
    if (ref.source === name) continue; // a self-reference goes away with X
    if (ref.source === null) {
      const rest = stateNames(machine).filter((n) => n !== name);
      if (next !== null) machine.StartAt = next;
      else if (rest.length) machine.StartAt = rest[0];
      else delete machine.StartAt;
      continue;
    }
    const source = machine.States[ref.source];
    if (next !== null) {
      const place = holderOf(source, ref.field);
      place.holder[place.key] = next;
    } else if (ref.field === "Next") {
      delete source.Next;
      source.End = true;
    } else if (ref.field === "Default") {
      delete source.Default;
    } else {
      removals.push({ source, match: RULE_FIELD.exec(ref.field) });
    }
  }
  // Remove Choice rules / catchers from the last index down, so the others keep theirs.
  removals.sort((a, b) => Number(b.match[2]) - Number(a.match[2]));
  for (const { source, match } of removals) deletePath(source, [match[1], match[2]]);
}

function deleteState(def, name) {
  const found = mustFind(def, name);
  detach(found);
  delete found.machine.States[name];
  return true;
}

/* ---------- moveState ---------- */

/* X and every state nested in it. */
function subtreeNames(found) {
  return new Set(names({ States: { [found.name]: found.state } }));
}

// The state and every state nested in it (the places it cannot be moved into).
function namesWithin(def, name) {
  return subtreeNames(mustFind(def, name));
}

function scopeOwner(scope) {
  const parsed = parseScope(scope);
  return parsed ? parsed.owner : null;
}

/* Throws for a target inside the moved state; true when the target is the moved state's own
 * incoming or outgoing edge (nothing to do). */
function checkMoveTarget(def, found, target, subtree) {
  const inside = (n) => n !== null && n !== undefined && subtree.has(n);
  const fail = (what) => {
    throw new ModelError(`Can't move ${quoted(found.name)} ${what}`);
  };
  if (!isObject(target)) return false;
  const { kind, source, field } = target;
  if (kind === "scope" && inside(scopeOwner(target.scope))) fail("into itself");
  if (kind === "after" && target.name === found.name) return true;
  if (kind === "after" && inside(target.name)) fail("into itself");
  if (kind !== "edge") return false;
  if (source === found.name && (field === "Next" || field === "End")) return true;
  if (source === found.name) fail("onto one of its own transitions");
  if (inside(source)) fail("into itself");
  if ((source === null || source === undefined) && inside(scopeOwner(target.scope))) {
    fail("into itself");
  }
  return false;
}

function isIncoming(plan, name) {
  if (plan.kind === "field") return plan.holder[plan.key] === name;
  if (plan.kind === "end") return false;
  return plan.kind === "start" && plan.machine.StartAt === name;
}

/* A state moving to another machine loses the transitions that would leave it. */
function pruneOutside(state, name, machine) {
  const keep = new Set([name, ...stateNames(machine)]);
  if (typeof state.Default === "string" && !keep.has(state.Default)) delete state.Default;
  for (const array of ["Choices", "Catch"]) {
    const items = itemsOf(state[array]);
    for (let i = items.length - 1; i >= 0; i--) {
      if (isObject(items[i]) && typeof items[i].Next === "string" && !keep.has(items[i].Next)) {
        deletePath(state, [array, String(i)]);
      }
    }
  }
}

function moveState(def, name, target) {
  const found = mustFind(def, name);
  // Onto its own way in or out: nothing to do (and detaching first would lose that edge).
  if (checkMoveTarget(def, found, target, subtreeNames(found))) return true;
  const plan = planFor(def, target);
  if (isIncoming(plan, name)) return true;
  detach(found);
  delete found.machine.States[name];
  if (plan.machine !== found.machine) pruneOutside(found.state, name, plan.machine);
  applyPlan(plan, name, found.state);
  return true;
}

/* ---------- connect, retarget ---------- */

function newRule(def, source, target) {
  // ASL: a JSONata Choice rule is a "Condition"; a JSONPath one compares a "Variable".
  return queryLanguage(def, source) === "JSONata"
    ? { Condition: "{% true %}", Next: target }
    : { Variable: "$.value", StringEquals: "value", Next: target };
}

function connect(def, source, target) {
  const found = mustFind(def, source);
  mustBeInScope(def, found.machine, target);
  const state = found.state;
  if (canHaveNext(state.Type)) {
    delete state.End;
    state.Next = target;
    return "Next";
  }
  if (state.Type !== "Choice") throw new ModelError(noNextMessage(state.Type));
  if (!hasOwn(state, "Default")) {
    state.Default = target;
    return "Default";
  }
  if (!Array.isArray(state.Choices)) state.Choices = [];
  state.Choices.push(newRule(def, source, target));
  return `Choices/${state.Choices.length - 1}/Next`;
}

function retarget(def, source, field, target, scope) {
  if (source === null || source === undefined) {
    if (field !== "StartAt") throw new ModelError("Only a scope's StartAt has no source state");
    const machine = mustMachine(def, scope);
    mustBeInScope(def, machine, target);
    machine.StartAt = target;
    return true;
  }
  const found = mustFind(def, source);
  if (!isTransitionField(field)) throw new ModelError(`${quoted(field)} is not a transition`);
  mustBeInScope(def, found.machine, target);
  const state = found.state;
  if (field === "End") {
    checkEnds(found);
    delete state.End;
    state.Next = target;
    return true;
  }
  const place = holderOf(state, field);
  if (!place) throw new ModelError(`${quoted(source)} has no transition ${quoted(field)}`);
  place.holder[place.key] = target;
  return true;
}

/* ---------- moveInChain ---------- */

function swapKeys(states, a, b) {
  const swapped = (k) => (k === a ? b : k === b ? a : k);
  reorder(states, Object.keys(states).map((k) => [swapped(k), states[swapped(k)]]));
}

/* The state before `name` in a simple chain: reached only by P's Next, P itself reached only
 * by Next fields or the scope's StartAt. */
function simplePredecessor(machine, name) {
  const refs = referencesIn(machine, name).filter((r) => r.source !== name);
  if (refs.length === 0) {
    throw new ModelError(`${quoted(name)} has no state before it to swap with`);
  }
  if (refs.length > 1) {
    throw new ModelError(
      `${quoted(name)} is reached from more than one place, so it has no single state ` +
        "before it; drag it instead"
    );
  }
  const [ref] = refs;
  if (ref.source === null) throw new ModelError(`${quoted(name)} is already the first state`);
  if (ref.field !== "Next") {
    throw new ModelError(
      `${quoted(name)} is reached by ${quoted(ref.source)}'s ${ref.field}, not by a Next; drag it instead`
    );
  }
  const pred = ref.source;
  const predRefs = referencesIn(machine, pred);
  if (predRefs.some((r) => r.field !== "Next" && r.field !== "StartAt")) {
    throw new ModelError(
      `${quoted(pred)} is reached by a Choice rule, a Default or a Catch; drag ${quoted(name)} instead`
    );
  }
  if (machine.States[name].Next === pred) {
    throw new ModelError(`${quoted(pred)} and ${quoted(name)} form a loop: there is nothing to swap`);
  }
  return { pred, predRefs };
}

/* X swaps with the state P before it: whoever pointed at P points at X, X goes on to P, and
 * P goes where X went (its Next, or the end). The two also swap places in States. */
function moveUp(found) {
  const { name, state, machine } = found;
  if (!canHaveNext(state.Type)) {
    const what = capitalised(typeName(state.Type));
    throw new ModelError(`${what} has no Next: it can't be moved along a chain`);
  }
  const { pred, predRefs } = simplePredecessor(machine, name);
  const before = machine.States[pred];
  for (const ref of predRefs) {
    if (ref.source === null) machine.StartAt = name;
    else machine.States[ref.source].Next = name;
  }
  const after = typeof state.Next === "string" ? state.Next : null;
  delete state.End;
  state.Next = pred;
  if (after === null) {
    delete before.Next;
    before.End = true;
  } else {
    before.Next = after;
  }
  swapKeys(machine.States, pred, name);
}

function moveInChain(def, name, direction) {
  const found = mustFind(def, name);
  if (direction === -1) {
    moveUp(found);
    return true;
  }
  if (direction !== 1) throw new ModelError("Move a state along its chain by -1 (up) or +1 (down)");
  const next = found.state.Next;
  if (!canHaveNext(found.state.Type) || typeof next !== "string" || next === name) {
    throw new ModelError(`${quoted(name)} has no next state to swap with`);
  }
  const after = find(def, next);
  if (!after || after.machine !== found.machine) {
    throw new ModelError(`${quoted(name)} has no next state to swap with`);
  }
  if (!canHaveNext(after.state.Type)) {
    const what = typeName(after.state.Type);
    throw new ModelError(`${quoted(next)} is ${what}: it can't come before ${quoted(name)}`);
  }
  moveUp(after);
  return true;
}

const DesignerModel = {
  ModelError,
  MAX_NAME,
  clone,
  childMachines,
  find,
  machineOf,
  names,
  namesInScope,
  queryLanguage,
  canHaveNext,
  canCatch,
  uniqueName,
  getField,
  transitions,
  referencesTo,
  namesWithin,
  setField,
  renameState,
  addState,
  deleteState,
  moveState,
  connect,
  retarget,
  moveInChain,
};

if (typeof module !== "undefined" && module.exports) module.exports = DesignerModel;
else window.DesignerModel = DesignerModel;
