// The module tree's state and which rows it shows (no DOM): what the kernel sent (the lazy-tree
// protocol of explorer.tree.pages), what is open, and the search's matches.

import { KEY_SEP } from "../generated/facts.js";
import { createPager, storePage as keepPage, walkList } from "../lib/pager.js";

/** The parent path of a module path ("" for a top-level module and for the root). */
export const parentOf = (path) => (path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "");

/** Whether a row is a folded group (`(0-5): 6 x Block`) rather than a module. */
export const isGroup = (it) => it.g !== undefined;

/** Whether a row has children to show (a group always has members). */
export const expandable = (it) => Boolean(it) && (isGroup(it) ? true : it.k > 0);

/** The key of a row in the list `containerKey`: a module's path, or the group's list key. */
export const keyOf = (containerKey, it) => (isGroup(it) ? containerKey + KEY_SEP + it.g : it.p);

/**
 * The state of one tree view, from the first message `init` ({root, kids: [page, ...]}).
 * @returns {object} rows (path -> row), pages (the paged lists, see lib/pager.js), open (keys
 *   of opened rows), filter (a search's result, or null), query, details, error
 */
export function createState(init) {
  const S = {
    rows: new Map([[init.root.p, init.root]]), // path -> row
    pages: createPager(), // children lists by key: a module's path or a group's key
    open: new Set([""]),
    filter: null, // {q, total, matches: Set, kids: Map(path -> [paths])}
    query: "",
    details: null,
    error: "",
    hint: "", // what the keys do, while the keyboard is in the tree
  };
  (init.kids || []).forEach((page) => storePage(S, page));
  return S;
}

/** Keep a page of children (a "children" reply, or one of a "reveal"'s pages). */
export function storePage(S, page) {
  keepPage(S.pages, page);
  for (const it of page.items) if (!isGroup(it)) S.rows.set(it.p, it);
}

/** Show the result of a "search" reply (the tree of its matches and their ancestors). */
export function setFilter(S, msg) {
  const kids = new Map();
  for (const r of msg.rows) {
    S.rows.set(r.p, r);
    const p = parentOf(r.p);
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(r.p);
  }
  S.filter = { q: msg.q, total: msg.total, matches: new Set(msg.matches), kids };
}

/** The rows of a search result, depth first: each match and the modules above it. An
 * explicit stack, not recursion: a match may sit thousands of levels deep. */
export function filteredEntries(S, out) {
  const { kids, matches } = S.filter;
  const stack = [{ path: "", level: 2, list: kids.get("") || [], at: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.at >= top.list.length) {
      stack.pop();
      continue;
    }
    const i = top.at++;
    const p = top.list[i];
    out.push({ kind: "node", it: S.rows.get(p), key: p, level: top.level, parent: top.path,
      pos: i + 1, size: top.list.length, match: matches.has(p) });
    if (kids.has(p)) stack.push({ path: p, level: top.level + 1, list: kids.get(p), at: 0 });
  }
  return out;
}

/** One children list as steps: its rows `{it, i, total}` and placeholders `{note}`. */
function steps(P, key) {
  const out = [];
  walkList(P, key, (it, i, total) => out.push({ it, i, total }), (note) => out.push({ note }));
  return out;
}

/** The rows of the open tree, depth first, with a placeholder ("loading", "gap", "failed") for
 * each run of children not loaded. An explicit stack: a revealed module may be deep. */
export function openEntries(S, out) {
  if (!(S.open.has("") && expandable(S.rows.get("")))) return out;
  const stack = [{ ckey: "", level: 2, list: steps(S.pages, ""), at: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.at >= top.list.length) {
      stack.pop();
      continue;
    }
    const step = top.list[top.at++];
    if (step.note) {
      out.push({ ...step.note, level: top.level, parent: top.ckey });
      continue;
    }
    const { it, i, total } = step;
    const key = keyOf(top.ckey, it);
    out.push({ kind: isGroup(it) ? "group" : "node", it, key, level: top.level,
      parent: top.ckey, pos: i + 1, size: total });
    if (S.open.has(key) && expandable(it)) {
      stack.push({ ckey: key, level: top.level + 1, list: steps(S.pages, key), at: 0 });
    }
  }
  return out;
}

/**
 * Every row the tree shows, in order: the root, then the search result or the open tree.
 * @returns {object[]} entries `{kind, key, level, parent, it?, pos?, size?, match?, offset?,
 *   count?, message?}`
 */
export function visibleEntries(S) {
  const out = [{ kind: "node", it: S.rows.get(""), key: "", level: 1, pos: 1, size: 1 }];
  return S.filter ? filteredEntries(S, out) : openEntries(S, out);
}

/** The request for the page of children list `key` at `offset` (a module's or a group's). */
export function childrenRequest(key, offset) {
  const at = key.indexOf(KEY_SEP);
  return at < 0 ? { op: "children", path: key, offset }
    : { op: "children", path: key.slice(0, at), group: key.slice(at + 1), offset };
}
