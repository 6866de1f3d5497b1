// Models nest thousands of levels deep (Python walks 10,000): the page's tree data and the
// tree's rows are built without recursion, so a search or a reveal that deep still answers.
import assert from "node:assert/strict";
import { test } from "node:test";

import { makeTree } from "../export/tree_data.js";
import { createState, setFilter, storePage, visibleEntries } from "../tree/state.js";

const DEPTH = 10000;

/** A chain `n.n.n...` of DEPTH containers with a Linear at the bottom, as export encodes it. */
function chain() {
  const shapes = [];
  for (let i = 0; i <= DEPTH; i++) {
    const leaf = i === DEPTH;
    shapes.push({ r: { t: leaf ? "Linear" : "Sequential", c: 6, k: leaf ? 0 : 1 },
      ...(leaf ? {} : { k: [["n", i + 1]] }) });
  }
  return { shapes, root: 0, new: [], output: {}, page: 50, initial_depth: 2, max_matches: 100 };
}

const deepest = Array(DEPTH).fill("n").join(".");

test(`a search ${DEPTH} levels deep finds the module and shows its ancestors`, async () => {
  const t = makeTree(chain(), async () => ({}));
  const found = await t.answer({ op: "search", q: "linear" });
  assert.equal(found.total, 1);
  assert.deepEqual(found.matches, [deepest]);
  assert.equal(found.rows.length, DEPTH);
  const S = createState(t.initial());
  setFilter(S, found);
  const shown = visibleEntries(S);
  assert.equal(shown.length, DEPTH + 1); // the root, then every ancestor down to the match
  assert.equal(shown.at(-1).key, deepest);
  assert.equal(shown.at(-1).level, DEPTH + 1);
  assert.ok(shown.at(-1).match);
});

test(`revealing a module ${DEPTH} levels deep opens the tree down to it`, async () => {
  const t = makeTree(chain(), async () => ({}));
  const shown = await t.answer({ op: "reveal", path: deepest });
  assert.equal(shown.open.length, DEPTH);
  const S = createState(t.initial());
  for (const page of shown.kids) storePage(S, page);
  for (const key of shown.open) S.open.add(key);
  const rows = visibleEntries(S);
  assert.equal(rows.length, DEPTH + 1);
  assert.deepEqual(rows.map((v) => v.level), Array.from({ length: DEPTH + 1 }, (_, i) => i + 1));
  assert.equal(rows.at(-1).key, deepest);
  const last = await t.answer({ op: "children", path: deepest });
  assert.deepEqual([last.key, last.total, last.items], [deepest, 0, []]);
});
