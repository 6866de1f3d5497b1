"""A model's tree as a small table of distinct subtree shapes: identical blocks are stored once.

A *shape* is one node's row (without its path and name), its details body (without path, name,
depth and tensor paths) and its folded children, each child named and pointing at its own shape.
Equal subtrees (the 58 MoE layers of DeepSeek-V3, the 256 experts of each layer) share one shape,
so 76,000 modules can take a few kilobytes. ``js/export/tree_data.js`` rebuilds from it exactly the
rows, pages, reveals, searches and details :class:`explorer.tree.pages.TreePages` answers.

Encoding (JSON): ``{"root": i, "shapes": [...], "bodies": [...]}``; a shape is ``{"r": row,
"d": body index, "k": kids}`` (``k`` absent without children), a kid is ``[name, shape]`` for a
single module or, for a folded run, ``{"g", "n", "t", "x", "c", "s"}`` (the group row) plus
``"m"``: member names (a list, or ``{"r": first}`` for consecutive integers) and ``"h"``: member
shapes (one index when all are equal, else a list). The "new" badge and the ``new``, ``total``
and ``output`` details are not stored: they come from the new paths and the last run's shapes.
"""

from __future__ import annotations

import json
from typing import Any

from ..anatomy import Group, ModuleNode
from ..numbers import short_count
from ..tree.pages import TreePages

__all__ = ["encode_tree", "TreeReader", "SEP"]

SEP = "\x00"  # parent path + SEP + first member name: the key of a folded group
_BODY_DROP = ("path", "name", "depth", "new", "total", "output")


def _key(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _irregular(root: ModuleNode) -> set[str]:
    """Paths whose subtree holds something a folding signature does not describe (tied tensors,
    aliases, lazy modules): these are encoded node by node, never from a cached twin."""
    out: set[str] = set()
    for node in root.walk():
        if node.shared or node.alias_of is not None or node.lazy:
            out.add("")
            p = node.path
            while p and p not in out:  # the node and its ancestors, up to one already in
                out.add(p)
                p = p.rpartition(".")[0]
    return out


class _Encoder:
    def __init__(self, pages: TreePages, max_depth: int | None) -> None:
        self.pages = pages
        self.max_depth = max_depth
        self.shapes: list[dict] = []
        self.shape_ids: dict[str, int] = {}
        self.bodies: list[dict] = []
        self.body_ids: dict[str, int] = {}
        self.memo: dict[tuple, int] = {}
        self.irregular = _irregular(pages.root)

    def body(self, node: ModuleNode) -> int:
        d = self.pages.details(node.path)
        for k in _BODY_DROP:
            d.pop(k, None)
        prefix = node.path + "." if node.path else ""
        tensors = []
        for t in d["tensors"]:
            t = dict(t)
            if t.get("path") == prefix + t["name"]:
                del t["path"]  # rebuilt by the reader
            tensors.append(t)
        d["tensors"] = tensors
        key = _key(d)
        got = self.body_ids.get(key)
        if got is None:
            got = self.body_ids[key] = len(self.bodies)
            self.bodies.append(d)
        return got

    def shape(self, node: ModuleNode, parent: ModuleNode | None, depth: int) -> int:
        """The shape index of ``node``'s subtree, with an explicit stack (no recursion limit).

        Shapes are made in the order a recursion would make them: a node's body before its
        children's, its shape after theirs.
        """
        got = self.open(node, parent, depth)
        if isinstance(got, int):
            return got
        stack = [got]
        while True:
            frame = stack[-1]
            todo, done = frame[4], frame[5]
            if len(done) < len(todo):
                got = self.open(todo[len(done)], frame[0], frame[1] + 1)
                if isinstance(got, int):
                    done.append(got)
                else:
                    stack.append(got)
                continue
            stack.pop()
            got = self.close(frame)
            if not stack:
                return got
            stack[-1][5].append(got)

    def open(self, node: ModuleNode, parent: ModuleNode | None, depth: int) -> int | list:
        """A shape index when known already (an equal twin, or no children to wait for), else
        ``[node, depth, memo key, record, children to shape, their shapes so far]``."""
        left = None if self.max_depth is None else self.max_depth - depth
        memo_key = None
        if node.path not in self.irregular:
            pctx = (
                None if parent is None else (self.pages.param_dtypes(parent), tuple(parent.devices))
            )
            memo_key = (node.signature, node.params, node.buffers, node.bytes, pctx, left)
            got = self.memo.get(memo_key)
            if got is not None:
                return got
        row = self.pages.row(node, parent) if parent is not None else self.pages.row(node)
        del row["p"], row["n"]
        if "b" in row:
            row["b"] = [b for b in row["b"] if b != "new"]
            if not row["b"]:
                del row["b"]
        cut = left is not None and left <= 0
        if cut:
            row["k"] = 0
        rec: dict[str, Any] = {"r": row, "d": self.body(node)}
        todo: list[ModuleNode] = []
        if not cut and node.children:
            for it in self.pages.folded(node):
                todo.extend(it.members if isinstance(it, Group) else (it,))
            rec["k"] = None  # filled by close, in its place among the keys
        frame = [node, depth, memo_key, rec, todo, []]
        return self.close(frame) if not todo else frame

    def close(self, frame: list) -> int:
        """The shape index of a node whose children's shapes are all known."""
        node, _, memo_key, rec, _, done = frame
        if "k" in rec:
            shapes = iter(done)
            rec["k"] = [
                self.kid(it, [next(shapes) for _ in it.members])
                if isinstance(it, Group)
                else [it.name, next(shapes)]
                for it in self.pages.folded(node)
            ]
        key = _key(rec)
        got = self.shape_ids.get(key)
        if got is None:
            got = self.shape_ids[key] = len(self.shapes)
            self.shapes.append(rec)
        if memo_key is not None:
            self.memo[memo_key] = got
        return got

    @staticmethod
    def kid(it: Group, hs: list[int]) -> dict[str, Any]:
        """A folded run's entry: its group row, member names and member shapes ``hs``."""
        row = TreePages.group_row(it)
        names = [m.name for m in it.members]
        first = names[0]
        if (
            first.isdigit()
            and str(int(first)) == first
            and names == [str(int(first) + i) for i in range(len(names))]
        ):
            row["m"] = {"r": int(first)}
        else:
            row["m"] = names
        row["h"] = hs[0] if all(h == hs[0] for h in hs) else hs
        row["s"] = short_count(row["c"])
        return row


def encode_tree(pages: TreePages, max_depth: int | None = None) -> dict[str, Any]:
    """The tree of ``pages`` as distinct shapes (see the module docstring).

    Parameters
    ----------
    pages
        The model's :class:`~explorer.tree.pages.TreePages` (its new paths and output shapes
        are not stored here).
    max_depth
        Leave out the children of modules this many levels below the root (None: all); rows
        there show no caret (``k`` 0).
    """
    enc = _Encoder(pages, max_depth)
    root = enc.shape(pages.root, None, 0)
    return {"root": root, "shapes": enc.shapes, "bodies": enc.bodies}


def _member_names(kid: dict) -> list[str]:
    m = kid["m"]
    return [str(m["r"] + i) for i in range(kid["x"])] if isinstance(m, dict) else list(m)


def _member_shapes(kid: dict) -> list[int]:
    h = kid["h"]
    return [h] * kid["x"] if isinstance(h, int) else list(h)


class TreeReader:
    """Reads an :func:`encode_tree` table back into the rows :class:`TreePages` gives.

    Parameters
    ----------
    enc
        The encoding.
    new_paths
        Paths badged "new" (newly initialized).
    """

    def __init__(self, enc: dict[str, Any], new_paths: Any = ()) -> None:
        self.shapes = enc["shapes"]
        self.root = enc["root"]
        self.new = frozenset(new_paths)

    def row(self, path: str, name: str, shape: int) -> dict[str, Any]:
        """The full row of the module at ``path`` (named ``name``, of shape ``shape``)."""
        r = dict(self.shapes[shape]["r"])
        out = {"p": path, "n": name, **r}
        badges = (["new"] if path in self.new else []) + list(r.get("b", []))
        if badges:
            out["b"] = badges
        return out

    def items(self, path: str, shape: int) -> list[tuple]:
        """Folded children of a module: ``("node", name, path, shape)`` or ``("group", row,
        [(name, path, shape), ...])``."""
        prefix = path + "." if path else ""
        out: list[tuple] = []
        for kid in self.shapes[shape].get("k", ()):
            if isinstance(kid, list):
                out.append(("node", kid[0], prefix + kid[0], kid[1]))
            else:
                members = [
                    (n, prefix + n, h) for n, h in zip(_member_names(kid), _member_shapes(kid))
                ]
                row = {k: kid[k] for k in ("g", "n", "t", "x", "c", "s")}
                out.append(("group", row, members))
        return out

    def all_lists(self) -> dict[str, list]:
        """Every children list by key, as :meth:`TreePages.all_lists` gives them."""
        lists: dict[str, list] = {}
        todo = [("", self.root)]
        while todo:
            path, shape = todo.pop()
            its = self.items(path, shape)
            if not its:
                continue
            rows = []
            for it in its:
                if it[0] == "node":
                    rows.append(self.row(it[2], it[1], it[3]))
                    todo.append((it[2], it[3]))
                else:
                    rows.append(it[1])
                    lists[path + SEP + it[1]["g"]] = [self.row(p, n, h) for n, p, h in it[2]]
                    todo.extend((p, h) for _, p, h in it[2])
            lists[path] = rows
        return {k: v for k, v in lists.items()}
