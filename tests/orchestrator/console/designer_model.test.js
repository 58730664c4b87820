// DesignerModel (orchestrator/console/static/designer-model.js) under node's test runner;
// tests/orchestrator/console/test_designer_model.py runs this file.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const M = require("../../../orchestrator/console/static/designer-model.js");

const task = (extra) => Object.assign({ Type: "Task", Resource: "arn:aws:states:::http:invoke" }, extra);

test("the article's flow, built from an empty machine", () => {
  const d = { States: {} };
  M.addState(d, "CreateUser", task({}), { kind: "canvas" });
  M.addState(d, "PlaceOrder", task({}), { kind: "edge", source: "CreateUser", field: "End" });
  M.addState(d, "SendNotification", task({}), { kind: "after", name: "PlaceOrder" });
  M.addState(d, "NotifyFailure", task({}), { kind: "canvas" });
  M.addState(d, "OrderFailed", { Type: "Fail" }, { kind: "edge", source: "NotifyFailure", field: "End" });
  M.setField(d, "PlaceOrder", "Catch/0", { ErrorEquals: ["States.ALL"], Next: "OrderFailed" });
  M.retarget(d, "PlaceOrder", "Catch/0/Next", "NotifyFailure");
  assert.deepEqual(d, {
    StartAt: "CreateUser",
    States: {
      CreateUser: task({ Next: "PlaceOrder" }),
      PlaceOrder: task({ Next: "SendNotification", Catch: [{ ErrorEquals: ["States.ALL"], Next: "NotifyFailure" }] }),
      SendNotification: task({ End: true }),
      NotifyFailure: task({ Next: "OrderFailed" }),
      OrderFailed: { Type: "Fail" },
    },
  });
});

const hello = () => ({ StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", Next: "C" }, C: { Type: "Succeed" } } });

test("delete re-points what led to the state; StartAt moves on", () => {
  const d = hello();
  M.deleteState(d, "A");
  assert.deepEqual(d, { StartAt: "B", States: { B: { Type: "Pass", Next: "C" }, C: { Type: "Succeed" } } });
  M.deleteState(d, "C");
  assert.deepEqual(d, { StartAt: "B", States: { B: { Type: "Pass", End: true } } });
});

test("delete removes the catchers and rules that named it", () => {
  const d = { StartAt: "T", States: {
    T: task({ Next: "Ch", Catch: [{ ErrorEquals: ["States.ALL"], Next: "F" }] }),
    Ch: { Type: "Choice", Choices: [{ Variable: "$.x", IsPresent: true, Next: "F" }, { Variable: "$.y", IsPresent: true, Next: "S" }], Default: "F" },
    S: { Type: "Succeed" }, F: { Type: "Fail" } } };
  M.deleteState(d, "F");
  assert.deepEqual(d.States.T, task({ Next: "Ch" }));
  assert.deepEqual(d.States.Ch, { Type: "Choice", Choices: [{ Variable: "$.y", IsPresent: true, Next: "S" }] });
});

test("rename keeps the order and rewrites the references", () => {
  const d = hello();
  M.renameState(d, "B", "Middle");
  assert.deepEqual(Object.keys(d.States), ["A", "Middle", "C"]);
  assert.equal(d.States.A.Next, "Middle");
  assert.throws(() => M.renameState(d, "A", "C"), M.ModelError);
  assert.throws(() => M.renameState(d, "A", "x".repeat(81)), /80/);
});

test("nested scopes: find, add into a branch, connect across scopes refused", () => {
  const d = { StartAt: "P", States: { P: { Type: "Parallel", End: true, Branches: [
    { StartAt: "a/b", States: { "a/b": { Type: "Pass", End: true } } }, { StartAt: "X", States: { X: { Type: "Pass", End: true } } }] } } };
  assert.equal(M.find(d, "a/b").pointer, "/States/P/Branches/0/States/a~1b");
  assert.equal(M.find(d, "X").scope, "g:P:1");
  M.addState(d, "Y", { Type: "Pass" }, { kind: "scope", scope: "g:P:1" });
  assert.deepEqual(d.States.P.Branches[1], { StartAt: "X", States: { X: { Type: "Pass", Next: "Y" }, Y: { Type: "Pass", End: true } } });
  const before = JSON.stringify(d);
  assert.throws(() => M.connect(d, "X", "a/b"), /same branch/);
  assert.throws(() => M.moveState(d, "P", { kind: "scope", scope: "g:P:0" }), /into itself/);
  assert.equal(JSON.stringify(d), before);
});

test("connect: Next, then a Choice's Default and rules (JSONata too)", () => {
  const d = { QueryLanguage: "JSONata", StartAt: "C", States: { C: { Type: "Choice", Choices: [] }, A: { Type: "Pass", End: true }, B: { Type: "Succeed" } } };
  assert.equal(M.connect(d, "C", "A"), "Default");
  assert.equal(M.connect(d, "C", "B"), "Choices/0/Next");
  assert.deepEqual(d.States.C.Choices, [{ Condition: "{% true %}", Next: "B" }]);
  assert.equal(M.connect(d, "A", "B"), "Next");
  assert.deepEqual(d.States.A, { Type: "Pass", Next: "B" });
  assert.throws(() => M.connect(d, "B", "A"), /ends the workflow/);
});

test("move along the chain and onto an edge", () => {
  const d = hello();
  M.moveInChain(d, "B", -1);
  assert.deepEqual(d, { StartAt: "B", States: { A: { Type: "Pass", Next: "C" }, B: { Type: "Pass", Next: "A" }, C: { Type: "Succeed" } } });
  assert.throws(() => M.moveInChain(d, "B", -1), M.ModelError);
  const e = hello();
  M.moveState(e, "A", { kind: "edge", source: "B", field: "Next" });
  assert.deepEqual(e, { StartAt: "B", States: { B: { Type: "Pass", Next: "A" }, C: { Type: "Succeed" }, A: { Type: "Pass", Next: "C" } } });
  const f = hello();
  M.moveState(f, "B", { kind: "edge", source: "A", field: "Next" });   // onto its own way in
  assert.deepEqual(f, hello());
});

test("setField creates and prunes; names are unique", () => {
  const d = hello();
  M.setField(d, "A", "Retry/0/MaxAttempts", 4);
  assert.deepEqual(d.States.A.Retry, [{ MaxAttempts: 4 }]);
  M.setField(d, "A", "Retry/0/MaxAttempts", undefined);
  assert.equal("Retry" in d.States.A, false);
  M.setField(d, "A", "End", true);
  assert.deepEqual(d.States.A, { Type: "Pass", End: true });
  assert.equal(M.uniqueName(d, "http users:8001"), "HttpUsers8001");
  assert.equal(M.uniqueName(d, "A"), "A2");
  assert.throws(() => M.setField(d, "Nope", "Next", "A"), /no state named/);
});
