/* The console's one DOM helper, shared by app.js and the designer's inspector.js:
 *   h("button", { type: "button", class: "primary", onclick: fn }, "Save", child, [more])
 * attributes null / undefined / false are left out, true is an empty attribute, on<event>
 * adds a listener; children are nodes, strings (text) or arrays of them (flattened). */
"use strict";

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
