"""The module tree widget: lazily loaded, searchable, keyboard-driven (anywidget, no bundler)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..anatomy import Group, ModuleNode, module_tree
from ..treemap import short_count

__all__ = ["ModuleTree", "UnknownPathError", "PAGE", "MAX_MATCHES", "INITIAL_DEPTH"]

STATIC = Path(__file__).parent / "static"
PAGE = 200  # items of one children list sent per request (longer lists load page by page)
MAX_MATCHES = 200  # search results sent per query ("N more" for the rest)
INITIAL_DEPTH = 2  # levels below the root in the first message
_SEP = "\x00"  # joins a parent path and a group's first member name: a group key
_MAX_TENSORS = 200
_MAX_REPR = 20_000


class UnknownPathError(traitlets.TraitError, ValueError):
    """A path that names no module of the model (both a ``TraitError`` and a ``ValueError``)."""


def group_key(parent: str, group: Group) -> str:
    """The key a folded run of siblings is opened and loaded by: parent path + first member."""
    return parent + _SEP + group.members[0].name


class ModuleTree(anywidget.AnyWidget):
    """A collapsible tree of a model's modules that loads what is opened, and nothing more.

    Parameters
    ----------
    model
        An ``nn.Module``, a pipeline, or a :class:`~explorer.anatomy.ModuleNode`.
    new_paths
        Module paths to badge as "new" (newly initialized: random weights).
    height
        Height in pixels of the widget (search box, rows and details together).
    selected
        The initially selected path ("" is the root).

    Notes
    -----
    Synced traits: ``selected`` (the selected module path, both ways; validated), ``initial``
    (the root and its first ``INITIAL_DEPTH`` levels, set once), ``height``. Everything else
    travels as custom messages the browser asks for: ``{"op": "children" | "reveal" | "search" |
    "details", "id": ...}``, each answered by one message carrying the same ``id``.
    """

    _esm = STATIC / "tree.js"
    _css = STATIC / "tree.css"

    selected = traitlets.Unicode("").tag(sync=True)
    initial = traitlets.Dict().tag(sync=True)
    height = traitlets.Int(560).tag(sync=True)
    # Bumped when the output shapes of the last run change: the browser asks for details again.
    shapes_rev = traitlets.Int(0).tag(sync=True)

    def __init__(
        self,
        model: Any,
        *,
        new_paths: list[str] | tuple[str, ...] = (),
        height: int = 560,
        selected: str = "",
        **kwargs: Any,
    ) -> None:
        self.root = model if isinstance(model, ModuleNode) else module_tree(model)
        self.root.find("")  # builds the path index once
        self.new_paths = frozenset(str(p) for p in new_paths)
        self.output_shapes: dict[str, list[list[int]]] = {}
        self._groups: dict[str, list] = {}
        self._pdt: dict[str, tuple[str, ...]] = {}
        super().__init__(initial=self._initial(), height=height, **kwargs)
        self.selected = selected
        self.on_msg(self._on_msg)

    # -- validation ------------------------------------------------------------------------------
    def node(self, path: str) -> ModuleNode:
        """The node at ``path``; raise :class:`UnknownPathError` naming it when there is none."""
        if not isinstance(path, str):
            raise UnknownPathError(f"a module path is a str, not {type(path).__name__}")
        try:
            return self.root.find(path)
        except KeyError:
            raise UnknownPathError(
                f"no module at path {path!r} in this {self.root.type} "
                "(paths are as in model.named_modules(); '' is the root)"
            ) from None

    @traitlets.validate("selected")
    def _check_selected(self, proposal: dict) -> str:
        self.node(proposal["value"])
        return proposal["value"]

    # -- rows ------------------------------------------------------------------------------------
    def _parent(self, node: ModuleNode) -> ModuleNode | None:
        if node is self.root or not node.path:
            return None
        return self.root.find(node.path.rpartition(".")[0])

    def row(self, node: ModuleNode, parent: ModuleNode | None = None) -> dict[str, Any]:
        """One row as plain data: path, name, type, counts, badges; dtype/device when new."""
        out: dict[str, Any] = {
            "p": node.path,
            "n": node.name,
            "t": node.type,
            "c": node.params,
            "s": short_count(node.params),
            "k": len(node.children),
        }
        badges = []
        if node.path in self.new_paths:
            badges.append("new")
        if node.frozen:
            badges.append("frozen")
        if node.shared:
            badges.append("shared")
        if node.lazy:
            badges.append("lazy")
        if node.buffers and not node.params:
            badges.append("buffers")
        if node.alias_of is not None:
            badges.append("alias")
        if badges:
            out["b"] = badges
        if parent is None and node is not self.root:
            parent = self._parent(node)
        dtypes = self.param_dtypes(node)
        if dtypes and (parent is None or dtypes != self.param_dtypes(parent)):
            out["dt"] = ", ".join(dtypes)
        if node.devices and (parent is None or node.devices != parent.devices):
            out["dv"] = ", ".join(node.devices)
        return out

    def param_dtypes(self, node: ModuleNode) -> tuple[str, ...]:
        """Sorted dtypes of the parameters under ``node`` (buffers such as int64 ids left out)."""
        got = self._pdt.get(node.path)
        if got is None:
            found = {t["dtype"] for t in node.tensors if t["kind"] == "param"}
            for child in node.children:
                found.update(self.param_dtypes(child))
            got = self._pdt[node.path] = tuple(sorted(found))
        return got

    def _group_row(self, parent: ModuleNode, group: Group) -> dict[str, Any]:
        params = group.params
        return {
            "g": group.members[0].name,
            "n": group.name,
            "t": group.type,
            "x": group.count,
            "c": params,
            "s": short_count(params),
        }

    def _folded(self, node: ModuleNode) -> list:
        got = self._groups.get(node.path)
        if got is None:
            got = self._groups[node.path] = node.groups()
        return got

    def _items(self, parent: ModuleNode, items: list, offset: int) -> dict[str, Any]:
        window = items[offset : offset + PAGE]
        rows = [
            self._group_row(parent, it) if isinstance(it, Group) else self.row(it, parent)
            for it in window
        ]
        return {"offset": offset, "total": len(items), "items": rows}

    def children(self, path: str, group: str | None = None, offset: int = 0) -> dict[str, Any]:
        """One page of a node's folded children, or of a folded group's members.

        Returns ``{"key", "offset", "total", "items"}``: ``key`` is the path (or the group key).
        """
        node = self.node(path)
        if not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset must be a non-negative int, got {offset!r}")
        if group is None:
            return {"key": path, **self._items(node, self._folded(node), offset)}
        for it in self._folded(node):
            if isinstance(it, Group) and it.members[0].name == group:
                return {"key": group_key(path, it), **self._items(node, it.members, offset)}
        raise UnknownPathError(f"no folded group starting at {group!r} under {path!r}")

    def _initial(self) -> dict[str, Any]:
        root = self.root
        kids: list[dict] = []
        todo = [(root, 0)]
        while todo:
            node, depth = todo.pop(0)
            if not node.children or depth >= INITIAL_DEPTH:
                continue
            kids.append(self.children(node.path))
            todo.extend(
                (it, depth + 1) for it in self._folded(node)[:PAGE] if it.__class__ is not Group
            )
        return {"root": self.row(root), "total": root.params, "kids": kids, "page": PAGE}

    # -- reveal and search -----------------------------------------------------------------------
    def reveal(self, path: str) -> dict[str, Any]:
        """What the browser needs to show ``path``: the page holding it at every level above.

        Returns ``{"path", "open", "kids"}``: keys to open (ancestors and folded groups, from the
        root down) and the children pages that contain the next step of the way.
        """
        self.node(path)
        parts = path.split(".") if path else []
        opens: list[str] = []
        kids: list[dict] = []
        node = self.root
        for name in parts:
            opens.append(node.path)
            items = self._folded(node)
            for i, it in enumerate(items):
                if isinstance(it, Group):
                    j = next((j for j, m in enumerate(it.members) if m.name == name), -1)
                    if j >= 0:
                        kids.append({"key": node.path, **self._items(node, items, i - i % PAGE)})
                        key = group_key(node.path, it)
                        opens.append(key)
                        kids.append({"key": key, **self._items(node, it.members, j - j % PAGE)})
                        child = it.members[j]
                        break
                elif it.name == name:
                    kids.append({"key": node.path, **self._items(node, items, i - i % PAGE)})
                    child = it
                    break
            else:  # pragma: no cover - find() succeeded, so the path exists
                raise UnknownPathError(f"no module at path {path!r}")
            node = child
        return {"path": path, "open": opens, "kids": kids}

    def search(self, query: str, limit: int = MAX_MATCHES) -> dict[str, Any]:
        """Modules whose name or type contains ``query`` (case-insensitive), over the whole tree.

        A query with a dot matches full paths, where the match reaches into the module's own
        name (``"layer.3.ffn"`` finds that module, not everything below it). Returns ``{"q", "total", "matches",
        "rows"}``: the first ``limit`` matching paths in tree order, and rows (in tree order) for
        those matches and every ancestor needed to show them.
        """
        if not isinstance(query, str):
            raise TypeError(f"query must be a str, not {type(query).__name__}")
        q = query.strip().lower()
        out = {"q": query, "total": 0, "matches": [], "rows": []}
        if not q:
            return out
        dotted = "." in q
        matches: list[ModuleNode] = []
        total = 0
        for node in self.root.walk():
            if node is self.root:
                continue
            if dotted:  # the match must reach into the node's own name, not stop above it
                at = node.path.lower().rfind(q)
                hit = at >= 0 and at + len(q) > len(node.path) - len(node.name)
            else:
                hit = q in node.name.lower()
            if hit or q in node.type.lower():
                total += 1
                if len(matches) < limit:
                    matches.append(node)
        shown: dict[str, ModuleNode] = {}
        for m in matches:
            parts = m.path.split(".")
            for i in range(1, len(parts) + 1):
                p = ".".join(parts[:i])
                if p not in shown:
                    shown[p] = self.root.find(p)
        rows = [self.row(n) for n in shown.values()]
        out.update(total=total, matches=[m.path for m in matches], rows=rows)
        return out

    def details(self, path: str) -> dict[str, Any]:
        """Everything the details pane shows for one module, as plain data (never HTML)."""
        node = self.node(path)
        out = node.summary()
        out["repr"] = node.repr[:_MAX_REPR]
        out["tensors"] = out["tensors"][:_MAX_TENSORS]
        out["n_tensors"] = len(node.tensors)
        out["new"] = node.path in self.new_paths or any(
            node.path.startswith(p + ".") or p == "" for p in self.new_paths
        )
        out["total"] = self.root.params
        shapes = self.output_shapes.get(node.path) if self.output_shapes else None
        out["output"] = (
            None
            if not self.output_shapes
            else " + ".join("(" + ", ".join(map(str, s)) + ")" for s in shapes)
            if shapes
            else "not run for the last input"
        )
        return out

    def set_output_shapes(self, shapes: dict[str, list[list[int]]] | None) -> None:
        """Show each module's output shape for the last input (``{path: [shape, ...]}``)."""
        self.output_shapes = dict(shapes or {})
        self.shapes_rev += 1

    # -- messages --------------------------------------------------------------------------------
    def answer(self, content: dict) -> dict[str, Any]:
        """The reply to one request from the browser (what the message handler sends back)."""
        if not isinstance(content, dict):
            raise TypeError(f"a request is a dict, not {type(content).__name__}")
        op = content.get("op")
        if op == "children":
            body = self.children(
                content.get("path", ""), content.get("group"), content.get("offset", 0)
            )
        elif op == "reveal":
            body = self.reveal(content.get("path", ""))
        elif op == "search":
            body = self.search(content.get("q", ""))
        elif op == "details":
            body = self.details(content.get("path", ""))
        else:
            raise ValueError(f"unknown request op {op!r}")
        return {"op": op, "id": content.get("id"), **body}

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        try:
            reply = self.answer(content)
        except Exception as exc:  # answer the browser; never leave it waiting
            rid = content.get("id") if isinstance(content, dict) else None
            reply = {"op": "error", "id": rid, "message": f"{type(exc).__name__}: {exc}"}
        self.send(reply)

    # -- sizes -----------------------------------------------------------------------------------
    def state_bytes(self) -> int:
        """Size in bytes of the first message's state (all synced traits, JSON), as measured."""
        return len(json.dumps(self.get_state(), separators=(",", ":")).encode())
