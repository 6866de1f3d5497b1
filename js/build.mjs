// Build every browser file of the package from js/entries/ into one folder, with the esbuild
// pinned in package-lock.json. Run by tools/build_js.py (which first writes generated/facts.js
// from Python); not meant to be run alone. Usage: node build.mjs OUT_DIR
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));
const [outdir] = process.argv.slice(2);
if (!outdir) throw new Error("usage: node build.mjs OUT_DIR");

// One output per entry, named as it: explorer/static/<name>.js.
const entries = readdirSync(join(HERE, "entries")).filter((f) => f.endsWith(".js")).sort();
const common = {
  absWorkingDir: HERE, // paths in the output are relative to js/: the same bytes on any machine
  bundle: true,
  minify: true,
  charset: "utf8", // Korean and the tree's carets as they are, not as \u escapes
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
};
for (const name of entries) {
  const source = `entries/${name}`;
  // view.js is inlined by explorer/export/html.py into `(async (UID, HOST) => {...})`, which calls
  // txeView.run(UID, HOST): a classic script, no module syntax. Every other file is an ES module
  // anywidget imports (its default export is the widget).
  const view = name === "view.js";
  await build({
    ...common,
    entryPoints: [source],
    outfile: join(outdir, name),
    format: view ? "iife" : "esm",
    ...(view ? { globalName: "txeView" } : {}),
    banner: { js: `// Built from js/${source} by tools/build_js.py: edit the source, not this file.` },
  });
}
