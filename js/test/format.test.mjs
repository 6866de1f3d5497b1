// Number formatting (lib/format.js), theme colours (lib/theme.js) and the figure a PlotWidget
// draws (plot/figure.js): the pure parts of the views.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fmt, formatBytes, pct, share } from "../lib/format.js";
import { hexRgb, rgba } from "../lib/theme.js";
import { darkened, parseSpec, plainPoint, themed } from "../plot/figure.js";
import { MIN_MARK, markRect, shortName, tagPlace } from "../plot/mark.js";

test("numbers: grouped digits, shares, percentages and binary units", () => {
  assert.equal(fmt(671026404352), "671,026,404,352");
  assert.equal(fmt(0), "0");
  assert.equal(fmt(null), "");
  assert.equal(fmt(undefined), "");
  assert.equal(share(1, 3), "33.33");
  assert.equal(share(5, 0), "0");
  assert.equal(pct(0.5), "50.00%");
  assert.equal(pct(0.00001), "< 0.01%");
  assert.equal(pct(0), "0.00%");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1.00 KiB");
  assert.equal(formatBytes(1.5 * 2 ** 30), "1.50 GiB");
  assert.equal(formatBytes(3 * 2 ** 40), "3.00 TiB");
});

test("colours as the browser computes them", () => {
  assert.deepEqual(rgba("rgb(1, 2, 3)"), [1, 2, 3, 1]);
  assert.deepEqual(rgba("rgba(1, 2, 3, 0.5)"), [1, 2, 3, 0.5]);
  assert.deepEqual(rgba("color(srgb 1 0.5 0 / 0.25)"), [255, 127.5, 0, 0.25]);
  assert.equal(rgba("hsl(0 0% 0%)"), null);
  assert.deepEqual(hexRgb("#ff8000"), [255, 128, 0, 1]);
  assert.deepEqual(hexRgb("#f80"), [255, 136, 0, 1]);
  assert.deepEqual(hexRgb("White"), [255, 255, 255, 1]);
  assert.equal(hexRgb(""), null);
});

const DARK = { dark: true, bg: [17, 17, 17, 1], text: "rgba(230,230,230,0.9)", grid: "g", line: "l",
  accent: "rgb(1,2,3)" };

test("a figure takes the theme where it leaves colours to its template", () => {
  const out = themed({ xaxis2: { gridcolor: "red" }, font: { size: 9 } }, DARK);
  assert.equal(out.paper_bgcolor, "rgba(0,0,0,0)");
  assert.deepEqual(out.font, { color: DARK.text, size: 9 });
  assert.deepEqual(out.xaxis2, { gridcolor: "red", linecolor: "l", zerolinecolor: "l" });
  assert.deepEqual(out.yaxis, { gridcolor: "g", linecolor: "l", zerolinecolor: "l" });
  const pale = darkened([{ type: "treemap", marker: { colors: ["#ffffff", "#1f77b4"] } }], DARK);
  assert.deepEqual(pale[0].marker.colors, ["rgb(88,88,88)", "#1f77b4"]);
  assert.equal(darkened(pale, { ...DARK, dark: false }), pale);
});

test("a spec with its patch, a default height, and clicks as plain fields", () => {
  const model = { get: (k) => ({ spec: '{"data":[{"type":"bar","y":[1]}],"layout":{"height":null}}',
    patch: { 0: { y: [2] }, 5: { y: [9] } } })[k] };
  assert.deepEqual(parseSpec(model), { data: [{ type: "bar", y: [2] }], layout: { height: 450 } });
  assert.deepEqual(parseSpec({ get: (k) => (k === "spec" ? "not json" : null) }),
    { data: [], layout: { height: 450 } });
  assert.deepEqual(plainPoint({ curveNumber: 0, pointNumber: 3, id: "x", label: 1, x: {}, fullData: {} }),
    { curveNumber: 0, pointNumber: 3, id: "x", label: 1 });
});

test("the selection's mark: a tiny sector grows to a visible size, inside the box, its name beside", () => {
  const box = { width: 400, height: 300 };
  const tiny = markRect({ left: 100, top: 50, width: 2, height: 3 }, box);
  assert.deepEqual(tiny, { left: 101 - MIN_MARK / 2, top: 51.5 - MIN_MARK / 2, width: MIN_MARK,
    height: MIN_MARK, small: true });
  const edge = markRect({ left: 399, top: 299, width: 1, height: 1 }, box);
  assert.deepEqual([edge.left, edge.top], [400 - MIN_MARK, 300 - MIN_MARK]); // still inside
  const big = markRect({ left: 10, top: 20, width: 200, height: 100 }, box);
  assert.deepEqual(big, { left: 10, top: 20, width: 200, height: 100, small: false });
  // the name goes right of the mark, or left of it at the box's right edge
  assert.deepEqual(tagPlace(tiny, { width: 60, height: 16 }, box), { left: tiny.left + MIN_MARK + 4,
    top: 43.5 });
  assert.equal(tagPlace(edge, { width: 60, height: 16 }, box).left, 400 - MIN_MARK - 4 - 60);
  assert.equal(shortName("distilbert.transformer.layer.0.sa_layer_norm"), "sa_layer_norm");
  assert.equal(shortName("classifier"), "classifier");
});
