// Side-by-side model comparison for explorer.widgets.compare_widget.CompareWidget.
// Hand-written ES module, no bundler, no imports. Text from models reaches the page only through
// textContent and attributes (title, data-*), never innerHTML.

const WORDS = {
  en: {
    same: "same",
    changed: "changed",
    only_a: "only in A",
    only_b: "only in B",
    fold: (n, p) => `${n} identical modules (${p} parameters)`,
    below: "something inside differs",
    params: "parameters",
    reasons: { type: "type", repr: "settings", tensors: "tensor shapes", sharing: "weight tying" },
    absent: "not in this model",
  },
  ko: {
    same: "같음",
    changed: "다름",
    only_a: "A에만 있음",
    only_b: "B에만 있음",
    fold: (n, p) => `동일한 모듈 ${n}개 (파라미터 ${p}개)`,
    below: "안쪽에 다른 부분이 있음",
    params: "파라미터",
    reasons: { type: "타입", repr: "설정", tensors: "텐서 모양", sharing: "가중치 공유" },
    absent: "이 모델에는 없음",
  },
};
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
  const same = row.status === "same";
  if (which === "a") {
    return { type: row.type_a, repr: row.repr_a, params: row.params_a };
  }
  return {
    type: same ? row.type_a : row.type_b,
    repr: same ? row.repr_a : row.repr_b,
    params: row.params_b,
  };
}

function render({ model, el }) {
  const root = h("div", "cmp-root");
  const summary = h("div", "cmp-summary");
  const legend = h("div", "cmp-legend");
  const head = h("div", "cmp-row cmp-head");
  const body = h("div", "cmp-body");
  body.setAttribute("role", "list");
  root.append(summary, legend, head, body);
  el.appendChild(root);

  const open = new Set(); // starts of opened folds: UI-only state, stays in the browser
  let status = new Map(); // path -> status, to tag only the top row of an only_a / only_b part

  function words() {
    return WORDS[model.get("lang")] || WORDS.en;
  }

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
    if (row.differs_below && row.status === "same") {
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
    c.title = s.repr || "";
    return c;
  }

  function rowEl(row, W, inFold) {
    const r = h("div", "cmp-row cmp-item");
    r.setAttribute("role", "listitem");
    r.dataset.status = row.status;
    r.dataset.path = row.path;
    if (inFold) r.classList.add("cmp-in-fold");
    r.setAttribute("aria-selected", String(row.path === model.get("selected")));
    r.tabIndex = -1;
    r.append(cell(row, "a", W), cell(row, "b", W));
    const parent = row.path.includes(".") ? row.path.slice(0, row.path.lastIndexOf(".")) : "";
    const topOfRun = row.status === "changed" || (row.path !== "" && status.get(parent) !== row.status);
    if (row.status !== "same" && topOfRun) {
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
    r.addEventListener("click", () => {
      model.set("selected", row.path);
      model.save_changes();
    });
    return r;
  }

  function foldEl(f, W) {
    const b = h("button", "cmp-fold");
    b.type = "button";
    const isOpen = open.has(f.start);
    b.setAttribute("aria-expanded", String(isOpen));
    b.append(h("span", "cmp-caret", isOpen ? "▾" : "▸"), h("span", null, W.fold(fmt(f.count), fmt(f.params))));
    b.addEventListener("click", () => {
      if (open.has(f.start)) open.delete(f.start);
      else open.add(f.start);
      draw();
    });
    return b;
  }

  function draw() {
    const W = words();
    const lang = model.get("lang");
    const rows = model.get("rows") || [];
    const folds = model.get("folds") || [];
    const s = model.get("summary") || {};
    const labels = model.get("labels") || ["A", "B"];
    summary.textContent = (s.text && (s.text[lang] || s.text.en)) || "";

    legend.replaceChildren(
      ...["same", "changed", "only_a", "only_b"].map((k) => {
        const chip = h("span", "cmp-chip", W[k]);
        chip.dataset.status = k;
        return chip;
      }),
    );
    head.replaceChildren(h("div", "cmp-cell", `A · ${labels[0]}`), h("div", "cmp-cell", `B · ${labels[1]}`));

    const frag = document.createDocumentFragment();
    const foldAt = new Map(folds.map((f) => [f.start, f]));
    status = new Map(rows.map((r) => [r.path, r.status]));
    let i = 0;
    while (i < rows.length) {
      const f = foldAt.get(i);
      if (f) {
        frag.append(foldEl(f, W));
        if (open.has(f.start)) {
          for (let j = f.start; j < f.stop; j++) frag.append(rowEl(rows[j], W, true));
        }
        i = f.stop;
      } else {
        frag.append(rowEl(rows[i], W, false));
        i += 1;
      }
    }
    body.replaceChildren(frag);
    body.style.maxHeight = `${model.get("height")}px`;
  }

  function reveal() {
    // A path selected from Python inside a closed fold: open that fold.
    const path = model.get("selected");
    const rows = model.get("rows") || [];
    const idx = rows.findIndex((r) => r.path === path);
    for (const f of model.get("folds") || []) {
      if (idx >= f.start && idx < f.stop) open.add(f.start);
    }
    draw();
    body.querySelector('[aria-selected="true"]')?.scrollIntoView?.({ block: "nearest" });
  }

  const redraw = () => draw();
  const events = ["change:rows", "change:folds", "change:summary", "change:labels", "change:lang", "change:height"];
  events.forEach((ev) => model.on(ev, redraw));
  model.on("change:selected", reveal);
  draw();

  return () => {
    events.forEach((ev) => model.off(ev, redraw));
    model.off("change:selected", reveal);
    root.remove();
  };
}

export default { render };
