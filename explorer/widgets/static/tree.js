// Module tree view for explorer.widgets.tree.ModuleTree: hand-written ES module, no bundler.
// The data comes from explorer.tree_pages (the lazy-tree protocol): the first levels in the
// synced "initial" field, the rest by custom message when opened. Model text only ever reaches
// the page through textContent / attributes, never innerHTML. Every key pressed inside the tree
// stays in the tree: notebook front-ends must not see it as a command-mode shortcut.

const SEP = "\u0000"; // parent path + SEP + first member name: the key of a folded group
const BADGES = {
  new: "newly initialized: random weights",
  frozen: "frozen: no parameter here requires grad",
  shared: "shares a tensor with another module (tied weights)",
  lazy: "lazy: holds uninitialized parameters",
  buffers: "holds buffers only (not parameters)",
  alias: "the same module object is registered at another path",
};
const COPIES = [
  ["attribute", "Python attribute", "model.distilbert.transformer.layer[0]"],
  ["submodule", "get_submodule name", "for model.get_submodule(...)"],
  ["state_dict", "state_dict keys", "its parameters' and buffers' keys"],
  ["lora", "LoRA target_modules", "for peft.LoraConfig"],
];

const fmt = (n) => Number(n).toLocaleString("en-US");
const parentOf = (path) => (path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "");
const isGroup = (it) => it.g !== undefined;
const expandable = (it) => Boolean(it) && (isGroup(it) ? true : it.k > 0);
const share = (part, total) => (total ? ((100 * part) / total).toFixed(2) : "0");

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

// Lumino (JupyterLab, Notebook 7) matches command-mode shortcuts on the focused element first
// and stops at an element carrying this attribute: everything that takes focus carries it.
function keysStayHere(e) {
  e.setAttribute("data-lm-suppress-shortcuts", "true");
  return e;
}

// -- state -------------------------------------------------------------------------------------
function createState(init) {
  return {
    rows: new Map([[init.root.p, init.root]]), // path -> row
    kids: new Map(), // key -> {total, items: sparse array of rows}
    open: new Set([""]),
    asked: new Set(), // "key@offset" of pages requested and not failed
    failed: new Map(), // "key@offset" -> error message (shown as a retry row)
    focus: "",
    filter: null, // {q, total, matches: Set, kids: Map(path -> [paths])}
    query: "",
    details: null,
    error: "",
  };
}

function storePage(S, page) {
  let k = S.kids.get(page.key);
  if (!k || k.total !== page.total) {
    k = { total: page.total, items: new Array(page.total) };
    S.kids.set(page.key, k);
  }
  page.items.forEach((it, i) => {
    k.items[page.offset + i] = it;
    if (!isGroup(it)) S.rows.set(it.p, it);
  });
}

const keyOf = (containerKey, it) => (isGroup(it) ? containerKey + SEP + it.g : it.p);

// -- what is visible ---------------------------------------------------------------------------
function filteredEntries(S, out) {
  const walk = (path, level) => {
    const list = S.filter.kids.get(path) || [];
    list.forEach((p, i) => {
      out.push({ kind: "node", it: S.rows.get(p), key: p, level, parent: path,
        pos: i + 1, size: list.length, match: S.filter.matches.has(p) });
      if (S.filter.kids.has(p)) walk(p, level + 1);
    });
  };
  walk("", 2);
  return out;
}

function openEntries(S, out) {
  const walk = (ckey, level) => {
    const k = S.kids.get(ckey);
    if (!k) {
      const tag = `${ckey}@0`;
      const kind = S.failed.has(tag) ? "failed" : "loading";
      out.push({ kind, key: `${ckey}${SEP}${kind}`, level, parent: ckey, offset: 0,
        message: S.failed.get(tag) });
      return;
    }
    let i = 0;
    while (i < k.total) {
      const it = k.items[i];
      if (it === undefined) {
        let j = i;
        while (j < k.total && k.items[j] === undefined) j++;
        const tag = `${ckey}@${i}`;
        out.push({ kind: S.failed.has(tag) ? "failed" : "gap", key: `${ckey}${SEP}gap${i}`,
          level, parent: ckey, offset: i, count: j - i, message: S.failed.get(tag) });
        i = j;
        continue;
      }
      const key = keyOf(ckey, it);
      out.push({ kind: isGroup(it) ? "group" : "node", it, key, level, parent: ckey,
        pos: i + 1, size: k.total });
      if (S.open.has(key) && expandable(it)) walk(key, level + 1);
      i++;
    }
  };
  if (S.open.has("") && expandable(S.rows.get(""))) walk("", 2);
  return out;
}

function visibleEntries(S) {
  const out = [{ kind: "node", it: S.rows.get(""), key: "", level: 1, pos: 1, size: 1 }];
  return S.filter ? filteredEntries(S, out) : openEntries(S, out);
}

// -- rows --------------------------------------------------------------------------------------
function noteRow(row, v) {
  if (v.kind === "loading") row.append(h("span", "xt-note", "loading…"));
  if (v.kind === "gap") row.append(h("span", "xt-note", `… ${fmt(v.count)} more (Enter or click to load)`));
  if (v.kind === "failed") {
    row.append(h("span", "xt-note xt-failed", `could not load: ${v.message} (Enter or click to retry)`));
  }
  return row;
}

function rowElement(S, v, selected, total) {
  const row = keysStayHere(h("div", `xt-row xt-${v.kind}`));
  row.setAttribute("role", "treeitem");
  row.setAttribute("aria-level", String(v.level));
  if (v.size) {
    row.setAttribute("aria-setsize", String(v.size));
    row.setAttribute("aria-posinset", String(v.pos));
  }
  row.dataset.key = v.key;
  row.tabIndex = -1;
  const indent = h("span", "xt-indent");
  indent.style.width = `${(v.level - 1) * 14}px`;
  const caret = h("span", "xt-caret");
  caret.setAttribute("aria-hidden", "true");
  row.append(indent, caret);
  if (!v.it) return noteRow(row, v);
  const it = v.it;
  if (!S.filter && expandable(it)) {
    const open = S.open.has(v.key);
    row.setAttribute("aria-expanded", String(open));
    caret.textContent = open ? "▾" : "▸";
  }
  if (v.kind === "group") {
    row.append(h("span", "xt-name", `(${it.n})`), h("span", "xt-type", `${it.x} × ${it.t}`));
  } else {
    const name = h("span", "xt-name", it.p === "" ? it.t : it.n);
    name.title = it.p === "" ? it.t : it.p;
    if (v.match) name.classList.add("xt-match");
    row.append(name);
    if (it.p !== "") row.append(h("span", "xt-type", it.t));
    for (const b of it.b || []) {
      const badge = h("span", `xt-badge xt-badge-${b}`, b);
      badge.title = BADGES[b] || b;
      row.append(badge);
    }
    if (it.dt) row.append(h("span", "xt-meta", it.dt));
    if (it.dv) row.append(h("span", "xt-meta", it.dv));
    row.setAttribute("aria-selected", String(it.p === selected));
  }
  const count = h("span", "xt-count", it.s);
  count.title = `${fmt(it.c)} parameters`;
  const bar = h("span", "xt-bar");
  bar.title = `${share(it.c, total)}% of all parameters`;
  const fill = h("span", "xt-fill");
  fill.style.width = `${total ? Math.max(0, Math.min(100, (100 * it.c) / total)) : 0}%`;
  bar.append(fill);
  row.append(h("span", "xt-spacer"), count, bar);
  return row;
}

// -- details -----------------------------------------------------------------------------------
const DTYPE_BYTES = { float32: 4, float16: 2, bfloat16: 2, int8: 1, int4: 0.5 };
const pct = (x) => (x > 0 && x < 0.00005 ? "< 0.01%" : `${(100 * x).toFixed(2)}%`);

const UNITS = [["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]];

function formatBytes(n) {
  for (const [unit, size] of UNITS) if (n >= size) return `${(n / size).toFixed(2)} ${unit}`;
  return `${n} B`;
}

// The module's share of each counting convention and its bytes (explorer.budget's module()):
// [label, value, formula shown on hover].
function costFacts(c) {
  if (c.error) return [["cost", `unknown (${c.error})`]];
  const emb = c.embedding ? `${fmt(c.embedding)} (${pct(c.share_embedding)} of all embedding)`
    : "none";
  const rest = `${fmt(c.non_embedding)} (${pct(c.share_non_embedding)} of the non-embedding N)`;
  const facts = [
    ["embedding", emb,
      "token and position embeddings and the output projection (Kaplan et al. 2020)"],
    ["non-embedding", rest, "params - embedding: the N of the scaling laws (Kaplan et al. 2020)"],
  ];
  if (c.skipped > 0 || c.share_active !== c.share_params) {
    const skips = c.skipped ? `; a token skips ${fmt(c.skipped)}` : "";
    facts.push(["active per token", `${fmt(c.active)} (${pct(c.share_active)} of active)${skips}`,
      "params - routed experts a token skips (a token runs through k of E experts)"]);
  }
  const per = DTYPE_BYTES[c.dtype];
  facts.push([`bytes in ${c.dtype}`, formatBytes(c.bytes),
    `params x ${per} bytes = ${fmt(c.params)} x ${per} = ${fmt(c.bytes)} bytes`]);
  if (c.note) facts.push(["cost note", c.note]);
  return facts;
}

function detailFacts(d, total) {
  const facts = [
    ["parameters", `${fmt(d.params)} (${share(d.params, total)}% of all)`],
    ["own parameters", fmt(d.own_params)],
    ["trainable", fmt(d.trainable_params)],
    ["buffers", fmt(d.buffers)],
    ["dtype", d.dtypes.join(", ") || "–"],
    ["device", d.devices.join(", ") || "–"],
    ["children", fmt(d.n_children)],
  ];
  if (d.output) facts.push(["output shape", d.output]);
  if (d.alias_of !== null) facts.push(["alias of", d.alias_of]);
  if (d.new) facts.push(["new", "newly initialized: random weights, not loaded"]);
  if (d.frozen) facts.push(["frozen", "no parameter here requires grad"]);
  if (d.lazy) facts.push(["lazy", "uninitialized until the first forward pass"]);
  for (const [k, v] of d.notes || []) facts.push([k, v]); // adapters, placement (Python's lines)
  if (d.cost) facts.push(...costFacts(d.cost));
  const grid = h("div", "xt-d-facts");
  for (const [k, v, how] of facts) {
    const value = h("span", "xt-d-v", v);
    if (how) value.title = how;
    grid.append(h("span", "xt-d-k", k), value);
  }
  return grid;
}

function tensorTable(d) {
  const table = h("table", "xt-d-tensors");
  const tr = h("tr");
  for (const c of ["tensor", "shape", "dtype", "numel", "kind", "shared with"]) tr.append(h("th", null, c));
  table.append(tr);
  for (const t of d.tensors) {
    const r = h("tr");
    const shared = t.shared_with.join(", ") + (t.counted ? "" : " (counted there)");
    const kind = t.kind + (t.requires_grad ? "" : t.kind === "param" ? " (frozen)" : "");
    for (const c of [t.name, `[${t.shape.join(", ")}]`, t.dtype, fmt(t.numel), kind,
      t.shared_with.length ? shared : ""]) r.append(h("td", null, c));
    table.append(r);
  }
  return table;
}

async function toClipboard(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (e) {
    const area = h("textarea", "xt-clip");
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e2) {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

function copyMenu(ask, path) {
  // "Copy ▾": each entry asks Python for its text (state_dict keys can be long) and copies it.
  const box = h("div", "xt-copy");
  const button = keysStayHere(h("button", "xt-copy-button", "Copy ▾"));
  button.type = "button";
  button.setAttribute("aria-haspopup", "menu");
  button.setAttribute("aria-expanded", "false");
  button.title = "Copy how to reach this module in code";
  const menu = h("div", "xt-copy-menu");
  menu.setAttribute("role", "menu");
  menu.hidden = true;
  const note = h("span", "xt-copy-note");
  note.setAttribute("aria-live", "polite");
  const setOpen = (open) => {
    menu.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  };
  for (const [what, label, hint] of COPIES) {
    const item = keysStayHere(h("button", "xt-copy-item", label));
    item.type = "button";
    item.setAttribute("role", "menuitem");
    item.dataset.what = what;
    item.title = hint;
    item.addEventListener("click", () => {
      setOpen(false);
      ask({ op: "copy", path, what }, async (msg) => {
        const ok = await toClipboard(msg.text);
        box.dataset.copied = msg.text;
        note.textContent = ok ? `copied ${label}` : `copy failed: select the text below`;
        if (!ok) note.textContent += `\n${msg.text}`;
      });
    });
    menu.append(item);
  }
  button.addEventListener("click", () => setOpen(menu.hidden));
  box.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !menu.hidden) {
      setOpen(false);
      button.focus();
    }
  });
  box.append(button, menu, note);
  return box;
}

function renderDetails(container, d, total, ask) {
  container.replaceChildren();
  if (!d) return;
  const head = h("div", "xt-d-head");
  head.append(h("span", "xt-d-path", d.path === "" ? "(root)" : d.path), h("span", "xt-type", d.type));
  if (ask) head.append(copyMenu(ask, d.path));
  container.append(head, detailFacts(d, total), h("pre", "xt-d-repr", d.repr));
  if (d.tensors.length) {
    container.append(tensorTable(d));
    if (d.n_tensors > d.tensors.length) {
      container.append(h("div", "xt-note", `${fmt(d.n_tensors - d.tensors.length)} more tensors`));
    }
  }
}

// -- the view ----------------------------------------------------------------------------------
function buildSkeleton(init, height) {
  const root = keysStayHere(h("div", "xt-root"));
  root.style.height = `${height}px`;
  const search = keysStayHere(h("input", "xt-search"));
  search.type = "search";
  search.placeholder = "Search modules by name or type";
  search.setAttribute("aria-label", "Search modules by name or type");
  const status = h("div", "xt-status");
  status.setAttribute("aria-live", "polite");
  const tree = keysStayHere(h("div", "xt-tree"));
  tree.setAttribute("role", "tree");
  tree.setAttribute("aria-label", `Modules of ${init.root.t}`);
  const details = h("div", "xt-details");
  details.setAttribute("aria-live", "polite");
  root.append(search, status, tree, details);
  return { root, search, status, tree, details };
}

function render({ model, el }) {
  const init = model.get("initial");
  const total = init.total || 0;
  const S = createState(init);
  (init.kids || []).forEach((page) => storePage(S, page));
  const V = buildSkeleton(init, model.get("height"));
  el.appendChild(V.root);
  const mine = new Map(); // request id -> {then, fail}
  const viewId = Math.random().toString(36).slice(2);
  let seq = 0;
  let shown = [];
  let elements = new Map();

  function ask(req, then, fail) {
    const id = `${viewId}:${++seq}`;
    mine.set(id, { then, fail });
    model.send({ ...req, id });
  }

  function draw() {
    const hadFocus = V.tree.contains(document.activeElement);
    const top = V.tree.scrollTop;
    const selected = model.get("selected");
    shown = visibleEntries(S);
    elements = new Map();
    const frag = document.createDocumentFragment();
    for (const v of shown) {
      const row = rowElement(S, v, selected, total);
      elements.set(v.key, row);
      frag.append(row);
    }
    if (!elements.has(S.focus)) S.focus = elements.has(selected) ? selected : "";
    elements.get(S.focus).tabIndex = 0;
    V.tree.replaceChildren(frag);
    V.tree.scrollTop = top;
    if (hadFocus) elements.get(S.focus).focus({ preventScroll: true });
    drawStatus();
  }

  function drawStatus() {
    let text = S.error;
    if (!text && S.filter) {
      const n = S.filter.total;
      const m = S.filter.matches.size;
      text = n === 0 ? `No module matches “${S.filter.q}”` : m < n
        ? `${fmt(n)} matches: showing the first ${fmt(m)} (${fmt(n - m)} more; refine the search)`
        : `${fmt(n)} match${n === 1 ? "" : "es"}`;
    }
    V.status.textContent = text;
    V.status.hidden = !text;
  }

  function load(ckey, offset = 0) {
    const tag = `${ckey}@${offset}`;
    if (S.asked.has(tag)) return;
    S.asked.add(tag);
    S.failed.delete(tag);
    const at = ckey.indexOf(SEP);
    const req = at < 0 ? { op: "children", path: ckey, offset }
      : { op: "children", path: ckey.slice(0, at), group: ckey.slice(at + 1), offset };
    ask(req, () => draw(), (message) => {
      S.asked.delete(tag); // a retry asks again
      S.failed.set(tag, message);
      draw();
    });
  }

  function setOpen(key, open) {
    if (open) {
      S.open.add(key);
      if (!S.kids.has(key)) load(key);
    } else {
      S.open.delete(key);
    }
    draw();
  }

  function select(path) {
    if (model.get("selected") !== path) {
      model.set("selected", path);
      model.save_changes(); // fires change:selected -> onSelected
    }
  }

  function moveFocus(key) {
    const row = elements.get(key);
    if (!row) return;
    const old = elements.get(S.focus);
    if (old) old.tabIndex = -1;
    S.focus = key;
    row.tabIndex = 0;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function activate(v, toggle) {
    if (v.kind === "gap" || v.kind === "failed") return load(v.parent, v.offset);
    if (v.kind === "loading") return;
    S.focus = v.key;
    if (v.kind === "node") select(v.it.p);
    if (toggle && !S.filter && expandable(v.it)) setOpen(v.key, !S.open.has(v.key));
    else draw();
  }

  // cost: true asks for the module's budget share (computed on first need); "ready" only if
  // the kernel has it already (the first display never waits for it).
  function onSelected(scroll = true, cost = true) {
    const path = model.get("selected");
    S.error = "";
    if (!S.details || S.details.path !== path) {
      ask({ op: "details", path, cost }, (msg) => {
        if (msg.path === model.get("selected")) {
          S.details = msg;
          renderDetails(V.details, msg, total, ask);
        }
      });
    }
    showSelected(scroll);
  }

  function showSelected(scroll = true) {
    const path = model.get("selected");
    const show = () => {
      S.focus = path;
      draw();
      const row = elements.get(path);
      if (row && scroll) row.scrollIntoView({ block: "nearest" });
    };
    if (S.filter) {
      if (path === "" || (S.filter.kids.get(parentOf(path)) || []).includes(path)) return show();
      clearSearch(false); // the selection is not among the matches: show the whole tree
    }
    if (visibleEntries(S).some((v) => v.key === path)) return show();
    ask({ op: "reveal", path }, (msg) => {
      msg.open.forEach((k) => S.open.add(k));
      if (msg.path === model.get("selected")) show();
      else draw();
    });
  }

  function openFromPython(path) {
    // Python asks to list a module's children (a treemap "N more" sector was clicked).
    const row = S.rows.get(path);
    if (!row || !expandable(row)) return;
    if (S.filter) clearSearch(false);
    S.focus = path;
    setOpen(path, true);
    const el = elements.get(path);
    if (el) el.scrollIntoView({ block: "nearest" });
  }

  function clearSearch(redraw = true) {
    S.filter = null;
    S.query = "";
    V.search.value = "";
    if (redraw) showSelected(); // back to the whole tree, opened down to the selection
  }

  function runSearch() {
    const q = V.search.value.trim();
    S.query = q;
    if (!q) return clearSearch();
    ask({ op: "search", q }, (msg) => {
      if (msg.q.trim() !== S.query) return; // a newer query is on its way
      const kids = new Map();
      for (const r of msg.rows) {
        S.rows.set(r.p, r);
        const p = parentOf(r.p);
        if (!kids.has(p)) kids.set(p, []);
        kids.get(p).push(r.p);
      }
      S.filter = { q: msg.q, total: msg.total, matches: new Set(msg.matches), kids };
      draw();
    });
  }

  // -- events ------------------------------------------------------------------------------------
  function entryFor(target) {
    const row = target.closest(".xt-row");
    if (!row) return null;
    return shown.find((v) => v.key === row.dataset.key) || null;
  }

  function onClick(e) {
    const v = entryFor(e.target);
    if (!v) return;
    if (e.target.classList.contains("xt-caret") && v.it && !S.filter && expandable(v.it)) {
      S.focus = v.key;
      setOpen(v.key, !S.open.has(v.key));
      return;
    }
    activate(v, true);
  }

  function onFocusIn(e) {
    const row = e.target.closest(".xt-row");
    if (row && row.dataset.key !== S.focus && elements.get(row.dataset.key) === row) {
      const old = elements.get(S.focus);
      if (old) old.tabIndex = -1;
      S.focus = row.dataset.key;
      row.tabIndex = 0;
    }
  }

  function onTreeKey(e) {
    const i = shown.findIndex((v) => v.key === S.focus);
    if (i < 0) return;
    const v = shown[i];
    const canOpen = v.it && !S.filter && expandable(v.it);
    let handled = true;
    switch (e.key) {
      case "ArrowDown": if (i + 1 < shown.length) moveFocus(shown[i + 1].key); break;
      case "ArrowUp": if (i > 0) moveFocus(shown[i - 1].key); break;
      case "Home": moveFocus(shown[0].key); break;
      case "End": moveFocus(shown[shown.length - 1].key); break;
      case "ArrowRight":
        if (canOpen && !S.open.has(v.key)) setOpen(v.key, true);
        else if (canOpen && i + 1 < shown.length) moveFocus(shown[i + 1].key);
        break;
      case "ArrowLeft":
        if (canOpen && S.open.has(v.key)) setOpen(v.key, false);
        else if (v.parent !== undefined) moveFocus(v.parent);
        break;
      case "Enter": activate(v, true); break;
      case " ": activate(v, false); break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  }

  let timer = null;
  function onSearchInput() {
    clearTimeout(timer);
    timer = setTimeout(runSearch, 150);
  }

  function onSearchKey(e) {
    if (e.key === "Escape") clearSearch();
    if (e.key === "ArrowDown" && shown.length > 1) {
      e.preventDefault();
      moveFocus(shown[1].key);
    }
  }

  // No key pressed anywhere in the widget reaches the notebook (command-mode shortcuts such as
  // a, b, d d, x, m, and the arrow keys that move the cell selection in Notebook 7).
  const keepKeys = (e) => e.stopPropagation();

  function onMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.op === "open") return openFromPython(msg.path);
    if (msg.op === "output") { // a new run: the selected module's output line, nothing to ask
      if (S.details && S.details.path === msg.path && S.details.output !== msg.output) {
        S.details = { ...S.details, output: msg.output };
        renderDetails(V.details, S.details, total, ask);
      }
      return;
    }
    if (msg.op === "children") storePage(S, msg);
    if (msg.op === "reveal") msg.kids.forEach((page) => storePage(S, page));
    const waiting = mine.get(msg.id);
    if (!waiting) return;
    mine.delete(msg.id);
    if (msg.op === "error") {
      if (waiting.fail) return waiting.fail(msg.message);
      S.error = msg.message;
      drawStatus();
      return;
    }
    if (waiting.then) waiting.then(msg);
  }

  const onHeight = () => { V.root.style.height = `${model.get("height")}px`; };
  const onChange = () => onSelected(true);
  const onShapes = () => { S.details = null; onSelected(false); }; // new run: fresh details
  V.tree.addEventListener("click", onClick);
  V.tree.addEventListener("focusin", onFocusIn);
  V.tree.addEventListener("keydown", onTreeKey);
  V.search.addEventListener("input", onSearchInput);
  V.search.addEventListener("keydown", onSearchKey);
  V.root.addEventListener("keydown", keepKeys);
  model.on("msg:custom", onMessage);
  model.on("change:selected", onChange);
  model.on("change:height", onHeight);
  model.on("change:shapes_rev", onShapes);
  draw();
  onSelected(false, "ready"); // details of the selection; no scrolling the page on display
  return () => {
    clearTimeout(timer);
    model.off("msg:custom", onMessage);
    model.off("change:selected", onChange);
    model.off("change:height", onHeight);
    model.off("change:shapes_rev", onShapes);
  };
}

export default { render };
