// Module tree view for explorer.widgets.tree.ModuleTree (and the exported page's live tree).
// The data comes from explorer.tree.pages (the lazy-tree protocol): the first levels in the
// synced "initial" field, the rest by custom message when opened. Model text only ever reaches
// the page through textContent / attributes, never innerHTML. Every key pressed inside the tree
// stays in the tree: notebook front-ends must not see it as a command-mode shortcut.

import { createChannel } from "../lib/channel.js";
import { h, keepKeysInside, keysStayHere } from "../lib/dom.js";
import { fmt, share } from "../lib/format.js";
import { markLive } from "../lib/pair.js";
import { loadPage } from "../lib/pager.js";
import { createRows } from "../lib/rows.js";
import { renderDetails } from "../tree/details.js";
import {
  childrenRequest, createState, expandable, parentOf, setFilter, storePage, visibleEntries,
} from "../tree/state.js";

const BADGES = {
  new: "newly initialized: random weights",
  frozen: "frozen: no parameter here requires grad",
  shared: "shares a tensor with another module (tied weights)",
  lazy: "lazy: holds uninitialized parameters",
  buffers: "holds buffers only (not parameters)",
  alias: "the same module object is registered at another path",
};

const HINT = "↑ ↓ select · → opens · ← closes · Enter opens or closes";

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
  const row = h("div", `xt-row xt-${v.kind}`);
  row.setAttribute("role", "treeitem");
  row.setAttribute("aria-level", String(v.level));
  if (v.size) {
    row.setAttribute("aria-setsize", String(v.size));
    row.setAttribute("aria-posinset", String(v.pos));
  }
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
  // The root row keeps its tags and count together (.xt-tail): where the row is too narrow for
  // the model's class name, they go to a second line as one piece (tree.css).
  const tail = it.p === "" && v.kind !== "group" ? h("span", "xt-tail") : row;
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
      tail.append(badge);
    }
    if (it.dt) tail.append(h("span", "xt-meta", it.dt));
    if (it.dv) tail.append(h("span", "xt-meta", it.dv));
    row.setAttribute("aria-selected", String(it.p === selected));
  }
  const count = h("span", "xt-count", it.s);
  count.title = `${fmt(it.c)} parameters`;
  const bar = h("span", "xt-bar");
  bar.title = `${share(it.c, total)}% of all parameters`;
  const fill = h("span", "xt-fill");
  fill.style.width = `${total ? Math.max(0, Math.min(100, (100 * it.c) / total)) : 0}%`;
  bar.append(fill);
  tail.append(h("span", "xt-spacer"), count, bar);
  if (tail !== row) row.append(tail);
  return row;
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
  const V = buildSkeleton(init, model.get("height"));
  el.appendChild(V.root);
  markLive(V.root, model.get("static_key")); // the static view beside this output: not needed
  const rows = createRows(V.tree);
  rows.focus = "";
  const channel = createChannel((content) => model.send(content), (message) => {
    S.error = message;
    drawStatus();
  });
  const ask = channel.ask;

  function draw() {
    const selected = model.get("selected");
    rows.draw(visibleEntries(S), (v) => rowElement(S, v, selected, total), selected);
    drawStatus();
  }

  function drawStatus() {
    let text = S.error || (S.filter ? "" : S.hint);
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
    const req = childrenRequest(ckey, offset);
    loadPage(S.pages, ckey, offset, (then, fail) => ask(req, then, fail), () => draw());
  }

  function setOpen(key, open) {
    if (open) {
      S.open.add(key);
      if (!S.pages.lists.has(key)) load(key);
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

  // how: "toggle" opens or closes the row (Enter), "open" opens a closed one and never closes
  // (a click: selecting must not fold what the user is looking at), "select" only selects.
  function activate(v, how) {
    if (v.kind === "gap" || v.kind === "failed") return load(v.parent, v.offset);
    if (v.kind === "loading") return;
    rows.focus = v.key;
    if (v.kind === "node") select(v.it.p);
    const open = S.open.has(v.key);
    const change = !S.filter && expandable(v.it) && (how === "toggle" || (how === "open" && !open));
    if (change) setOpen(v.key, !open);
    else draw();
  }

  // The selection follows the keyboard focus (the details and the treemap with it), once the
  // keys rest: holding an arrow key does not ask the kernel for every row passed.
  let follow = null;
  function followFocus() {
    clearTimeout(follow);
    follow = setTimeout(() => {
      const v = rows.shown[rows.at()];
      if (v && v.kind === "node" && v.it.p !== model.get("selected")) select(v.it.p);
    }, 120);
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
      rows.focus = path;
      draw();
      const row = rows.elements.get(path);
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
    rows.focus = path;
    setOpen(path, true);
    const e = rows.elements.get(path);
    if (e) e.scrollIntoView({ block: "nearest" });
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
      setFilter(S, msg);
      draw();
    });
  }

  // -- events ------------------------------------------------------------------------------------
  function onClick(e) {
    const v = rows.entryFor(e.target);
    if (!v) return;
    if (e.target.classList.contains("xt-caret") && v.it && !S.filter && expandable(v.it)) {
      rows.focus = v.key;
      setOpen(v.key, !S.open.has(v.key));
      return;
    }
    activate(v, "open");
  }

  function onTreeKey(e) {
    if (rows.step(e.key)) {
      followFocus();
      return e.preventDefault();
    }
    const i = rows.at();
    if (i < 0) return;
    const v = rows.shown[i];
    const next = rows.shown[i + 1];
    const canOpen = v.it && !S.filter && expandable(v.it);
    let handled = true;
    switch (e.key) {
      case "ArrowRight":
        if (canOpen && !S.open.has(v.key)) setOpen(v.key, true);
        else if (canOpen && next) {
          rows.move(next.key);
          followFocus();
        }
        break;
      case "ArrowLeft":
        if (canOpen && S.open.has(v.key)) setOpen(v.key, false);
        else if (v.parent !== undefined) {
          rows.move(v.parent);
          followFocus();
        }
        break;
      case "Enter": activate(v, "toggle"); break;
      case " ": activate(v, "select"); break;
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
    if (e.key === "ArrowDown" && rows.shown.length > 1) {
      e.preventDefault();
      rows.move(rows.shown[1].key);
    }
  }

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
    channel.answer(msg);
  }

  // Keyboard users are told what the keys do, while the tree has the keyboard focus.
  const onFocusIn = (e) => {
    const keyboard = e.target.matches && e.target.matches(":focus-visible");
    S.hint = keyboard ? HINT : "";
    drawStatus();
  };
  const onFocusOut = (e) => {
    if (V.tree.contains(e.relatedTarget)) return;
    S.hint = "";
    drawStatus();
  };

  const onHeight = () => { V.root.style.height = `${model.get("height")}px`; };
  const onChange = () => onSelected(true);
  const onShapes = () => { S.details = null; onSelected(false); }; // new run: fresh details
  V.tree.addEventListener("click", onClick);
  V.tree.addEventListener("keydown", onTreeKey);
  V.tree.addEventListener("focusin", onFocusIn);
  V.tree.addEventListener("focusout", onFocusOut);
  V.search.addEventListener("input", onSearchInput);
  V.search.addEventListener("keydown", onSearchKey);
  const free = keepKeysInside(V.root);
  model.on("msg:custom", onMessage);
  model.on("change:selected", onChange);
  model.on("change:height", onHeight);
  model.on("change:shapes_rev", onShapes);
  draw();
  onSelected(false, "ready"); // details of the selection; no scrolling the page on display
  return () => {
    clearTimeout(timer);
    clearTimeout(follow);
    free();
    model.off("msg:custom", onMessage);
    model.off("change:selected", onChange);
    model.off("change:height", onHeight);
    model.off("change:shapes_rev", onShapes);
  };
}

export default { render };
