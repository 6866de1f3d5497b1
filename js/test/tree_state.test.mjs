// Which rows the tree shows (tree/state.js), on what explorer.tree.pages.TreePages sends.
import assert from "node:assert/strict";
import { test } from "node:test";

import { KEY_SEP } from "../generated/facts.js";
import {
  childrenRequest, createState, keyOf, parentOf, setFilter, storePage, visibleEntries,
} from "../tree/state.js";
import { fixture } from "./helpers.mjs";

const F = fixture("tree_pages.json");
const PAGE = F.tree.page;
const reply = (pred) => F.replies.find(([req]) => pred(req))[1];
const children = (path, group, offset = 0) => reply((r) => r.op === "children" && r.path === path
  && (r.group ?? null) === (group ?? null) && r.offset === offset);
const keys = (S) => visibleEntries(S).map((v) => v.key);

test("the first message shows the root and its children, opened one level", () => {
  const S = createState(F.initial);
  const shown = visibleEntries(S);
  const top = F.initial.kids.find((p) => p.key === "");
  assert.deepEqual(shown.map((v) => v.key), ["", ...top.items.map((it) => keyOf("", it))]);
  assert.deepEqual(shown[0], { kind: "node", it: F.initial.root, key: "", level: 1, pos: 1, size: 1 });
  for (const [i, v] of shown.slice(1).entries()) {
    assert.equal(v.level, 2);
    assert.equal(v.parent, "");
    assert.equal(v.pos, i + 1);
    assert.equal(v.size, top.items.length);
    assert.equal(v.kind, top.items[i].g === undefined ? "node" : "group");
  }
  // every row the first message sent is known by path
  for (const p of F.initial.kids) for (const it of p.items) if (it.g === undefined) assert.ok(S.rows.has(it.p));
});

test("opening a module shows its children below it, depth first; closing hides them", () => {
  const S = createState(F.initial);
  S.open.add("blocks");
  const blocks = F.initial.kids.find((p) => p.key === "blocks");
  assert.ok(blocks, "the first message holds the second level");
  const group = keyOf("blocks", blocks.items[0]);
  assert.equal(group, `blocks${KEY_SEP}0`);
  let shown = keys(S);
  const at = shown.indexOf("blocks");
  assert.deepEqual(shown.slice(at + 1, at + 1 + blocks.items.length), blocks.items.map((it) => keyOf("blocks", it)));
  // a group opened before its members arrived: one "loading" row, then the members
  S.open.add(group);
  shown = visibleEntries(S);
  const loading = shown.find((v) => v.kind === "loading");
  assert.deepEqual([loading.key, loading.parent, loading.level], [`${group}${KEY_SEP}loading`, group, 4]);
  assert.deepEqual(childrenRequest(group, 0), { op: "children", path: "blocks", group: "0", offset: 0 });
  storePage(S, children("blocks", "0"));
  shown = visibleEntries(S);
  assert.ok(!shown.some((v) => v.kind === "loading"));
  const members = shown.filter((v) => v.parent === group);
  assert.deepEqual(members.map((v) => v.key), children("blocks", "0").items.map((it) => it.p));
  assert.ok(members.every((v) => v.level === 4 && v.kind === "node"));
  S.open.delete("blocks");
  assert.ok(!keys(S).some((k) => k.startsWith("blocks.")));
});

test("a list longer than a page: its first page, then one gap row that loads the rest", () => {
  const S = createState(F.initial);
  const many = F.initial.kids.find((p) => p.key === "many");
  const key = keyOf("many", many.items[0]);
  S.open.add("many");
  S.open.add(key);
  const first = children("many", many.items[0].g, 0);
  assert.equal(first.total, PAGE + 5);
  storePage(S, first);
  let gap = visibleEntries(S).filter((v) => v.kind === "gap");
  assert.equal(gap.length, 1);
  assert.deepEqual([gap[0].parent, gap[0].offset, gap[0].count], [key, PAGE, 5]);
  assert.deepEqual(childrenRequest(gap[0].parent, gap[0].offset),
    { op: "children", path: "many", group: many.items[0].g, offset: PAGE });
  // the page fails: the gap shows the message (Enter retries it); then it loads
  S.pages.failed.set(`${key}@${PAGE}`, "boom");
  gap = visibleEntries(S).filter((v) => v.parent === key && v.kind !== "node");
  assert.deepEqual(gap.map((v) => [v.kind, v.message]), [["failed", "boom"]]);
  S.pages.failed.clear();
  storePage(S, children("many", many.items[0].g, PAGE));
  const rows = visibleEntries(S).filter((v) => v.parent === key);
  assert.deepEqual(rows.map((v) => v.key), Array.from({ length: PAGE + 5 }, (_, i) => `many.${i}`));
  assert.deepEqual([rows[PAGE].pos, rows[PAGE].size], [PAGE + 1, PAGE + 5]);
});

test("a reveal's pages and opened keys show the way down to the revealed module", () => {
  for (const [req, msg] of F.replies.filter(([r]) => r.op === "reveal")) {
    const S = createState(F.initial);
    msg.kids.forEach((page) => storePage(S, page));
    msg.open.forEach((k) => S.open.add(k));
    const shown = visibleEntries(S);
    const row = shown.find((v) => v.key === req.path);
    assert.ok(row, `revealed ${req.path}`);
    assert.equal(row.it.p, req.path);
    // its ancestors are shown above it, each at its own level
    for (let p = parentOf(req.path), lv = row.level; p; p = parentOf(p)) {
      const up = shown.findIndex((v) => v.key === p);
      assert.ok(up >= 0 && up < shown.indexOf(row), `${p} above ${req.path}`);
      assert.ok(shown[up].level < lv);
      lv = shown[up].level;
    }
  }
});

test("a search shows its matches under their ancestors, matches marked, nothing else", () => {
  for (const [, msg] of F.replies.filter(([r]) => r.op === "search")) {
    const S = createState(F.initial);
    setFilter(S, msg);
    const shown = visibleEntries(S);
    assert.deepEqual(shown.slice(1).map((v) => v.key).sort(), msg.rows.map((r) => r.p).sort());
    assert.deepEqual(shown.filter((v) => v.match).map((v) => v.key).sort(), [...msg.matches].sort());
    for (const v of shown.slice(1)) {
      assert.equal(v.level, v.key.split(".").length + 1);
      assert.equal(v.parent, parentOf(v.key));
      const i = shown.indexOf(v);
      assert.ok(shown.findIndex((u) => u.key === v.parent) < i, "parent first");
    }
  }
});
