// Side-by-side model comparison for explorer.widgets.compare.CompareWidget. Rows arrive lazily:
// the first page of the main list comes with the widget, the rest is asked for ({op: "page" |
// "reveal", id}) and answered by explorer.compare.pages.ComparePages with one message carrying
// the same id; a page that fails shows as a line that asks again. Text from models reaches the
// page only through textContent and attributes, never innerHTML.

import { createChannel } from "../lib/channel.js";
import { h, keepKeysInside, keysStayHere } from "../lib/dom.js";
import { fmt } from "../lib/format.js";
import { clearPager, createPager, loadPage, storePage } from "../lib/pager.js";
import { createRows } from "../lib/rows.js";
import { side, visibleLines } from "../compare/state.js";
import { WORDS } from "../compare/words.js";

const INDENT = 14; // px per depth level

function render({ model, el }) {
  const S = {
    pages: createPager(), // the main list and the folds' lists, by key
    open: new Set(), // keys of opened folds: UI-only state, stays in the browser
    error: "",
  };
  const channel = createChannel((content) => model.send(content), (message) => {
    S.error = message;
    draw();
  });
  // Any answer clears the error line.
  const ask = (req, then, fail) => channel.ask(req, (msg) => {
    S.error = "";
    if (then) then(msg);
  }, fail);

  function reset() {
    clearPager(S.pages);
    S.open.clear();
    const init = model.get("initial") || {};
    if (init.page) storePage(S.pages, init.page);
  }
  reset();

  // -- DOM skeleton ---------------------------------------------------------------------------
  const root = keysStayHere(h("div", "cmp-root"));
  const summary = h("div", "cmp-summary");
  const legend = h("div", "cmp-legend");
  const head = h("div", "cmp-row cmp-head");
  const status = h("div", "cmp-status");
  status.setAttribute("role", "status");
  const body = h("div", "cmp-body");
  body.setAttribute("role", "listbox");
  root.append(summary, legend, head, status, body);
  el.appendChild(root);
  const rows = createRows(body);

  function words() {
    return WORDS[model.get("lang")] || WORDS.en;
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
    const r = h("div", "cmp-row cmp-item");
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
    const b = h("div", "cmp-fold");
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
    const n = h("div", `cmp-note cmp-${v.kind}`);
    n.setAttribute("role", "option");
    n.setAttribute("aria-selected", "false");
    n.textContent = v.kind === "gap" ? W.more(fmt(v.count))
      : v.kind === "failed" ? W.failed(v.message) : W.loading;
    return n;
  }

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

    const make = (v) => (v.kind === "row" ? rowEl(v, W) : v.kind === "fold" ? foldEl(v, W)
      : noteEl(v, W));
    rows.draw(visibleLines(S.pages, S.open), make, model.get("selected"));
  }

  // -- actions --------------------------------------------------------------------------------
  function load(key, offset, from = null) {
    const send = (then, fail) => ask({ op: "page", key, offset }, then, fail);
    loadPage(S.pages, key, offset, send, (reply) => {
      // a "N more" line that had the focus hands it to the first line it loaded
      const list = S.pages.lists.get(key);
      const first = reply && list && list.items[offset];
      if (from !== null && rows.focus === from && first) rows.focus = first.fold ?? first.path;
      draw();
    });
  }

  function toggle(key) {
    if (S.open.has(key)) {
      S.open.delete(key);
    } else {
      S.open.add(key);
      if (!S.pages.lists.has(key)) load(key, 0);
    }
    rows.focus = key;
    draw();
  }

  function select(path) {
    rows.focus = path;
    if (model.get("selected") !== path) {
      model.set("selected", path);
      model.save_changes(); // fires change:selected -> showSelected
    } else {
      draw();
    }
  }

  function activate(v) {
    if (v.kind === "row") select(v.it.path);
    else if (v.kind === "fold") toggle(v.key);
    else if (v.kind === "gap" || v.kind === "failed") load(v.list, v.offset, v.key);
  }

  function showSelected() {
    const path = model.get("selected");
    const show = () => {
      rows.focus = path;
      draw();
      rows.elements.get(path)?.scrollIntoView?.({ block: "nearest" });
    };
    if (rows.elements.has(path)) return show();
    // Not on a loaded page, or inside a closed fold: ask for the way to it.
    ask({ op: "reveal", path }, (msg) => {
      msg.pages.forEach((page) => storePage(S.pages, page));
      msg.open.forEach((k) => S.open.add(k));
      if (msg.path === model.get("selected")) show();
      else draw();
    });
  }

  // -- events ---------------------------------------------------------------------------------
  body.addEventListener("click", (e) => {
    const v = rows.entryFor(e.target);
    if (!v) return;
    rows.focus = v.key;
    activate(v);
  });

  body.addEventListener("keydown", (e) => {
    if (rows.step(e.key)) return e.preventDefault();
    const v = rows.shown[rows.at()];
    if (!v) return;
    let handled = true;
    switch (e.key) {
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
  const free = keepKeysInside(root); // no key typed in the widget reaches the notebook

  function onMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.op === "page") storePage(S.pages, msg);
    channel.answer(msg);
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
    free();
    root.remove();
  };
}

export default { render };
