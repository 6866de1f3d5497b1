// Which lines the comparison shows (compare/state.js), on what ComparePages sends.
import assert from "node:assert/strict";
import { test } from "node:test";

import { KEY_SEP } from "../generated/facts.js";
import { MAIN, side, visibleLines } from "../compare/state.js";
import { createPager, storePage } from "../lib/pager.js";
import { fixture } from "./helpers.mjs";

const F = fixture("compare_pages.json");
const pageOf = (key, offset = 0) => F.replies.find((r) => r.key === key && r.offset === offset);

function start() {
  const P = createPager();
  storePage(P, F.initial.page);
  return P;
}

test("the first page: rows and closed folds, in Python's order", () => {
  const lines = visibleLines(start(), new Set());
  assert.deepEqual(lines.map((v) => v.key),
    F.initial.page.items.map((it) => it.fold ?? it.path));
  for (const [i, v] of lines.entries()) {
    const it = F.initial.page.items[i];
    assert.equal(v.kind, it.fold === undefined ? "row" : "fold");
    assert.equal(v.it, it);
    if (v.kind === "row") assert.equal(v.inFold, false);
  }
});

test("an opened fold: loading, then its rows inside it, then a gap for its second page", () => {
  const P = start();
  const fold = F.reveal.open[0];
  const open = new Set([fold]);
  let lines = visibleLines(P, open);
  const at = lines.findIndex((v) => v.key === fold);
  assert.deepEqual(lines[at + 1], { kind: "loading", key: `${fold}${KEY_SEP}loading`, list: fold,
    offset: 0, count: 0, message: undefined });
  storePage(P, pageOf(fold));
  lines = visibleLines(P, open);
  const inside = lines.filter((v) => v.inFold);
  assert.deepEqual(inside.map((v) => v.key), pageOf(fold).items.map((it) => it.path));
  const gap = lines[at + 1 + inside.length];
  assert.deepEqual([gap.kind, gap.list, gap.offset, gap.count],
    ["gap", fold, pageOf(fold).items.length, pageOf(fold).total - pageOf(fold).items.length]);
  // the second page failed: the same line says so, then loads
  P.failed.set(`${fold}@${gap.offset}`, "ZeroDivisionError: division by zero");
  const failed = visibleLines(P, open).find((v) => v.key === gap.key);
  assert.deepEqual([failed.kind, failed.message], ["failed", "ZeroDivisionError: division by zero"]);
  P.failed.clear();
  storePage(P, pageOf(fold, gap.offset));
  lines = visibleLines(P, open);
  assert.equal(lines.filter((v) => v.inFold).length, pageOf(fold).total);
  assert.ok(!lines.some((v) => v.kind === "gap" || v.kind === "loading"));
  open.delete(fold);
  assert.equal(visibleLines(P, open).length, F.initial.page.items.length);
});

test("a reveal's pages and opened fold show the revealed row", () => {
  const P = createPager();
  F.reveal.pages.forEach((p) => storePage(P, p));
  const lines = visibleLines(P, new Set(F.reveal.open));
  const row = lines.find((v) => v.key === F.reveal.path);
  assert.equal(row.kind, "row");
  assert.equal(row.inFold, true);
  // the rows before it in its fold's page were not asked for: one gap above them
  const gap = lines.find((v) => v.kind === "gap" && v.list === F.reveal.open[0]);
  assert.equal(gap.offset, 0);
});

test("every page together shows every row of the comparison once", () => {
  const P = createPager();
  F.replies.forEach((p) => storePage(P, p));
  const folds = F.replies.filter((p) => p.key !== MAIN).map((p) => p.key);
  const lines = visibleLines(P, new Set(folds));
  const rows = lines.filter((v) => v.kind === "row").map((v) => v.key);
  const counts = F.initial.counts;
  assert.equal(rows.length, counts.same + counts.changed + counts.only_a + counts.only_b);
  assert.equal(new Set(rows).size, rows.length);
});

test("a side: B's type and settings of a 'same' row are A's", () => {
  const row = { status: "same", type_a: "Linear", repr_a: "Linear(2, 2)", params_a: 6, params_b: 6 };
  assert.deepEqual(side(row, "b"), { type: "Linear", repr: "Linear(2, 2)", params: 6 });
  const only = { status: "only_b", type_b: "ReLU", repr_b: "ReLU()", params_b: 0 };
  assert.deepEqual(side(only, "a"), { type: undefined, repr: undefined, params: undefined });
  assert.deepEqual(side(only, "b"), { type: "ReLU", repr: "ReLU()", params: 0 });
});
