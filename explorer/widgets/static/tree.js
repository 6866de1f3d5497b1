// Module tree view for explorer.widgets.tree.ModuleTree: hand-written ES module, no bundler.
// Model text only ever reaches the page through textContent / attributes, never innerHTML.

const SEP = "\u0000"; // parent path + SEP + first member name: the key of a folded group
const BADGES = {
  new: "newly initialized: random weights",
  frozen: "frozen: no parameter here requires grad",
  shared: "shares a tensor with another module (tied weights)",
  lazy: "lazy: holds uninitialized parameters",
  buffers: "holds buffers only (not parameters)",
  alias: "the same module object is registered at another path",
};

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

const fmt = (n) => Number(n).toLocaleString("en-US");
const parentOf = (path) => (path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "");
const isGroup = (it) => it.g !== undefined;
const expandable = (it) => (isGroup(it) ? true : it.k > 0);

function render({ model, el }) {
  const init = model.get("initial");
  const total = init.total || 0;
  const S = {
    rows: new Map([[init.root.p, init.root]]), // path -> row
    kids: new Map(), // key -> {total, items: sparse array of rows}
    open: new Set([""]),
    asked: new Set(), // keys whose children were requested
    focus: "",
    filter: null, // {q, total, matches: Set, kids: Map(path -> [paths])}
    query: "",
    details: null,
    error: "",
  };
  const mine = new Map(); // request id -> what to do with its reply
  let seq = 0;
  const viewId = Math.random().toString(36).slice(2);

  function ask(req, then) {
    const id = `${viewId}:${++seq}`;
    if (then) mine.set(id, then);
    model.send({ ...req, id });
  }

  function store(page) {
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
  (init.kids || []).forEach(store);

  // -- DOM skeleton ---------------------------------------------------------------------------
  const root = h("div", "xt-root");
  root.setAttribute("data-lm-suppress-shortcuts", "true"); // JupyterLab: keys stay in the tree
  root.style.height = `${model.get("height")}px`;
  const search = h("input", "xt-search");
  search.type = "search";
  search.placeholder = "Search modules by name or type";
  search.setAttribute("aria-label", "Search modules by name or type");
  const status = h("div", "xt-status");
  status.setAttribute("aria-live", "polite");
  const tree = h("div", "xt-tree");
  tree.setAttribute("role", "tree");
  tree.setAttribute("aria-label", `Modules of ${init.root.t}`);
  const details = h("div", "xt-details");
  details.setAttribute("aria-live", "polite");
  root.append(search, status, tree, details);
  el.appendChild(root);

  // -- what is visible ------------------------------------------------------------------------
  function keyOf(containerKey, it) {
    return isGroup(it) ? containerKey + SEP + it.g : it.p;
  }

  function visible() {
    const out = [{ kind: "node", it: S.rows.get(""), key: "", level: 1, pos: 1, size: 1 }];
    if (S.filter) {
      const walkF = (path, level) => {
        const list = S.filter.kids.get(path) || [];
        list.forEach((p, i) => {
          out.push({ kind: "node", it: S.rows.get(p), key: p, level, parent: path,
            pos: i + 1, size: list.length, match: S.filter.matches.has(p) });
          if (S.filter.kids.has(p)) walkF(p, level + 1);
        });
      };
      walkF("", 2);
      return out;
    }
    const walk = (ckey, level) => {
      const k = S.kids.get(ckey);
      if (!k) {
        out.push({ kind: "loading", key: `${ckey}${SEP}loading`, level, parent: ckey });
        return;
      }
      let i = 0;
      while (i < k.total) {
        const it = k.items[i];
        if (it === undefined) {
          let j = i;
          while (j < k.total && k.items[j] === undefined) j++;
          out.push({ kind: "gap", key: `${ckey}${SEP}gap${i}`, level, parent: ckey,
            offset: i, count: j - i });
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

  // -- drawing --------------------------------------------------------------------------------
  let shown = [];
  let elements = new Map();

  function rowElement(v) {
    const row = h("div", `xt-row xt-${v.kind}`);
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
    if (v.kind === "loading") {
      row.append(h("span", "xt-note", "loading…"));
      return row;
    }
    if (v.kind === "gap") {
      row.append(h("span", "xt-note", `… ${fmt(v.count)} more (Enter or click to load)`));
      return row;
    }
    const it = v.it;
    const filtering = Boolean(S.filter);
    const canOpen = !filtering && expandable(it);
    if (canOpen) {
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
      row.setAttribute("aria-selected", String(it.p === model.get("selected")));
    }
    const count = h("span", "xt-count", it.s);
    count.title = `${fmt(it.c)} parameters`;
    const bar = h("span", "xt-bar");
    bar.title = `${total ? ((100 * it.c) / total).toFixed(2) : 0}% of all parameters`;
    const fill = h("span", "xt-fill");
    fill.style.width = `${total ? Math.max(0, Math.min(100, (100 * it.c) / total)) : 0}%`;
    bar.append(fill);
    row.append(h("span", "xt-spacer"), count, bar);
    return row;
  }

  function draw() {
    const hadFocus = tree.contains(document.activeElement);
    const top = tree.scrollTop;
    shown = visible();
    elements = new Map();
    const frag = document.createDocumentFragment();
    for (const v of shown) {
      const row = rowElement(v);
      elements.set(v.key, row);
      frag.append(row);
    }
    if (!elements.has(S.focus)) {
      const sel = model.get("selected");
      S.focus = elements.has(sel) ? sel : "";
    }
    elements.get(S.focus).tabIndex = 0;
    tree.replaceChildren(frag);
    tree.scrollTop = top;
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
    status.textContent = text;
    status.hidden = !text;
  }

  function drawDetails() {
    const d = S.details;
    details.replaceChildren();
    if (!d) return;
    const head = h("div", "xt-d-head");
    head.append(h("span", "xt-d-path", d.path === "" ? "(root)" : d.path), h("span", "xt-type", d.type));
    details.append(head);
    const facts = [
      ["parameters", `${fmt(d.params)} (${total ? ((100 * d.params) / total).toFixed(2) : 0}% of all)`],
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
    const dl = h("div", "xt-d-facts");
    for (const [k, v] of facts) dl.append(h("span", "xt-d-k", k), h("span", "xt-d-v", v));
    details.append(dl, h("pre", "xt-d-repr", d.repr));
    if (d.tensors.length) {
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
      details.append(table);
      if (d.n_tensors > d.tensors.length) {
        details.append(h("div", "xt-note", `${fmt(d.n_tensors - d.tensors.length)} more tensors`));
      }
    }
  }

  // -- actions --------------------------------------------------------------------------------
  function load(ckey, offset = 0) {
    const tag = `${ckey}@${offset}`;
    if (S.asked.has(tag)) return;
    S.asked.add(tag);
    const at = ckey.indexOf(SEP);
    const req = at < 0 ? { op: "children", path: ckey, offset }
      : { op: "children", path: ckey.slice(0, at), group: ckey.slice(at + 1), offset };
    ask(req, () => draw());
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
    if (v.kind === "gap") return load(v.parent, v.offset);
    if (v.kind === "loading") return;
    S.focus = v.key;
    if (v.kind === "node") select(v.it.p);
    if (toggle && !S.filter && expandable(v.it)) setOpen(v.key, !S.open.has(v.key));
    else draw();
  }

  function onSelected(scroll = true) {
    const path = model.get("selected");
    S.error = "";
    if (!S.details || S.details.path !== path) {
      ask({ op: "details", path }, (msg) => {
        if (msg.path === model.get("selected")) {
          S.details = msg;
          drawDetails();
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
    if (visible().some((v) => v.key === path)) return show();
    ask({ op: "reveal", path }, (msg) => {
      msg.open.forEach((k) => S.open.add(k));
      if (msg.path === model.get("selected")) show();
      else draw();
    });
  }

  function clearSearch(redraw = true) {
    S.filter = null;
    S.query = "";
    search.value = "";
    if (redraw) showSelected(); // back to the whole tree, opened down to the selection
  }

  // -- events ---------------------------------------------------------------------------------
  function entryFor(target) {
    const row = target.closest(".xt-row");
    if (!row) return null;
    return shown.find((v) => v.key === row.dataset.key) || null;
  }

  tree.addEventListener("click", (e) => {
    const v = entryFor(e.target);
    if (!v) return;
    if (e.target.classList.contains("xt-caret") && v.it && !S.filter && expandable(v.it)) {
      S.focus = v.key;
      setOpen(v.key, !S.open.has(v.key));
      return;
    }
    activate(v, true);
  });

  tree.addEventListener("focusin", (e) => {
    const row = e.target.closest(".xt-row");
    if (row && row.dataset.key !== S.focus && elements.get(row.dataset.key) === row) {
      const old = elements.get(S.focus);
      if (old) old.tabIndex = -1;
      S.focus = row.dataset.key;
      row.tabIndex = 0;
    }
  });

  tree.addEventListener("keydown", (e) => {
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
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  });

  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const q = search.value.trim();
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
    }, 150);
  });
  search.addEventListener("keydown", (e) => {
    e.stopPropagation(); // typing must not trigger notebook shortcuts
    if (e.key === "Escape") clearSearch();
    if (e.key === "ArrowDown" && shown.length > 1) {
      e.preventDefault();
      moveFocus(shown[1].key);
    }
  });

  function onMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.op === "children") store(msg);
    if (msg.op === "reveal") msg.kids.forEach(store);
    const then = mine.get(msg.id);
    if (!then) return;
    mine.delete(msg.id);
    if (msg.op === "error") {
      S.error = msg.message;
      drawStatus();
      return;
    }
    then(msg);
  }
  const onHeight = () => { root.style.height = `${model.get("height")}px`; };
  model.on("msg:custom", onMessage);
  const onChange = () => onSelected(true);
  model.on("change:selected", onChange);
  model.on("change:height", onHeight);
  const onShapes = () => { S.details = null; onSelected(false); }; // new run: fresh details
  model.on("change:shapes_rev", onShapes);
  draw();
  onSelected(false); // details of the selection; no scrolling the page on display
  return () => {
    clearTimeout(timer);
    model.off("msg:custom", onMessage);
    model.off("change:selected", onChange);
    model.off("change:height", onHeight);
    model.off("change:shapes_rev", onShapes);
  };
}

export default { render };
