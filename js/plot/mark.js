// The selected sector of a treemap, marked over Plotly's drawing: an outline in the theme's accent,
// grown to a visible size around a tiny module, with the module's name beside it when the sector
// is too small to show its own label. Drawn over the figure, never in it: per-sector line widths
// in the figure break Plotly's pathbar (its offset is the line width, an array gives NaN).

import { h } from "../lib/dom.js";

/** The smallest mark, in pixels each way: a 1-pixel module is still seen. */
export const MIN_MARK = 14;
/** Below this width or height a sector shows no readable label of its own: its name is shown. */
const LABEL_W = 48;
const LABEL_H = 18;

/**
 * Where the mark goes: the sector's rectangle (in the box's pixels) grown to at least `min` px
 * each way around its centre, kept inside the box.
 * @param {{left: number, top: number, width: number, height: number}} r the sector
 * @param {{width: number, height: number}} box the figure's box
 * @returns {{left: number, top: number, width: number, height: number, small: boolean}}
 */
export function markRect(r, box, min = MIN_MARK) {
  const grow = (start, size, limit) => {
    const s = Math.max(size, min);
    const at = Math.min(Math.max(start - (s - size) / 2, 0), Math.max(limit - s, 0));
    return [at, s];
  };
  const [left, width] = grow(r.left, r.width, box.width);
  const [top, height] = grow(r.top, r.height, box.height);
  return { left, top, width, height, small: r.width < LABEL_W || r.height < LABEL_H };
}

/**
 * Where the name tag goes: right of the mark, else left of it when it would leave the box.
 * @returns {{left: number, top: number}}
 */
export function tagPlace(mark, tag, box) {
  const right = mark.left + mark.width + 4;
  const left = right + tag.width <= box.width ? right : Math.max(0, mark.left - 4 - tag.width);
  const top = Math.min(Math.max(mark.top + mark.height / 2 - tag.height / 2, 0),
    Math.max(box.height - tag.height, 0));
  return { left, top };
}

/** The id of the sector a treemap slice element draws (Plotly keeps its d3 datum on it). */
function sliceId(g) {
  const d = g.__data__;
  return d && d.data && d.data.data ? d.data.data.id : undefined;
}

/** The page rectangle of slice `g`, from its datum's layout (x0..x1, y0..y1): Plotly draws a
 * sector too thin for its padding as an empty path, but still lays it out. The datum's origin
 * on the page is read from a slice that is drawn. */
function sliceRect(g, slices) {
  const d = g.__data__;
  const ref = slices.find((s) => {
    const r = s.querySelector("path.surface")?.getBoundingClientRect();
    return r && r.width > 0 && r.height > 0 && s.__data__ && Number.isFinite(s.__data__.x0);
  });
  if (!ref || !Number.isFinite(d.x0)) return null;
  const r = ref.querySelector("path.surface").getBoundingClientRect();
  const x = r.left - ref.__data__.x0;
  const y = r.top - ref.__data__.y0;
  return { left: x + d.x0, top: y + d.y0, width: d.x1 - d.x0, height: d.y1 - d.y0 };
}

/** The last part of a module path: the name shown beside a tiny sector. */
export const shortName = (id) => String(id).slice(String(id).lastIndexOf(".") + 1) || String(id);

/**
 * A mark over the figure drawn in `graph`, inside `box` (positioned).
 * @returns {{update: (id: string|null, color: string) => void}}
 */
export function createMark(box, graph) {
  const ring = h("div", "xp-plot-mark");
  const tag = h("div", "xp-plot-mark-tag");
  ring.hidden = tag.hidden = true;
  box.append(ring, tag);
  return {
    update(id, color) {
      ring.hidden = tag.hidden = true;
      if (id === null || id === undefined) return;
      const slices = [...graph.querySelectorAll("g.slice")];
      const g = slices.find((e) => sliceId(e) === id);
      const s = g && sliceRect(g, slices);
      if (!s) return; // not at this level
      const b = box.getBoundingClientRect();
      const size = { width: b.width, height: b.height };
      const m = markRect({ left: s.left - b.left, top: s.top - b.top, width: s.width,
        height: s.height }, size);
      Object.assign(ring.style, { left: `${m.left}px`, top: `${m.top}px`, width: `${m.width}px`,
        height: `${m.height}px`, borderColor: color });
      ring.hidden = false;
      if (!m.small) return;
      tag.textContent = shortName(id);
      tag.style.borderColor = color;
      tag.hidden = false;
      const at = tagPlace(m, { width: tag.offsetWidth, height: tag.offsetHeight }, size);
      Object.assign(tag.style, { left: `${at.left}px`, top: `${at.top}px` });
    },
  };
}
