// Bundle plotly.js core + the given traces into one minified script that sets globalThis.Plotly.
// Run by tools/build_plotly.sh inside an `npm ci` of this directory; not meant to be run alone.
// Usage: node build.mjs OUT_FILE TRACE[,TRACE...]
import { existsSync, readFileSync } from "node:fs";
import { build } from "esbuild";

const [out, traceList] = process.argv.slice(2);
if (!out || !traceList) throw new Error("usage: node build.mjs OUT_FILE TRACE[,TRACE...]");
const traces = traceList.split(",").map((t) => t.trim()).filter(Boolean);
for (const t of traces) {
  if (!/^[a-z0-9]+$/.test(t) || !existsSync(`node_modules/plotly.js/lib/${t}.js`)) {
    throw new Error(`plotly.js has no trace module lib/${t}.js`);
  }
}
// plotly.js's own MIT header, exactly as its dist files carry it.
const dist = readFileSync("node_modules/plotly.js/dist/plotly.min.js", "utf8");
const header = dist.match(/^\/\*\*[\s\S]*?\*\//);
if (!header) throw new Error("no license header at the top of plotly.js/dist/plotly.min.js");
// lib/core registers scatter itself; register the rest once each, in a fixed order.
const extra = traces.filter((t) => t !== "scatter").sort();
const contents = [
  'var Plotly = require("plotly.js/lib/core");',
  `Plotly.register([${extra.map((t) => `require("plotly.js/lib/${t}")`).join(", ")}]);`,
  "module.exports = Plotly;",
].join("\n");

await build({
  stdin: { contents, resolveDir: process.cwd(), sourcefile: "explorer-plotly-entry.js" },
  outfile: out,
  bundle: true,
  format: "iife",
  globalName: "Plotly",
  minify: true,
  target: "es2016",
  legalComments: "eof", // the bundled packages' license notices, kept at the end
  banner: {
    js: `${header[0]}\n/* transformers-explorer build: plotly.js core + traces ${[...traces].sort().join(", ")} (tools/build_plotly.sh) */`,
  },
  // Evaluated as a classic script (exported pages) or an ES module (the widget's loader):
  // set the global either way, as plotly.js's own dist does with window.Plotly.
  footer: { js: "globalThis.Plotly = Plotly;" },
  // As plotly.js's esbuild-config.js, minus what only map/gl traces need (CSS, GLSL).
  alias: { regl: "@plotly/regl", stream: "stream-browserify" },
  define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
  loader: { ".css": "empty" }, // only maplibre-gl's CSS, required for map traces we leave out
  logLevel: "warning",
});
