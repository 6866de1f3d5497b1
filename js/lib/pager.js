// The paged-list client: lists of rows the kernel sends a page at a time. It keeps the pages it
// holds, the pages asked for and the pages that failed (asking again retries them), and walks a
// list as its rows plus one placeholder for each run of rows it does not hold.

import { KEY_SEP } from "../generated/facts.js";

const tagOf = (key, offset) => `${key}@${offset}`;

/**
 * An empty store.
 * @returns {{lists: Map, asked: Set, failed: Map}} lists: key -> {total, items (sparse)};
 *   asked: "key@offset" of pages on their way or held; failed: "key@offset" -> error message
 */
export function createPager() {
  return { lists: new Map(), asked: new Set(), failed: new Map() };
}

/** Forget every page (new data). */
export function clearPager(P) {
  P.lists.clear();
  P.asked.clear();
  P.failed.clear();
}

/**
 * Keep a page `{key, offset, total, items}`. A list whose total changed starts over.
 * @returns {{total: number, items: Array}} the list
 */
export function storePage(P, page) {
  let list = P.lists.get(page.key);
  if (!list || list.total !== page.total) {
    list = { total: page.total, items: new Array(page.total) };
    P.lists.set(page.key, list);
  }
  page.items.forEach((it, i) => {
    list.items[page.offset + i] = it;
  });
  return list;
}

/**
 * Ask for the page of list `key` at `offset`, unless it is on its way or held.
 * @param {object} P the store
 * @param {string} key
 * @param {number} offset
 * @param {(then: Function, fail: Function) => void} send sends the request: `then(reply)` once
 *   answered (the page itself reaches the store through {@link storePage}), `fail(message)` on an
 *   error reply
 * @param {(reply: object|null) => void} done called after either (null: it failed, and the
 *   list shows a "failed" placeholder there until asked again)
 * @returns {boolean} whether it asked
 */
export function loadPage(P, key, offset, send, done) {
  const tag = tagOf(key, offset);
  if (P.asked.has(tag)) return false;
  P.asked.add(tag);
  P.failed.delete(tag);
  send(
    (reply) => done(reply),
    (message) => {
      P.asked.delete(tag); // a retry asks again
      P.failed.set(tag, message);
      done(null);
    },
  );
  return true;
}

/**
 * Walk list `key` in order: `onItem(item, index, total)` for each row held, `onNote(note)` for
 * each run of rows not held. A note is `{kind, key, list, offset, count, message}`: kind
 * "loading" (the list's first page is on its way), "gap" (rows not asked for yet: `count` of
 * them from `offset`) or "failed" (that page could not load: `message`); `key` names the note
 * among the list's entries.
 */
export function walkList(P, key, onItem, onNote) {
  const list = P.lists.get(key);
  if (!list) {
    const tag = tagOf(key, 0);
    const kind = P.failed.has(tag) ? "failed" : "loading";
    onNote({ kind, key: `${key}${KEY_SEP}${kind}`, list: key, offset: 0, count: 0,
      message: P.failed.get(tag) });
    return;
  }
  let i = 0;
  while (i < list.total) {
    if (list.items[i] === undefined) {
      let j = i;
      while (j < list.total && list.items[j] === undefined) j++;
      const tag = tagOf(key, i);
      onNote({ kind: P.failed.has(tag) ? "failed" : "gap", key: `${key}${KEY_SEP}gap${i}`,
        list: key, offset: i, count: j - i, message: P.failed.get(tag) });
      i = j;
      continue;
    }
    onItem(list.items[i], i, list.total);
    i++;
  }
}
