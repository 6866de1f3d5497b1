// Budget view for explorer.widgets.budget.BudgetTable. The kernel computes every figure (the
// synced "content"); this draws it and sends back the inputs as typed. Text reaches the page only
// through textContent and attributes (title), never innerHTML. Every key pressed in the view
// stays in it: notebook shortcuts must not see it.

import { DTYPE_BYTES } from "../generated/facts.js";
import { h, keepKeysInside, keysStayHere } from "../lib/dom.js";
import { fmt } from "../lib/format.js";

// What hovering a figure shows: its formula with the numbers in, and the exact value.
function hoverText(r) {
  const lines = [];
  if (r.formula) lines.push(`= ${r.formula}`);
  if (r.value !== null && r.unit === "bytes") lines.push(`= ${fmt(r.value)} bytes`);
  if (r.source) lines.push(`source: ${r.source}`);
  return lines.join("\n");
}

function ref(r) {
  if (!r.ref) return h("span", "xb-ref");
  const e = h("sup", "xb-ref", `[${r.ref}]`);
  e.title = r.source || "";
  return e;
}

// -- the conventions, side by side ----------------------------------------------------------
function card(r) {
  const c = h("div", "xb-card");
  c.dataset.key = r.key;
  c.title = hoverText(r);
  const value = h("div", "xb-card-value", r.short !== undefined ? r.short : r.text);
  value.append(ref(r));
  c.append(h("div", "xb-card-name", r.name), value);
  if (r.short !== undefined && r.value >= 1000) c.append(h("div", "xb-card-exact", fmt(r.value)));
  if (r.note) c.append(h("div", "xb-note", r.note));
  return c;
}

function cards(content) {
  const box = h("div", "xb-cards");
  box.setAttribute("role", "list");
  box.setAttribute("aria-label", "parameter counts");
  for (const r of content.counts) {
    const c = card(r);
    c.setAttribute("role", "listitem");
    box.append(c);
  }
  return box;
}

// -- memory: weights, training, KV cache --------------------------------------------------------
function tableRow(table, r) {
  const tr = h("tr", "xb-row");
  tr.dataset.key = r.key;
  tr.title = hoverText(r);
  const value = h("td", "xb-value", r.text);
  value.append(ref(r));
  tr.append(h("th", "xb-name", r.name), value);
  table.append(tr);
  if (r.note) {
    const note = h("tr", "xb-note-row");
    const td = h("td", "xb-note", r.note);
    td.colSpan = 2;
    note.append(td);
    table.append(note);
  }
}

function memoryTable(content) {
  const table = h("table", "xb-table");
  const cap = h("caption", "xb-caption", "Memory (KiB, MiB, GiB: powers of 1024)");
  table.append(cap);
  for (const r of content.memory) tableRow(table, r);
  for (const r of content.kv) tableRow(table, r);
  return table;
}

function gpuBlock(gpu) {
  const box = h("div", "xb-gpu");
  box.title = `= ${gpu.formula}`;
  const line = h("div", "xb-gpu-line", gpu.line);
  line.append(ref(gpu));
  box.append(line, h("div", "xb-gpu-detail", gpu.detail), h("div", "xb-note", gpu.leaves_out));
  return box;
}

function sourcesList(content) {
  const box = h("div", "xb-sources");
  box.append(h("div", "xb-sources-title", "Sources"));
  const list = h("ol", "xb-sources-list");
  for (const s of content.sources) list.append(h("li", null, s));
  box.append(list);
  return box;
}

// -- inputs ---------------------------------------------------------------------------------------
function textInput(label, name, hint, width) {
  const wrap = h("label", "xb-field");
  const input = keysStayHere(h("input", "xb-input"));
  input.type = "text";
  input.inputMode = "decimal";
  input.name = name;
  input.title = hint;
  input.style.width = width;
  input.setAttribute("aria-label", label);
  wrap.append(h("span", "xb-field-label", label), input);
  return { wrap, input };
}

function buildControls(model) {
  const box = h("div", "xb-controls");
  const group = h("div", "xb-dtypes");
  group.setAttribute("role", "radiogroup");
  group.setAttribute("aria-label", "dtype of the weights, KV cache and GPU count");
  group.append(h("span", "xb-field-label", "dtype"));
  const buttons = Object.keys(DTYPE_BYTES).map((d) => {
    const b = keysStayHere(h("button", "xb-dtype", d));
    b.type = "button";
    b.dataset.dtype = d;
    b.setAttribute("role", "radio");
    b.title = `weights, KV cache and GPU count in ${d}`;
    b.addEventListener("click", () => {
      model.set("dtype", d);
      model.save_changes();
    });
    group.append(b);
    return b;
  });
  group.addEventListener("keydown", (e) => {
    const i = buttons.indexOf(document.activeElement);
    if (i < 0 || (e.key !== "ArrowRight" && e.key !== "ArrowLeft")) return;
    e.preventDefault();
    const next = buttons[(i + (e.key === "ArrowRight" ? 1 : buttons.length - 1)) % buttons.length];
    next.focus();
    next.click();
  });
  const fields = {
    tokens: textInput("context length (tokens)", "tokens", "tokens per sequence cached", "7em"),
    batch: textInput("batch", "batch", "sequences cached at once", "4em"),
    gpu_gb: textInput("GPU memory (GB)", "gpu_gb", "memory of one GPU, in GB as sold", "5em"),
  };
  const active = h("label", "xb-field xb-active");
  const check = keysStayHere(h("input", "xb-check"));
  check.type = "checkbox";
  check.addEventListener("change", () => {
    model.set("show_active", check.checked);
    model.save_changes();
  });
  active.title = "mixture of experts: size the treemap by the parameters one token uses";
  active.append(check, h("span", null, "treemap sized by active parameters"));
  box.append(group, fields.tokens.wrap, fields.batch.wrap, fields.gpu_gb.wrap, active);
  let timer = null;
  const send = (name, value) => {
    if (model.get(name) === value) return;
    model.set(name, value);
    model.save_changes();
  };
  for (const [name, f] of Object.entries(fields)) {
    f.input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => send(name, f.input.value), 250);
    });
    f.input.addEventListener("change", () => {
      clearTimeout(timer);
      send(name, f.input.value);
    });
  }
  return { box, buttons, fields, active, check, stop: () => clearTimeout(timer) };
}

function render({ model, el }) {
  const root = keysStayHere(h("div", "xb-root"));
  const head = h("div", "xb-head");
  const controls = buildControls(model);
  const message = h("div", "xb-message");
  message.setAttribute("role", "status");
  message.setAttribute("aria-live", "polite");
  const body = h("div", "xb-body");
  root.append(head, controls.box, message, body);
  el.append(root);

  function syncInputs() {
    const dtype = model.get("dtype");
    for (const b of controls.buttons) {
      const on = b.dataset.dtype === dtype;
      b.setAttribute("aria-checked", String(on));
      b.tabIndex = on ? 0 : -1;
    }
    for (const [name, f] of Object.entries(controls.fields)) {
      // never overwrite what the user is typing
      if (document.activeElement !== f.input) f.input.value = model.get(name);
    }
    controls.check.checked = model.get("show_active");
  }

  function draw() {
    const content = model.get("content") || {};
    syncInputs();
    if (content.pending || !content.counts) {
      head.replaceChildren(h("span", "xb-note", content.pending || "no budget yet"));
      body.replaceChildren();
      message.textContent = "";
      controls.active.hidden = true;
      return;
    }
    const title = h("div", "xb-title", `Budget of ${content.model}`);
    head.replaceChildren(title);
    if (content.meta) {
      const meta = "on the meta device: what the weights would take; none are in memory";
      head.append(h("div", "xb-note", meta));
    }
    if (content.offloaded) head.append(h("div", "xb-note", content.offloaded));
    controls.active.hidden = !content.moe;
    message.textContent = (content.messages || []).join("\n");
    message.classList.toggle("xb-bad", Boolean(message.textContent));
    const parts = [cards(content), memoryTable(content)];
    if (content.gpu) parts.push(gpuBlock(content.gpu));
    parts.push(sourcesList(content));
    body.replaceChildren(...parts);
  }

  const free = keepKeysInside(root); // no key pressed in the view reaches the notebook
  const inputs = ["dtype", "tokens", "batch", "gpu_gb", "show_active"];
  for (const n of inputs) model.on(`change:${n}`, syncInputs);
  model.on("change:content", draw);
  draw();
  return () => {
    controls.stop();
    free();
    for (const n of inputs) model.off(`change:${n}`, syncInputs);
    model.off("change:content", draw);
  };
}

export default { render };
