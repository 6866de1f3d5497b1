// A keyboard-driven list of lines (the tree's rows, the comparison's lines): one line at a time
// takes Tab (a roving tabindex), the arrow keys, Home and End move along the lines, a redraw
// keeps the scroll position and the focus.

import { keysStayHere } from "./dom.js";

/**
 * The lines of `box`.
 * @param {HTMLElement} box the element holding the lines
 * @returns {object} `shown` (the entries drawn, in order), `elements` (key -> element), `focus`
 *   (the key of the line holding the tabindex) and the functions below
 */
export function createRows(box) {
  const R = { shown: [], elements: new Map(), focus: null };

  /**
   * Draw `entries` (each with its `key`) as `make(entry)` gives them. The focus stays on its
   * line if it is still drawn, else it goes to `preferred`'s line, else to the first.
   */
  R.draw = (entries, make, preferred) => {
    const hadFocus = box.contains(document.activeElement);
    const top = box.scrollTop;
    R.shown = entries;
    R.elements = new Map();
    const frag = document.createDocumentFragment();
    for (const v of entries) {
      const e = keysStayHere(make(v));
      e.dataset.key = v.key;
      e.tabIndex = -1;
      R.elements.set(v.key, e);
      frag.append(e);
    }
    if (!R.elements.has(R.focus)) {
      R.focus = R.elements.has(preferred) ? preferred : entries.length ? entries[0].key : null;
    }
    if (R.focus !== null) R.elements.get(R.focus).tabIndex = 0;
    box.replaceChildren(frag);
    box.scrollTop = top;
    if (hadFocus && R.focus !== null) R.elements.get(R.focus).focus({ preventScroll: true });
  };

  /** Give the tabindex to `key`'s line (no focus change). */
  const take = (key) => {
    const old = R.elements.get(R.focus);
    if (old) old.tabIndex = -1;
    R.focus = key;
    R.elements.get(key).tabIndex = 0;
  };

  /** Focus `key`'s line and scroll it into view (nothing if it is not drawn). */
  R.move = (key) => {
    const e = R.elements.get(key);
    if (!e) return;
    take(key);
    e.focus({ preventScroll: true });
    e.scrollIntoView({ block: "nearest" });
  };

  /** The entry drawn as the line holding `target`, or null. */
  R.entryFor = (target) => {
    const e = target.closest("[data-key]");
    if (!e || !box.contains(e)) return null;
    return R.shown.find((v) => v.key === e.dataset.key) || null;
  };

  /** The index of the focused line's entry in `shown` (-1: none). */
  R.at = () => R.shown.findIndex((v) => v.key === R.focus);

  /**
   * Move along the lines for ArrowDown, ArrowUp, Home and End.
   * @returns {boolean} whether the key was one of these
   */
  R.step = (key) => {
    const i = R.at();
    const last = R.shown.length - 1;
    if (i < 0) return false;
    if (key === "ArrowDown") {
      if (i < last) R.move(R.shown[i + 1].key);
    } else if (key === "ArrowUp") {
      if (i > 0) R.move(R.shown[i - 1].key);
    } else if (key === "Home") {
      R.move(R.shown[0].key);
    } else if (key === "End") {
      R.move(R.shown[last].key);
    } else {
      return false;
    }
    return true;
  };

  // A line focused by a click or by Tab holds the tabindex from now on.
  box.addEventListener("focusin", (e) => {
    const line = e.target.closest("[data-key]");
    const key = line && line.dataset.key;
    if (line && key !== R.focus && R.elements.get(key) === line) take(key);
  });

  return R;
}
