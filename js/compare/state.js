// Which lines the comparison shows (no DOM): the main list and the opened folds of identical
// subtrees, as explorer.compare.pages.ComparePages sends them, page by page.

import { walkList } from "../lib/pager.js";

/** The key of the comparison's main list. */
export const MAIN = "main";

/** A row's type, settings and count on side "a" or "b" (B's type and repr are not sent for
 * "same" rows: they equal A's). */
export function side(row, which) {
  if (which === "a") return { type: row.type_a, repr: row.repr_a, params: row.params_a };
  const same = row.status === "same";
  return {
    type: same ? row.type_a : row.type_b,
    repr: same ? row.repr_a : row.repr_b,
    params: row.params_b,
  };
}

/**
 * Every line shown, in order: rows `{kind: "row", key: path, it, inFold}`, folds `{kind: "fold",
 * key, it}` (followed by their rows when open) and placeholders for rows not loaded (see
 * lib/pager.js: "loading", "gap", "failed").
 * @param {object} pages the paged lists (lib/pager.js)
 * @param {Set<string>} open keys of the opened folds
 */
export function visibleLines(pages, open) {
  const out = [];
  const walk = (key, inFold) => {
    walkList(pages, key, (it) => {
      if (it.fold !== undefined) {
        out.push({ kind: "fold", key: it.fold, it });
        if (open.has(it.fold)) walk(it.fold, true);
      } else {
        out.push({ kind: "row", key: it.path, it, inFold });
      }
    }, (note) => out.push(note));
  };
  walk(MAIN, false);
  return out;
}
