// The exported view's treemap: the binary layout of explorer/export/svgmap.py, redrawn in the
// browser when the reader zooms. Same numbers, same algorithm, same order of operations as the
// Python side (js/test/svgmap.test.mjs holds both to the same rectangles).

import { OTHER_SUFFIX } from "../generated/facts.js";

export const MAP = { W: 640, H: 520, BAR: 20, MAX_DEPTH: 3, MIN_SIZE: 3, MAX_RECTS: 1500, HEADER: 14, PAD: 2 };
const SVGNS = "http://www.w3.org/2000/svg";

/**
 * Rectangles `[x, y, w, h]` for `values` (positive, in model order) in the rectangle (x, y, w, h),
 * which `total` fills (a total above the values' sum leaves the rest empty, after the last).
 * The binary layout of the live Plotly treemap (svgmap.py's `tile`, operation for operation):
 * a value's rectangle is left of or above every later one's.
 */
export function tile(values, x, y, w, h, total) {
  if (total <= 0 || w <= 0 || h <= 0) return values.map(() => [x, y, 0, 0]);
  let given = 0;
  for (const v of values) given += v;
  const rest = total - given;
  const vals = rest > 0 ? values.concat([rest]) : values.slice(); // the empty rest, laid out last
  const sums = [0];
  for (const v of vals) sums.push(sums[sums.length - 1] + v);
  const out = vals.map(() => [x, y, 0, 0]);
  const todo = [[0, vals.length, sums[sums.length - 1], x, y, x + w, y + h]];
  while (todo.length) {
    const [i, j, value, x0, y0, x1, y1] = todo.pop();
    if (i >= j - 1) {
      if (i < j) out[i] = [x0, y0, x1 - x0, y1 - y0];
      continue;
    }
    const target = sums[i] + value / 2;
    let k = i + 1;
    let hi = j - 1;
    while (k < hi) { // the first k with sums[k] >= target
      const mid = Math.floor((k + hi) / 2);
      if (sums[mid] < target) k = mid + 1;
      else hi = mid;
    }
    if (target - sums[k - 1] < sums[k] - target && i + 1 < k) k -= 1;
    const left = sums[k] - sums[i];
    const right = value - left;
    if (x1 - x0 > y1 - y0) {
      const xk = value ? (x0 * right + x1 * left) / value : x1;
      todo.push([k, j, right, xk, y0, x1, y1], [i, k, left, x0, y0, xk, y1]);
    } else {
      const yk = value ? (y0 * right + y1 * left) / value : y1;
      todo.push([k, j, right, x0, yk, x1, y1], [i, k, left, x0, y0, x1, yk]);
    }
  }
  return out.slice(0, values.length);
}

/** The sectors' index by id (`sec.pos`) and their children with a value (`sec.kids`: id ->
 * [index]), made once. */
export function mapKids(sec) {
  if (sec.kids) return sec.kids;
  sec.pos = new Map(sec.ids.map((id, i) => [id, i]));
  sec.kids = new Map();
  sec.parents.forEach((p, i) => {
    if (sec.values[i] > 0) {
      if (!sec.kids.has(p)) sec.kids.set(p, []);
      sec.kids.get(p).push(i);
    }
  });
  return sec.kids;
}

/** `[index, x, y, w, h, depth, hasHeader]` of the sectors shown at `level` (svgmap.py's
 * layout). */
export function layout(sec, level) {
  const kids = mapKids(sec);
  const { values, ids } = sec;
  const out = [];
  const todo = [[level, 0, MAP.BAR, MAP.W, MAP.H - MAP.BAR, 0]];
  while (todo.length && out.length < MAP.MAX_RECTS) {
    const [pid, x, y, w, h, depth] = todo.shift();
    const children = kids.get(pid) || []; // model order, as the live treemap
    if (!children.length) continue;
    const rects = tile(children.map((i) => values[i]), x, y, w, h, values[sec.pos.get(pid)]);
    children.forEach((i, k) => {
      const [cx, cy, cw, ch] = rects[k];
      if (cw < MAP.MIN_SIZE || ch < MAP.MIN_SIZE || out.length >= MAP.MAX_RECTS) return;
      const branch = kids.has(ids[i]) && depth + 1 < MAP.MAX_DEPTH;
      const header = branch && cw > 40 && ch > MAP.HEADER + 16;
      out.push([i, cx, cy, cw, ch, depth + 1, header]);
      if (branch && cw > 2 * MAP.PAD + MAP.MIN_SIZE && ch > 2 * MAP.PAD + MAP.MIN_SIZE) {
        const top = header ? MAP.HEADER : MAP.PAD;
        todo.push([ids[i], cx + MAP.PAD, cy + top, cw - 2 * MAP.PAD, ch - top - MAP.PAD, depth + 1]);
      }
    });
  }
  return out;
}

function textColor(fill) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(fill);
  if (!m) return "#1f1f1f";
  const [r, g, b] = m.slice(1).map((x) => parseInt(x, 16));
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#1f1f1f" : "#ffffff";
}

function fit(text, width) {
  const room = Math.trunc((width - 6) / 6.5);
  if (room < 2) return "";
  return text.length <= room ? text : `${text.slice(0, room - 1)}…`;
}

const num = (v) => String(Number(v.toFixed(1)));

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text; // model text: never markup
  return e;
}

/** The module path a sector stands for: its id, or for an "N more" sector the module holding
 * them. */
export const sectorPath = (id) => (id.endsWith(OTHER_SUFFIX) ? id.slice(0, -OTHER_SUFFIX.length) : id);

/** The treemap at `level` as an <svg> element, sector `selectedSector` outlined. */
export function drawMap(sec, level, selectedSector, label) {
  const svg = svgEl("svg", { class: "txe-svg", viewBox: `0 0 ${MAP.W} ${MAP.H}`, width: "100%",
    preserveAspectRatio: "xMinYMin meet", role: "img", "font-size": 11,
    "font-family": "system-ui, sans-serif", "aria-label": label });
  const li = sec.pos.get(level);
  const bar = svgEl("g", { class: "txe-bar", "data-i": li });
  const up = level === sec.ids[0] ? "" : "◂ ";
  bar.append(svgEl("rect", { x: 0, y: 0, width: MAP.W, height: MAP.BAR - 2, fill: "#eeeeee" }),
    svgEl("text", { x: 6, y: 13, fill: "#1f1f1f" },
      fit(`${up}${sec.names[li]} · ${sec.counts[li]} parameters`, MAP.W)));
  svg.append(bar);
  for (const [i, x, y, w, h, , header] of layout(sec, level)) {
    const g = svgEl("g", { "data-i": i });
    const fill = sec.colors[i];
    const path = sectorPath(sec.ids[i]);
    g.append(svgEl("title", {}, `${path || sec.names[i]} · ${sec.types[i]}\n${sec.counts[i]}`
      + ` parameters (${sec.values[i].toLocaleString("en-US")}) · ${sec.shares[i]} of total`));
    const selected = i === selectedSector;
    g.append(svgEl("rect", { x: num(x), y: num(y), width: num(w), height: num(h), fill,
      stroke: selected ? "#1f1f1f" : "#ffffff", "stroke-width": selected ? 2 : 1 }));
    const name = fit(sec.names[i], w);
    if (name && h >= 13) {
      const color = textColor(fill);
      const text = { fill: color, "pointer-events": "none" };
      g.append(svgEl("text", { x: num(x + 3), y: num(y + 11), ...text }, name));
      if (!header && h >= 29) { // a line below the name, clear of its descenders
        g.append(svgEl("text", { x: num(x + 3), y: num(y + 25), ...text }, fit(sec.counts[i], w)));
      }
    }
    svg.append(g);
  }
  return svg;
}
