// Shared by the Node tests: the fixtures tools/build_js.py writes from Python.
import { readFileSync } from "node:fs";

/** A fixture of js/test/fixtures/ as parsed JSON. */
export const fixture = (name) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));

/** `value` as it would travel as JSON (undefined fields dropped), for comparing with Python. */
export const asJSON = (value) => JSON.parse(JSON.stringify(value));
