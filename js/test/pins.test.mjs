// One esbuild for every bundle: js/ and tools/plotly_bundle/ pin the same version.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const lock = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8"));

test("js/ and the plotly.js bundle build with the same pinned esbuild", () => {
  const ours = lock("../package-lock.json").packages["node_modules/esbuild"].version;
  const plotly = lock("../../tools/plotly_bundle/package-lock.json").packages["node_modules/esbuild"].version;
  assert.match(ours, /^\d+\.\d+\.\d+$/);
  assert.equal(ours, plotly);
  assert.equal(lock("../package.json").devDependencies.esbuild, ours); // exact, no range
});
