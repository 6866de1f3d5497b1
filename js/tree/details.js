// The tree's details pane: the selected module's facts, its share of the budget, its tensors and
// a Copy menu (each text asked from the kernel). Text reaches the page only through textContent.

import { DTYPE_BYTES } from "../generated/facts.js";
import { toClipboard } from "../lib/clipboard.js";
import { h, keysStayHere } from "../lib/dom.js";
import { fmt, formatBytes, pct, share } from "../lib/format.js";

const COPIES = [
  ["attribute", "Python attribute", "model.distilbert.transformer.layer[0]"],
  ["submodule", "get_submodule name", "for model.get_submodule(...)"],
  ["state_dict", "state_dict keys", "its parameters' and buffers' keys"],
  ["lora", "LoRA target_modules", "for peft.LoraConfig"],
];

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

/**
 * Draw the details reply `d` (or nothing) into `container`.
 * @param {number} total the model's parameter count (for shares)
 * @param {Function} [ask] the channel's ask: with it, a Copy menu
 */
export function renderDetails(container, d, total, ask) {
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
