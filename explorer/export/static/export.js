// Exported page: runs the tree widget's own ES module (tree.js) against a stand-in for the
// anywidget model that answers its requests from the embedded data, draws the treemap and the
// panels' figures with the inlined plotly.js, and links the selection. No network, no kernel.
// Model text only ever reaches the page through textContent, never innerHTML.

const D = JSON.parse(document.getElementById("ex-data").textContent);
const SEP = "\u0000";
const PAGE = D.tree.page;
const LISTS = D.tree.lists;

// -- the tree's data: rows by path, pre-order (the order the Python side walked) -------------
const ROWS = new Map([[D.state.initial.root.p, D.state.initial.root]]);
const ORDER = [D.state.initial.root.p];
(function walk(key) {
  for (const it of LISTS[key] || []) {
    if (it.g !== undefined) {
      walk(key + SEP + it.g);
    } else {
      ROWS.set(it.p, it);
      ORDER.push(it.p);
      walk(it.p);
    }
  }
})(D.state.initial.root.p);
const INDEX = new Map(ORDER.map((p, i) => [p, i]));

function fail(message) {
  throw new Error(message);
}

function known(path) {
  if (typeof path !== "string") fail(`a module path is a str, not ${typeof path}`);
  if (!ROWS.has(path)) fail(`no module at path '${path}' in this page`);
}

function page(items, offset) {
  return { offset, total: items.length, items: items.slice(offset, offset + PAGE) };
}

// -- answers to tree.js requests: the same replies ModuleTree.answer() gives ----------------
function children(path, group, offset) {
  known(path);
  if (!Number.isInteger(offset) || offset < 0) fail(`offset must be a non-negative int, got ${offset}`);
  const key = group === undefined || group === null ? path : path + SEP + group;
  const items = LISTS[key];
  if (!items) fail(`the children of '${path}' are not included in this page`);
  return { key, ...page(items, offset) };
}

function reveal(path) {
  known(path);
  const opens = [];
  const kids = [];
  let at = "";
  for (const name of path ? path.split(".") : []) {
    opens.push(at);
    const items = LISTS[at] || [];
    let next = null;
    for (let i = 0; i < items.length && next === null; i++) {
      const it = items[i];
      if (it.g !== undefined) {
        const key = at + SEP + it.g;
        const members = LISTS[key] || [];
        const j = members.findIndex((m) => m.n === name);
        if (j >= 0) {
          kids.push({ key: at, ...page(items, i - (i % PAGE)) });
          opens.push(key);
          kids.push({ key, ...page(members, j - (j % PAGE)) });
          next = members[j].p;
        }
      } else if (it.n === name) {
        kids.push({ key: at, ...page(items, i - (i % PAGE)) });
        next = it.p;
      }
    }
    if (next === null) fail(`no module at path '${path}'`);
    at = next;
  }
  return { path, open: opens, kids };
}

function search(query, limit = D.tree.max_matches) {
  if (typeof query !== "string") fail(`query must be a str, not ${typeof query}`);
  const q = query.trim().toLowerCase();
  const out = { q: query, total: 0, matches: [], rows: [] };
  if (!q) return out;
  const dotted = q.includes(".");
  const matches = [];
  let total = 0;
  for (let i = 1; i < ORDER.length; i++) {
    const r = ROWS.get(ORDER[i]);
    let hit;
    if (dotted) { // the match must reach into the module's own name, not stop above it
      const at = r.p.toLowerCase().lastIndexOf(q);
      hit = at >= 0 && at + q.length > r.p.length - r.n.length;
    } else {
      hit = r.n.toLowerCase().includes(q);
    }
    if (hit || r.t.toLowerCase().includes(q)) {
      total += 1;
      if (matches.length < limit) matches.push(r.p);
    }
  }
  const shown = new Set();
  for (const m of matches) {
    const parts = m.split(".");
    for (let i = 1; i <= parts.length; i++) shown.add(parts.slice(0, i).join("."));
  }
  out.total = total;
  out.matches = matches;
  out.rows = [...shown].map((p) => ROWS.get(p));
  return out;
}

function details(path) {
  known(path);
  const body = D.tree.details.bodies[D.tree.details.of[INDEX.get(path)]];
  return { ...body, path, name: ROWS.get(path).n };
}

function answer(content) {
  if (!content || typeof content !== "object") fail("a request is a dict");
  const op = content.op;
  let body;
  if (op === "children") body = children(content.path ?? "", content.group, content.offset ?? 0);
  else if (op === "reveal") body = reveal(content.path ?? "");
  else if (op === "search") body = search(content.q ?? "");
  else if (op === "details") body = details(content.path ?? "");
  else fail(`unknown request op '${op}'`);
  return { op, id: content.id ?? null, ...body };
}

// -- a stand-in for the anywidget model (Backbone-like get/set/on/off, custom messages) ---
function makeModel(state) {
  const handlers = new Map();
  const emit = (event, ...args) => {
    for (const cb of [...(handlers.get(event) || [])]) cb(...args);
  };
  const model = {
    get: (key) => state[key],
    set(key, value) {
      if (state[key] === value) return;
      state[key] = value;
      emit(`change:${key}`, model, value);
      emit("change", model);
    },
    save_changes() {},
    on(event, cb) {
      if (!handlers.has(event)) handlers.set(event, new Set());
      handlers.get(event).add(cb);
    },
    off(event, cb) {
      if (!event) handlers.clear();
      else if (!cb) handlers.delete(event);
      else handlers.get(event)?.delete(cb);
    },
    send(content) {
      setTimeout(() => { // replies arrive later, as they do from a kernel
        let reply;
        try {
          reply = answer(content);
        } catch (err) {
          reply = { op: "error", id: content?.id ?? null, message: `Error: ${err.message}` };
        }
        emit("msg:custom", reply, []);
      }, 0);
    },
  };
  return model;
}

const model = makeModel({ ...D.state });
window.explorerExport = { answer, model, data: D };

// -- header, footer, explanation -----------------------------------------------------------
const $ = (id) => document.getElementById(id);
const fmt = (n) => Number(n).toLocaleString("en-US");
const meta = D.meta;
$("ex-title").textContent = meta.title;
$("ex-summary").textContent = `${meta.type} · ${fmt(meta.params)} parameters (${fmt(meta.trainable)}`
  + ` trainable) · ${fmt(meta.modules)} modules in this page`
  + (meta.max_depth === null ? "" : ` (${meta.max_depth} levels below the model)`);
$("ex-foot").textContent = `Exported by transformers-explorer ${meta.version}. A static snapshot:`
  + " nothing here runs the model. Counts are exact; tied weights are counted once.";

const E = D.explain;
let lang = "en";
function drawExplanation() {
  const path = model.get("selected");
  $("ex-explain-path").textContent = path === "" ? meta.type : path;
  const ids = E.of[path];
  const text = $("ex-explain-text");
  text.classList.toggle("ex-none", !ids);
  text.textContent = ids ? E.texts[ids[E.langs.indexOf(lang)]]
    : lang === "ko" ? "이 페이지에는 위쪽 모듈의 설명만 들어 있습니다. 더 위의 모듈을 선택해 보세요."
      : "This page holds explanations for the upper modules only; select one higher up.";
}
for (const b of document.querySelectorAll(".ex-lang button")) {
  b.addEventListener("click", () => {
    lang = b.dataset.lang;
    document.documentElement.lang = lang;
    for (const o of document.querySelectorAll(".ex-lang button")) {
      o.setAttribute("aria-pressed", String(o === b));
    }
    drawExplanation();
  });
}
model.on("change:selected", drawExplanation);
drawExplanation();

// -- treemap, linked to the selection --------------------------------------------------------
const mapDiv = $("ex-treemap");
const trace = D.treemap.data[0] || {};
const ids = trace.ids || [];
const parents = trace.parents || [];
const rootId = ids[parents.indexOf("")] ?? ".";
const sectors = new Set(ids);
const parentOf = new Map(ids.map((id, i) => [id, parents[i]]));
const branches = new Set(parents);
const OTHER = "\u0000other";
let level = trace.level ?? rootId;
let clicking = false;

function levelFor(path) {
  let p = path;
  while (p && !sectors.has(p)) p = p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "";
  const sector = p || rootId;
  return sector !== rootId && !branches.has(sector) ? parentOf.get(sector) : sector;
}

if (window.Plotly && ids.length) {
  const config = { responsive: true, displaylogo: false };
  Plotly.newPlot(mapDiv, D.treemap.data, { ...D.treemap.layout, autosize: true }, config);
  mapDiv.on("plotly_click", (ev) => {
    const pt = ev && ev.points && ev.points[0];
    if (!pt) return;
    let sector = pt.id ?? ids[pt.pointNumber];
    if (sector === level && sector !== rootId) sector = parentOf.get(sector);
    level = sector;
    if (sector.endsWith(OTHER)) sector = sector.slice(0, -OTHER.length) || rootId;
    clicking = true;
    try {
      model.set("selected", sector === rootId ? "" : sector);
    } finally {
      clicking = false;
    }
  });
  model.on("change:selected", () => {
    const want = levelFor(model.get("selected"));
    if (clicking || want === level) return;
    level = want;
    Plotly.restyle(mapDiv, { level: [want] }, [0]);
  });
}

// -- the panels' last predictions -----------------------------------------------------------
if (D.panels.length) {
  const box = $("ex-panels");
  box.hidden = false;
  for (const p of D.panels) {
    const sec = document.createElement("section");
    sec.className = "ex-panel";
    const h = document.createElement("h3");
    h.textContent = p.title;
    sec.append(h);
    if (p.text) {
      const pre = document.createElement("pre");
      pre.textContent = p.text;
      sec.append(pre);
    }
    box.append(sec);
    if (p.figure && window.Plotly) {
      const div = document.createElement("div");
      div.className = "ex-figure";
      sec.append(div);
      Plotly.newPlot(div, p.figure.data, { ...p.figure.layout, autosize: true },
        { responsive: true, displaylogo: false });
    }
  }
}

// -- the tree: the widget's own module, loaded from its inlined source ------------------------
const source = JSON.parse($("ex-tree-js").textContent);
const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
try {
  const mod = await import(url);
  let widget = mod.default ?? mod;
  if (typeof widget === "function") widget = await widget();
  if (widget.initialize) await widget.initialize({ model });
  await widget.render({ model, el: $("ex-tree") });
  document.documentElement.dataset.exReady = "1";
} catch (err) {
  const note = document.createElement("pre");
  note.textContent = `The module tree could not be drawn: ${err && err.message}`;
  $("ex-tree").append(note);
  document.documentElement.dataset.exReady = "error";
  throw err;
} finally {
  URL.revokeObjectURL(url);
}
