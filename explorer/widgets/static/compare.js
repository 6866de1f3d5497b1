// Side-by-side model comparison for explorer.widgets.compare.CompareWidget.
// Hand-written ES module, no bundler, no imports. Rows arrive lazily: the first page of the main
// list comes with the widget, the rest is asked for ({op: "page" | "reveal", id}) and answered by
// explorer.compare_pages.ComparePages with one message carrying the same id.
// Text from models reaches the page only through textContent and attributes, never innerHTML.

const WORDS = {
  en: {
    same: "same",
    changed: "changed",
    only_a: "only in A",
    only_b: "only in B",
    // the summary line's words for the same count (explorer/compare_summary.py)
    fold: (n, p) => `${n} modules in whole identical subtrees (${p} parameters)`,
    foldSpan: (a, b) => `from ${a} to ${b}: each module and everything inside it matches`,
    chipTitle: {
      same: "modules that match: same type, settings and tensor shapes " +
        "(a difference may lie inside)",
      changed: "modules at the same path that differ (the top-level row included)",
      only_a: "modules only model A has",
      only_b: "modules only model B has",
    },
    below: "something inside differs",
    params: "parameters",
    reasons: {
      type: "type",
      repr: "settings",
      tensors: "tensor shapes",
      sharing: "weight tying",
      dtype: "dtype",
    },
    absent: "not in this model",
    more: (n) => `… ${n} more rows (Enter or click to load)`,
    loading: "loading…",
    rows: "Aligned modules of A and B",
  },
  ko: {
    same: "같음",
    changed: "다름",
    only_a: "A에만 있음",
    only_b: "B에만 있음",
    fold: (n, p) => `통째로 동일한 하위 트리의 모듈 ${n}개 (파라미터 ${p}개)`,
    foldSpan: (a, b) => `${a}부터 ${b}까지: 각 모듈과 그 안의 모든 것이 일치합니다`,
    chipTitle: {
      same: "일치하는 모듈: 타입·설정·텐서 모양이 같음 (안쪽에 다른 부분이 있을 수 있음)",
      changed: "같은 경로에 있지만 달라진 모듈 (최상위 행 포함)",
      only_a: "A 모델에만 있는 모듈",
      only_b: "B 모델에만 있는 모듈",
    },
    below: "안쪽에 다른 부분이 있음",
    params: "파라미터",
    reasons: { type: "타입", repr: "설정", tensors: "텐서 모양", sharing: "가중치 공유", dtype: "dtype" },
    absent: "이 모델에는 없음",
    more: (n) => `… ${n}개 행 더 있음 (Enter 또는 클릭으로 불러오기)`,
    loading: "불러오는 중…",
    rows: "A와 B의 정렬된 모듈",
  },
};
const MAIN = "main";
const SEP = "\u0000"; // list key + SEP + "gap" / "loading": keys of placeholder lines
const INDENT = 14; // px per depth level

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

const fmt = (n) => (n === null || n === undefined ? "" : Number(n).toLocaleString("en-US"));

function side(row, which) {
  // B's type and repr are not sent for "same" rows: they equal A's.
  if (which === "a") return { type: row.type_a, repr: row.repr_a, params: row.params_a };
  const same = row.status === "same";
  return {
    type: same ? row.type_a : row.type_b,
    repr: same ? row.repr_a : row.repr_b,
    params: row.params_b,
  };
}

// Keys typed on a focused line must never reach the notebook: Lumino matches its shortcuts on
// the focused element itself and stops at this attribute.
function focusable(e) {
  e.tabIndex = -1;
  e.setAttribute("data-lm-suppress-shortcuts", "true");
  return e;
}

function render({ model, el }) {
  const S = {
    lists: new Map(), // key -> {total, items: sparse array}
    open: new Set(), // keys of opened folds: UI-only state, stays in the browser
    asked: new Set(), // "key@offset" pages requested
    focus: null, // key of the line holding the roving tabindex
    error: "",
  };
  const mine = new Map(); // request id -> what to do with its reply
  let seq = 0;
  const viewId = Math.random().toString(36).slice(2);

  function ask(req, then) {
    const id = `${viewId}:${++seq}`;
    mine.set(id, then || (() => {}));
    model.send({ ...req, id });
  }

  function store(page) {
    let list = S.lists.get(page.key);
    if (!list || list.total !== page.total) {
      list = { total: page.total, items: new Array(page.total) };
      S.lists.set(page.key, list);
    }
    page.items.forEach((it, i) => {
      list.items[page.offset + i] = it;
    });
  }

  function reset() {
    S.lists.clear();
    S.asked.clear();
    S.open.clear();
    const init = model.get("initial") || {};
    if (init.page) store(init.page);
  }
  reset();

  // -- DOM skeleton ---------------------------------------------------------------------------
  const root = h("div", "cmp-root");
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  const summary = h("div", "cmp-summary");
  const legend = h("div", "cmp-legend");
  const head = h("div", "cmp-row cmp-head");
  const status = h("div", "cmp-status");
  status.setAttribute("role", "status");
  const body = h("div", "cmp-body");
  body.setAttribute("role", "listbox");
  root.append(summary, legend, head, status, body);
  el.appendChild(root);

  function words() {
    return WORDS[model.get("lang")] || WORDS.en;
  }

  // -- what is visible ------------------------------------------------------------------------
  function visible() {
    const out = [];
    const walk = (key, inFold) => {
      const list = S.lists.get(key);
      if (!list) {
        out.push({ kind: "loading", key: key + SEP + "loading", list: key });
        return;
      }
      let i = 0;
      while (i < list.total) {
        const it = list.items[i];
        if (it === undefined) {
          let j = i;
          while (j < list.total && list.items[j] === undefined) j++;
          out.push({ kind: "gap", key: `${key}${SEP}gap${i}`, list: key, offset: i, count: j - i });
          i = j;
          continue;
        }
        if (it.fold !== undefined) {
          out.push({ kind: "fold", key: it.fold, it });
          if (S.open.has(it.fold)) walk(it.fold, true);
        } else {
          out.push({ kind: "row", key: it.path, it, inFold });
        }
        i++;
      }
    };
    walk(MAIN, false);
    return out;
  }

  // -- drawing --------------------------------------------------------------------------------
  function cell(row, which, W) {
    const s = side(row, which);
    const c = h("div", "cmp-cell");
    if (s.type === null || s.type === undefined) {
      c.classList.add("cmp-empty");
      c.title = W.absent;
      return c;
    }
    const line = h("div", "cmp-line");
    const pad = h("span", "cmp-indent");
    pad.style.width = `${row.depth * INDENT}px`;
    // the root row shows the model's class; any other row its attribute name and class
    const name = h("span", "cmp-name", row.path === "" ? s.type : row.name);
    const params = h("span", "cmp-params", fmt(s.params));
    params.title = `${fmt(s.params)} ${W.params}`;
    line.append(pad, name);
    if (row.path !== "") line.append(h("span", "cmp-type", s.type));
    if (row.below && row.status === "same") {
      const dot = h("span", "cmp-below", "●");
      dot.title = W.below;
      line.append(dot);
    }
    line.append(params);
    c.append(line);
    if (row.status === "changed" && s.repr !== s.type) {
      const repr = h("div", "cmp-repr", s.repr);
      repr.style.paddingLeft = `${row.depth * INDENT + 4}px`;
      c.append(repr);
    }
    c.title = row.path === "" ? s.repr || "" : `${row.path}\n${s.repr || ""}`;
    return c;
  }

  function rowEl(v, W) {
    const row = v.it;
    const r = focusable(h("div", "cmp-row cmp-item"));
    r.setAttribute("role", "option");
    r.dataset.status = row.status;
    r.dataset.path = row.path;
    if (v.inFold) r.classList.add("cmp-in-fold");
    r.setAttribute("aria-selected", String(row.path === model.get("selected")));
    r.append(cell(row, "a", W), cell(row, "b", W));
    if (row.top) {
      const why = (row.reasons || []).map((x) => W.reasons[x] || x).join(", ");
      const tag = h("span", "cmp-tag", why ? `${W[row.status]}: ${why}` : W[row.status]);
      const target = row.status === "only_a" ? r.firstChild : r.lastChild;
      // changed: on the second line, next to B's settings; only_a / only_b: on the row itself
      if (row.status === "changed") {
        let repr = target.querySelector(".cmp-repr");
        if (!repr) {
          repr = h("div", "cmp-repr");
          repr.style.paddingLeft = `${row.depth * INDENT + 4}px`;
          target.append(repr);
        }
        repr.prepend(tag);
      } else {
        (target.querySelector(".cmp-line") || target).append(tag);
      }
    }
    return r;
  }

  function foldEl(v, W) {
    const f = v.it;
    const b = focusable(h("div", "cmp-fold"));
    b.setAttribute("role", "option");
    b.setAttribute("aria-selected", "false");
    const isOpen = S.open.has(f.fold);
    b.setAttribute("aria-expanded", String(isOpen));
    b.title = W.foldSpan(f.first, f.last);
    const pad = h("span", "cmp-indent");
    pad.style.width = `${f.depth * INDENT}px`;
    b.append(pad, h("span", "cmp-caret", isOpen ? "▾" : "▸"), h("span", null, W.fold(fmt(f.count), fmt(f.params))));
    return b;
  }

  function noteEl(v, W) {
    const n = focusable(h("div", `cmp-note cmp-${v.kind}`));
    n.setAttribute("role", "option");
    n.setAttribute("aria-selected", "false");
    n.textContent = v.kind === "gap" ? W.more(fmt(v.count)) : W.loading;
    return n;
  }

  let shown = [];
  let elements = new Map();

  function draw() {
    const W = words();
    const lang = model.get("lang");
    const s = model.get("summary") || {};
    const labels = model.get("labels") || ["A", "B"];
    const counts = (model.get("initial") || {}).counts || {};
    summary.textContent = (s.text && (s.text[lang] || s.text.en)) || "";
    legend.replaceChildren(
      ...["same", "changed", "only_a", "only_b"].map((k) => {
        const chip = h("span", "cmp-chip", counts[k] === undefined ? W[k] : `${W[k]} ${fmt(counts[k])}`);
        chip.dataset.status = k;
        chip.title = W.chipTitle[k];
        return chip;
      }),
    );
    head.replaceChildren(h("div", "cmp-cell", `A · ${labels[0]}`), h("div", "cmp-cell", `B · ${labels[1]}`));
    body.setAttribute("aria-label", W.rows);
    body.style.maxHeight = `${model.get("height")}px`;
    status.textContent = S.error;
    status.hidden = !S.error;

    const hadFocus = body.contains(document.activeElement);
    const top = body.scrollTop;
    shown = visible();
    elements = new Map();
    const frag = document.createDocumentFragment();
    for (const v of shown) {
      const e = v.kind === "row" ? rowEl(v, W) : v.kind === "fold" ? foldEl(v, W) : noteEl(v, W);
      e.dataset.key = v.key;
      elements.set(v.key, e);
      frag.append(e);
    }
    if (!elements.has(S.focus)) {
      const sel = model.get("selected");
      S.focus = elements.has(sel) ? sel : shown.length ? shown[0].key : null;
    }
    if (S.focus !== null) elements.get(S.focus).tabIndex = 0;
    body.replaceChildren(frag);
    body.scrollTop = top;
    if (hadFocus && S.focus !== null) elements.get(S.focus).focus({ preventScroll: true });
  }

  // -- actions --------------------------------------------------------------------------------
  function load(key, offset, from = null) {
    const tag = `${key}@${offset}`;
    if (S.asked.has(tag)) return;
    S.asked.add(tag);
    ask({ op: "page", key, offset }, () => {
      // a "N more" line that had the focus hands it to the first line it loaded
      const first = S.lists.get(key).items[offset];
      if (from !== null && S.focus === from && first) S.focus = first.fold ?? first.path;
      draw();
    });
  }

  function toggle(key) {
    if (S.open.has(key)) {
      S.open.delete(key);
    } else {
      S.open.add(key);
      if (!S.lists.has(key)) load(key, 0);
    }
    S.focus = key;
    draw();
  }

  function select(path) {
    S.focus = path;
    if (model.get("selected") !== path) {
      model.set("selected", path);
      model.save_changes(); // fires change:selected -> showSelected
    } else {
      draw();
    }
  }

  function moveFocus(key) {
    const e = elements.get(key);
    if (!e) return;
    const old = elements.get(S.focus);
    if (old) old.tabIndex = -1;
    S.focus = key;
    e.tabIndex = 0;
    e.focus({ preventScroll: true });
    e.scrollIntoView({ block: "nearest" });
  }

  function activate(v) {
    if (v.kind === "row") select(v.it.path);
    else if (v.kind === "fold") toggle(v.key);
    else if (v.kind === "gap") load(v.list, v.offset, v.key);
  }

  function showSelected() {
    const path = model.get("selected");
    const show = () => {
      S.focus = path;
      draw();
      elements.get(path)?.scrollIntoView?.({ block: "nearest" });
    };
    if (elements.has(path)) return show();
    // Not on a loaded page, or inside a closed fold: ask for the way to it.
    ask({ op: "reveal", path }, (msg) => {
      msg.pages.forEach(store);
      msg.open.forEach((k) => S.open.add(k));
      if (msg.path === model.get("selected")) show();
      else draw();
    });
  }

  // -- events ---------------------------------------------------------------------------------
  function entryFor(target) {
    const e = target.closest("[data-key]");
    if (!e || !body.contains(e)) return null;
    return shown.find((v) => v.key === e.dataset.key) || null;
  }

  body.addEventListener("click", (e) => {
    const v = entryFor(e.target);
    if (!v) return;
    S.focus = v.key;
    activate(v);
  });

  body.addEventListener("focusin", (e) => {
    const v = entryFor(e.target);
    if (v && v.key !== S.focus && elements.get(v.key) === e.target) {
      const old = elements.get(S.focus);
      if (old) old.tabIndex = -1;
      S.focus = v.key;
      e.target.tabIndex = 0;
    }
  });

  root.addEventListener("keydown", (e) => {
    // No key typed inside the widget reaches the notebook (a, b, d d, x, m edit cells there).
    e.stopPropagation();
    if (!body.contains(e.target)) return;
    const i = shown.findIndex((v) => v.key === S.focus);
    if (i < 0) return;
    const v = shown[i];
    let handled = true;
    switch (e.key) {
      case "ArrowDown": if (i + 1 < shown.length) moveFocus(shown[i + 1].key); break;
      case "ArrowUp": if (i > 0) moveFocus(shown[i - 1].key); break;
      case "Home": moveFocus(shown[0].key); break;
      case "End": moveFocus(shown[shown.length - 1].key); break;
      case "ArrowRight": if (v.kind === "fold" && !S.open.has(v.key)) toggle(v.key); break;
      case "ArrowLeft": if (v.kind === "fold" && S.open.has(v.key)) toggle(v.key); break;
      case "Enter":
      case " ":
        activate(v);
        break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  });

  function onMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.op === "page") store(msg);
    const then = mine.get(msg.id);
    if (!then) return; // another view's reply
    mine.delete(msg.id);
    if (msg.op === "error") {
      S.error = msg.message;
      draw();
      return;
    }
    S.error = "";
    then(msg);
  }

  const redraw = () => draw();
  const onInitial = () => { reset(); draw(); };
  const events = ["change:summary", "change:labels", "change:lang", "change:height"];
  events.forEach((ev) => model.on(ev, redraw));
  model.on("change:initial", onInitial);
  model.on("change:selected", showSelected);
  model.on("msg:custom", onMessage);
  draw();
  if (model.get("selected")) showSelected();

  return () => {
    events.forEach((ev) => model.off(ev, redraw));
    model.off("change:initial", onInitial);
    model.off("change:selected", showSelected);
    model.off("msg:custom", onMessage);
    root.remove();
  };
}

export default { render };
