// The exported view's data: its compressed parts, and the tree widget's requests (children,
// reveal, search, details) answered from the table of subtree shapes (explorer/export/encode.py)
// exactly as explorer.tree.pages.TreePages answers them in a kernel.

import { KEY_SEP as SEP } from "../generated/facts.js";

/** Text packed by Python as zlib + base64 (read with the browser's DecompressionStream). */
export async function unz(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Response(stream).text();
}

/** JSON packed by Python as zlib + base64. */
export const unzJSON = async (b64) => JSON.parse(await unz(b64));

function fail(message) {
  throw new Error(message);
}

function formatShapes(shapes) {
  if (!shapes || !shapes.length) return "no tensor output";
  return shapes.map((s) => `(${s.join(", ")})`).join(" + ");
}

/**
 * A stand-in for TreePages over an encoded tree.
 * @param {object} T the "tree" part (encode_tree's table without its bodies, plus "new",
 *   "output", "page", "max_matches", "initial_depth")
 * @param {(i: number) => Promise<object>} loadBody the details body `i`
 * @returns {{answer: Function, initial: Function, shapeOf: Function, total: number}} answer(request)
 *   resolves to the reply TreePages.answer gives (or rejects with the message of its error)
 */
export function makeTree(T, loadBody) {
  const shapes = T.shapes;
  const NEW = new Set(T.new);
  const OUT = T.output;
  const hasOut = Object.keys(OUT).length > 0;
  const PAGE = T.page;
  const total = shapes[T.root].r.c;
  const at = new Map([["", T.root]]); // path -> shape, filled as paths are looked up

  const memberName = (kid, j) => (Array.isArray(kid.m) ? kid.m[j] : String(kid.m.r + j));
  const memberShape = (kid, j) => (typeof kid.h === "number" ? kid.h : kid.h[j]);
  function memberIndex(kid, name) {
    if (Array.isArray(kid.m)) return kid.m.indexOf(name);
    if (!/^(0|[1-9][0-9]*)$/.test(name)) return -1;
    const j = Number(name) - kid.m.r;
    return j >= 0 && j < kid.x ? j : -1;
  }
  const groupRow = (kid) => ({ g: kid.g, n: kid.n, t: kid.t, x: kid.x, c: kid.c, s: kid.s });

  function row(path, name, s) {
    const out = { p: path, n: name, ...shapes[s].r };
    const badges = (NEW.has(path) ? ["new"] : []).concat(shapes[s].r.b || []);
    if (badges.length) out.b = badges;
    return out;
  }

  // The shape of a child `name` of shape `s`, or undefined.
  function childShape(s, name) {
    for (const kid of shapes[s].k || []) {
      if (Array.isArray(kid)) {
        if (kid[0] === name) return kid[1];
      } else {
        const j = memberIndex(kid, name);
        if (j >= 0) return memberShape(kid, j);
      }
    }
    return undefined;
  }

  // Up to the nearest path already looked up, then down one name at a time (no recursion:
  // models nest thousands of levels deep).
  function shapeOf(path) {
    const names = [];
    let p = path;
    while (!at.has(p)) {
      const dot = p.lastIndexOf(".");
      const parent = dot < 0 ? "" : p.slice(0, dot);
      if (p === "" || (dot >= 0 && !parent)) return undefined;
      names.push(p.slice(dot + 1));
      p = parent;
    }
    let s = at.get(p);
    while (names.length) {
      const name = names.pop();
      s = childShape(s, name);
      if (s === undefined) return undefined;
      p = p ? `${p}.${name}` : name;
      at.set(p, s);
    }
    return s;
  }

  function known(path) {
    if (typeof path !== "string") fail(`a module path is a str, not ${typeof path}`);
    const s = shapeOf(path);
    if (s === undefined) fail(`no module at path '${path}' in this page`);
    return s;
  }

  // One children list, windowed: {len, get(i)} (a folded run's members are never all built).
  function list(path, s, group) {
    const prefix = path ? `${path}.` : "";
    const kids = shapes[s].k || [];
    if (group === undefined || group === null) {
      return { key: path, len: kids.length,
        get: (i) => (Array.isArray(kids[i]) ? row(prefix + kids[i][0], kids[i][0], kids[i][1])
          : groupRow(kids[i])) };
    }
    const kid = kids.find((k) => !Array.isArray(k) && k.g === group);
    if (!kid) fail(`no folded group starting at '${group}' under '${path}'`);
    return { key: path + SEP + group, len: kid.x,
      get: (j) => row(prefix + memberName(kid, j), memberName(kid, j), memberShape(kid, j)) };
  }

  function page(l, offset) {
    const items = [];
    for (let i = offset; i < Math.min(l.len, offset + PAGE); i++) items.push(l.get(i));
    return { key: l.key, offset, total: l.len, items };
  }

  function children(path, group, offset = 0) {
    const s = known(path);
    if (!Number.isInteger(offset) || offset < 0) fail(`offset must be a non-negative int, got ${offset}`);
    return page(list(path, s, group), offset);
  }

  function initial() {
    const kids = [];
    const todo = [["", T.root, 0]];
    while (todo.length) {
      const [path, s, depth] = todo.shift();
      if (path !== "" && (!shapes[s].k || depth >= T.initial_depth)) continue;
      const p = children(path);
      kids.push(p);
      for (const it of p.items) if (it.g === undefined) todo.push([it.p, shapeOf(it.p), depth + 1]);
    }
    return { root: row("", "", T.root), total, kids, page: PAGE };
  }

  function reveal(path) {
    known(path);
    const opens = [];
    const kids = [];
    let node = "";
    for (const name of path ? path.split(".") : []) {
      opens.push(node);
      const s = shapeOf(node);
      const items = shapes[s].k || [];
      const top = list(node, s);
      let next = null;
      for (let i = 0; i < items.length && next === null; i++) {
        const kid = items[i];
        if (!Array.isArray(kid)) {
          const j = memberIndex(kid, name);
          if (j >= 0) {
            kids.push(page(top, i - (i % PAGE)));
            opens.push(node + SEP + kid.g);
            kids.push(page(list(node, s, kid.g), j - (j % PAGE)));
            next = node ? `${node}.${name}` : name;
          }
        } else if (kid[0] === name) {
          kids.push(page(top, i - (i % PAGE)));
          next = node ? `${node}.${name}` : name;
        }
      }
      if (next === null) fail(`no module at path '${path}'`);
      node = next;
    }
    return { path, open: opens, kids };
  }

  // Every module below the root in pre-order (print(model) order): [path, name, shape]. An
  // explicit stack, not recursion: models nest thousands of levels deep.
  function* walk(path, s) {
    const stack = [{ prefix: path ? `${path}.` : "", kids: shapes[s].k || [], i: 0, j: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i >= top.kids.length) {
        stack.pop();
        continue;
      }
      const kid = top.kids[top.i];
      let name;
      let shape;
      if (Array.isArray(kid)) {
        [name, shape] = kid;
        top.i++;
      } else if (top.j < kid.x) {
        name = memberName(kid, top.j);
        shape = memberShape(kid, top.j);
        top.j++;
      } else {
        top.i++;
        top.j = 0;
        continue;
      }
      yield [top.prefix + name, name, shape];
      stack.push({ prefix: `${top.prefix}${name}.`, kids: shapes[shape].k || [], i: 0, j: 0 });
    }
  }

  function search(query, limit = T.max_matches) {
    if (typeof query !== "string") fail(`query must be a str, not ${typeof query}`);
    const q = query.trim().toLowerCase();
    const out = { q: query, total: 0, matches: [], rows: [] };
    if (!q) return out;
    const dotted = q.includes(".");
    for (const [p, n, s] of walk("", T.root)) {
      let hit;
      if (dotted) { // the match must reach into the module's own name, not stop above it
        const i = p.toLowerCase().lastIndexOf(q);
        hit = i >= 0 && i + q.length > p.length - n.length;
      } else {
        hit = n.toLowerCase().includes(q);
      }
      if (hit || shapes[s].r.t.toLowerCase().includes(q)) {
        out.total += 1;
        if (out.matches.length < limit) out.matches.push(p);
      }
    }
    const shown = new Set();
    for (const m of out.matches) {
      const parts = m.split(".");
      for (let i = 1; i <= parts.length; i++) shown.add(parts.slice(0, i).join("."));
    }
    out.rows = [...shown].map((p) => row(p, p.slice(p.lastIndexOf(".") + 1), shapeOf(p)));
    return out;
  }

  async function details(path) {
    const s = known(path);
    const body = await loadBody(shapes[s].d);
    const prefix = path ? `${path}.` : "";
    const isNew = NEW.has(path) || [...NEW].some((p) => p === "" || path.startsWith(`${p}.`));
    const shapesRun = OUT[path];
    return {
      ...body,
      name: path.slice(path.lastIndexOf(".") + 1),
      path,
      depth: path ? path.split(".").length : 0,
      tensors: body.tensors.map((t) => (t.path === undefined ? { ...t, path: prefix + t.name } : t)),
      new: isNew,
      total,
      output: !hasOut ? null : shapesRun && shapesRun.length ? formatShapes(shapesRun)
        : "not run for the last input",
    };
  }

  async function answer(content) {
    if (!content || typeof content !== "object") fail("a request is a dict");
    const op = content.op;
    // A field left out takes its default; one sent as null is refused, as in Python.
    const arg = (name, absent) => (content[name] === undefined ? absent : content[name]);
    let body;
    if (op === "children") body = children(arg("path", ""), content.group, arg("offset", 0));
    else if (op === "reveal") body = reveal(arg("path", ""));
    else if (op === "search") body = search(arg("q", ""));
    else if (op === "details") body = await details(arg("path", ""));
    else fail(`unknown request op '${op}'`);
    return { op, id: content.id ?? null, ...body };
  }

  return { answer, initial, shapeOf, total };
}
