// The exported view's treemap: the squarified layout of explorer/export/svgmap.py, redrawn in the
// browser when the reader zooms. Same numbers, same algorithm, same order of operations as the
// Python side (js/test/svgmap.test.mjs holds both to the same rectangles).

import { OTHER_SUFFIX } from "../generated/facts.js";

export const MAP = { W: 640, H: 520, BAR: 20, MAX_DEPTH: 3, MIN_SIZE: 3, MAX_RECTS: 1500, HEADER: 14, PAD: 2 };
const SVGNS = "http://www.w3.org/2000/svg";

function worst(row, side) {
  let s = 0;
  for (const a of row) s += a;
  return Math.max((side * side * Math.max(...row)) / (s * s), (s * s) / (side * side * Math.min(...row)));
}

/**
 * Rectangles `[x, y, w, h]` for `values` (positive, largest first) in the rectangle (x, y, w, h),
 * which `total` fills (a total above the values' sum leaves the rest empty).
 */
export function squarify(values, x, y, w, h, total) {
  const out = [];
  if (total <= 0 || w <= 0 || h <= 0) return values.map(() => [x, y, 0, 0]);
  const scale = (w * h) / total;
  const areas = values.map((v) => v * scale);
  let i = 0;
  while (i < areas.length) {
    const side = Math.min(w, h);
    let row = [areas[i]];
    let bad = worst(row, side);
    let j = i + 1;
    while (j < areas.length) {
      const cand = row.concat([areas[j]]);
      const wr = worst(cand, side);
      if (wr > bad) break;
      row = cand;
      bad = wr;
      j += 1;
    }
    let s = 0;
    for (const a of row) s += a;
    if (w >= h) {
      const cw = s / h;
      let yy = y;
      for (const a of row) {
        const rh = a / cw;
        out.push([x, yy, cw, rh]);
        yy += rh;
      }
      x += cw;
      w -= cw;
    } else {
      const rh = s / w;
      let xx = x;
      for (const a of row) {
        const rw = a / rh;
        out.push([xx, y, rw, rh]);
        xx += rw;
      }
      y += rh;
      h -= rh;
    }
    i = j;
  }
  return out;
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
    const children = (kids.get(pid) || []).slice().sort((a, b) => values[b] - values[a]);
    if (!children.length) continue;
    const rects = squarify(children.map((i) => values[i]), x, y, w, h, values[sec.pos.get(pid)]);
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
      if (!header && h >= 26) {
        g.append(svgEl("text", { x: num(x + 3), y: num(y + 23), ...text }, fit(sec.counts[i], w)));
      }
    }
    svg.append(g);
  }
  return svg;
}
