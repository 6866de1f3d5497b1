// The exported page's treemap (export/svgmap.js) against explorer/export/svgmap.py: the same
// rectangles from the same shared cases, and the invariants tests/test_svgmap.py checks in Python.
import assert from "node:assert/strict";
import { test } from "node:test";

import { OTHER_SUFFIX } from "../generated/facts.js";
import { layout, sectorPath, tile } from "../export/svgmap.js";
import { fixture } from "./helpers.mjs";

const F = fixture("tiling.json");
const SHARED = fixture("tiling_cases.json").cases;

/** The invariants of a tiling in model order (the same list as tests/test_svgmap.py). */
function checkTiling({ name, values, rect: [x, y, w, h], total }, rects) {
  const eps = 1e-9 * w * h;
  const area = (r) => r[2] * r[3];
  assert.equal(rects.length, values.length, name);
  const scale = (w * h) / total;
  rects.forEach((r, i) => {
    // areas proportional to the values
    assert.ok(Math.abs(area(r) - values[i] * scale) <= eps, `${name}: area of ${i}`);
    // inside the parent
    assert.ok(r[2] >= 0 && r[3] >= 0, `${name}: ${i} has a size`);
    const tol = 1e-9 * Math.max(w, h, Math.abs(x), Math.abs(y));
    assert.ok(r[0] >= x - tol && r[1] >= y - tol, `${name}: ${i} starts inside`);
    assert.ok(r[0] + r[2] <= x + w + tol && r[1] + r[3] <= y + h + tol, `${name}: ${i} ends inside`);
  });
  // no two overlap
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      const [a, b] = [rects[i], rects[j]];
      const dx = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
      const dy = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
      assert.ok(dx <= 0 || dy <= 0 || dx * dy <= eps, `${name}: ${i} and ${j} overlap`);
      const tol = 1e-9 * Math.max(w, h, Math.abs(x), Math.abs(y));
      assert.ok(a[0] + a[2] <= b[0] + tol || a[1] + a[3] <= b[1] + tol, `${name}: ${i} after ${j}`);
    }
  }
  // together they cover their share of the parent: all of it when the values make the total
  const sum = values.reduce((s, v) => s + v, 0);
  const covered = rects.reduce((s, r) => s + area(r), 0);
  assert.ok(Math.abs(covered - sum * scale) <= eps * values.length, `${name}: covered`);
  if (sum === total) assert.ok(Math.abs(covered - w * h) <= eps * values.length, `${name}: tiles`);
}

test("the shared cases are all in the fixture, each with Python's rectangles", () => {
  assert.deepEqual(F.cases.slice(0, SHARED.length).map((c) => c.name), SHARED.map((c) => c.name));
  assert.ok(F.cases.length > SHARED.length, "and seeded random cases");
});

test("the tiling covers every case as its invariants require", () => {
  for (const c of F.cases) checkTiling(c, tile(c.values, ...c.rect, c.total));
});

test("the invariants catch a wrong tiling", () => {
  const c = SHARED[1];
  const rects = tile(c.values, ...c.rect, c.total);
  const moved = [rects[0], [rects[0][0], rects[0][1], rects[1][2], rects[1][3]], ...rects.slice(2)];
  assert.throws(() => checkTiling(c, moved), /overlap/);
  assert.throws(() => checkTiling({ ...c, total: c.total * 2 }, rects), /area/);
  const backwards = { ...c, values: c.values.slice().reverse() }; // the same rectangles, read backwards
  assert.throws(() => checkTiling(backwards, rects.slice().reverse()), /after/);
});

test("six equal blocks in a tall box read 0 1 2 above 3 4 5", () => {
  const rects = tile([1, 1, 1, 1, 1, 1], 0, 0, 420, 500, 6);
  const rows = [0, 1, 2, 3, 4, 5].sort((a, b) => Math.round(rects[a][1]) - Math.round(rects[b][1])
    || rects[a][0] - rects[b][0]);
  assert.deepEqual(rows, [0, 1, 2, 3, 4, 5]);
});

test("the tiling gives Python's rectangles, to the last bit", () => {
  for (const c of F.cases) assert.deepEqual(tile(c.values, ...c.rect, c.total), c.rects, c.name);
});

test("an empty or zero-size parent gives empty rectangles where it is", () => {
  assert.deepEqual(tile([3, 1], 5, 6, 0, 10, 4), [[5, 6, 0, 0], [5, 6, 0, 0]]);
  assert.deepEqual(tile([3, 1], 5, 6, 10, 10, 0), [[5, 6, 0, 0], [5, 6, 0, 0]]);
  assert.deepEqual(tile([], 0, 0, 10, 10, 5), []);
});

test("the layout at each level is Python's (which sectors, where, how deep, with headers)", () => {
  assert.ok(F.layouts.length >= 3);
  for (const { level, rects } of F.layouts) {
    const sec = structuredClone(F.sectors);
    assert.deepEqual(layout(sec, level), rects, `level ${level}`);
    assert.ok(rects.length > 0);
  }
});

test("an 'N more' sector stands for the module holding it", () => {
  assert.equal(sectorPath(`blocks.0${OTHER_SUFFIX}`), "blocks.0");
  assert.equal(sectorPath(OTHER_SUFFIX), "");
  assert.equal(sectorPath("blocks.0.other"), "blocks.0.other");
});
