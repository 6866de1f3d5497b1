// The exported page's TreePages (export/tree_data.js's makeTree) answers exactly as Python's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { deflateSync } from "node:zlib";

import { makeTree, unzJSON } from "../export/tree_data.js";
import { asJSON, fixture } from "./helpers.mjs";

const F = fixture("tree_pages.json");
const tree = () => makeTree(F.tree, async (i) => structuredClone(F.bodies[i]));

test("the first message equals TreePages.initial()", () => {
  assert.deepEqual(asJSON(tree().initial()), F.initial);
});

for (const op of ["children", "reveal", "search", "details"]) {
  test(`every "${op}" reply equals TreePages.answer()`, async () => {
    const t = tree();
    const cases = F.replies.filter(([req]) => req.op === op);
    assert.ok(cases.length >= 7, `${cases.length} ${op} requests`);
    for (const [req, want] of cases) {
      assert.deepEqual(asJSON(await t.answer(req)), want, JSON.stringify(req));
    }
  });
}

test("requests TreePages refuses are refused, naming what is wrong", async () => {
  const t = tree();
  for (const [req, needle] of F.errors) {
    await assert.rejects(t.answer(req), (err) => err.message.includes(needle), JSON.stringify(req));
  }
  await assert.rejects(t.answer(null), /a request is a dict/);
});

test("the packed parts read back as Python packed them (zlib + base64)", async () => {
  const packed = deflateSync(Buffer.from(JSON.stringify(F.tree), "utf8"), { level: 9 });
  assert.deepEqual(await unzJSON(packed.toString("base64")), F.tree);
});
