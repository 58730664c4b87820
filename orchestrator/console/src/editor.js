/* The workflow designer's code editor: CodeMirror 6 with JSON highlighting, folding, search,
 * and lint marks. esbuild bundles this file into node_modules/.build/codemirror.js
 * (`npm run build`, run by `make console`); the server serves it at /console/vendor/codemirror.js.
 *
 *   const ed = ConsoleEditor.create(parent, { doc, onChange(text), label });
 *   ed.getText(); ed.setText(text);   (one undoable change: the part that differs)
 *   ed.setDiagnostics([{ from, to, severity, message } | { location, severity, message }]);
 *   ed.locate("/States/A/Next")  -> { from, to } | null   (a JSON pointer in the current text)
 *   ed.locateState("A")          -> { from, to } | null   (a state's entry, nested ones too)
 *   ed.syntaxError()             -> { from, to, message } | null  (JSON.parse's complaint)
 *   ed.reveal({ from, to }, focus = true);  ed.focus();
 *
 * JSON syntax errors are marked by @codemirror/lint's jsonParseLinter; the engine's
 * diagnostics (set from outside) are marked where their location can be found in the text. */
import { EditorState, StateEffect } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import {
  syntaxHighlighting, defaultHighlightStyle, bracketMatching, foldGutter, foldKeymap,
  indentOnInput, ensureSyntaxTree,
} from "@codemirror/language";
import { json, jsonParseLinter } from "@codemirror/lang-json";
import { linter, lintGutter, lintKeymap, forceLinting } from "@codemirror/lint";
import { search, searchKeymap, highlightSelectionMatches } from "@codemirror/search";

// Dispatched when the engine's diagnostics change, so the linter runs again (needsRefresh).
const refreshLint = StateEffect.define();
const SEVERITY = { ERROR: "error", WARNING: "warning", INFO: "info", HINT: "hint" };

// --- JSON pointers in the syntax tree (@lezer/json: Object > Property > PropertyName, value)
const VALUE_TYPES = new Set(["Object", "Array", "String", "Number", "True", "False", "Null"]);

function kids(node) {
  const out = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}
function nameOf(doc, propertyName) {
  const raw = doc.sliceString(propertyName.from, propertyName.to);
  try { return JSON.parse(raw); } catch (e) { return raw.replace(/^"|"$/g, ""); }
}
function propertyValue(property) {
  return kids(property).find((c) => VALUE_TYPES.has(c.name)) || null;
}
function properties(doc, object) {
  return kids(object).filter((c) => c.name === "Property").map((p) => {
    const key = kids(p).find((c) => c.name === "PropertyName");
    return { property: p, name: key ? nameOf(doc, key) : null, value: propertyValue(p) };
  });
}
function tree(state) {
  return ensureSyntaxTree(state, state.doc.length, 200) || null;
}
function topValue(state) {
  const t = tree(state);
  if (!t) return null;
  return kids(t.topNode).find((c) => VALUE_TYPES.has(c.name)) || null;
}

/* The text range a JSON pointer names: the property (key and value) for an object member,
 * the element for an array index; when the path stops matching, the deepest part found. */
function locate(state, pointer) {
  if (typeof pointer !== "string" || (pointer !== "" && pointer[0] !== "/")) return null;
  let node = topValue(state);
  if (!node) return null;
  let range = { from: node.from, to: node.to };
  const parts = pointer === "" || pointer === "/" ? [] :
    pointer.slice(1).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  for (const part of parts) {
    if (node.name === "Object") {
      const hit = properties(state.doc, node).find((p) => p.name === part);
      if (!hit) break;
      range = { from: hit.property.from, to: hit.property.to };
      if (!hit.value) break;
      node = hit.value;
    } else if (node.name === "Array") {
      const item = kids(node).filter((c) => VALUE_TYPES.has(c.name))[Number(part)];
      if (!/^\d+$/.test(part) || !item) break;
      range = { from: item.from, to: item.to };
      node = item;
    } else break;
  }
  return range;
}

/* A state's entry `"Name": {...}` in any "States" object (Parallel branches and Map
 * processors too: AWS state names are unique in the whole machine). */
function locateState(state, name) {
  const doc = state.doc;
  const search = (node) => {
    if (!node) return null;
    if (node.name === "Object") {
      for (const p of properties(doc, node)) {
        if (p.name === "States" && p.value && p.value.name === "Object") {
          const hit = properties(doc, p.value).find((s) => s.name === name);
          if (hit) return { from: hit.property.from, to: hit.property.to };
        }
        const found = search(p.value);
        if (found) return found;
      }
    } else if (node.name === "Array") {
      for (const c of kids(node)) { const found = search(c); if (found) return found; }
    }
    return null;
  };
  return search(topValue(state));
}

/* "line: 3, column: 7" (the engine's JSON error location) -> a document offset. */
function lineColumn(state, text) {
  const m = /line: (\d+), column: (\d+)/.exec(text || "");
  if (!m) return null;
  const line = Math.min(Math.max(1, +m[1]), state.doc.lines);
  const info = state.doc.line(line);
  const from = Math.min(info.to, info.from + Math.max(0, +m[2] - 1));
  return { from, to: Math.min(info.to, from + 1) };
}

function clamp(state, range) {
  const len = state.doc.length;
  const from = Math.max(0, Math.min(len, range.from | 0));
  const to = Math.max(from, Math.min(len, range.to == null ? from : range.to | 0));
  return { from, to };
}

function create(parent, opts) {
  opts = opts || {};
  let external = [];     // the engine's diagnostics, resolved against the text at lint time
  const parseLinter = jsonParseLinter();
  const source = (view) => {
    const out = parseLinter(view);
    for (const d of external) {
      let range = null;
      if (d.from != null) range = clamp(view.state, d);
      else if (d.location) range = locate(view.state, d.location) || lineColumn(view.state, d.location);
      if (!range && d.state) range = locateState(view.state, d.state);
      if (!range) continue;
      out.push({ from: range.from, to: range.to, severity: SEVERITY[String(d.severity).toUpperCase()] || "error",
        message: (d.code ? d.code + ": " : "") + d.message, source: "engine" });
    }
    return out;
  };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: opts.doc || "",
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), foldGutter(),
        drawSelection(), indentOnInput(), bracketMatching(), highlightActiveLine(), highlightSelectionMatches(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        EditorState.tabSize.of(2), EditorView.lineWrapping,
        json(), search({ top: true }), lintGutter(), linter(source, { delay: 250,
          needsRefresh: (u) => u.transactions.some((tr) => tr.effects.some((e) => e.is(refreshLint))) }),
        keymap.of([...defaultKeymap, ...historyKeymap, ...foldKeymap, ...searchKeymap, ...lintKeymap]),
        EditorView.contentAttributes.of({ "aria-label": opts.label || "Definition (ASL JSON)", "aria-multiline": "true" }),
        EditorView.updateListener.of((u) => { if (u.docChanged && opts.onChange) opts.onChange(u.state.doc.toString()); }),
      ],
    }),
  });
  const api = {
    view,
    getText: () => view.state.doc.toString(),
    // Replaces only what differs (the common start and end are kept), so the selection and
    // the scroll position survive an edit made on the canvas or in the inspector.
    setText(text) {
      const old = view.state.doc.toString();
      const next = String(text);
      if (old === next) return;
      let from = 0;
      while (from < old.length && from < next.length && old[from] === next[from]) from++;
      let end = 0;
      while (end < old.length - from && end < next.length - from &&
             old[old.length - 1 - end] === next[next.length - 1 - end]) end++;
      view.dispatch({ changes: { from, to: old.length - end, insert: next.slice(from, next.length - end) } });
    },
    setDiagnostics(list) {
      external = Array.isArray(list) ? list.slice() : [];
      view.dispatch({ effects: refreshLint.of(null) });
      forceLinting(view);
    },
    locate: (pointer) => locate(view.state, pointer) || lineColumn(view.state, pointer),
    locateState: (name) => locateState(view.state, name),
    syntaxError() {
      const d = parseLinter(view)[0];
      return d ? { from: d.from, to: d.to, message: d.message } : null;
    },
    reveal(range, focus) {
      if (!range) return;
      const r = clamp(view.state, range);
      view.dispatch({ selection: { anchor: r.from, head: r.to },
        effects: EditorView.scrollIntoView(r.from, { y: "center" }) });
      if (focus !== false) view.focus();
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
  return api;
}

window.ConsoleEditor = { create };
