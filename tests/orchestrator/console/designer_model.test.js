// DesignerModel (orchestrator/console/static/designer-model.js) under node's test runner;
// tests/orchestrator/console/test_designer_model.py runs this file.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const M = require("../../../orchestrator/console/static/designer-model.js");

const task = (extra) => Object.assign({ Type: "Task", Resource: "arn:aws:states:::http:invoke" }, extra);

// A -> B -> C (Succeed)
const hello = () => ({
  StartAt: "A",
  States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", Next: "C" }, C: { Type: "Succeed" } },
});

// Start -> P (Parallel: branch 0 "a/b" -> "c~d", branch 1 X -> M (Map: Item)) -> Done
const nested = () => ({
  StartAt: "Start",
  States: {
    Start: { Type: "Pass", Next: "P" },
    P: {
      Type: "Parallel",
      Next: "Done",
      Branches: [
        { StartAt: "a/b", States: { "a/b": { Type: "Pass", Next: "c~d" }, "c~d": { Type: "Pass", End: true } } },
        {
          StartAt: "X",
          States: {
            X: { Type: "Pass", Next: "M" },
            M: { Type: "Map", End: true, ItemProcessor: { StartAt: "Item", States: { Item: { Type: "Pass", End: true } } } },
          },
        },
      ],
    },
    Done: { Type: "Succeed" },
  },
});

// A state with every kind of transition, all in the root scope.
const wired = () => ({
  StartAt: "T",
  States: {
    T: task({ Next: "Ch", Catch: [{ ErrorEquals: ["A"], Next: "F" }, { ErrorEquals: ["States.ALL"], Next: "Ch" }] }),
    Ch: {
      Type: "Choice",
      Choices: [
        { Variable: "$.x", IsPresent: true, Next: "F" },
        { Variable: "$.y", IsPresent: true, Next: "S" },
        { Variable: "$.z", IsPresent: true, Next: "F" },
      ],
      Default: "F",
    },
    S: { Type: "Succeed" },
    F: { Type: "Fail" },
  },
});

// Runs an edit that must throw a ModelError matching `message`, and checks `def` is untouched.
function refuses(def, edit, message) {
  const before = JSON.stringify(def);
  assert.throws(() => edit(def), (err) => {
    assert.equal(err.name, "ModelError");
    assert.ok(err instanceof M.ModelError && err instanceof Error);
    assert.match(err.message, message);
    return true;
  });
  assert.equal(JSON.stringify(def), before);
}

/* ---------- reading ---------- */

test("ModelError is an Error named ModelError", () => {
  const err = new M.ModelError("nope");
  assert.ok(err instanceof Error);
  assert.equal(err.name, "ModelError");
  assert.equal(err.message, "nope");
});

test("clone is a deep copy", () => {
  const d = nested();
  const c = M.clone(d);
  assert.deepStrictEqual(c, d);
  assert.notEqual(c, d);
  assert.notEqual(c.States.P.Branches[0], d.States.P.Branches[0]);
  c.States.P.Branches[0].States["a/b"].Type = "Wait";
  assert.equal(d.States.P.Branches[0].States["a/b"].Type, "Pass");
});

test("childMachines: Parallel branches that are objects, then ItemProcessor and Iterator", () => {
  const b0 = { StartAt: "Q", States: {} };
  const b2 = { StartAt: "R", States: {} };
  assert.deepStrictEqual(M.childMachines({ Type: "Parallel", Branches: [b0, "not a machine", b2] }), [
    { field: "Branches/0", machine: b0 },
    { field: "Branches/2", machine: b2 },
  ]);
  const proc = { States: {} };
  const iter = { States: {} };
  assert.deepStrictEqual(M.childMachines({ Type: "Map", Iterator: iter, ItemProcessor: proc }), [
    { field: "ItemProcessor", machine: proc },
    { field: "Iterator", machine: iter },
  ]);
  assert.deepStrictEqual(M.childMachines({ Type: "Map", ItemProcessor: [] }), []);
  assert.deepStrictEqual(M.childMachines({ Type: "Pass", Branches: [b0] }), []);
  assert.deepStrictEqual(M.childMachines(null), []);
});

test("find: state, machine, scope and JSON pointer (RFC 6901 escapes)", () => {
  const d = nested();
  const ab = M.find(d, "a/b");
  assert.deepStrictEqual(
    { name: ab.name, scope: ab.scope, pointer: ab.pointer },
    { name: "a/b", scope: "g:P:0", pointer: "/States/P/Branches/0/States/a~1b" }
  );
  assert.equal(ab.state, d.States.P.Branches[0].States["a/b"]);
  assert.equal(ab.machine, d.States.P.Branches[0]);
  assert.equal(M.find(d, "c~d").pointer, "/States/P/Branches/0/States/c~0d");
  assert.equal(M.find(d, "Item").pointer, "/States/P/Branches/1/States/M/ItemProcessor/States/Item");
  assert.equal(M.find(d, "Item").scope, "g:M:0");
  assert.equal(M.find(d, "Start").scope, "root");
  assert.equal(M.find(d, "Start").pointer, "/States/Start");
  assert.equal(M.find(d, "Start").machine, d);
  assert.equal(M.find(d, "Nope"), null);
  assert.equal(M.find(d, null), null);
});

test("machineOf: scope ids as the server's graph names them", () => {
  const d = nested();
  assert.equal(M.machineOf(d, "root"), d);
  assert.equal(M.machineOf(d, "g:P:0"), d.States.P.Branches[0]);
  assert.equal(M.machineOf(d, "g:P:1"), d.States.P.Branches[1]);
  assert.equal(M.machineOf(d, "g:M:0"), d.States.P.Branches[1].States.M.ItemProcessor);
  for (const bad of ["g:P:2", "g:M:1", "g:Nope:0", "g:P", "P", "", null]) assert.equal(M.machineOf(d, bad), null);
  // Only nested machines that are objects count, as in graph.py; names may hold ":".
  const e = { StartAt: "a:b", States: { "a:b": { Type: "Parallel", End: true, Branches: [7, { States: {} }] } } };
  assert.equal(M.machineOf(e, "g:a:b:0"), e.States["a:b"].Branches[1]);
});

test("names, in document order; namesInScope", () => {
  const d = nested();
  assert.deepStrictEqual(M.names(d), ["Start", "P", "a/b", "c~d", "X", "M", "Item", "Done"]);
  assert.deepStrictEqual(M.namesInScope(d, "c~d"), ["a/b", "c~d"]);
  assert.deepStrictEqual(M.namesInScope(d, "M"), ["X", "M"]);
  assert.deepStrictEqual(M.namesInScope(d, "Done"), ["Start", "P", "Done"]);
  assert.deepStrictEqual(M.namesInScope(d, "Nope"), []);
  assert.deepStrictEqual(M.names({}), []);
});

test("queryLanguage: the state's, else the top-level one, else JSONPath", () => {
  const d = { QueryLanguage: "JSONata", StartAt: "A", States: { A: { Type: "Pass", End: true }, B: { Type: "Pass", QueryLanguage: "JSONPath", End: true } } };
  assert.equal(M.queryLanguage(d, "A"), "JSONata");
  assert.equal(M.queryLanguage(d, "B"), "JSONPath");
  assert.equal(M.queryLanguage(d, null), "JSONata");
  assert.equal(M.queryLanguage(hello(), "A"), "JSONPath");
  assert.equal(M.queryLanguage(hello(), null), "JSONPath");
  const e = nested();
  e.States.P.Branches[0].States["a/b"].QueryLanguage = "JSONata";
  assert.equal(M.queryLanguage(e, "a/b"), "JSONata");
  assert.equal(M.queryLanguage(e, "c~d"), "JSONPath");
});

test("canHaveNext and canCatch by type", () => {
  assert.deepStrictEqual(
    ["Task", "Pass", "Wait", "Parallel", "Map", "Choice", "Succeed", "Fail", undefined].map(M.canHaveNext),
    [true, true, true, true, true, false, false, false, false]
  );
  assert.deepStrictEqual(["Task", "Parallel", "Map", "Pass", "Choice"].map(M.canCatch), [true, true, true, false, false]);
});

test("uniqueName: capitalised words, then 2, 3, ... up to 80 characters", () => {
  const d = nested();
  assert.equal(M.uniqueName(d, "http task"), "HttpTask");
  assert.equal(M.uniqueName(d, "http users:8001"), "HttpUsers8001");
  assert.equal(M.uniqueName(d, "createUser"), "CreateUser");
  assert.equal(M.uniqueName(d, ""), "State");
  assert.equal(M.uniqueName(d, null), "State");
  assert.equal(M.uniqueName(d, "  --  "), "State");
  assert.equal(M.uniqueName(d, "item"), "Item2"); // taken inside the Map's processor
  d.States.Item2 = { Type: "Pass", End: true };
  assert.equal(M.uniqueName(d, "Item"), "Item3");
  const long = "x".repeat(90);
  assert.equal(M.uniqueName(d, long), "X" + "x".repeat(79));
  d.States["X" + "x".repeat(79)] = { Type: "Pass", End: true };
  assert.equal(M.uniqueName(d, long), "X" + "x".repeat(78) + "2");
});

test("getField reads a path inside a state", () => {
  const d = wired();
  d.States.T.Retry = [{ ErrorEquals: ["A"] }, { ErrorEquals: ["B"], MaxAttempts: 5 }];
  d.States.T.Parameters = { "a/b": 1 };
  assert.equal(M.getField(d, "Ch", "Choices/1/Next"), "S");
  assert.equal(M.getField(d, "Ch", "Default"), "F");
  assert.equal(M.getField(d, "T", "Retry/1/MaxAttempts"), 5);
  assert.deepStrictEqual(M.getField(d, "T", "Retry/0"), { ErrorEquals: ["A"] });
  assert.equal(M.getField(d, "T", "Parameters/a~1b"), 1);
  assert.equal(M.getField(d, "T", "Retry/7/MaxAttempts"), undefined);
  assert.equal(M.getField(d, "T", "Resource/x"), undefined);
  assert.equal(M.getField(d, "T", "Nope"), undefined);
  assert.equal(M.getField(d, "Nope", "Next"), undefined);
  assert.equal(M.getField(nested(), "Item", "Type"), "Pass");
});

test("transitions: Next, Default, Choices, Catch, End", () => {
  const d = wired();
  assert.deepStrictEqual(M.transitions(d, "T"), [
    { field: "Next", target: "Ch" },
    { field: "Catch/0/Next", target: "F" },
    { field: "Catch/1/Next", target: "Ch" },
  ]);
  assert.deepStrictEqual(M.transitions(d, "Ch"), [
    { field: "Default", target: "F" },
    { field: "Choices/0/Next", target: "F" },
    { field: "Choices/1/Next", target: "S" },
    { field: "Choices/2/Next", target: "F" },
  ]);
  assert.deepStrictEqual(M.transitions(d, "S"), [{ field: "End", target: null }]);
  assert.deepStrictEqual(M.transitions(d, "F"), [{ field: "End", target: null }]);
  assert.deepStrictEqual(M.transitions(nested(), "c~d"), [{ field: "End", target: null }]);
  assert.deepStrictEqual(M.transitions(d, "Nope"), []);
});

test("referencesTo: the StartAt and every transition of the scope", () => {
  const d = wired();
  assert.deepStrictEqual(M.referencesTo(d, "F"), [
    { source: "T", field: "Catch/0/Next" },
    { source: "Ch", field: "Default" },
    { source: "Ch", field: "Choices/0/Next" },
    { source: "Ch", field: "Choices/2/Next" },
  ]);
  assert.deepStrictEqual(M.referencesTo(d, "T"), [{ source: null, field: "StartAt" }]);
  d.States.T.Next = "T";
  assert.deepStrictEqual(M.referencesTo(d, "T"), [
    { source: null, field: "StartAt" },
    { source: "T", field: "Next" },
  ]);
  assert.deepStrictEqual(M.referencesTo(nested(), "c~d"), [{ source: "a/b", field: "Next" }]);
  assert.deepStrictEqual(M.referencesTo(nested(), "X"), [{ source: null, field: "StartAt" }]);
  assert.deepStrictEqual(M.referencesTo(d, "Nope"), []);
});

/* ---------- setField ---------- */

test("setField creates objects and arrays on the way", () => {
  const d = hello();
  M.setField(d, "A", "Retry/0/MaxAttempts", 4);
  M.setField(d, "A", "Retry/1/ErrorEquals/0", "States.Timeout");
  M.setField(d, "A", "Parameters/url.$", "$.url");
  M.setField(d, "A", "Parameters/a~1b", 1);
  assert.deepStrictEqual(d.States.A, {
    Type: "Pass",
    Next: "B",
    Retry: [{ MaxAttempts: 4 }, { ErrorEquals: ["States.Timeout"] }],
    Parameters: { "url.$": "$.url", "a/b": 1 },
  });
  M.setField(d, "A", "Retry/0/MaxAttempts", 5); // replaces
  assert.deepStrictEqual(d.States.A.Retry[0], { MaxAttempts: 5 });
  M.setField(nested(), "Item", "Comment", "deep");
});

test("setField with undefined deletes, shifts array items and prunes empty containers", () => {
  const d = hello();
  d.States.A.Retry = [{ ErrorEquals: ["A"] }, { ErrorEquals: ["B"] }, { ErrorEquals: ["C"] }];
  d.States.A.Parameters = { Only: { Deep: 1 } };
  M.setField(d, "A", "Retry/1", undefined);
  assert.deepStrictEqual(d.States.A.Retry, [{ ErrorEquals: ["A"] }, { ErrorEquals: ["C"] }]);
  M.setField(d, "A", "Retry/0/ErrorEquals/0", undefined);
  assert.deepStrictEqual(d.States.A.Retry, [{ ErrorEquals: ["C"] }]);
  M.setField(d, "A", "Retry/0/ErrorEquals/0", undefined);
  M.setField(d, "A", "Parameters/Only/Deep", undefined);
  M.setField(d, "A", "Nope/Deeper", undefined); // missing: nothing to do
  assert.deepStrictEqual(d.States.A, { Type: "Pass", Next: "B" });
  M.setField(d, "C", "Type", undefined); // the state itself stays, even empty
  assert.deepStrictEqual(d.States.C, {});
});

test("setField: Next drops End, End: true drops Next", () => {
  const d = hello();
  M.setField(d, "A", "End", true);
  assert.deepStrictEqual(d.States.A, { Type: "Pass", End: true });
  M.setField(d, "A", "Next", "C");
  assert.deepStrictEqual(d.States.A, { Type: "Pass", Next: "C" });
  M.setField(d, "A", "End", false);
  assert.deepStrictEqual(d.States.A, { Type: "Pass", Next: "C", End: false });
  M.setField(d, "A", "Next", undefined);
  assert.deepStrictEqual(d.States.A, { Type: "Pass", End: false });
});

test("setField refuses an unknown state or an impossible path, changing nothing", () => {
  const d = hello();
  d.States.A.Retry = [{ ErrorEquals: ["A"] }];
  refuses(d, (x) => M.setField(x, "Nope", "Next", "A"), /no state named "Nope"/);
  refuses(d, (x) => M.setField(x, "A", "Retry/3/MaxAttempts", 1), /gap/);
  refuses(d, (x) => M.setField(x, "A", "Catch/1/Next", "B"), /gap/);
  refuses(d, (x) => M.setField(x, "A", "Retry/x", 1), /not an index/);
  refuses(d, (x) => M.setField(x, "A", "Type/Deeper/Still", 1), /"Type" holds a value/);
  refuses(d, (x) => M.setField(x, "A", "", 1), /empty/);
  refuses(d, (x) => M.setField(x, "A", "Retry//x", 1), /not a valid field/);
});

/* ---------- renameState ---------- */

test("renameState keeps the key order and rewrites every reference of the scope", () => {
  const d = wired();
  d.States.F = { Type: "Pass", Next: "F" }; // a self-loop
  M.renameState(d, "F", "Failed");
  assert.deepStrictEqual(Object.keys(d.States), ["T", "Ch", "S", "Failed"]);
  assert.deepStrictEqual(d, {
    StartAt: "T",
    States: {
      T: task({ Next: "Ch", Catch: [{ ErrorEquals: ["A"], Next: "Failed" }, { ErrorEquals: ["States.ALL"], Next: "Ch" }] }),
      Ch: {
        Type: "Choice",
        Choices: [
          { Variable: "$.x", IsPresent: true, Next: "Failed" },
          { Variable: "$.y", IsPresent: true, Next: "S" },
          { Variable: "$.z", IsPresent: true, Next: "Failed" },
        ],
        Default: "Failed",
      },
      S: { Type: "Succeed" },
      Failed: { Type: "Pass", Next: "Failed" },
    },
  });
  M.renameState(d, "T", "First");
  assert.equal(d.StartAt, "First");
  assert.deepStrictEqual(Object.keys(d.States), ["First", "Ch", "S", "Failed"]);
  assert.equal(M.renameState(d, "S", "S"), true);
});

test("renameState in a branch; names with / and ~", () => {
  const d = nested();
  M.renameState(d, "a/b", "x~y");
  assert.deepStrictEqual(d.States.P.Branches[0], {
    StartAt: "x~y",
    States: { "x~y": { Type: "Pass", Next: "c~d" }, "c~d": { Type: "Pass", End: true } },
  });
  assert.equal(M.find(d, "x~y").pointer, "/States/P/Branches/0/States/x~0y");
  M.renameState(d, "M", "Items");
  assert.deepStrictEqual(d.States.P.Branches[1].States.X, { Type: "Pass", Next: "Items" });
  assert.equal(M.find(d, "Item").scope, "g:Items:0");
});

test("renameState refuses an empty, long, taken or unknown name, changing nothing", () => {
  const d = nested();
  refuses(d, (x) => M.renameState(x, "Start", ""), /empty/);
  refuses(d, (x) => M.renameState(x, "Start", "x".repeat(81)), /80/);
  refuses(d, (x) => M.renameState(x, "Start", "Item"), /"Item" already exists/);
  refuses(d, (x) => M.renameState(x, "Nope", "Other"), /no state named/);
  M.renameState(d, "Start", "y".repeat(80));
  assert.equal(d.StartAt, "y".repeat(80));
});

/* ---------- addState ---------- */

test("addState on the canvas: the first state is the start, the others are unconnected", () => {
  const d = {};
  assert.equal(M.addState(d, "A", { Type: "Pass" }, { kind: "canvas" }), "A");
  assert.deepStrictEqual(d, { States: { A: { Type: "Pass", End: true } }, StartAt: "A" });
  M.addState(d, "B", { Type: "Pass", Next: "Elsewhere" }, { kind: "canvas" });
  M.addState(d, "C", { Type: "Choice", Choices: [] }, { kind: "canvas" });
  M.addState(d, "D", { Type: "Succeed", End: true }, { kind: "canvas" });
  assert.deepStrictEqual(d, {
    StartAt: "A",
    States: {
      A: { Type: "Pass", End: true },
      B: { Type: "Pass", End: true },
      C: { Type: "Choice", Choices: [] },
      D: { Type: "Succeed" },
    },
  });
  assert.deepStrictEqual(Object.keys(d.States), ["A", "B", "C", "D"]);
  // A StartAt that names no state is taken by the new one.
  const e = { StartAt: "", States: { Orphan: { Type: "Pass", End: true } } };
  M.addState(e, "New", { Type: "Pass" }, { kind: "canvas" });
  assert.deepStrictEqual(e, { StartAt: "New", States: { Orphan: { Type: "Pass", End: true }, New: { Type: "Pass", End: true } } });
});

test("addState into a scope: start of an empty one, chained after its only end, else unconnected", () => {
  const d = nested();
  d.States.P.Branches.push({ States: {} });
  M.addState(d, "First", { Type: "Pass" }, { kind: "scope", scope: "g:P:2" });
  assert.deepStrictEqual(d.States.P.Branches[2], { States: { First: { Type: "Pass", End: true } }, StartAt: "First" });
  M.addState(d, "Second", { Type: "Wait", Seconds: 1 }, { kind: "scope", scope: "g:P:2" });
  assert.deepStrictEqual(d.States.P.Branches[2], {
    StartAt: "First",
    States: { First: { Type: "Pass", Next: "Second" }, Second: { Type: "Wait", Seconds: 1, End: true } },
  });
  M.addState(d, "ItemDone", { Type: "Succeed" }, { kind: "scope", scope: "g:M:0" });
  assert.deepStrictEqual(d.States.P.Branches[1].States.M.ItemProcessor, {
    StartAt: "Item",
    States: { Item: { Type: "Pass", Next: "ItemDone" }, ItemDone: { Type: "Succeed" } },
  });
  // Two ends (or none): unconnected.
  const e = { StartAt: "A", States: { A: { Type: "Pass", End: true }, B: { Type: "Pass", End: true } } };
  M.addState(e, "C", { Type: "Pass" }, { kind: "scope", scope: "root" });
  assert.deepStrictEqual(e.States, { A: { Type: "Pass", End: true }, B: { Type: "Pass", End: true }, C: { Type: "Pass", End: true } });
  // A branch without States gets one.
  const f = { StartAt: "P", States: { P: { Type: "Parallel", End: true, Branches: [{}] } } };
  M.addState(f, "Q", { Type: "Pass" }, { kind: "scope", scope: "g:P:0" });
  assert.deepStrictEqual(f.States.P.Branches, [{ States: { Q: { Type: "Pass", End: true } }, StartAt: "Q" }]);
});

test("addState on a Next edge, a Choice's Default, a rule and a catcher", () => {
  const d = wired();
  M.addState(d, "Log", { Type: "Pass", End: true }, { kind: "edge", source: "T", field: "Next" });
  M.addState(d, "Why", { Type: "Pass" }, { kind: "edge", source: "Ch", field: "Default" });
  M.addState(d, "Rule", { Type: "Pass" }, { kind: "edge", source: "Ch", field: "Choices/1/Next" });
  M.addState(d, "Caught", task({ Next: "Whatever" }), { kind: "edge", source: "T", field: "Catch/0/Next" });
  assert.deepStrictEqual(d, {
    StartAt: "T",
    States: {
      T: task({ Next: "Log", Catch: [{ ErrorEquals: ["A"], Next: "Caught" }, { ErrorEquals: ["States.ALL"], Next: "Ch" }] }),
      Caught: task({ Next: "F" }),
      Log: { Type: "Pass", Next: "Ch" },
      Ch: {
        Type: "Choice",
        Choices: [
          { Variable: "$.x", IsPresent: true, Next: "F" },
          { Variable: "$.y", IsPresent: true, Next: "Rule" },
          { Variable: "$.z", IsPresent: true, Next: "F" },
        ],
        Default: "Why",
      },
      Rule: { Type: "Pass", Next: "S" },
      Why: { Type: "Pass", Next: "F" },
      S: { Type: "Succeed" },
      F: { Type: "Fail" },
    },
  });
  // The new state comes right after its source in States.
  assert.deepStrictEqual(Object.keys(d.States), ["T", "Caught", "Log", "Ch", "Rule", "Why", "S", "F"]);
});

test("addState on an edge: a Choice continues by its Default, a Succeed just ends", () => {
  const d = hello();
  M.addState(d, "Pick", { Type: "Choice", Choices: [] }, { kind: "edge", source: "A", field: "Next" });
  M.addState(d, "Stop", { Type: "Succeed" }, { kind: "edge", source: "B", field: "Next" });
  assert.deepStrictEqual(d, {
    StartAt: "A",
    States: {
      A: { Type: "Pass", Next: "Pick" },
      Pick: { Type: "Choice", Choices: [], Default: "B" },
      B: { Type: "Pass", Next: "Stop" },
      Stop: { Type: "Succeed" },
      C: { Type: "Succeed" },
    },
  });
});

test("addState on an End edge and on a StartAt (root and nested)", () => {
  const d = nested();
  M.addState(d, "Last", { Type: "Pass", Next: "X" }, { kind: "edge", source: "c~d", field: "End" });
  M.addState(d, "Zeroth", { Type: "Pass" }, { kind: "edge", source: null, field: "StartAt", scope: "g:P:0" });
  M.addState(d, "Begin", { Type: "Pass", End: true }, { kind: "edge", source: null, field: "StartAt", scope: "root" });
  assert.deepStrictEqual(d.States.P.Branches[0], {
    StartAt: "Zeroth",
    States: {
      Zeroth: { Type: "Pass", Next: "a/b" },
      "a/b": { Type: "Pass", Next: "c~d" },
      "c~d": { Type: "Pass", Next: "Last" },
      Last: { Type: "Pass", End: true },
    },
  });
  assert.deepStrictEqual(Object.keys(d.States.P.Branches[0].States), ["Zeroth", "a/b", "c~d", "Last"]);
  assert.equal(d.StartAt, "Begin");
  assert.deepStrictEqual(d.States.Begin, { Type: "Pass", Next: "Start" });
  assert.deepStrictEqual(Object.keys(d.States), ["Begin", "Start", "P", "Done"]);
  // The given scope may repeat the source's.
  M.addState(d, "Mid", { Type: "Pass" }, { kind: "edge", source: "X", field: "Next", scope: "g:P:1" });
  assert.deepStrictEqual(d.States.P.Branches[1].States.X, { Type: "Pass", Next: "Mid" });
  assert.deepStrictEqual(d.States.P.Branches[1].States.Mid, { Type: "Pass", Next: "M" });
});

test("addState after a state: on its Next or End; after a Choice, unconnected in its scope", () => {
  const d = nested();
  M.addState(d, "AfterX", { Type: "Pass" }, { kind: "after", name: "X" });
  M.addState(d, "AfterItem", { Type: "Pass" }, { kind: "after", name: "Item" });
  assert.deepStrictEqual(d.States.P.Branches[1], {
    StartAt: "X",
    States: {
      X: { Type: "Pass", Next: "AfterX" },
      AfterX: { Type: "Pass", Next: "M" },
      M: {
        Type: "Map",
        End: true,
        ItemProcessor: { StartAt: "Item", States: { Item: { Type: "Pass", Next: "AfterItem" }, AfterItem: { Type: "Pass", End: true } } },
      },
    },
  });
  const e = wired();
  M.addState(e, "Loose", { Type: "Pass" }, { kind: "after", name: "Ch" });
  M.addState(e, "Loose2", { Type: "Pass" }, { kind: "after", name: "S" });
  assert.deepStrictEqual(e.States.Loose, { Type: "Pass", End: true });
  assert.deepStrictEqual(e.States.Loose2, { Type: "Pass", End: true });
  assert.deepStrictEqual(M.referencesTo(e, "Loose"), []);
  assert.deepStrictEqual(Object.keys(e.States), ["T", "Ch", "S", "F", "Loose", "Loose2"]);
});

test("addState refuses, changing nothing", () => {
  const d = nested();
  refuses(d, (x) => M.addState(x, "Item", { Type: "Pass" }, { kind: "canvas" }), /"Item" already exists/);
  refuses(d, (x) => M.addState(x, "", { Type: "Pass" }, { kind: "canvas" }), /empty/);
  refuses(d, (x) => M.addState(x, "z".repeat(81), { Type: "Pass" }, { kind: "canvas" }), /80/);
  refuses(d, (x) => M.addState(x, "New", "Pass", { kind: "canvas" }), /object with a Type/);
  refuses(d, (x) => M.addState(x, "New", {}, { kind: "canvas" }), /object with a Type/);
  const para = { Type: "Parallel", Branches: [{ StartAt: "X", States: { X: { Type: "Pass", End: true } } }] };
  refuses(d, (x) => M.addState(x, "New", para, { kind: "canvas" }), /"X" already exists/);
  const twice = { Type: "Parallel", Branches: [{ States: { Y: { Type: "Pass" } } }, { States: { Y: { Type: "Pass" } } }] };
  refuses(d, (x) => M.addState(x, "New", twice, { kind: "canvas" }), /"Y" already exists/);
  refuses(d, (x) => M.addState(x, "New", { Type: "Pass" }, { kind: "scope", scope: "g:P:5" }), /no state machine/);
  refuses(d, (x) => M.addState(x, "New", { Type: "Pass" }, { kind: "edge", source: "Nope", field: "Next" }), /no state named/);
  refuses(d, (x) => M.addState(x, "New", { Type: "Pass" }, { kind: "edge", source: "Start", field: "Default" }), /no transition "Default"/);
  refuses(d, (x) => M.addState(x, "New", { Type: "Pass" }, { kind: "edge", source: "Start", field: "End" }), /does not end/);
  refuses(d, (x) => M.addState(x, "New", { Type: "Pass" }, { kind: "edge", source: "Done", field: "End" }), /Succeed state ends the workflow/);
  refuses(d, (x) => M.addState(x, "New", { Type: "Pass" }, { kind: "edge", source: "X", field: "Next", scope: "root" }), /not in scope/);
  refuses(d, (x) => M.addState(x, "New", { Type: "Pass" }, { kind: "edge", source: null, field: "Next" }), /StartAt/);
  refuses(d, (x) => M.addState(x, "New", { Type: "Pass" }, { kind: "edge", source: null, field: "StartAt", scope: "g:Nope:0" }), /no state machine/);
  refuses(d, (x) => M.addState(x, "New", { Type: "Pass" }, { kind: "after", name: "Nope" }), /no state named/);
  refuses(d, (x) => M.addState(x, "New", { Type: "Pass" }, { kind: "somewhere" }), /Unknown place/);
  refuses(d, (x) => M.addState(x, "New", { Type: "Pass" }, undefined), /Unknown place/);
});

/* ---------- deleteState ---------- */

test("deleteState re-points what led to the state; StartAt moves on", () => {
  const d = hello();
  assert.equal(M.deleteState(d, "A"), true);
  assert.deepStrictEqual(d, { StartAt: "B", States: { B: { Type: "Pass", Next: "C" }, C: { Type: "Succeed" } } });
  M.deleteState(d, "C");
  assert.deepStrictEqual(d, { StartAt: "B", States: { B: { Type: "Pass", End: true } } });
  M.deleteState(d, "B");
  assert.deepStrictEqual(d, { States: {} });
});

test("deleteState without a way on: catchers and rules go, a Default goes, StartAt takes the first state", () => {
  const d = wired();
  M.deleteState(d, "F");
  assert.deepStrictEqual(d, {
    StartAt: "T",
    States: {
      T: task({ Next: "Ch", Catch: [{ ErrorEquals: ["States.ALL"], Next: "Ch" }] }),
      Ch: { Type: "Choice", Choices: [{ Variable: "$.y", IsPresent: true, Next: "S" }] },
      S: { Type: "Succeed" },
    },
  });
  M.deleteState(d, "Ch"); // a Choice without Default: T's Next becomes End, its catcher goes
  assert.deepStrictEqual(d, { StartAt: "T", States: { T: task({ End: true }), S: { Type: "Succeed" } } });
  M.deleteState(d, "T"); // no way on: the first remaining state starts
  assert.deepStrictEqual(d, { StartAt: "S", States: { S: { Type: "Succeed" } } });
});

test("deleteState of a Choice re-points to its Default; self-loops go with the state", () => {
  const d = wired();
  d.States.Ch.Choices[1].Next = "Ch";
  M.deleteState(d, "Ch");
  assert.deepStrictEqual(d, {
    StartAt: "T",
    States: {
      T: task({ Next: "F", Catch: [{ ErrorEquals: ["A"], Next: "F" }, { ErrorEquals: ["States.ALL"], Next: "F" }] }),
      S: { Type: "Succeed" },
      F: { Type: "Fail" },
    },
  });
  const e = { StartAt: "A", States: { A: { Type: "Pass", Next: "L" }, L: { Type: "Pass", Next: "L" } } };
  M.deleteState(e, "L");
  assert.deepStrictEqual(e, { StartAt: "A", States: { A: { Type: "Pass", End: true } } });
});

test("deleteState in a branch, and of a Parallel with its branches", () => {
  const d = nested();
  M.deleteState(d, "a/b");
  assert.deepStrictEqual(d.States.P.Branches[0], { StartAt: "c~d", States: { "c~d": { Type: "Pass", End: true } } });
  M.deleteState(d, "Item");
  assert.deepStrictEqual(d.States.P.Branches[1].States.M.ItemProcessor, { States: {} });
  M.deleteState(d, "P");
  assert.deepStrictEqual(d, { StartAt: "Start", States: { Start: { Type: "Pass", Next: "Done" }, Done: { Type: "Succeed" } } });
  assert.equal(M.find(d, "X"), null);
  refuses(d, (x) => M.deleteState(x, "X"), /no state named "X"/);
});

/* ---------- moveState ---------- */

test("moveState onto an edge of the same scope", () => {
  const e = hello();
  assert.equal(M.moveState(e, "A", { kind: "edge", source: "B", field: "Next" }), true);
  assert.deepStrictEqual(e, { StartAt: "B", States: { B: { Type: "Pass", Next: "A" }, A: { Type: "Pass", Next: "C" }, C: { Type: "Succeed" } } });
  const f = hello();
  M.moveState(f, "C", { kind: "edge", source: null, field: "StartAt", scope: "root" });
  assert.deepStrictEqual(f, { StartAt: "C", States: { C: { Type: "Succeed" }, A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", End: true } } });
  const g = hello();
  M.moveState(g, "A", { kind: "after", name: "B" });
  assert.deepStrictEqual(g, { StartAt: "B", States: { B: { Type: "Pass", Next: "A" }, A: { Type: "Pass", Next: "C" }, C: { Type: "Succeed" } } });
});

test("moveState onto its own way in or out changes nothing", () => {
  const targets = [
    { kind: "edge", source: "A", field: "Next" }, // B's way in
    { kind: "edge", source: "B", field: "Next" }, // B's way out
    { kind: "after", name: "A" },
    { kind: "after", name: "B" },
  ];
  for (const target of targets) {
    const d = hello();
    M.moveState(d, "B", target);
    assert.deepStrictEqual(d, hello(), JSON.stringify(target));
    assert.deepStrictEqual(Object.keys(d.States), ["A", "B", "C"]);
  }
  const s = hello();
  M.moveState(s, "A", { kind: "edge", source: null, field: "StartAt", scope: "root" });
  assert.deepStrictEqual(s, hello());
  // The End edge of the last state, and a Choice rule leading to a state without a Next.
  const w = wired();
  M.moveState(w, "S", { kind: "edge", source: "Ch", field: "Choices/1/Next" });
  assert.deepStrictEqual(w, wired());
  const n = nested();
  M.moveState(n, "c~d", { kind: "edge", source: "c~d", field: "End" });
  assert.deepStrictEqual(n, nested());
});

test("moveState into another scope drops the transitions that would leave it", () => {
  const d = wired();
  d.States.P = { Type: "Parallel", End: true, Branches: [{ StartAt: "In", States: { In: { Type: "Pass", End: true } } }] };
  d.States.T.Catch.push({ ErrorEquals: ["B"], Next: "T" }); // to itself: kept
  M.moveState(d, "T", { kind: "scope", scope: "g:P:0" });
  assert.deepStrictEqual(d, {
    StartAt: "Ch",
    States: {
      Ch: wired().States.Ch,
      S: { Type: "Succeed" },
      F: { Type: "Fail" },
      P: {
        Type: "Parallel",
        End: true,
        Branches: [
          {
            StartAt: "In",
            States: {
              In: { Type: "Pass", Next: "T" },
              T: task({ End: true, Catch: [{ ErrorEquals: ["B"], Next: "T" }] }),
            },
          },
        ],
      },
    },
  });
  // A Choice moved out keeps only rules to states of its new scope.
  const e = wired();
  e.States.P = { Type: "Parallel", End: true, Branches: [{ StartAt: "In", States: { In: { Type: "Pass", End: true } } }] };
  e.States.Ch.Choices[2].Next = "Ch";
  M.moveState(e, "Ch", { kind: "edge", source: "In", field: "End" });
  assert.deepStrictEqual(e.States.P.Branches[0], {
    StartAt: "In",
    States: {
      In: { Type: "Pass", Next: "Ch" },
      Ch: { Type: "Choice", Choices: [{ Variable: "$.z", IsPresent: true, Next: "Ch" }] },
    },
  });
  // In the root, Ch's way on was its Default F.
  assert.deepStrictEqual(e.States.T, task({ Next: "F", Catch: [{ ErrorEquals: ["A"], Next: "F" }, { ErrorEquals: ["States.ALL"], Next: "F" }] }));
});

test("moveState onto a rule whose index shifts when the state leaves", () => {
  const d = wired();
  d.States.X = { Type: "Pass", End: true };
  d.States.Ch.Choices[0].Next = "X";
  M.moveState(d, "X", { kind: "edge", source: "Ch", field: "Choices/2/Next" });
  assert.deepStrictEqual(d.States.Ch, {
    Type: "Choice",
    Choices: [
      { Variable: "$.y", IsPresent: true, Next: "S" },
      { Variable: "$.z", IsPresent: true, Next: "X" },
    ],
    Default: "F",
  });
  assert.deepStrictEqual(d.States.X, { Type: "Pass", Next: "F" });
  assert.deepStrictEqual(Object.keys(d.States), ["T", "Ch", "X", "S", "F"]);
});

test("moveState within its scope keeps a Choice's rules and Default", () => {
  const d = wired();
  d.States.W = { Type: "Wait", Seconds: 1, End: true };
  M.moveState(d, "Ch", { kind: "after", name: "W" });
  assert.deepStrictEqual(d, {
    StartAt: "T",
    States: {
      T: task({ Next: "F", Catch: [{ ErrorEquals: ["A"], Next: "F" }, { ErrorEquals: ["States.ALL"], Next: "F" }] }),
      S: { Type: "Succeed" },
      F: { Type: "Fail" },
      W: { Type: "Wait", Seconds: 1, Next: "Ch" },
      Ch: wired().States.Ch,
    },
  });
});

test("moveState to the canvas or into a scope chain; out of a branch", () => {
  const d = nested();
  M.moveState(d, "a/b", { kind: "canvas" });
  assert.deepStrictEqual(d.States.P.Branches[0], { StartAt: "c~d", States: { "c~d": { Type: "Pass", End: true } } });
  assert.deepStrictEqual(d.States["a/b"], { Type: "Pass", End: true });
  M.moveState(d, "a/b", { kind: "scope", scope: "g:P:0" });
  assert.deepStrictEqual(d.States.P.Branches[0], {
    StartAt: "c~d",
    States: { "c~d": { Type: "Pass", Next: "a/b" }, "a/b": { Type: "Pass", End: true } },
  });
  assert.deepStrictEqual(M.names(d), ["Start", "P", "c~d", "a/b", "X", "M", "Item", "Done"]);
  // The only state of the root moved to the canvas: still the start.
  const e = { StartAt: "Solo", States: { Solo: { Type: "Pass", Next: "Solo" } } };
  M.moveState(e, "Solo", { kind: "canvas" });
  assert.deepStrictEqual(e, { StartAt: "Solo", States: { Solo: { Type: "Pass", End: true } } });
});

test("moveState refuses a place inside the state, changing nothing", () => {
  const d = nested();
  refuses(d, (x) => M.moveState(x, "P", { kind: "scope", scope: "g:P:0" }), /into itself/);
  refuses(d, (x) => M.moveState(x, "P", { kind: "scope", scope: "g:M:0" }), /into itself/);
  refuses(d, (x) => M.moveState(x, "P", { kind: "edge", source: "a/b", field: "Next" }), /into itself/);
  refuses(d, (x) => M.moveState(x, "P", { kind: "edge", source: "Item", field: "End" }), /into itself/);
  refuses(d, (x) => M.moveState(x, "P", { kind: "edge", source: null, field: "StartAt", scope: "g:M:0" }), /into itself/);
  refuses(d, (x) => M.moveState(x, "P", { kind: "after", name: "X" }), /into itself/);
  refuses(d, (x) => M.moveState(x, "M", { kind: "scope", scope: "g:M:0" }), /into itself/);
  refuses(d, (x) => M.moveState(x, "Nope", { kind: "canvas" }), /no state named/);
  refuses(d, (x) => M.moveState(x, "X", { kind: "scope", scope: "g:Q:0" }), /no state machine/);
  refuses(d, (x) => M.moveState(x, "X", { kind: "edge", source: "Start", field: "Default" }), /no transition/);
  const w = wired();
  refuses(w, (x) => M.moveState(x, "T", { kind: "edge", source: "T", field: "Catch/0/Next" }), /its own transitions/);
});

/* ---------- connect ---------- */

test("connect: a Next-able state gets Next (and loses End)", () => {
  const d = nested();
  assert.equal(M.connect(d, "c~d", "a/b"), "Next");
  assert.deepStrictEqual(d.States.P.Branches[0].States["c~d"], { Type: "Pass", Next: "a/b" });
  assert.equal(M.connect(d, "Start", "Done"), "Next");
  assert.deepStrictEqual(d.States.Start, { Type: "Pass", Next: "Done" });
  assert.equal(M.connect(d, "Start", "Start"), "Next"); // a loop is allowed
});

test("connect: a Choice gets its Default, then JSONPath rules", () => {
  const d = { StartAt: "C", States: { C: { Type: "Choice" }, A: { Type: "Pass", End: true }, B: { Type: "Succeed" } } };
  assert.equal(M.connect(d, "C", "A"), "Default");
  assert.equal(M.connect(d, "C", "B"), "Choices/0/Next");
  assert.equal(M.connect(d, "C", "A"), "Choices/1/Next");
  assert.deepStrictEqual(d.States.C, {
    Type: "Choice",
    Default: "A",
    Choices: [
      { Variable: "$.value", StringEquals: "value", Next: "B" },
      { Variable: "$.value", StringEquals: "value", Next: "A" },
    ],
  });
});

test("connect: JSONata rules are a Condition (top-level or state query language)", () => {
  const d = { QueryLanguage: "JSONata", StartAt: "C", States: { C: { Type: "Choice", Choices: [] }, A: { Type: "Pass", End: true }, B: { Type: "Succeed" } } };
  assert.equal(M.connect(d, "C", "A"), "Default");
  assert.equal(M.connect(d, "C", "B"), "Choices/0/Next");
  assert.deepStrictEqual(d.States.C, { Type: "Choice", Choices: [{ Condition: "{% true %}", Next: "B" }], Default: "A" });
  const e = { StartAt: "C", States: { C: { Type: "Choice", QueryLanguage: "JSONata", Default: "A" }, A: { Type: "Pass", End: true } } };
  assert.equal(M.connect(e, "C", "A"), "Choices/0/Next");
  assert.deepStrictEqual(e.States.C.Choices, [{ Condition: "{% true %}", Next: "A" }]);
});

test("connect refuses Succeed/Fail sources, other scopes and unknown states, changing nothing", () => {
  const d = nested();
  d.States.Oops = { Type: "Fail" };
  refuses(d, (x) => M.connect(x, "Done", "Start"), /A Succeed state ends the workflow: it has no Next/);
  refuses(d, (x) => M.connect(x, "Oops", "Start"), /A Fail state ends the workflow: it has no Next/);
  refuses(d, (x) => M.connect(x, "X", "a/b"), /same branch/);
  refuses(d, (x) => M.connect(x, "Start", "Item"), /another state machine/);
  refuses(d, (x) => M.connect(x, "Start", "Nope"), /no state named "Nope"/);
  refuses(d, (x) => M.connect(x, "Nope", "Start"), /no state named "Nope"/);
});

/* ---------- retarget ---------- */

test("retarget points one transition elsewhere", () => {
  const d = wired();
  d.States.E = { Type: "Pass", End: true };
  assert.equal(M.retarget(d, "T", "Next", "S"), true);
  M.retarget(d, "T", "Catch/1/Next", "E");
  M.retarget(d, "Ch", "Default", "S");
  M.retarget(d, "Ch", "Choices/2/Next", "E");
  M.retarget(d, "E", "End", "F");
  M.retarget(d, null, "StartAt", "Ch", "root");
  assert.deepStrictEqual(d, {
    StartAt: "Ch",
    States: {
      T: task({ Next: "S", Catch: [{ ErrorEquals: ["A"], Next: "F" }, { ErrorEquals: ["States.ALL"], Next: "E" }] }),
      Ch: {
        Type: "Choice",
        Choices: [
          { Variable: "$.x", IsPresent: true, Next: "F" },
          { Variable: "$.y", IsPresent: true, Next: "S" },
          { Variable: "$.z", IsPresent: true, Next: "E" },
        ],
        Default: "S",
      },
      S: { Type: "Succeed" },
      F: { Type: "Fail" },
      E: { Type: "Pass", Next: "F" },
    },
  });
  const n = nested();
  M.retarget(n, null, "StartAt", "c~d", "g:P:0");
  assert.equal(n.States.P.Branches[0].StartAt, "c~d");
});

test("retarget refuses, changing nothing", () => {
  const d = nested();
  refuses(d, (x) => M.retarget(x, "Done", "End", "Start"), /Succeed state ends the workflow/);
  refuses(d, (x) => M.retarget(x, "Start", "End", "Done"), /does not end/);
  refuses(d, (x) => M.retarget(x, "Start", "Default", "Done"), /no transition "Default"/);
  refuses(d, (x) => M.retarget(x, "Start", "Catch/0/Next", "Done"), /no transition "Catch\/0\/Next"/);
  refuses(d, (x) => M.retarget(x, "Start", "Retry/0/MaxAttempts", "Done"), /not a transition/);
  refuses(d, (x) => M.retarget(x, "Start", "Next", "Item"), /another state machine/);
  refuses(d, (x) => M.retarget(x, "Start", "Next", "Nope"), /no state named/);
  refuses(d, (x) => M.retarget(x, "Nope", "Next", "Start"), /no state named/);
  refuses(d, (x) => M.retarget(x, null, "StartAt", "X", "root"), /another state machine/);
  refuses(d, (x) => M.retarget(x, null, "StartAt", "X", "g:P:7"), /no state machine/);
  refuses(d, (x) => M.retarget(x, null, "Next", "X", "root"), /StartAt/);
});

/* ---------- moveInChain ---------- */

test("moveInChain -1 swaps with the state before it (StartAt and End follow)", () => {
  const d = hello();
  d.States.C = { Type: "Pass", End: true };
  assert.equal(M.moveInChain(d, "B", -1), true);
  assert.deepStrictEqual(d, { StartAt: "B", States: { B: { Type: "Pass", Next: "A" }, A: { Type: "Pass", Next: "C" }, C: { Type: "Pass", End: true } } });
  assert.deepStrictEqual(Object.keys(d.States), ["B", "A", "C"]);
  M.moveInChain(d, "C", -1);
  assert.deepStrictEqual(d, { StartAt: "B", States: { B: { Type: "Pass", Next: "C" }, C: { Type: "Pass", Next: "A" }, A: { Type: "Pass", End: true } } });
  assert.deepStrictEqual(Object.keys(d.States), ["B", "C", "A"]);
  // The states' own catchers go with them.
  const w = wired();
  w.States.T.Next = "W";
  w.States.W = { Type: "Wait", Seconds: 1, Next: "Ch" };
  M.moveInChain(w, "W", -1);
  assert.equal(w.StartAt, "W");
  assert.deepStrictEqual(w.States.W, { Type: "Wait", Seconds: 1, Next: "T" });
  assert.deepStrictEqual(w.States.T, wired().States.T);
  assert.deepStrictEqual(Object.keys(w.States), ["W", "Ch", "S", "F", "T"]);
});

test("moveInChain +1 swaps with the state after it; in a branch too", () => {
  const d = hello();
  assert.equal(M.moveInChain(d, "A", 1), true);
  assert.deepStrictEqual(d, { StartAt: "B", States: { B: { Type: "Pass", Next: "A" }, A: { Type: "Pass", Next: "C" }, C: { Type: "Succeed" } } });
  const n = nested();
  M.moveInChain(n, "a/b", 1);
  assert.deepStrictEqual(n.States.P.Branches[0], {
    StartAt: "c~d",
    States: { "c~d": { Type: "Pass", Next: "a/b" }, "a/b": { Type: "Pass", End: true } },
  });
  M.moveInChain(n, "X", 1); // X -> M (Map, End)
  assert.deepStrictEqual(n.States.P.Branches[1].States.X, { Type: "Pass", End: true });
  assert.equal(n.States.P.Branches[1].StartAt, "M");
  assert.equal(n.States.P.Branches[1].States.M.Next, "X");
  assert.equal("End" in n.States.P.Branches[1].States.M, false);
});

test("moveInChain refuses what is not a simple chain, changing nothing", () => {
  const d = hello();
  refuses(d, (x) => M.moveInChain(x, "A", -1), /already the first state/);
  refuses(d, (x) => M.moveInChain(x, "B", 1), /"C" is a Succeed state/);
  refuses(d, (x) => M.moveInChain(x, "C", -1), /A Succeed state has no Next: it can't be moved along a chain/);
  refuses(d, (x) => M.moveInChain(x, "C", 1), /no next state/);
  refuses(d, (x) => M.moveInChain(x, "B", 0), /-1/);
  refuses(d, (x) => M.moveInChain(x, "Nope", -1), /no state named/);
  const two = { StartAt: "A", States: { A: { Type: "Pass", Next: "C" }, B: { Type: "Pass", Next: "C" }, C: { Type: "Pass", End: true } } };
  refuses(two, (x) => M.moveInChain(x, "C", -1), /more than one place/);
  const loose = { StartAt: "A", States: { A: { Type: "Pass", End: true }, B: { Type: "Pass", End: true } } };
  refuses(loose, (x) => M.moveInChain(x, "B", -1), /no state before it/);
  const w = wired();
  w.States.T.Next = "W";
  w.States.W = { Type: "Wait", Seconds: 1, Next: "Ch" };
  refuses(w, (x) => M.moveInChain(x, "Ch", -1), /A Choice state has no Next/);
  refuses(w, (x) => M.moveInChain(x, "F", -1), /A Fail state has no Next/);
  const caught = { StartAt: "A", States: { A: task({ Next: "B", Catch: [{ ErrorEquals: ["States.ALL"], Next: "B" }] }), B: { Type: "Pass", End: true } } };
  refuses(caught, (x) => M.moveInChain(x, "B", -1), /more than one place/);
  const viaCatch = { StartAt: "A", States: { A: task({ End: true, Catch: [{ ErrorEquals: ["States.ALL"], Next: "B" }] }), B: { Type: "Pass", End: true } } };
  refuses(viaCatch, (x) => M.moveInChain(x, "B", -1), /Catch\/0\/Next, not by a Next/);
  const predCaught = {
    StartAt: "A",
    States: { A: task({ Next: "B", Catch: [{ ErrorEquals: ["States.ALL"], Next: "P" }] }), B: { Type: "Pass", Next: "P" }, P: { Type: "Pass", Next: "X" }, X: { Type: "Pass", End: true } },
  };
  refuses(predCaught, (x) => M.moveInChain(x, "X", -1), /"P" is reached by a Choice rule, a Default or a Catch/);
  const loop = { StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", Next: "A" } } };
  refuses(loop, (x) => M.moveInChain(x, "B", -1), /more than one place|loop/);
  const loop2 = { StartAt: "S", States: { S: { Type: "Pass", Next: "A" }, A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", Next: "A" } } };
  refuses(loop2, (x) => M.moveInChain(x, "B", -1), /form a loop/);
});

/* ---------- the article's flow ---------- */

test("the article's flow, built from an empty machine", () => {
  const http = (url) => task({ Parameters: { ApiEndpoint: url, Method: "POST" } });
  const d = { States: {} };
  M.addState(d, "CreateUser", http("http://users"), { kind: "canvas" });
  assert.deepStrictEqual(d, { States: { CreateUser: Object.assign(http("http://users"), { End: true }) }, StartAt: "CreateUser" });
  M.addState(d, "PlaceOrder", http("http://orders"), { kind: "edge", source: "CreateUser", field: "End" });
  M.addState(d, "SendNotification", http("http://notify"), { kind: "after", name: "PlaceOrder" });
  assert.deepStrictEqual(d, {
    StartAt: "CreateUser",
    States: {
      CreateUser: Object.assign(http("http://users"), { Next: "PlaceOrder" }),
      PlaceOrder: Object.assign(http("http://orders"), { Next: "SendNotification" }),
      SendNotification: Object.assign(http("http://notify"), { End: true }),
    },
  });
  // The fallback: NotifyFailure -> OrderFailed, added unconnected and connected.
  M.addState(d, "NotifyFailure", http("http://notify"), { kind: "canvas" });
  M.addState(d, "OrderFailed", { Type: "Fail", Error: "OrderFailed" }, { kind: "canvas" });
  assert.equal(M.connect(d, "NotifyFailure", "OrderFailed"), "Next");
  // A catcher on PlaceOrder, first to OrderFailed, then re-targeted to NotifyFailure.
  M.setField(d, "PlaceOrder", "Catch/0", { ErrorEquals: ["States.ALL"], Next: "OrderFailed" });
  M.retarget(d, "PlaceOrder", "Catch/0/Next", "NotifyFailure");
  assert.deepStrictEqual(d, {
    StartAt: "CreateUser",
    States: {
      CreateUser: Object.assign(http("http://users"), { Next: "PlaceOrder" }),
      PlaceOrder: Object.assign(http("http://orders"), {
        Next: "SendNotification",
        Catch: [{ ErrorEquals: ["States.ALL"], Next: "NotifyFailure" }],
      }),
      SendNotification: Object.assign(http("http://notify"), { End: true }),
      NotifyFailure: Object.assign(http("http://notify"), { Next: "OrderFailed" }),
      OrderFailed: { Type: "Fail", Error: "OrderFailed" },
    },
  });
  assert.deepStrictEqual(Object.keys(d.States), ["CreateUser", "PlaceOrder", "SendNotification", "NotifyFailure", "OrderFailed"]);
  assert.deepStrictEqual(M.transitions(d, "PlaceOrder"), [
    { field: "Next", target: "SendNotification" },
    { field: "Catch/0/Next", target: "NotifyFailure" },
  ]);
  assert.deepStrictEqual(M.referencesTo(d, "NotifyFailure"), [{ source: "PlaceOrder", field: "Catch/0/Next" }]);
});
