// The paged-list client (lib/pager.js) and the request channel (lib/channel.js) both widgets use.
import assert from "node:assert/strict";
import { test } from "node:test";

import { KEY_SEP } from "../generated/facts.js";
import { createChannel } from "../lib/channel.js";
import { clearPager, createPager, loadPage, storePage, walkList } from "../lib/pager.js";

const page = (key, offset, total, n = total - offset) => ({
  key, offset, total, items: Array.from({ length: n }, (_, i) => `${key}${offset + i}`),
});

function entries(P, key) {
  const out = [];
  walkList(P, key, (it, i, total) => out.push({ it, i, total }), (note) => out.push(note));
  return out;
}

// A kernel that answers each request from `reply(req)` (a page, or an Error for an error reply),
// after the caller has seen the request go out, as a real one does.
function kernel(reply) {
  const sent = [];
  let route = null;
  const channel = createChannel((content) => sent.push(content), (m) => { throw new Error(m); });
  route = (P) => {
    for (const req of sent.splice(0)) {
      const got = reply(req);
      const msg = got instanceof Error ? { op: "error", id: req.id, message: got.message }
        : { op: "page", id: req.id, ...got };
      if (msg.op === "page") storePage(P, msg);
      assert.equal(channel.answer(msg), true);
    }
  };
  return { channel, sent, route };
}

test("a list not asked for yet shows as loading, a partial one as rows and one gap", () => {
  const P = createPager();
  assert.deepEqual(entries(P, "k"), [{ kind: "loading", key: `k${KEY_SEP}loading`, list: "k",
    offset: 0, count: 0, message: undefined }]);
  storePage(P, page("k", 0, 5, 2));
  const got = entries(P, "k");
  assert.deepEqual(got.slice(0, 2), [{ it: "k0", i: 0, total: 5 }, { it: "k1", i: 1, total: 5 }]);
  assert.deepEqual(got[2], { kind: "gap", key: `k${KEY_SEP}gap2`, list: "k", offset: 2,
    count: 3, message: undefined });
  assert.equal(got.length, 3);
});

test("pages arriving out of order fill the list; a new total starts the list over", () => {
  const P = createPager();
  storePage(P, page("k", 4, 6));
  assert.deepEqual(entries(P, "k").map((e) => e.kind ?? e.it), ["gap", "k4", "k5"]);
  storePage(P, page("k", 0, 6, 2));
  assert.deepEqual(entries(P, "k").map((e) => e.kind ?? e.it), ["k0", "k1", "gap", "k4", "k5"]);
  assert.equal(entries(P, "k")[2].count, 2);
  storePage(P, page("k", 0, 3));
  assert.deepEqual(entries(P, "k").map((e) => e.kind ?? e.it), ["k0", "k1", "k2"]);
  clearPager(P);
  assert.equal(entries(P, "k")[0].kind, "loading");
});

test("a page is asked for once while it is on its way or held", () => {
  const P = createPager();
  const k = kernel((req) => page(req.key, req.offset, 3));
  const ask = (key, offset, done) => loadPage(P, key, offset,
    (then, fail) => k.channel.ask({ op: "page", key, offset }, then, fail), done);
  const done = [];
  assert.equal(ask("k", 0, (r) => done.push(r)), true);
  assert.equal(ask("k", 0, (r) => done.push(r)), false);
  assert.equal(k.sent.length, 1);
  k.route(P);
  assert.equal(done.length, 1);
  assert.equal(done[0].op, "page");
  assert.equal(ask("k", 0, () => done.push("again")), false); // held: not asked again
  assert.deepEqual(entries(P, "k").map((e) => e.it), ["k0", "k1", "k2"]);
});

test("a failed page becomes a failed entry with its message, and asking again retries it", () => {
  const P = createPager();
  let broken = true;
  const k = kernel((req) => (broken ? new Error("ZeroDivisionError: division by zero")
    : page(req.key, req.offset, 450, 200)));
  const ask = (key, offset, done) => loadPage(P, key, offset,
    (then, fail) => k.channel.ask({ op: "page", key, offset }, then, fail), done);
  const done = [];
  // the whole list fails: its one placeholder says so
  ask("k", 0, (r) => done.push(r));
  k.route(P);
  assert.deepEqual(done, [null]);
  assert.deepEqual(entries(P, "k"), [{ kind: "failed", key: `k${KEY_SEP}failed`, list: "k",
    offset: 0, count: 0, message: "ZeroDivisionError: division by zero" }]);
  // the retry is asked (the failure does not count as "asked"), and the list loads
  broken = false;
  assert.equal(ask("k", 0, (r) => done.push(r)), true);
  k.route(P);
  assert.equal(done[1].offset, 0);
  assert.equal(entries(P, "k")[200].kind, "gap");
  // a later page fails: the gap turns into a failed entry at the same place, then loads
  broken = true;
  ask("k", 200, (r) => done.push(r));
  k.route(P);
  const failed = entries(P, "k")[200];
  assert.deepEqual(failed, { kind: "failed", key: `k${KEY_SEP}gap200`, list: "k", offset: 200,
    count: 250, message: "ZeroDivisionError: division by zero" });
  broken = false;
  assert.equal(ask(failed.list, failed.offset, (r) => done.push(r)), true);
  k.route(P);
  const after = entries(P, "k");
  assert.deepEqual(after.slice(199, 201).map((e) => e.it), ["k199", "k200"]);
  assert.deepEqual(after[400], { kind: "gap", key: `k${KEY_SEP}gap400`, list: "k", offset: 400,
    count: 50, message: undefined });
  assert.equal(P.failed.size, 0);
});

test("the channel hands each reply to its own request, and only to it", () => {
  const sent = [];
  const errors = [];
  const a = createChannel((c) => sent.push(c), (m) => errors.push(m));
  const b = createChannel((c) => sent.push(c), (m) => errors.push(`b:${m}`));
  const got = [];
  a.ask({ op: "x" }, (msg) => got.push(["a", msg.v]));
  b.ask({ op: "x" }, (msg) => got.push(["b", msg.v]), (m) => got.push(["b failed", m]));
  a.ask({ op: "y" }); // no handlers: an error goes to the channel's onError
  assert.equal(new Set(sent.map((s) => s.id)).size, 3); // ids unique across views
  assert.equal(a.answer({ op: "x", id: sent[1].id }), false); // b's reply: not a's
  assert.equal(b.answer({ op: "error", id: sent[1].id, message: "no" }), true);
  assert.equal(a.answer({ op: "x", id: sent[0].id, v: 1 }), true);
  assert.equal(a.answer({ op: "x", id: sent[0].id, v: 2 }), false); // answered once
  assert.equal(a.answer({ op: "error", id: sent[2].id, message: "bad" }), true);
  assert.equal(a.answer({ op: "open", path: "x" }), false); // a message Python sent on its own
  assert.equal(a.answer(null), false);
  assert.deepEqual(got, [["b failed", "no"], ["a", 1]]);
  assert.deepEqual(errors, ["bad"]);
});
