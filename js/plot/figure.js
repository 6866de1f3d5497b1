// What a PlotWidget draws: its synced figure, themed. Plain data in, plain data out (no DOM).

import { hexRgb, luminance } from "../lib/theme.js";

/** The figure of the model's `spec` (JSON text) with the `patch` (per-trace overrides) applied.
 * @returns {{data: object[], layout: object}} */
export function parseSpec(model) {
  let spec;
  try {
    spec = JSON.parse(model.get("spec") || "{}");
  } catch (e) {
    spec = {};
  }
  const data = Array.isArray(spec.data) ? spec.data : [];
  const patch = model.get("patch") || {};
  for (const [index, props] of Object.entries(patch)) {
    const i = Number(index);
    if (data[i]) data[i] = Object.assign({}, data[i], props);
  }
  // A figure without a height gets plotly's default, explicitly: with config.responsive and an
  // auto height, Plotly.react sizes the figure to 100% of a div that has no height of its own
  // (it collapses to 0 px after the first update).
  const layout = Object.assign({ height: 450 }, spec.layout || {});
  if (layout.height === null) layout.height = 450;
  return { data, layout };
}

/** `layout` with what it leaves to its template filled in from theme `t`: no white boxes in a
 * dark theme. */
export function themed(layout, t) {
  const out = Object.assign({}, layout);
  if (out.paper_bgcolor === undefined) out.paper_bgcolor = "rgba(0,0,0,0)";
  if (out.plot_bgcolor === undefined) out.plot_bgcolor = "rgba(0,0,0,0)";
  out.font = Object.assign({ color: t.text }, out.font || {});
  for (const key of Object.keys(out).concat(["xaxis", "yaxis"])) {
    if (!/^[xy]axis\d*$/.test(key)) continue;
    const axis = Object.assign({}, out[key] || {});
    for (const [prop, color] of [["gridcolor", t.grid], ["linecolor", t.line],
      ["zerolinecolor", t.line]]) if (axis[prop] === undefined) axis[prop] = color;
    out[key] = axis;
  }
  return out;
}

/** Dark theme: a treemap's pale container shades would be bright boxes; every pale sector colour
 * is blended into the page background (leaf colours by module type are left as they are). */
export function darkened(data, t) {
  if (!t.dark) return data;
  return data.map((trace) => {
    const colors = trace.type === "treemap" && trace.marker && trace.marker.colors;
    if (!Array.isArray(colors)) return trace;
    const mixed = colors.map((color) => {
      const c = hexRgb(color);
      if (!c || luminance(c) < 0.66) return color;
      const m = [0, 1, 2].map((i) => Math.round(0.3 * c[i] + 0.7 * t.bg[i]));
      return `rgb(${m.join(",")})`;
    });
    return Object.assign({}, trace, { marker: Object.assign({}, trace.marker, { colors: mixed }) });
  });
}

/** A clicked point as plain fields (Plotly's points hold references to the whole figure). */
export function plainPoint(p) {
  const out = { curveNumber: p.curveNumber, pointNumber: p.pointNumber };
  for (const key of ["id", "label", "x", "y"]) {
    const v = p[key];
    if (typeof v === "string" || typeof v === "number") out[key] = v;
  }
  return out;
}
