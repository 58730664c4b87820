/* State machine graph: elkjs lays it out (layered, compound nodes for Parallel branches and
 * Map processors), this file draws it as SVG with zoom and pan and colours it by status.
 * The graph's content (nodes, edges, groups) comes from the server (orchestrator/console/graph.py).
 *
 * With `editable: true` (the designer) it also draws what the designer's drag and drop and
 * keyboard act on, and marks every drop target with a data attribute: states
 * (`data-state`), edges (`data-edge`: a wide invisible stroke and an insert button "+" at
 * the middle), groups (`data-group`: Parallel branches, Map processors, with an add button)
 * and the background (`data-canvas`); a connect handle under each state that can have a
 * transition (`data-connect`), and a re-target handle on each edge's arrow head
 * (`data-retarget`). The designer's own code does the dragging (opts.onInsert(edge | group,
 * button) when an insert button is pressed). */
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const NODE_H = 42;
const MARKER = 26;
const CHAR_W = 7.4;      // average glyph width of the node font, for sizing boxes before drawing
const LABEL_CHAR_W = 6.2;

function svg(tag, attrs, parent) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

function nodeWidth(node) {
  // The second line is "<Type> · end" and a badge (retries, diagnostics) at its right.
  const text = Math.max(node.name.length, node.type.length + (node.end ? 6 : 0) + 5);
  return Math.max(120, Math.min(300, Math.round(text * CHAR_W) + 34));
}

/* The server's graph -> ELK's JSON graph. Parallel/Map states are compound nodes holding one
 * compound node per branch / processor; every edge is declared in the scope of its source. */
function toElk(graph) {
  const byScope = new Map();
  const compound = new Map();
  const scopeChildren = (scope) => {
    if (!byScope.has(scope)) byScope.set(scope, []);
    return byScope.get(scope);
  };
  for (const g of graph.groups) {
    if (!compound.has(g.state)) compound.set(g.state, []);
    compound.get(g.state).push(g);
  }
  const edgesByScope = new Map();
  const scopeOfNode = new Map(graph.nodes.map((n) => [n.id, n.scope]));
  for (const e of graph.edges) {
    const scope = scopeOfNode.get(e.source) || "root";
    if (!edgesByScope.has(scope)) edgesByScope.set(scope, []);
    const label = e.label ? [{ text: e.label, width: Math.ceil(e.label.length * LABEL_CHAR_W) + 8, height: 16 }] : [];
    edgesByScope.get(scope).push({ id: e.id, sources: [e.source], targets: [e.target], labels: label });
  }
  for (const n of graph.nodes) {
    const elkNode = { id: n.id };
    if (n.type === "Start" || n.type === "End") {
      elkNode.width = MARKER; elkNode.height = MARKER;
    } else if (compound.has(n.id)) {
      elkNode.layoutOptions = { "elk.padding": "[top=40,left=10,bottom=10,right=10]",
                                "elk.direction": "DOWN", "elk.spacing.nodeNode": "18" };
      elkNode.children = compound.get(n.id).map((g) => ({
        id: g.id,
        layoutOptions: { "elk.padding": "[top=26,left=10,bottom=8,right=10]", "elk.direction": "DOWN" },
        children: [], edges: [],
      }));
      elkNode.width = nodeWidth(n); elkNode.height = NODE_H;
    } else {
      elkNode.width = nodeWidth(n); elkNode.height = NODE_H;
    }
    scopeChildren(n.scope).push(elkNode);
  }
  const all = new Map();
  const root = { id: "root", children: scopeChildren("root"), edges: edgesByScope.get("root") || [],
    layoutOptions: {
      "elk.algorithm": "layered", "elk.direction": "DOWN",
      "elk.hierarchyHandling": "INCLUDE_CHILDREN",
      "elk.json.shapeCoords": "ROOT", "elk.json.edgeCoords": "ROOT",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.layered.spacing.nodeNodeBetweenLayers": "34",
      "elk.spacing.nodeNode": "30", "elk.spacing.edgeLabel": "4",
      "elk.layered.spacing.edgeNodeBetweenLayers": "16",
      "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
      "elk.padding": "[top=20,left=20,bottom=20,right=20]",
    } };
  const index = (node) => {
    all.set(node.id, node);
    for (const child of node.children || []) index(child);
  };
  index(root);
  for (const g of graph.groups) {
    const holder = all.get(g.id);
    holder.children = scopeChildren(g.id);
    holder.edges = edgesByScope.get(g.id) || [];
    for (const child of holder.children) index(child);
  }
  return root;
}

/* The middle of the longest segment of a polyline (where an edge's insert button goes). */
function midpoint(pts) {
  let best = { x: pts[0].x, y: pts[0].y }, len = -1;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1], b = pts[i];
    const l = Math.abs(b.x - a.x) + Math.abs(b.y - a.y);
    if (l > len) { len = l; best = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }; }
  }
  return best;
}

let elkInstance = null;
async function layout(graph) {
  if (typeof ELK === "undefined") throw new Error("elkjs did not load (/console/vendor/elk.js): run `make console`");
  if (!elkInstance) elkInstance = new ELK();
  return elkInstance.layout(toElk(graph));
}

/* Draws `graph` into `container`; returns a handle to colour, select and fit it. */
async function drawGraph(container, graph, opts) {
  opts = opts || {};
  const laid = await layout(graph);
  container.innerHTML = "";
  container.classList.add("graph");
  const info = new Map(graph.nodes.map((n) => [n.id, n]));
  const groupInfo = new Map(graph.groups.map((g) => [g.id, g]));
  const edgeInfo = new Map(graph.edges.map((e) => [e.id, e]));

  const root = svg("svg", { class: "graph-svg", role: "group",
    "aria-label": opts.label || "State machine graph" }, container);
  const defs = svg("defs", {}, root);
  for (const kind of ["next", "catch", "choice", "default", "start", "end"]) {
    const m = svg("marker", { id: "arrow-" + kind + "-" + (opts.idPrefix || "g"), viewBox: "0 0 10 10",
      refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse",
      class: "arrow arrow-" + kind }, defs);
    svg("path", { d: "M0,0 L10,5 L0,10 z" }, m);
  }
  const viewport = svg("g", { class: "viewport" }, root);
  const groupsLayer = svg("g", { class: "groups" }, viewport);
  const edgesLayer = svg("g", { class: "edges" }, viewport);
  const nodesLayer = svg("g", { class: "nodes" }, viewport);
  const labelsLayer = svg("g", { class: "edge-labels" }, viewport);
  const nodeEls = new Map();
  const editable = !!opts.editable;
  const handlesLayer = editable ? svg("g", { class: "handles" }, viewport) : null;
  if (editable) root.setAttribute("data-canvas", "");

  // An insert button (a "+" in a circle): Enter / Space / click calls opts.onInsert(target, el).
  function insertButton(parent, cx, cy, target, label) {
    const el = svg("g", { class: "insert", tabindex: "0", role: "button", "aria-label": label,
      "data-insert": target.id }, parent);
    svg("circle", { cx, cy, r: 9 }, el);
    svg("text", { x: cx, y: cy + 4.5, "text-anchor": "middle" }, el).textContent = "+";
    const t = svg("title", {}, el); t.textContent = label;
    const fire = (ev) => { ev.preventDefault(); ev.stopPropagation(); if (opts.onInsert) opts.onInsert(target, el); };
    el.addEventListener("click", fire);
    el.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") fire(ev); });
    return el;
  }

  const visit = (node) => {
    for (const child of node.children || []) {
      const n = info.get(child.id);
      const g = groupInfo.get(child.id);
      if (g) {
        const el = svg("g", { class: "group group-" + g.kind }, groupsLayer);
        svg("rect", { x: child.x, y: child.y, width: child.width, height: child.height, rx: 8 }, el);
        svg("text", { x: child.x + 10, y: child.y + 19, class: "group-label" }, el).textContent = g.label;
        if (editable) {
          el.setAttribute("data-group", g.id);
          const owner = info.get(g.state);
          insertButton(el, child.x + child.width - 14, child.y + 14, g,
            "Add a state to " + g.label + " of " + (owner ? owner.name : g.state));
        }
      } else if (n) {
        drawNode(n, child);
      }
      visit(child);
    }
    for (const edge of node.edges || []) drawEdge(edge);
  };

  function drawNode(n, box) {
    const isMarker = n.type === "Start" || n.type === "End";
    const isCompound = (box.children || []).length > 0;
    const cls = ["node", "type-" + n.type.toLowerCase(), isMarker ? "marker" : "state",
      isCompound ? "compound" : ""].join(" ");
    const el = svg("g", { class: cls, "data-id": n.id }, isCompound ? groupsLayer : nodesLayer);
    if (isMarker) {
      const r = MARKER / 2;
      svg("circle", { cx: box.x + r, cy: box.y + r, r: r - 1 }, el);
      svg("text", { x: box.x + r, y: box.y + r + 4, "text-anchor": "middle", class: "marker-label" }, el)
        .textContent = n.type === "Start" ? "▶" : "■";
      const t = svg("title", {}, el); t.textContent = n.type;
      return;
    }
    el.setAttribute("tabindex", "0");
    el.setAttribute("role", "button");
    el.setAttribute("data-state", n.name);
    svg("rect", { x: box.x, y: box.y, width: box.width, height: box.height, rx: isCompound ? 10 : 7,
      class: "box" }, el);
    const name = svg("text", { x: box.x + 12, y: box.y + 18, class: "name" }, el);
    name.textContent = n.name;
    const type = svg("text", { x: box.x + 12, y: box.y + 33, class: "type" }, el);
    type.textContent = n.type + (n.end ? " · end" : "");
    const badge = svg("text", { x: box.x + box.width - 10, y: box.y + 33, "text-anchor": "end", class: "badge" }, el);
    const title = svg("title", {}, el);
    title.textContent = n.name + " (" + n.type + ")" + (n.comment ? "\n" + n.comment : "");
    el.addEventListener("click", (ev) => { ev.stopPropagation(); select(n.name, true); });
    el.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(n.name, true); }
    });
    nodeEls.set(n.name, { el, node: n, badge, title });
    if (editable && n.type !== "Succeed" && n.type !== "Fail") {
      const cx = box.x + box.width / 2, cy = box.y + (isCompound ? NODE_H : box.height);
      const handle = svg("circle", { cx, cy, r: 6, class: "connect-handle", "data-connect": n.name }, handlesLayer);
      const t = svg("title", {}, handle); t.textContent = "Drag to another state to connect " + n.name + " to it";
    }
  }

  function drawEdge(edge) {
    const e = edgeInfo.get(edge.id);
    if (!e) return;
    for (const s of edge.sections || []) {
      const pts = [s.startPoint, ...(s.bendPoints || []), s.endPoint];
      const d = pts.map((p, i) => (i ? "L" : "M") + p.x.toFixed(1) + "," + p.y.toFixed(1)).join(" ");
      const path = svg("path", { d, class: "edge edge-" + e.kind,
        "marker-end": "url(#arrow-" + e.kind + "-" + (opts.idPrefix || "g") + ")" }, edgesLayer);
      if (e.title) { const t = svg("title", {}, path); t.textContent = e.title; }
      if (editable) {
        svg("path", { d, class: "edge-hit", "data-edge": e.id }, edgesLayer);
        const mid = midpoint(pts);
        const from = info.get(e.source), to = info.get(e.target);
        insertButton(handlesLayer, mid.x, mid.y, e, "Insert a state between " + from.name + " and " + to.name +
          (e.kind === "next" || e.kind === "start" || e.kind === "end" ? "" : " (" + (e.title || e.kind) + ")"))
          .setAttribute("data-edge", e.id);
        const end = s.endPoint;
        const handle = svg("circle", { cx: end.x, cy: end.y, r: 5, class: "retarget-handle", "data-retarget": e.id }, handlesLayer);
        const t = svg("title", {}, handle); t.textContent = "Drag to another state to re-target this transition";
      }
    }
    for (const label of edge.labels || []) {
      const g = svg("g", { class: "edge-label edge-label-" + e.kind }, labelsLayer);
      svg("rect", { x: label.x, y: label.y, width: label.width, height: label.height, rx: 3 }, g);
      svg("text", { x: label.x + 4, y: label.y + 12 }, g).textContent = label.text;
      if (e.title) { const t = svg("title", {}, g); t.textContent = e.title; }
    }
  }

  visit(laid);
  const width = laid.width, height = laid.height;

  // --- zoom and pan --------------------------------------------------------------------
  let k = 1, tx = 0, ty = 0;
  const apply = () => viewport.setAttribute("transform", `translate(${tx},${ty}) scale(${k})`);
  const fit = () => {
    const w = container.clientWidth || 800, h = container.clientHeight || 500;
    k = Math.min(1.2, Math.max(0.05, Math.min(w / width, h / height) * 0.96));
    tx = (w - width * k) / 2; ty = Math.max(4, (h - height * k) / 2);
    apply();
  };
  const zoomAt = (factor, cx, cy) => {
    const nk = Math.min(4, Math.max(0.05, k * factor));
    tx = cx - (cx - tx) * (nk / k); ty = cy - (cy - ty) * (nk / k); k = nk; apply();
  };
  root.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = root.getBoundingClientRect();
    zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  let drag = null;
  root.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0 || ev.target.closest(".state, .insert, .connect-handle, .retarget-handle")) return;
    drag = { x: ev.clientX, y: ev.clientY, tx, ty };
    root.setPointerCapture(ev.pointerId);
    root.classList.add("dragging");
  });
  root.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    tx = drag.tx + ev.clientX - drag.x; ty = drag.ty + ev.clientY - drag.y; apply();
  });
  const endDrag = () => { drag = null; root.classList.remove("dragging"); };
  root.addEventListener("pointerup", endDrag);
  root.addEventListener("pointercancel", endDrag);

  const tools = document.createElement("div");
  tools.className = "graph-tools";
  const button = (text, label, fn) => {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = text; b.title = label; b.setAttribute("aria-label", label);
    b.addEventListener("click", fn); tools.appendChild(b);
  };
  button("+", "Zoom in", () => zoomAt(1.25, container.clientWidth / 2, container.clientHeight / 2));
  button("−", "Zoom out", () => zoomAt(0.8, container.clientWidth / 2, container.clientHeight / 2));
  button("Fit", "Fit the graph to the view", fit);
  button("1:1", "Actual size", () => { k = 1; tx = 20; ty = 20; apply(); });
  container.appendChild(tools);
  // First view: the whole graph when it fits at a readable size, else its top at a
  // readable size (zoom out or press Fit for the overview of a large machine).
  const initial = () => {
    fit();
    if (k < 0.7) { k = 0.7; tx = Math.max(10, (container.clientWidth - width * k) / 2); ty = 10; apply(); }
  };
  initial();

  // --- selection and status ------------------------------------------------------------
  let selected = null;
  function select(name, fromUser) {
    if (selected && nodeEls.has(selected)) {
      nodeEls.get(selected).el.classList.remove("selected");
      nodeEls.get(selected).el.setAttribute("aria-pressed", "false");
    }
    selected = name;
    const entry = nodeEls.get(name);
    if (entry) {
      entry.el.classList.add("selected");
      entry.el.setAttribute("aria-pressed", "true");
    }
    if (fromUser && opts.onSelect) opts.onSelect(name);
  }
  // states: the summary's per-state entries; classOf(status): the classes showing a status.
  function setStatuses(states, classOf) {
    for (const [name, { el, node, badge, title }] of nodeEls) {
      const st = states[name] || { status: "not_reached", retries: 0 };
      el.setAttribute("class", el.getAttribute("class").replace(/ (status|tone)-[a-z_]+/g, "") + " " + classOf(st.status));
      badge.textContent = st.retries ? "↻ " + st.retries : "";
      const label = node.name + ", " + node.type + " state, " + st.status.replace("_", " ") +
        (st.retries ? ", " + st.retries + " retr" + (st.retries === 1 ? "y" : "ies") : "");
      el.setAttribute("aria-label", label);
      title.textContent = label + (node.comment ? "\n" + node.comment : "");
    }
  }
  function mark(name, cls) {
    for (const { el } of nodeEls.values()) el.classList.remove(cls);
    if (name && nodeEls.has(name)) nodeEls.get(name).el.classList.add(cls);
  }
  // The designer's diagnostics: flags = {state name: {severity: "ERROR"|"WARNING", count}};
  // the state is outlined (class flagged, flag-error / flag-warning) and badged with the count.
  function setFlags(flags) {
    for (const [name, { el, node, badge }] of nodeEls) {
      const f = flags[name];
      el.classList.toggle("flagged", !!f);
      el.classList.toggle("flag-error", !!f && f.severity === "ERROR");
      el.classList.toggle("flag-warning", !!f && f.severity !== "ERROR");
      badge.textContent = f ? (f.severity === "ERROR" ? "✖ " : "⚠ ") + f.count : "";
      el.setAttribute("aria-label", node.name + ", " + node.type + " state" +
        (f ? ", " + f.count + " " + (f.severity === "ERROR" ? "error" : "warning") + (f.count === 1 ? "" : "s") : ""));
    }
  }
  function reveal(name) {
    const entry = nodeEls.get(name);
    if (!entry) return;
    const b = entry.el.querySelector(".box");
    const x = +b.getAttribute("x") + +b.getAttribute("width") / 2, y = +b.getAttribute("y") + +b.getAttribute("height") / 2;
    tx = container.clientWidth / 2 - x * k; ty = container.clientHeight / 2 - y * k; apply();
  }
  for (const { el, node } of nodeEls.values()) el.setAttribute("aria-label", node.name + ", " + node.type + " state");
  // What the designer needs to turn a drop target into an edit: the server's node, edge and
  // group entries by id (graph.py documents their fields), and the focusable element of a state.
  const lookup = (id) => info.get(id) || edgeInfo.get(id) || groupInfo.get(id) || null;
  const stateElement = (name) => (nodeEls.has(name) ? nodeEls.get(name).el : null);
  return { select, setStatuses, setFlags, fit, mark, reveal, lookup, stateElement,
           selected: () => selected, states: () => [...nodeEls.keys()] };
}

window.ConsoleGraph = { drawGraph, toElk };
